namespace SegfaultTools.Tests;

[Collection(WorkerCollection.Name)]
public class CommandReplayTests
{
    [SkippableFact]
    public void AProgramThatFailsOnlyOnOneCpuIsPinnedThereAndBlamed()
    {
        var allowed = CpuAffinity.Get().ToHashSet();
        var cpus = HybridCoreMap.Build(SystemRoot.Live).Where(c => c.IsOnline && allowed.Contains(c.Cpu)).ToList();
        Skip.If(cpus.Count < 2, "needs two CPUs this process may run on");
        var bad = cpus[^1].Cpu;
        var launcher = WorkerLauncher.Find(out var problem);
        Assert.True(launcher is not null, problem);

        // The test's stand-in for a bad core: the program fails when the only CPU it may use is `bad`.
        var script = $"allowed=$(awk '/^Cpus_allowed_list/ {{print $2}}' /proc/self/status); [ \"$allowed\" = \"{bad}\" ] && exit 3; exit 0";
        var targets = CommandReplay.Targets(cpus, perCpu: true);
        Assert.Equal(cpus.Count, targets.Count);
        var results = CommandReplay.Run(targets, 3,
            t => CommandReplay.RunProgram(launcher!, t, "/bin/sh", new[] { "-c", script }, CancellationToken.None),
            "sh", "test", CancellationToken.None);

        Assert.Equal(cpus.Count, results.Count);
        var blamed = results.Single(r => r.Cpu == bad);
        Assert.Equal(3, blamed.Runs);
        Assert.Equal(3, blamed.Failures);
        Assert.Equal(1.0, blamed.FailureRate);
        Assert.Equal("3 x3", blamed.ExitCodes);
        Assert.StartsWith("exit 3 on CPU", blamed.FirstFailure);
        Assert.False(blamed.Passed);
        Assert.All(results.Where(r => r.Cpu != bad), r =>
        {
            Assert.Equal(0, r.Failures);
            Assert.Equal("0 x3", r.ExitCodes);
            Assert.True(r.Passed);
        });
    }

    [SkippableFact]
    public void APinnedProgramSeesOnlyItsCpus()
    {
        var allowed = CpuAffinity.Get();
        Skip.If(allowed.Length < 1, "no affinity");
        var launcher = WorkerLauncher.Find(out _)!;
        var target = new ReplayTarget("CPU", CoreType.Uniform, allowed[^1], new[] { allowed[^1] });
        var lines = new List<string>();
        var outcome = CommandReplay.RunProgram(launcher, target, "/bin/sh", new[] { "-c", "nproc; exit 139" }, CancellationToken.None, lines.Add);
        Assert.Equal(new[] { "1" }, lines);
        Assert.True(outcome.Failed);
        // A shell's exit status 139 reads as a SIGSEGV; a real signal does too (the next test).
        Assert.Equal("139 (SIGSEGV)", outcome.ExitStatus);
    }

    [Fact]
    public void AProgramKilledByASignalIsNamed()
    {
        var launcher = WorkerLauncher.Find(out _)!;
        var allowed = CpuAffinity.Get();
        var target = new ReplayTarget("CPU", CoreType.Uniform, allowed[0], new[] { allowed[0] });
        var outcome = CommandReplay.RunProgram(launcher, target, "/bin/sh", new[] { "-c", "kill -SEGV $$" }, CancellationToken.None);
        Assert.True(outcome.Failed);
        Assert.Equal("139 (SIGSEGV)", outcome.ExitStatus);
    }

    [Fact]
    public void TargetsAreCoreTypesOnAHybridMachineAndCpusOnAUniformOne()
    {
        var map = HybridCoreMap.Build(new SystemRoot(Path.Combine(RepoPaths.Fixtures, "topology", "raptorlake-13900ks")));
        var targets = CommandReplay.Targets(map, perCpu: false);
        Assert.Equal(2, targets.Count);
        Assert.Equal(CoreType.Performance, targets[0].CoreType);
        Assert.Equal(16, targets[0].Cpus.Count);
        Assert.StartsWith("Performance cores (CPUs 0-15)", targets[0].Label);
        Assert.Equal("Efficiency cores (CPUs 16-31)", targets[1].Label);
        Assert.Equal(32, CommandReplay.Targets(map, perCpu: true).Count);
        var uniform = HybridCoreMap.Build(new SystemRoot(Path.Combine(RepoPaths.Fixtures, "topology", "amd-zen4-7700x")));
        Assert.Equal(uniform.Count, CommandReplay.Targets(uniform, perCpu: false).Count);
    }
}
