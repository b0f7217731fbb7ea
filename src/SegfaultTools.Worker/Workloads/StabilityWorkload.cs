namespace SegfaultTools;

/// <summary>
/// One deterministic piece of CPU work with a single right answer per seed. The worker calls
/// <see cref="Prepare"/> once, then <see cref="Run"/> in a loop for as long as it has been given;
/// tests call the same methods directly.
/// </summary>
/// <remarks>
/// The right answer is either known in advance (a published test vector) or computed once in
/// <see cref="Prepare"/> and compared on every iteration. <see cref="ReferenceDigest"/> lets the
/// parent compare the reference answers of all CPUs: a CPU that computed a different reference
/// than the others is itself wrong, even if it then agrees with itself.
/// </remarks>
public abstract class StabilityWorkload
{
    public abstract CpuWorkload Kind { get; }

    /// <summary>Builds the inputs from <paramref name="seed"/> and computes the reference answer.</summary>
    public abstract void Prepare(int seed, WorkloadEnvironment environment);

    /// <summary>
    /// Runs one iteration (a few milliseconds of work, so the worker can check its CPU and its
    /// deadline between iterations) and compares the result with the reference.
    /// </summary>
    /// <param name="injectFault">
    /// Test hook: corrupt one value inside the data path (one bit of an accumulator, one byte of a
    /// buffer between its write and its check) so that the workload's own comparison must catch it.
    /// Only the worker's test-only environment variable sets it.
    /// </param>
    public abstract IterationOutcome Run(bool injectFault);

    /// <summary>Operations one iteration performs (the unit is the workload's own: FLOPs, bytes, hashes), for OpsPerSecond.</summary>
    public abstract long OperationsPerIteration { get; }

    /// <summary>What one operation is ("FLOP", "byte", "hash"), for reports.</summary>
    public abstract string OperationUnit { get; }

    /// <summary>A hex digest of the reference answer; the same on every healthy CPU for the same seed and machine.</summary>
    public abstract string ReferenceDigest { get; }

    /// <summary>How the workload ran on this CPU ("AVX-512", "AVX2+FMA", "checked: SSE4.2 AVX2 FMA AES SHA BMI2").</summary>
    public virtual string Variant => string.Empty;

    /// <summary>Creates the workload of the given kind.</summary>
    public static StabilityWorkload Create(CpuWorkload kind) => kind switch
    {
        CpuWorkload.Integer => new IntegerWorkload(),
        CpuWorkload.Hash => new HashWorkload(),
        CpuWorkload.FloatingPoint => new FloatingPointWorkload(),
        CpuWorkload.Vector => new VectorWorkload(),
        CpuWorkload.InstructionSet => new InstructionSetWorkload(),
        CpuWorkload.Memory => new MemoryWorkload(),
        CpuWorkload.ByteStore => new ByteStoreWorkload(),
        CpuWorkload.Compression => new CompressionWorkload(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown workload."),
    };
}

/// <summary>The result of one iteration: right, or the first value that differed.</summary>
/// <param name="Correct">Every checked value matched the reference.</param>
/// <param name="Expected">The first differing value as it should be (hex, or "offset 0x1f40: 0x5a"); null when correct.</param>
/// <param name="Actual">The value that was computed instead; null when correct.</param>
/// <param name="Miscompares">How many values differed in this iteration (0 when correct).</param>
public readonly record struct IterationOutcome(bool Correct, string? Expected, string? Actual, long Miscompares)
{
    public static IterationOutcome Pass => new(true, null, null, 0);

    public static IterationOutcome Fail(string expected, string actual, long miscompares = 1) => new(false, expected, actual, miscompares);
}

/// <summary>Facts about the machine the workloads size themselves by.</summary>
/// <param name="LastLevelCacheBytes">The largest cache this CPU uses (sysfs cache/indexN/size); the memory workload goes beyond it.</param>
/// <param name="MemoryBudgetBytes">The most memory one workload may allocate in this worker (the parent divides free memory among workers).</param>
public sealed record WorkloadEnvironment(long LastLevelCacheBytes, long MemoryBudgetBytes)
{
    /// <summary>Used when sysfs gives no cache size: 32 MiB, larger than most desktop L3 slices a core sees.</summary>
    public static WorkloadEnvironment Default { get; } = new(32L << 20, 256L << 20);
}
