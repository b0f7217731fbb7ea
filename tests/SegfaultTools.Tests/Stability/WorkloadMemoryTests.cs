namespace SegfaultTools.Tests;

/// <summary>The memory workload's sizing (cache, floor, budget) and its ring of slices.</summary>
public sealed class WorkloadMemoryTests
{
    private const long MiB = 1L << 20;

    [Theory]
    [InlineData(32 * MiB, 1024 * MiB, 64 * MiB)]   // twice the cache
    [InlineData(1 * MiB, 1024 * MiB, 4 * MiB)]     // the 4 MiB floor
    [InlineData(32 * MiB, 6 * MiB, 6 * MiB)]       // the budget wins
    [InlineData(1 * MiB, 3 * MiB, 3 * MiB)]        // ... even over the floor
    [InlineData(0, 1024 * MiB, 4 * MiB)]           // no cache size known
    [InlineData(32 * MiB, (6 * MiB) + 1000, 6 * MiB)] // whole pages
    public void SizeIsTwiceTheCacheWithinTheBudget(long cache, long budget, long expected)
    {
        Assert.Equal(expected, MemoryWorkload.ChooseSize(new WorkloadEnvironment(cache, budget)));
    }

    [Fact]
    public void TooSmallABudgetIsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryWorkload().Prepare(1, new WorkloadEnvironment(32 * MiB, 100 * 1024)));
    }

    [Fact]
    public void AllocationStaysWithinTheBudget()
    {
        var workload = new MemoryWorkload();
        workload.Prepare(1, new WorkloadEnvironment(32 * MiB, 6 * MiB));
        Assert.True(workload.BufferBytes <= 6 * MiB, $"{workload.BufferBytes} bytes");
        Assert.True(workload.BufferBytes >= 5 * MiB, $"{workload.BufferBytes} bytes");
        Assert.Equal(0, workload.BufferBytes % workload.SliceBytes);
        Assert.Contains("MiB in", workload.Variant);
        Assert.Equal(2 * workload.SliceBytes, workload.OperationsPerIteration);
    }

    [Fact]
    public void SeveralLapsVerifyWhatEarlierLapsWrote()
    {
        var workload = new MemoryWorkload();
        workload.Prepare(9, WorkloadTests.Small);
        long slices = workload.BufferBytes / workload.SliceBytes;
        Assert.True(slices >= 8, $"{slices} slices");

        // Laps 1 to 3 each verify the previous lap's pattern (including its complement).
        for (long i = 0; i < 3 * slices; i++)
        {
            IterationOutcome outcome = workload.Run(injectFault: false);
            Assert.True(outcome.Correct, $"iteration {i}: expected {outcome.Expected}, got {outcome.Actual}");
        }
    }

    [Fact]
    public void InjectedFaultReportsItsOffsetAndBytes()
    {
        var workload = new MemoryWorkload();
        workload.Prepare(9, WorkloadTests.Small);
        workload.Run(injectFault: false);

        // The second iteration verifies slice 1; the fault lands mid-slice, 5 bytes in.
        IterationOutcome outcome = workload.Run(injectFault: true);
        long offset = workload.SliceBytes + (workload.SliceBytes / 2) + 5;
        Assert.Matches($"^offset 0x{offset:x}: 0x[0-9a-f]{{2}}$", outcome.Expected);
        Assert.Matches($"^offset 0x{offset:x}: 0x[0-9a-f]{{2}}$", outcome.Actual);
        byte want = Convert.ToByte(outcome.Expected![^2..], 16), got = Convert.ToByte(outcome.Actual![^2..], 16);
        Assert.Equal(0x20, want ^ got);
        Assert.Equal(1, outcome.Miscompares);
    }
}
