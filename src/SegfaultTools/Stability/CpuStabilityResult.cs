namespace SegfaultTools;

/// <summary>How Test-CpuStability loads the CPUs.</summary>
public enum StabilityMode
{
    /// <summary>One physical core at a time (each thread alone at single-core boost, then its SMT pair), favoured cores first.</summary>
    Cycle,

    /// <summary>Every selected CPU at once: heat and voltage droop.</summary>
    AllCores,

    /// <summary>Cycle, then AllCores.</summary>
    Both,
}

/// <summary>
/// One CPU's verdict for one workload in one mode: how much it computed, whether any answer was
/// wrong, whether its worker died, and whether the failure came back when retested. Flat, so it
/// survives Export-Csv and remoting.
/// </summary>
public sealed class CpuStabilityResult
{
    public string ComputerName { get; init; } = "";
    public int Cpu { get; init; }
    public int? CoreId { get; init; }
    public CoreType CoreType { get; init; }
    public CpuWorkload Workload { get; init; }

    /// <summary>Cycle (this CPU's core loaded alone) or AllCores (every selected CPU loaded).</summary>
    public StabilityMode Mode { get; init; }

    /// <summary>Wall time this CPU ran the workload in this mode, idle gaps included, retests excluded.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Iterations whose answer was checked.</summary>
    public long Iterations { get; init; }

    /// <summary>Iterations whose answer was wrong (plus one when the CPU's reference answer differed from the others').</summary>
    public long Errors { get; init; }

    /// <summary>Time from the workload's start on this CPU to its first wrong answer.</summary>
    public TimeSpan? FirstErrorAt { get; init; }

    /// <summary>The first wrong answer: what it should have been.</summary>
    public string? Expected { get; init; }

    /// <summary>The first wrong answer: what the CPU computed.</summary>
    public string? Actual { get; init; }

    /// <summary>The worker died (a signal, or killed after it stopped responding).</summary>
    public bool Crashed { get; init; }

    /// <summary>The signal that ended the worker ("SIGSEGV", "SIGILL", "SIGKILL" for a hang).</summary>
    public string? Signal { get; init; }

    /// <summary>How many times a failure was run again on the same CPU with the same seed (0 when nothing failed).</summary>
    public int Retests { get; init; }

    /// <summary>How many of those retests failed again.</summary>
    public int RetestsFailed { get; init; }

    /// <summary>"3 of 3": how often the failure came back; null when nothing failed.</summary>
    public string? Reproduced => Retests > 0 ? $"{RetestsFailed} of {Retests}" : null;

    /// <summary>Machine-check, EDAC or other kernel hardware-error records logged for this CPU while it was under test.</summary>
    public int HardwareErrors { get; init; }

    /// <summary>The highest clock read for this CPU while it was loaded (cpufreq scaling_cur_freq, else /proc/cpuinfo).</summary>
    public int? MaxFrequencyMHzSeen { get; init; }

    /// <summary>The highest temperature of this CPU's core (or package) from the hwmon sensors while it was loaded.</summary>
    public double? MaxTemperatureC { get; init; }

    /// <summary>Checked work per second of busy time, in OperationUnit.</summary>
    public double OpsPerSecond { get; init; }

    public string? OperationUnit { get; init; }

    /// <summary>CPU time the worker used over the wall time (idle gaps lower it).</summary>
    public double CpuUtilizationPercent { get; init; }

    /// <summary>How the workload ran here ("AVX2+FMA", "checked: SSE4.2 AVX2 ...").</summary>
    public string? Variant { get; init; }

    public int Seed { get; init; }

    /// <summary>No wrong answer, no crash, no hardware error, and some work was checked.</summary>
    public bool Passed { get; init; }

    /// <summary>What else a reader should know: discarded iterations, a reference that differed, a worker that could not start.</summary>
    public string? Note { get; init; }

    public override string ToString() =>
        $"CPU {Cpu} {Workload} ({Mode}): {(Passed ? "passed" : Crashed ? $"crashed ({Signal})" : $"{Errors} errors")}";
}
