namespace SegfaultTools;

/// <summary>Who made the cores, which decides which topology rules apply.</summary>
internal enum CpuVendor
{
    /// <summary>No /proc/cpuinfo vendor was found.</summary>
    Unknown,
    Intel,
    Amd,

    /// <summary>Another x86 vendor (Hygon, Zhaoxin, ...): no hybrid rule is known for it.</summary>
    OtherX86,

    /// <summary>arm64/arm (any implementer): the kernel's cpu_capacity describes big.LITTLE.</summary>
    Arm,
}

/// <summary>What the kernel shows about one logical CPU (sysfs and /proc/cpuinfo), before classification.</summary>
internal sealed class CpuTopology
{
    public required int Cpu { get; init; }
    public bool IsOnline { get; init; }

    /// <summary>/sys/devices/system/cpu/cpuN exists.</summary>
    public bool HasSysfsDir { get; init; }

    /// <summary>cpuN/topology/ is readable (an offline CPU usually has none).</summary>
    public bool HasTopology { get; init; }

    public int? CoreId { get; init; }
    public int? Socket { get; init; }
    public int? Die { get; init; }
    public int[]? ThreadSiblings { get; init; }

    /// <summary>shared_cpu_list of the CPU's level-2 data/unified cache.</summary>
    public int[]? L2Cpus { get; init; }

    /// <summary>shared_cpu_list of the CPU's level-3 cache.</summary>
    public int[]? L3Cpus { get; init; }

    public int? MaxFrequencyMHz { get; init; }
    public int? BaseFrequencyMHz { get; init; }
    public int? CpuCapacity { get; init; }
    public int? HighestPerf { get; init; }
    public string? ModelName { get; init; }
}

/// <summary>Everything the classifier needs about one machine.</summary>
internal sealed class TopologySnapshot
{
    public required string ComputerName { get; init; }
    public required IReadOnlyList<CpuTopology> Cpus { get; init; }
    public CpuVendor Vendor { get; init; }

    /// <summary>/sys/devices/cpu_core/cpus (hybrid Intel P-cores); null when the file is missing.</summary>
    public int[]? PmuCore { get; init; }

    /// <summary>/sys/devices/cpu_atom/cpus (hybrid Intel E-cores); null when the file is missing.</summary>
    public int[]? PmuAtom { get; init; }

    /// <summary>/sys/devices/cpu_lowpower/cpus (a third hybrid PMU for LP E-cores, where the kernel has one); null when missing.</summary>
    public int[]? PmuLowPower { get; init; }

    public bool HasHybridPmu => PmuCore is not null || PmuAtom is not null || PmuLowPower is not null;
}
