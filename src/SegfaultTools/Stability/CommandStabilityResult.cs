namespace SegfaultTools;

/// <summary>
/// How often the user's own command failed when pinned to one core type or one CPU: the automated
/// form of "disable the E-cores and see whether it still crashes". Flat, for Export-Csv and remoting.
/// </summary>
public sealed class CommandStabilityResult
{
    public string ComputerName { get; init; } = "";

    /// <summary>What the runs were pinned to: "Efficiency cores (CPUs 16-31)" or "CPU 3".</summary>
    public string Target { get; init; } = "";

    /// <summary>The core type of the target (Unknown when a CPU list mixes types).</summary>
    public CoreType CoreType { get; init; }

    /// <summary>The CPU, when the target is one CPU.</summary>
    public int? Cpu { get; init; }

    /// <summary>The CPUs the command was allowed to run on, in the kernel's list syntax.</summary>
    public string Cpus { get; init; } = "";

    public int Runs { get; init; }
    public int Failures { get; init; }

    /// <summary>Failures / Runs, 0 to 1.</summary>
    public double FailureRate { get; init; }

    /// <summary>The exit statuses seen, most frequent first: "0 x7, 139 (SIGSEGV) x3".</summary>
    public string? ExitCodes { get; init; }

    /// <summary>What the first failure was: an exit status, a signal, or the script's error.</summary>
    public string? FirstFailure { get; init; }

    public TimeSpan AverageDuration { get; init; }
    public TimeSpan TotalDuration { get; init; }

    /// <summary>The command as run.</summary>
    public string Command { get; init; } = "";

    public bool Passed { get; init; }

    public override string ToString() => $"{Target}: {Failures} of {Runs} runs failed";
}
