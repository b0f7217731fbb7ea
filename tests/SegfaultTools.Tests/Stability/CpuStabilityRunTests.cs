using System.Diagnostics;

namespace SegfaultTools.Tests;

/// <summary>
/// Real workers on this machine's CPUs. The test-only fault variable is given to the workers
/// through the launcher, never set in this process, so other tests never see it.
/// </summary>
[Collection(WorkerCollection.Name)]
public class CpuStabilityRunTests
{
    private static List<CpuCoreInfo> LiveCpus()
    {
        var allowed = CpuAffinity.Get().ToHashSet();
        return HybridCoreMap.Build(SystemRoot.Live).Where(c => c.IsOnline && allowed.Contains(c.Cpu)).ToList();
    }

    private static WorkerLauncher Launcher(string? faults = null)
    {
        var launcher = WorkerLauncher.Find(out var problem);
        Assert.True(launcher is not null, problem);
        return faults is null ? launcher! : launcher!.WithEnvironment(new Dictionary<string, string> { [TestFaults.Variable] = faults });
    }

    private static (List<CpuStabilityResult> Results, List<string> Warnings) Run(CpuStabilityOptions options, WorkerLauncher launcher,
        Func<IReadOnlyList<HardwareErrorEvent>?>? hardware = null, CancellationToken cancel = default)
    {
        var results = new List<CpuStabilityResult>();
        var warnings = new List<string>();
        var run = new CpuStabilityRun(options, launcher, new CpuSensorReader(SystemRoot.Live, options.Cpus), hardware)
        {
            Result = results.Add,
            Warning = warnings.Add,
        };
        run.Run(cancel);
        return (results, warnings);
    }

    /// <summary>Two CPUs: the first stays healthy, the last plays the bad core.</summary>
    private static (List<CpuCoreInfo> Cpus, int Good, int Bad) TwoCpus()
    {
        var cpus = LiveCpus();
        Skip.If(cpus.Count < 2, "needs two CPUs this process may run on");
        var pair = new List<CpuCoreInfo> { cpus[0], cpus[^1] };
        return (pair, pair[0].Cpu, pair[1].Cpu);
    }

    [SkippableFact]
    public void AWrongAnswerOnOneCpuFailsThatCpuAndComesBackOnEveryRetest()
    {
        var (cpus, good, bad) = TwoCpus();
        var options = new CpuStabilityOptions
        {
            Cpus = cpus,
            Workloads = new[] { CpuWorkload.Integer, CpuWorkload.Hash },
            Mode = StabilityMode.Cycle,
            Duration = TimeSpan.FromSeconds(3),
            Seed = 4242,
            Retests = 3,
            ComputerName = "test",
        };
        var (results, _) = Run(options, Launcher($"wrong@{bad}:Integer"));

        Assert.Equal(4, results.Count);
        var failed = results.Single(r => r.Cpu == bad && r.Workload == CpuWorkload.Integer);
        Assert.False(failed.Passed);
        Assert.False(failed.Crashed);
        Assert.True(failed.Errors >= 1);
        Assert.Equal(failed.Iterations, failed.Errors); // every iteration was corrupted
        Assert.NotNull(failed.Expected);
        Assert.NotEqual(failed.Expected, failed.Actual);
        Assert.NotNull(failed.FirstErrorAt);
        Assert.Equal(3, failed.Retests);
        Assert.Equal(3, failed.RetestsFailed);
        Assert.Equal("3 of 3", failed.Reproduced);
        Assert.Equal(4242, failed.Seed);

        // The same CPU's other workload and the healthy CPU pass, with work done and no retests.
        foreach (var r in results.Where(r => r != failed))
        {
            Assert.True(r.Passed, $"CPU {r.Cpu} {r.Workload}: {r.Note}");
            Assert.True(r.Iterations > 0);
            Assert.Equal(0, r.Errors);
            Assert.Equal(0, r.Retests);
            Assert.True(r.OpsPerSecond > 0);
        }
        Assert.All(results.Where(r => r.Cpu == good), r => Assert.Equal(cpus[0].CoreType, r.CoreType));
    }

    [SkippableFact]
    public void AWorkerKilledBySigsegvIsACrashWithItsSignalAndTheOthersGoOn()
    {
        var (cpus, good, bad) = TwoCpus();
        var options = new CpuStabilityOptions
        {
            Cpus = cpus,
            Workloads = new[] { CpuWorkload.Integer, CpuWorkload.FloatingPoint },
            Mode = StabilityMode.AllCores,
            Duration = TimeSpan.FromSeconds(2),
            Seed = 7,
            Retests = 2,
            ComputerName = "test",
        };
        var (results, _) = Run(options, Launcher($"crash@{bad}:Integer"));

        var crashed = results.Single(r => r.Cpu == bad && r.Workload == CpuWorkload.Integer);
        Assert.True(crashed.Crashed);
        Assert.Equal("SIGSEGV", crashed.Signal);
        Assert.False(crashed.Passed);
        Assert.Equal("2 of 2", crashed.Reproduced);
        Assert.Contains("SIGSEGV", crashed.Note);
        Assert.Equal(StabilityMode.AllCores, crashed.Mode);
        // The bad CPU's worker died before its next workload.
        var notRun = results.Single(r => r.Cpu == bad && r.Workload == CpuWorkload.FloatingPoint);
        Assert.False(notRun.Passed);
        Assert.Contains("not run", notRun.Note);
        Assert.All(results.Where(r => r.Cpu == good), r => Assert.True(r.Passed, r.Note));
    }

    [SkippableFact]
    public void AWorkerThatStopsRespondingIsKilledAndBlamed()
    {
        var (cpus, good, bad) = TwoCpus();
        var options = new CpuStabilityOptions
        {
            Cpus = cpus,
            Workloads = new[] { CpuWorkload.Integer },
            Mode = StabilityMode.AllCores,
            Duration = TimeSpan.FromSeconds(4),
            Seed = 8,
            Retests = 0,
            SilenceLimit = TimeSpan.FromSeconds(2),
            ComputerName = "test",
        };
        var clock = Stopwatch.StartNew();
        var (results, _) = Run(options, Launcher($"hang@{bad}"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60));
        var hung = results.Single(r => r.Cpu == bad);
        Assert.True(hung.Crashed);
        Assert.Equal("SIGKILL", hung.Signal);
        Assert.Contains("stopped responding", hung.Note);
        Assert.True(results.Single(r => r.Cpu == good).Passed);
    }

    [SkippableFact]
    public void CancellingStopsEveryWorkerAtOnce()
    {
        var cpus = LiveCpus();
        const int seed = 918273645; // marks this test's workers in /proc
        var options = new CpuStabilityOptions
        {
            Cpus = cpus,
            Workloads = new[] { CpuWorkload.Integer, CpuWorkload.Memory },
            Mode = StabilityMode.AllCores,
            Duration = TimeSpan.FromMinutes(5),
            Seed = seed,
            ComputerName = "test",
        };
        using var cancel = new CancellationTokenSource();
        var sawWorkers = false;
        var run = new CpuStabilityRun(options, Launcher());
        run.Progress = _ =>
        {
            if (!sawWorkers && WorkersWithSeed(seed).Count == cpus.Count)
            {
                sawWorkers = true;
                cancel.CancelAfter(500);
            }
        };
        var results = new List<CpuStabilityResult>();
        run.Result = results.Add;
        var clock = Stopwatch.StartNew();
        run.Run(cancel.Token);
        Assert.True(sawWorkers, "the workers were never seen running");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"the run took {clock.Elapsed} to stop");
        Assert.Empty(results); // nothing was finished, and nothing half-done is reported
        Assert.Empty(WorkersWithSeed(seed));
    }

    /// <summary>Worker processes whose command line carries <paramref name="seed"/>.</summary>
    internal static List<int> WorkersWithSeed(int seed)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }
            try
            {
                var args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                var at = Array.IndexOf(args, "--seed");
                if (args.Any(a => a.EndsWith(WorkerLauncher.WorkerFileName, StringComparison.Ordinal)) && at >= 0 && at + 1 < args.Length
                    && args[at + 1] == seed.ToString(System.Globalization.CultureInfo.InvariantCulture))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
            }
        }
        return found;
    }

    [SkippableFact]
    public void HardwareErrorsLoggedWhileACpuIsUnderTestAreItsOwn()
    {
        var (cpus, good, bad) = TwoCpus();
        var options = new CpuStabilityOptions
        {
            Cpus = cpus,
            Workloads = new[] { CpuWorkload.Integer },
            Mode = StabilityMode.Cycle,
            Duration = TimeSpan.FromSeconds(1),
            Seed = 9,
            ComputerName = "test",
        };
        var start = DateTimeOffset.Now;
        var (results, _) = Run(options, Launcher(), () =>
        {
            // A machine check naming the bad CPU, logged just after the run began, and one from long before it.
            return new[]
            {
                new HardwareErrorEvent(new HardwareRecord(HardwareErrorKind.MachineCheck, HardwareRecord.Shape.MachineCheck)
                    { Cpu = bad, TimeCreated = start.AddMilliseconds(600), Code = "Bank 0", Meaning = "test record" }),
                new HardwareErrorEvent(new HardwareRecord(HardwareErrorKind.MachineCheck, HardwareRecord.Shape.MachineCheck)
                    { Cpu = good, TimeCreated = start.AddHours(-2), Code = "Bank 1" }),
            };
        });
        var blamed = results.Single(r => r.Cpu == bad);
        Assert.Equal(1, blamed.HardwareErrors);
        Assert.False(blamed.Passed);
        Assert.Contains("MachineCheck", blamed.Note);
        var clean = results.Single(r => r.Cpu == good);
        Assert.Equal(0, clean.HardwareErrors);
        Assert.True(clean.Passed, clean.Note);
    }

    [SkippableFact]
    public void AShortRealRunOfEveryWorkloadPassesOnThisMachine()
    {
        var cpus = LiveCpus();
        var options = new CpuStabilityOptions
        {
            Cpus = cpus,
            Workloads = Enum.GetValues<CpuWorkload>(),
            Mode = StabilityMode.Both,
            Duration = TimeSpan.FromSeconds(6),
            Seed = 20261125,
            ComputerName = "test",
            Environment = MachineMemory.WorkloadEnvironment(SystemRoot.Live, cpus[0].Cpu, cpus.Count),
        };
        var (results, warnings) = Run(options, Launcher(), () => Array.Empty<HardwareErrorEvent>());
        Assert.Equal(cpus.Count * 8 * 2, results.Count);
        foreach (var r in results)
        {
            Assert.True(r.Passed, $"CPU {r.Cpu} {r.Workload} {r.Mode}: {r.Errors} errors, crashed {r.Crashed} {r.Signal}; {r.Note}; expected {r.Expected} got {r.Actual}");
            Assert.True(r.Iterations > 0, $"CPU {r.Cpu} {r.Workload} {r.Mode}: no iterations");
            Assert.True(r.OpsPerSecond > 0);
            Assert.False(string.IsNullOrEmpty(r.OperationUnit));
            Assert.InRange(r.CpuUtilizationPercent, 1, 101);
            Assert.Equal("test", r.ComputerName);
        }
        Assert.Equal(Enum.GetValues<CpuWorkload>().Length, results.Select(r => r.Workload).Distinct().Count());
        Assert.DoesNotContain(warnings, w => w.Contains("disagreed"));
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WorkerCollection
{
    public const string Name = "Pinned workers";
}
