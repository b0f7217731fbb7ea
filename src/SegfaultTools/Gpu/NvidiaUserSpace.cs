using System.Text.RegularExpressions;

namespace SegfaultTools;

/// <summary>
/// The version of the NVIDIA user-space driver that programs load: the dynamic linker's cache
/// (ldconfig -p) names libcuda.so.1 and libnvidia-ml.so.1; the versioned file they lead to
/// (libcuda.so.590.48.01) carries the driver version.
/// </summary>
internal sealed class NvidiaUserSpace
{
    internal static readonly string[] Libraries = { "libcuda.so.1", "libnvidia-ml.so.1" };

    /// <summary>Where distributions put the driver's libraries, searched where the linker cache is unavailable.</summary>
    internal static readonly string[] LibraryDirs =
    {
        "usr/lib/x86_64-linux-gnu", "usr/lib64", "usr/lib", "lib/x86_64-linux-gnu", "lib64", "usr/lib/aarch64-linux-gnu", "usr/lib/wsl/lib",
    };

    private static readonly Regex VersionSuffix = new(@"\.so\.(\d+\.\d+(?:\.\d+)?)$", RegexOptions.CultureInvariant);

    /// <summary>libcuda.so.1's version, else libnvidia-ml.so.1's.</summary>
    public string? Version { get; private set; }

    /// <summary>Library name → (path, version) of what was found.</summary>
    public Dictionary<string, (string Path, string? Version)> Found { get; } = new();

    public List<string> Notes { get; } = new();

    /// <summary>The 64-bit entries of ldconfig -p for a library: "libcuda.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcuda.so.1".</summary>
    public static string? PathInLinkerCache(string ldconfigOutput, string library)
    {
        string? fallback = null;
        foreach (var raw in ldconfigOutput.Split('\n'))
        {
            var line = raw.Trim();
            if (!line.StartsWith(library + " ", StringComparison.Ordinal))
            {
                continue;
            }
            var arrow = line.IndexOf("=>", StringComparison.Ordinal);
            if (arrow < 0)
            {
                continue;
            }
            var path = line[(arrow + 2)..].Trim();
            var flags = line[library.Length..arrow];
            if (flags.Contains("x86-64", StringComparison.Ordinal) || flags.Contains("AArch64", StringComparison.OrdinalIgnoreCase))
            {
                return path;
            }
            fallback ??= path;
        }
        return fallback;
    }

    /// <summary>"libcuda.so.590.48.01" → "590.48.01".</summary>
    public static string? VersionOfFileName(string? name)
    {
        var m = name is null ? null : VersionSuffix.Match(System.IO.Path.GetFileName(name));
        return m is { Success: true } && m.Groups[1].Value.Contains('.') && m.Groups[1].Value != "1" ? m.Groups[1].Value : null;
    }

    public static NvidiaUserSpace Read(SystemRoot root, ToolOutput ldconfig)
    {
        var result = new NvidiaUserSpace();
        var versions = new Dictionary<string, string?>();
        foreach (var library in Libraries)
        {
            string? path = null;
            if (ldconfig.Outcome == ToolOutcome.Ok && ldconfig.Text is { } text)
            {
                path = PathInLinkerCache(text, library);
            }
            path ??= LibraryDirs.Select(d => "/" + d + "/" + library).FirstOrDefault(p => Exists(root, p));
            if (path is null)
            {
                continue;
            }
            var version = Resolve(root, path, out var resolved);
            result.Found[library] = (resolved ?? path, version);
            versions[library] = version;
            if (version is null)
            {
                result.Notes.Add($"{path} leads to no versioned file (libname.so.X.Y.Z), so its version is unknown");
            }
        }
        var cuda = versions.GetValueOrDefault("libcuda.so.1");
        var nvml = versions.GetValueOrDefault("libnvidia-ml.so.1");
        if (cuda is not null && nvml is not null && cuda != nvml)
        {
            result.Notes.Add($"libcuda.so.1 is {cuda} but libnvidia-ml.so.1 is {nvml}: the driver's libraries are from different installs");
        }
        result.Version = cuda ?? nvml;
        return result;
    }

    private static bool Exists(SystemRoot root, string absolute)
    {
        var p = root.PathOf(absolute);
        return File.Exists(p) || new FileInfo(p).LinkTarget is not null;
    }

    /// <summary>Follows the symlink chain (inside the root) to the versioned file; else one libname.so.X.Y.Z beside it.</summary>
    private static string? Resolve(SystemRoot root, string absolute, out string? resolved)
    {
        resolved = null;
        var current = absolute;
        for (var hops = 0; hops < 8; hops++)
        {
            var version = VersionOfFileName(current);
            if (version is not null)
            {
                resolved = current;
                return version;
            }
            string? target;
            try
            {
                target = new FileInfo(root.PathOf(current)).LinkTarget;
            }
            catch (IOException)
            {
                target = null;
            }
            if (target is null)
            {
                break;
            }
            current = target.StartsWith('/') ? target : System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(current) ?? "/", target));
        }

        // No link to follow (a copied tree, or a distribution that installs plain files): the one versioned file beside it.
        var dir = System.IO.Path.GetDirectoryName(absolute) ?? "/";
        var stem = System.IO.Path.GetFileName(absolute);
        stem = stem[..(stem.IndexOf(".so", StringComparison.Ordinal) + 3)];
        try
        {
            var candidates = Directory.Exists(root.PathOf(dir))
                ? Directory.EnumerateFileSystemEntries(root.PathOf(dir), stem + ".*")
                    .Select(f => VersionOfFileName(f) is { } v ? (File: f, Version: v) : default)
                    .Where(c => c.Version is not null)
                    .ToList()
                : new();
            if (candidates.Select(c => c.Version).Distinct().Count() == 1)
            {
                resolved = dir.TrimEnd('/') + "/" + System.IO.Path.GetFileName(candidates[0].File);
                return candidates[0].Version;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
        return null;
    }
}
