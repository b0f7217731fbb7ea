namespace SegfaultTools.Tests;

/// <summary>
/// The contract every workload keeps, run in this process on this machine's CPU: healthy
/// iterations match the reference, an injected fault is caught by the workload's own comparison,
/// and the reference digest depends on the seed and on nothing else.
/// </summary>
public sealed class WorkloadTests
{
    /// <summary>Small enough that the memory workload allocates its 4 MiB floor and the whole class stays fast.</summary>
    internal static readonly WorkloadEnvironment Small = new(LastLevelCacheBytes: 1L << 20, MemoryBudgetBytes: 64L << 20);

    public static TheoryData<CpuWorkload> Kinds()
    {
        var data = new TheoryData<CpuWorkload>();
        foreach (CpuWorkload kind in Enum.GetValues<CpuWorkload>())
        {
            data.Add(kind);
        }

        return data;
    }

    private static StabilityWorkload Prepared(CpuWorkload kind, int seed)
    {
        StabilityWorkload workload = StabilityWorkload.Create(kind);
        workload.Prepare(seed, Small);
        return workload;
    }

    [Fact]
    public void CreateMakesOneClassPerKind()
    {
        var kinds = Enum.GetValues<CpuWorkload>();
        Assert.Equal(8, kinds.Length);
        var types = kinds.Select(k => StabilityWorkload.Create(k)).Select(w => w.GetType()).ToHashSet();
        Assert.Equal(kinds.Length, types.Count);
        foreach (CpuWorkload kind in kinds)
        {
            Assert.Equal(kind, StabilityWorkload.Create(kind).Kind);
            Assert.Equal(kind + "Workload", StabilityWorkload.Create(kind).GetType().Name);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void HealthyIterationsMatchTheReference(CpuWorkload kind)
    {
        StabilityWorkload workload = Prepared(kind, 11);
        for (int i = 0; i < 4; i++)
        {
            IterationOutcome outcome = workload.Run(injectFault: false);
            Assert.True(outcome.Correct, $"{kind} iteration {i}: expected {outcome.Expected}, got {outcome.Actual} ({outcome.Miscompares} miscompares)");
            Assert.Null(outcome.Expected);
            Assert.Null(outcome.Actual);
            Assert.Equal(0, outcome.Miscompares);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void DescribesItsWork(CpuWorkload kind)
    {
        StabilityWorkload workload = Prepared(kind, 3);
        Assert.True(workload.OperationsPerIteration > 0);
        Assert.False(string.IsNullOrWhiteSpace(workload.OperationUnit));
        Assert.False(string.IsNullOrWhiteSpace(workload.Variant));
        Assert.Matches("^[0-9a-f]{32}$", workload.ReferenceDigest);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void InjectedFaultIsCaughtAndTheNextIterationIsClean(CpuWorkload kind)
    {
        StabilityWorkload workload = Prepared(kind, 5);
        Assert.True(workload.Run(injectFault: false).Correct);

        IterationOutcome bad = workload.Run(injectFault: true);
        Assert.False(bad.Correct);
        Assert.NotNull(bad.Expected);
        Assert.NotNull(bad.Actual);
        Assert.NotEqual(bad.Expected, bad.Actual);
        Assert.True(bad.Miscompares >= 1, $"{kind}: {bad.Miscompares} miscompares");

        // Short enough to read in a table cell.
        Assert.True(bad.Expected!.Length <= 80, bad.Expected);
        Assert.True(bad.Actual!.Length <= 80, bad.Actual);

        // The fault hook corrupts one iteration only; the workload's state is not damaged by it.
        IterationOutcome after = workload.Run(injectFault: false);
        Assert.True(after.Correct, $"{kind} after the fault: expected {after.Expected}, got {after.Actual}");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void SameSeedGivesTheSameDigest(CpuWorkload kind)
    {
        StabilityWorkload first = Prepared(kind, 1234);
        StabilityWorkload second = Prepared(kind, 1234);
        Assert.Equal(first.ReferenceDigest, second.ReferenceDigest);

        // Running (with or without a fault) never changes the reference.
        first.Run(injectFault: true);
        first.Run(injectFault: false);
        Assert.Equal(second.ReferenceDigest, first.ReferenceDigest);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void DifferentSeedsGiveDifferentDigests(CpuWorkload kind)
    {
        Assert.NotEqual(Prepared(kind, 1).ReferenceDigest, Prepared(kind, 2).ReferenceDigest);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void PreparingAgainWithAnotherSeedSwitchesTheReference(CpuWorkload kind)
    {
        StabilityWorkload reused = Prepared(kind, 1);
        reused.Prepare(2, Small);
        Assert.Equal(Prepared(kind, 2).ReferenceDigest, reused.ReferenceDigest);
        Assert.True(reused.Run(injectFault: false).Correct);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void RunBeforePrepareIsRefused(CpuWorkload kind)
    {
        Assert.Throws<InvalidOperationException>(() => StabilityWorkload.Create(kind).Run(injectFault: false));
    }
}
