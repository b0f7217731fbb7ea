using System.Globalization;
using System.Text.RegularExpressions;

namespace SegfaultTools;

/// <summary>The CPU as /proc/cpuinfo describes it: who made it, which part, which microcode runs.</summary>
internal sealed partial record CpuIdentity
{
    public string? Vendor { get; init; }
    public string? ModelName { get; init; }
    public int? Family { get; init; }
    public int? Model { get; init; }
    public int? Stepping { get; init; }

    /// <summary>The microcode text of the first CPU ("0x12b").</summary>
    public string? Microcode { get; init; }
    public long? MicrocodeRevision { get; init; }

    /// <summary>Distinct microcode revisions across CPUs (more than one after a partial late load).</summary>
    public IReadOnlyList<string> MicrocodeVariants { get; init; } = Array.Empty<string>();
    public bool HasVmx { get; init; }
    public bool HasSvm { get; init; }
    public bool HasHypervisorFlag { get; init; }
    public int LogicalCpus { get; init; }
    public int? Sockets { get; init; }
    public int? PhysicalCores { get; init; }

    /// <summary>Intel's microcode file name for the part: "06-b7-01".</summary>
    public string? Signature => Family is int f && Model is int m && Stepping is int s
        ? string.Create(CultureInfo.InvariantCulture, $"{f:x2}-{m:x2}-{s:x2}")
        : null;

    [GeneratedRegex(@"\s{2,}", RegexOptions.CultureInvariant)]
    private static partial Regex Spaces();

    public static CpuIdentity From(Dictionary<int, Dictionary<string, string>> cpuinfo)
    {
        if (cpuinfo.Count == 0)
        {
            return new CpuIdentity();
        }
        var first = cpuinfo.OrderBy(kv => kv.Key).First().Value;
        string? Get(string key) => first.TryGetValue(key, out var v) && v.Length > 0 ? v : null;
        int? Int(string key) => int.TryParse(Get(key), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

        var flags = (Get("flags") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        var micro = Get("microcode");
        var variants = cpuinfo.Values.Select(b => b.GetValueOrDefault("microcode")).OfType<string>().Distinct(StringComparer.Ordinal).ToList();

        // "physical id"/"core id" are x86's; Arm prints neither.
        var sockets = cpuinfo.Values.Select(b => b.GetValueOrDefault("physical id")).OfType<string>().Distinct().Count();
        var cores = cpuinfo.Values
            .Where(b => b.ContainsKey("physical id") && b.ContainsKey("core id"))
            .Select(b => (b["physical id"], b["core id"])).Distinct().Count();

        var name = Get("model name");
        return new CpuIdentity
        {
            Vendor = Get("vendor_id"),
            ModelName = name is null ? null : Spaces().Replace(name, " "),
            Family = Int("cpu family"),
            Model = Int("model"),
            Stepping = Int("stepping"),
            Microcode = micro,
            MicrocodeRevision = ParseRevision(micro),
            MicrocodeVariants = variants,
            HasVmx = flags.Contains("vmx"),
            HasSvm = flags.Contains("svm"),
            HasHypervisorFlag = flags.Contains("hypervisor"),
            LogicalCpus = cpuinfo.Count,
            Sockets = sockets > 0 ? sockets : null,
            PhysicalCores = cores > 0 ? cores : null,
        };
    }

    /// <summary>"0x12b", "0x0000012b" or "299" as a number; null for anything else.</summary>
    public static long? ParseRevision(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        text = text.Trim();
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            return long.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var h) ? h : null;
        }
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var d) ? d : null;
    }

    /// <summary>A revision as the kernel's cpuinfo writes it: "0x12b".</summary>
    public static string FormatRevision(long revision) => "0x" + revision.ToString("x", CultureInfo.InvariantCulture);
}
