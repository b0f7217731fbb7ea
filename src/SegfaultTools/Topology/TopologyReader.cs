using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace SegfaultTools;

/// <summary>
/// Reads a machine's CPU topology from /sys/devices/system/cpu, the hybrid perf PMUs and /proc/cpuinfo,
/// through a <see cref="SystemRoot"/> (the live "/" or a captured tree). Missing files give nulls, never errors.
/// </summary>
internal static partial class TopologyReader
{
    public const string CpuDir = "sys/devices/system/cpu";

    /// <summary>Whether the tree has a CPU directory at all.</summary>
    public static bool HasCpuDirectory(SystemRoot root) => Directory.Exists(root.PathOf(CpuDir));

    public static TopologySnapshot Read(SystemRoot root)
    {
        var cpuinfo = ReadCpuInfo(root);
        var online = CpuList.Parse(root.ReadFirstLine(CpuDir + "/online"));
        var present = CpuList.Parse(root.ReadFirstLine(CpuDir + "/present"));
        var dirs = CpuDirectories(root);

        var all = new SortedSet<int>(dirs);
        all.UnionWith(present ?? Array.Empty<int>());
        all.UnionWith(online ?? Array.Empty<int>());
        all.UnionWith(cpuinfo.Keys);

        var onlineSet = online is null ? null : new HashSet<int>(online);
        var cpus = new List<CpuTopology>(all.Count);
        foreach (var cpu in all)
        {
            cpus.Add(ReadCpu(root, cpu, dirs.Contains(cpu), onlineSet, cpuinfo.GetValueOrDefault(cpu)));
        }

        return new TopologySnapshot
        {
            ComputerName = root.ComputerName,
            Cpus = cpus,
            Vendor = VendorOf(root, cpuinfo.Values.FirstOrDefault()),
            PmuCore = CpuList.Parse(root.ReadFirstLine("sys/devices/cpu_core/cpus")),
            PmuAtom = CpuList.Parse(root.ReadFirstLine("sys/devices/cpu_atom/cpus")),
            PmuLowPower = CpuList.Parse(root.ReadFirstLine("sys/devices/cpu_lowpower/cpus")),
        };
    }

    /// <summary>The CPU numbers of the tree (present list, else cpuN directories), for completion.</summary>
    public static IReadOnlyList<int> CpuNumbers(SystemRoot root)
    {
        var present = CpuList.Parse(root.ReadFirstLine(CpuDir + "/present"));
        var all = new SortedSet<int>(present ?? Array.Empty<int>());
        all.UnionWith(CpuDirectories(root));
        return all.ToList();
    }

    private static HashSet<int> CpuDirectories(SystemRoot root)
    {
        var set = new HashSet<int>();
        try
        {
            foreach (var dir in Directory.EnumerateDirectories(root.PathOf(CpuDir), "cpu*"))
            {
                var name = Path.GetFileName(dir);
                if (name.Length > 3 && name[3..].All(char.IsAsciiDigit)
                    && int.TryParse(name.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                {
                    set.Add(n);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
        return set;
    }

    private static CpuTopology ReadCpu(SystemRoot root, int cpu, bool hasDir, HashSet<int>? online, Dictionary<string, string>? info)
    {
        var dir = $"{CpuDir}/cpu{cpu.ToString(CultureInfo.InvariantCulture)}";
        var coreId = ReadId(root, dir + "/topology/core_id");
        var socket = ReadId(root, dir + "/topology/physical_package_id");
        var hasTopology = hasDir && (coreId is not null || Directory.Exists(root.PathOf(dir + "/topology")));

        bool isOnline;
        if (online is not null)
        {
            isOnline = online.Contains(cpu);
        }
        else if (root.ReadFirstLine(dir + "/online")?.Trim() is { } flag && flag is "0" or "1")
        {
            isOnline = flag == "1";
        }
        else
        {
            // No online list and no per-CPU flag (cpu0 often has none): a CPU with topology is running.
            isOnline = hasTopology;
        }

        var (l2, l3) = ReadCaches(root, dir + "/cache");
        return new CpuTopology
        {
            Cpu = cpu,
            IsOnline = isOnline,
            HasSysfsDir = hasDir,
            HasTopology = hasTopology,
            // /proc/cpuinfo's "core id"/"physical id" are the same numbers (x86); used where sysfs lacks them.
            CoreId = coreId ?? InfoInt(info, "core id"),
            Socket = socket ?? InfoInt(info, "physical id"),
            Die = ReadId(root, dir + "/topology/die_id"),
            ThreadSiblings = CpuList.Parse(root.ReadFirstLine(dir + "/topology/core_cpus_list"))
                ?? CpuList.Parse(root.ReadFirstLine(dir + "/topology/thread_siblings_list")),
            L2Cpus = l2,
            L3Cpus = l3,
            MaxFrequencyMHz = KhzToMhz(ReadId(root, dir + "/cpufreq/cpuinfo_max_freq")),
            BaseFrequencyMHz = KhzToMhz(ReadId(root, dir + "/cpufreq/base_frequency")),
            CpuCapacity = ReadId(root, dir + "/cpu_capacity"),
            HighestPerf = ReadId(root, dir + "/acpi_cppc/highest_perf"),
            ModelName = ModelNameOf(info),
        };
    }

    private static (int[]? L2, int[]? L3) ReadCaches(SystemRoot root, string cacheDir)
    {
        int[]? l2 = null, l3 = null;
        IEnumerable<string> indexes;
        try
        {
            indexes = Directory.EnumerateDirectories(root.PathOf(cacheDir), "index*").Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, null);
        }
        foreach (var index in indexes)
        {
            var rel = cacheDir + "/" + Path.GetFileName(index);
            var level = root.ReadFirstLine(rel + "/level")?.Trim();
            var type = root.ReadFirstLine(rel + "/type")?.Trim();
            if (type == "Instruction")
            {
                continue;
            }
            if (level == "2")
            {
                l2 ??= CpuList.Parse(root.ReadFirstLine(rel + "/shared_cpu_list"));
            }
            else if (level == "3")
            {
                l3 ??= CpuList.Parse(root.ReadFirstLine(rel + "/shared_cpu_list"));
            }
        }
        return (l2, l3);
    }

    /// <summary>A non-negative integer file; -1 ("unknown", e.g. physical_package_id on old arm64) and garbage are null.</summary>
    private static int? ReadId(SystemRoot root, string relative) =>
        int.TryParse(root.ReadFirstLine(relative)?.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) && v >= 0 ? v : null;

    private static int? KhzToMhz(int? khz) => khz is int k ? (int)Math.Round(k / 1000.0, MidpointRounding.AwayFromZero) : null;

    private static int? InfoInt(Dictionary<string, string>? info, string key) =>
        info is not null && info.TryGetValue(key, out var s) && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>/proc/cpuinfo as one key/value dictionary per "processor" block.</summary>
    internal static Dictionary<int, Dictionary<string, string>> ReadCpuInfo(SystemRoot root)
    {
        var result = new Dictionary<int, Dictionary<string, string>>();
        IEnumerable<string> lines;
        try
        {
            lines = File.ReadLines(root.PathOf("proc/cpuinfo")).ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return result;
        }
        Dictionary<string, string>? block = null;
        foreach (var line in lines)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }
            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (key == "processor")
            {
                block = null;
                if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                {
                    block = new Dictionary<string, string>(StringComparer.Ordinal);
                    result[n] = block;
                }
                continue;
            }
            if (block is not null)
            {
                block.TryAdd(key, value);
            }
        }
        return result;
    }

    private static CpuVendor VendorOf(SystemRoot root, Dictionary<string, string>? info)
    {
        if (info is not null)
        {
            if (info.TryGetValue("vendor_id", out var vendor))
            {
                return vendor switch
                {
                    "GenuineIntel" => CpuVendor.Intel,
                    "AuthenticAMD" => CpuVendor.Amd,
                    _ => CpuVendor.OtherX86,
                };
            }
            if (info.ContainsKey("CPU implementer"))
            {
                return CpuVendor.Arm;
            }
        }
        if (root.IsLive && RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm)
        {
            return CpuVendor.Arm;
        }
        return CpuVendor.Unknown;
    }

    private static string? ModelNameOf(Dictionary<string, string>? info)
    {
        if (info is null)
        {
            return null;
        }
        if (info.TryGetValue("model name", out var name) && name.Length > 0)
        {
            return CollapseSpaces().Replace(name, " ");
        }
        if (info.TryGetValue("CPU implementer", out var impl) && info.TryGetValue("CPU part", out var part))
        {
            return ArmCoreName(impl, part);
        }
        return null;
    }

    /// <summary>Arm core names from the MIDR implementer/part numbers (the table util-linux lscpu-arm.c carries).</summary>
    internal static string ArmCoreName(string implementer, string part)
    {
        static int Hex(string s) =>
            int.TryParse(s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? s[2..] : s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v) ? v : -1;

        var i = Hex(implementer);
        var p = Hex(part);
        if (i == 0x41)
        {
            var name = p switch
            {
                0xd03 => "Cortex-A53",
                0xd04 => "Cortex-A35",
                0xd05 => "Cortex-A55",
                0xd07 => "Cortex-A57",
                0xd08 => "Cortex-A72",
                0xd09 => "Cortex-A73",
                0xd0a => "Cortex-A75",
                0xd0b => "Cortex-A76",
                0xd0c => "Neoverse-N1",
                0xd0d => "Cortex-A77",
                0xd40 => "Neoverse-V1",
                0xd41 => "Cortex-A78",
                0xd44 => "Cortex-X1",
                0xd46 => "Cortex-A510",
                0xd47 => "Cortex-A710",
                0xd48 => "Cortex-X2",
                0xd49 => "Neoverse-N2",
                0xd4d => "Cortex-A715",
                0xd4e => "Cortex-X3",
                0xd4f => "Neoverse-V2",
                0xd80 => "Cortex-A520",
                0xd81 => "Cortex-A720",
                0xd82 => "Cortex-X4",
                _ => null,
            };
            if (name is not null)
            {
                return "ARM " + name;
            }
        }
        return $"implementer {implementer} part {part}";
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex CollapseSpaces();
}
