using System.Text.RegularExpressions;

namespace SegfaultTools;

/// <summary>
/// The loaded NVIDIA kernel module: its version and flavour from /proc/driver/nvidia/version,
/// /sys/module/nvidia/version and taint, and the module's license from modinfo.
/// </summary>
internal sealed class NvidiaKernelModule
{
    internal const string ProcVersion = "proc/driver/nvidia/version";
    internal const string SysModule = "sys/module/nvidia";
    private static readonly Regex VersionToken = new(@"\b(\d+\.\d+(?:\.\d+)?)\b", RegexOptions.CultureInvariant);

    /// <summary>True where anything says the module is loaded.</summary>
    public bool IsLoaded { get; private init; }

    public string? Version { get; private init; }

    public KernelModuleFlavor Flavor { get; private init; }

    /// <summary>The version modinfo reports for the module on disk (differs from the loaded one after an update without reboot).</summary>
    public string? OnDiskVersion { get; private init; }

    public List<string> Notes { get; } = new();

    /// <summary>Reads the "NVRM version:" line: version and flavour ("Open Kernel Module" or not).</summary>
    public static (string? Version, KernelModuleFlavor Flavor) ParseProcVersion(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return (null, KernelModuleFlavor.Unknown);
        }
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            var at = line.IndexOf("Kernel Module", StringComparison.Ordinal);
            if (!line.StartsWith("NVRM version:", StringComparison.Ordinal) || at < 0)
            {
                continue;
            }
            var flavor = line.Contains("Open Kernel Module", StringComparison.Ordinal) ? KernelModuleFlavor.Open : KernelModuleFlavor.Proprietary;
            // "... Kernel Module  590.48.01 ..." or "... Open Kernel Module for x86_64  590.48.01 ...": the first version after "Module".
            var m = VersionToken.Match(line, at);
            return (m.Success ? m.Groups[1].Value : null, flavor);
        }
        return (null, KernelModuleFlavor.Unknown);
    }

    /// <summary>The license from modinfo output ("license:        Dual MIT/GPL"), or a bare "modinfo -F license" line.</summary>
    public static (string? License, string? Version) ParseModinfo(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (null, null);
        }
        string? license = null, version = null;
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var line in lines)
        {
            if (line.StartsWith("license:", StringComparison.Ordinal))
            {
                license ??= line["license:".Length..].Trim();
            }
            else if (line.StartsWith("version:", StringComparison.Ordinal))
            {
                version ??= line["version:".Length..].Trim();
            }
        }
        if (license is null && version is null && lines.Length == 1 && !lines[0].Contains(':'))
        {
            license = lines[0];
        }
        return (license, version);
    }

    public static KernelModuleFlavor FlavorOfLicense(string? license) => license switch
    {
        "Dual MIT/GPL" => KernelModuleFlavor.Open,
        "NVIDIA" => KernelModuleFlavor.Proprietary,
        _ => KernelModuleFlavor.Unknown,
    };

    public static NvidiaKernelModule Read(SystemRoot root, ToolOutput modinfo)
    {
        var procText = ReadAll(root, ProcVersion);
        var sysVersion = root.ReadFirstLine(SysModule + "/version")?.Trim();
        var taint = root.ReadFirstLine(SysModule + "/taint")?.Trim();
        var loaded = procText is not null || Directory.Exists(root.PathOf(SysModule));

        var (procVersion, procFlavor) = ParseProcVersion(procText);
        var (license, onDisk) = modinfo.Outcome == ToolOutcome.Ok ? ParseModinfo(modinfo.Text) : (null, null);
        var licenseFlavor = FlavorOfLicense(license);
        // Taint P is set only by a proprietary license; the open module taints O (out of tree) alone.
        var taintFlavor = taint is null || !loaded ? KernelModuleFlavor.Unknown
            : taint.Contains('P') ? KernelModuleFlavor.Proprietary : KernelModuleFlavor.Open;

        var module = new NvidiaKernelModule
        {
            IsLoaded = loaded,
            Version = string.IsNullOrEmpty(sysVersion) ? procVersion : sysVersion,
            Flavor = procFlavor != KernelModuleFlavor.Unknown ? procFlavor
                : taintFlavor != KernelModuleFlavor.Unknown ? taintFlavor
                : licenseFlavor,
            OnDiskVersion = onDisk,
        };
        if (!loaded)
        {
            return module;
        }
        if (procText is null)
        {
            module.Notes.Add($"/{ProcVersion} could not be read");
        }
        if (procVersion is not null && !string.IsNullOrEmpty(sysVersion) && procVersion != sysVersion)
        {
            module.Notes.Add($"/{ProcVersion} says {procVersion} but /{SysModule}/version says {sysVersion}");
        }
        foreach (var (source, flavor) in new[] { ("the module license", licenseFlavor), ("the module taint", taintFlavor) })
        {
            if (flavor != KernelModuleFlavor.Unknown && module.Flavor != KernelModuleFlavor.Unknown && flavor != module.Flavor)
            {
                module.Notes.Add($"{source} says {flavor} but /{ProcVersion} says {module.Flavor}");
            }
        }
        if (onDisk is not null && module.Version is not null && onDisk != module.Version)
        {
            module.Notes.Add($"the nvidia module on disk is {onDisk} but the loaded one is {module.Version}: reboot to load the installed driver");
        }
        if (module.Flavor == KernelModuleFlavor.Unknown)
        {
            module.Notes.Add("the module flavour could not be told (no /proc/driver/nvidia/version, taint or modinfo license)");
        }
        return module;
    }

    internal static string? ReadAll(SystemRoot root, string relative)
    {
        try
        {
            return File.ReadAllText(root.PathOf(relative));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
