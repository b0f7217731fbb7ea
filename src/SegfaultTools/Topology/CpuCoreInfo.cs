namespace SegfaultTools;

/// <summary>
/// One logical CPU of a machine: which kind of core it is, which physical core, cluster (L2) and
/// socket it belongs to, and how that was decided. Numbers are null where the kernel file is missing.
/// </summary>
public sealed class CpuCoreInfo
{
    internal CpuCoreInfo(string computerName, CpuTopology t, CoreType coreType, string evidence)
    {
        ComputerName = computerName;
        Cpu = t.Cpu;
        CoreType = coreType;
        CoreId = t.CoreId;
        Socket = t.Socket;
        Die = t.Die;
        Cluster = t.L2Cpus is { Length: > 0 } l2 ? l2[0] : null;
        ThreadSiblings = t.ThreadSiblings;
        ThreadSiblingList = t.ThreadSiblings is { } s ? CpuList.Format(s) : null;
        IsOnline = t.IsOnline;
        MaxFrequencyMHz = t.MaxFrequencyMHz;
        BaseFrequencyMHz = t.BaseFrequencyMHz;
        Capacity = t.CpuCapacity ?? t.HighestPerf;
        ModelName = t.ModelName;
        Evidence = evidence;
    }

    /// <summary>The machine the map describes (the live host name, or the captured tree's etc/hostname).</summary>
    public string ComputerName { get; }

    /// <summary>The logical CPU number, as in "likely on CPU n" and /sys/devices/system/cpu/cpuN.</summary>
    public int Cpu { get; }

    public CoreType CoreType { get; }

    /// <summary>topology/core_id: the kernel's physical-core id (sparse on x86: from the APIC id), as in "(core c, ...)".</summary>
    public int? CoreId { get; }

    /// <summary>topology/physical_package_id.</summary>
    public int? Socket { get; }

    /// <summary>topology/die_id (x86 only).</summary>
    public int? Die { get; }

    /// <summary>The cores sharing this CPU's L2: the lowest CPU number in the L2's shared_cpu_list; null without cache information.</summary>
    public int? Cluster { get; }

    /// <summary>The logical CPUs of the same physical core, this one included (topology/core_cpus_list).</summary>
    public int[]? ThreadSiblings { get; }

    /// <summary>ThreadSiblings in the kernel's list syntax ("0-1", "0,8"), for tables and CSV.</summary>
    public string? ThreadSiblingList { get; }

    public bool IsOnline { get; }

    /// <summary>cpufreq/cpuinfo_max_freq in MHz.</summary>
    public int? MaxFrequencyMHz { get; }

    /// <summary>cpufreq/base_frequency in MHz (intel_pstate).</summary>
    public int? BaseFrequencyMHz { get; }

    /// <summary>cpu_capacity (scheduler capacity, 1024 = the biggest core), else ACPI CPPC acpi_cppc/highest_perf.</summary>
    public int? Capacity { get; }

    /// <summary>"model name" from /proc/cpuinfo (on Arm, the core named from its implementer and part numbers).</summary>
    public string? ModelName { get; }

    /// <summary>How CoreType was decided, or what was missing to decide it.</summary>
    public string Evidence { get; }

    public override string ToString() => $"CPU {Cpu}: {CoreType}";
}
