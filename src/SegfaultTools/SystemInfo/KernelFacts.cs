using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace SegfaultTools;

/// <summary>Taint, flavour, build date, compiler and preemption model of a kernel (DOMAIN.md 6.1, 6.4, 6.5).</summary>
internal static partial class KernelFacts
{
    /// <summary>Documentation/admin-guide/tainted-kernels.rst: bit, letter, meaning.</summary>
    internal static readonly (int Bit, char Letter, string Meaning)[] TaintFlags =
    {
        (0, 'P', "proprietary module loaded"),
        (1, 'F', "module force-loaded"),
        (2, 'S', "kernel running on an out-of-spec system (e.g. late microcode load)"),
        (3, 'R', "module force-unloaded"),
        (4, 'M', "machine check exception occurred"),
        (5, 'B', "bad page referenced or unexpected page flags (memory corruption)"),
        (6, 'U', "taint requested by user space"),
        (7, 'D', "kernel died recently (OOPS or BUG)"),
        (8, 'A', "ACPI table overridden"),
        (9, 'W', "kernel issued a warning"),
        (10, 'C', "staging driver loaded"),
        (11, 'I', "workaround for a platform firmware bug applied"),
        (12, 'O', "externally built (out-of-tree) module loaded"),
        (13, 'E', "unsigned module loaded"),
        (14, 'L', "soft lockup occurred"),
        (15, 'K', "kernel live-patched"),
        (16, 'X', "auxiliary taint (distribution-defined)"),
        (17, 'T', "built with the struct randomization plugin"),
        (18, 'N', "in-kernel test has run"),
        (19, 'J', "user space used a mutating debug operation in fwctl"),
    };

    /// <summary>The set flags as letters ("OE") and as text ("O: ...; E: ..."); unknown bits as "bit N".</summary>
    public static (string Letters, string Text) DecodeTaint(long mask)
    {
        if (mask == 0)
        {
            return ("", "not tainted");
        }
        var letters = new StringBuilder();
        var text = new List<string>();
        for (int bit = 0; bit < 63; bit++)
        {
            if ((mask & (1L << bit)) == 0)
            {
                continue;
            }
            var known = TaintFlags.FirstOrDefault(t => t.Bit == bit);
            if (known.Letter != default)
            {
                letters.Append(known.Letter);
                text.Add($"{known.Letter}: {known.Meaning}");
            }
            else
            {
                text.Add(string.Create(CultureInfo.InvariantCulture, $"bit {bit}: not known to this module"));
            }
        }
        return (letters.ToString(), string.Join("; ", text));
    }

    private static readonly string[] FlavorMarkers =
    {
        "rt", "zen", "lts", "hardened", "cachyos", "xanmod", "liquorix", "lqx", "tkg", "lowlatency", "generic",
        "realtime", "cloud", "aws", "azure", "gcp", "gke", "kvm", "oracle", "raspi", "arch", "amd64", "arm64", "default", "desktop",
    };

    [GeneratedRegex(@"^(?<name>[a-z]+)\d*$", RegexOptions.CultureInvariant)]
    private static partial Regex MarkerToken();

    /// <summary>
    /// The flavour suffix of a release string: "6.18.2-zen2-1-zen" → zen, "6.12.9-arch1-1" → arch,
    /// "6.8.0-49-generic" → generic, "6.12.57+deb13-rt-amd64" → rt; null where none is recognised.
    /// The rightmost marker wins, except that rt wins over everything (it decides the preemption model).
    /// </summary>
    public static string? Flavor(string? release, string? version)
    {
        if (string.IsNullOrEmpty(release))
        {
            return null;
        }
        var tokens = release.Split('-', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(t => t.ToLowerInvariant())
            .Select(t => FlavorMarkers.Contains(t) ? t : MarkerToken().Match(t) is { Success: true } m ? m.Groups["name"].Value : "")
            .Where(n => FlavorMarkers.Contains(n))
            .ToList();
        if (tokens.Contains("rt") || tokens.Contains("realtime") || (version?.Contains("PREEMPT_RT", StringComparison.Ordinal) ?? false))
        {
            return "rt";
        }
        var last = tokens.LastOrDefault();
        return last switch
        {
            null => null,
            "lqx" => "liquorix",
            _ => last,
        };
    }

    [GeneratedRegex(@"(?<dow>Mon|Tue|Wed|Thu|Fri|Sat|Sun),? +(?<rest>.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex DatePart();

    [GeneratedRegex(@"\((?<date>\d{4}-\d{2}-\d{2})\)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex DebianDate();

    private static readonly Dictionary<string, TimeSpan> ZoneOffsets = new(StringComparer.Ordinal)
    {
        ["UTC"] = TimeSpan.Zero, ["GMT"] = TimeSpan.Zero, ["CET"] = TimeSpan.FromHours(1), ["CEST"] = TimeSpan.FromHours(2),
        ["EST"] = TimeSpan.FromHours(-5), ["EDT"] = TimeSpan.FromHours(-4), ["PST"] = TimeSpan.FromHours(-8), ["PDT"] = TimeSpan.FromHours(-7),
    };

    /// <summary>
    /// The build date in a uname -v string: Arch's RFC 2822 "Thu, 18 Dec 2025 18:00:18 +0000", date(1)'s
    /// "Wed Nov  6 17:42:15 UTC 2024", or Debian's "(2025-01-02)"; null for anything else.
    /// </summary>
    public static DateTimeOffset? BuildDate(string? version)
    {
        if (string.IsNullOrEmpty(version))
        {
            return null;
        }
        var deb = DebianDate().Match(version);
        if (deb.Success && DateTime.TryParseExact(deb.Groups["date"].Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
        {
            return new DateTimeOffset(d, TimeSpan.Zero);
        }
        var m = DatePart().Match(version);
        if (!m.Success)
        {
            return null;
        }
        var rest = Regex.Replace(m.Groups["rest"].Value.Trim(), @"\s+", " ");
        // RFC 2822: "18 Dec 2025 18:00:18 +0000"
        if (DateTimeOffset.TryParseExact(rest, new[] { "d MMM yyyy HH:mm:ss zzz", "d MMM yyyy HH:mm:ss zzzz" }, CultureInfo.InvariantCulture, DateTimeStyles.None, out var rfc))
        {
            return rfc;
        }
        var parts = rest.Split(' ');
        if (parts.Length == 5 && parts[4].Length == 4 && ZoneOffsets.TryGetValue(parts[3], out var offset)
            && DateTime.TryParseExact($"{parts[0]} {parts[1]} {parts[4]} {parts[2]}", "MMM d yyyy HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            return new DateTimeOffset(local, offset);
        }
        return null;
    }

    /// <summary>The compiler part of /proc/version: "Linux version R (builder) (gcc (GCC) 15.2.1 20251112, GNU ld ...) #1 ..." → "gcc (GCC) 15.2.1 20251112".</summary>
    public static string? Compiler(string? procVersion)
    {
        if (string.IsNullOrEmpty(procVersion))
        {
            return null;
        }
        foreach (var start in new[] { "(gcc", "(clang", "(Debian clang", "(Ubuntu clang", "(x86_64-", "(aarch64-" })
        {
            var at = procVersion.IndexOf(start, StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }
            // Up to the matching close parenthesis or the ", GNU ld" / ", LLD" separator.
            int depth = 0;
            for (int i = at; i < procVersion.Length; i++)
            {
                if (procVersion[i] == '(')
                {
                    depth++;
                }
                else if (procVersion[i] == ',' && depth == 1)
                {
                    return procVersion[(at + 1)..i].Trim(); // ", GNU ld ..." / ", Debian LLD ..." follows
                }
                else if (procVersion[i] == ')' && --depth == 0)
                {
                    return procVersion[(at + 1)..i].Trim();
                }
            }
        }
        return null;
    }

    /// <summary>The built-in preemption model from uname -v's tag, else from the kernel config.</summary>
    public static string? PreemptionModel(string? version, IReadOnlyDictionary<string, string>? config)
    {
        var tags = (version ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (tags.Contains("PREEMPT_RT") || Yes(config, "CONFIG_PREEMPT_RT"))
        {
            return "rt";
        }
        if (tags.Contains("PREEMPT_DYNAMIC") || Yes(config, "CONFIG_PREEMPT_DYNAMIC"))
        {
            return "dynamic";
        }
        if (tags.Contains("PREEMPT_LAZY"))
        {
            return "lazy";
        }
        if (tags.Contains("PREEMPT"))
        {
            return "full";
        }
        // No tag: none or voluntary, which only the config tells apart.
        return ConfigDefault(config);
    }

    /// <summary>The config's choice among CONFIG_PREEMPT_NONE/VOLUNTARY/PREEMPT/LAZY (the boot default under PREEMPT_DYNAMIC).</summary>
    public static string? ConfigDefault(IReadOnlyDictionary<string, string>? config)
    {
        if (config is null)
        {
            return null;
        }
        if (Yes(config, "CONFIG_PREEMPT_RT"))
        {
            return "rt";
        }
        if (Yes(config, "CONFIG_PREEMPT_LAZY"))
        {
            return "lazy";
        }
        if (Yes(config, "CONFIG_PREEMPT"))
        {
            return "full";
        }
        if (Yes(config, "CONFIG_PREEMPT_VOLUNTARY"))
        {
            return "voluntary";
        }
        if (Yes(config, "CONFIG_PREEMPT_NONE"))
        {
            return "none";
        }
        return null;
    }

    /// <summary>The active mode in /sys/kernel/debug/sched/preempt: "none voluntary (full) lazy" → full.</summary>
    public static string? ActiveFromDebugfs(string? text)
    {
        if (text is null)
        {
            return null;
        }
        var open = text.IndexOf('(');
        var close = open >= 0 ? text.IndexOf(')', open) : -1;
        return close > open + 1 ? text[(open + 1)..close].Trim() : null;
    }

    /// <summary>A "preempt=" boot parameter on the command line.</summary>
    public static string? PreemptParameter(string? cmdline)
    {
        foreach (var arg in (cmdline ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (arg.StartsWith("preempt=", StringComparison.Ordinal) && arg.Length > 8)
            {
                return arg[8..];
            }
        }
        return null;
    }

    private static bool Yes(IReadOnlyDictionary<string, string>? config, string key) =>
        config is not null && config.TryGetValue(key, out var v) && v == "y";

    /// <summary>Reads a kernel config (plain, or gzip as /proc/config.gz is) into its "CONFIG_X=value" pairs.</summary>
    public static Dictionary<string, string>? ReadConfig(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            Stream stream = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
            using var reader = new StreamReader(stream);
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            string? line;
            while ((line = reader.ReadLine()) is not null)
            {
                if (line.StartsWith("CONFIG_", StringComparison.Ordinal))
                {
                    var eq = line.IndexOf('=', StringComparison.Ordinal);
                    if (eq > 0)
                    {
                        result[line[..eq]] = line[(eq + 1)..].Trim('"');
                    }
                }
            }
            return result;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return null;
        }
    }
}
