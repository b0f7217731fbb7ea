namespace SegfaultTools.Tests;

public class WorkerProtocolTests
{
    [Fact]
    public void RequestSurvivesTheCommandLine()
    {
        var request = new WorkerRequest
        {
            Cpu = 17,
            Workloads = new[] { CpuWorkload.Vector, CpuWorkload.ByteStore },
            SliceMilliseconds = 1500,
            Seed = 123456,
            BurstMilliseconds = 90,
            GapMilliseconds = 7,
            LastLevelCacheBytes = 36L << 20,
            MemoryBudgetBytes = 64L << 20,
        };
        var args = request.ToArguments();
        Assert.Equal(WorkerRequest.Verb, args[0]);
        var parsed = WorkerRequest.Parse(args.Skip(1).ToList());
        Assert.Equal(request.Cpu, parsed.Cpu);
        Assert.Equal(request.Workloads, parsed.Workloads);
        Assert.Equal(request with { Workloads = parsed.Workloads }, parsed);
    }

    [Theory]
    [InlineData("--cpu 1 --slice-ms 10 --seed 1", "--workloads is missing")]
    [InlineData("--cpu 1 --workloads Integer,Nope --slice-ms 10 --seed 1", "Unknown workload 'Nope'")]
    [InlineData("--cpu", "Expected '--name value' pairs")]
    public void BadRequestsSayWhatIsWrong(string line, string message)
    {
        var e = Assert.Throws<FormatException>(() => WorkerRequest.Parse(line.Split(' ')));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void ResultMessageRoundTrips()
    {
        var m = new WorkerMessage
        {
            Type = WorkerMessageType.Result, Cpu = 3, Workload = CpuWorkload.Memory, Iterations = 1234, Errors = 2, Miscompares = 9,
            FirstErrorMilliseconds = 345, Expected = "offset 0x1f40: 0x5a", Actual = "offset 0x1f40: 0x5b", BusyMilliseconds = 900.5,
            WallMilliseconds = 1000.25, CpuMilliseconds = 901, Operations = 1.5e9, Discarded = 1,
        };
        var back = WorkerMessage.Parse(m.ToJson());
        Assert.Equal(m, back);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Unhandled exception. System.Exception: boom")]
    [InlineData("{\"type\":\"Nonsense\"}")]
    [InlineData("{not json")]
    public void LinesThatAreNotMessagesAreIgnored(string line) => Assert.Null(WorkerMessage.Parse(line));

    [Fact]
    public void TestFaultsMatchCpuAndWorkload()
    {
        var faults = TestFaults.Parse("wrong@1:Integer, crash@3, garbage, hang@x");
        Assert.True(faults.Has("wrong", 1, CpuWorkload.Integer));
        Assert.False(faults.Has("wrong", 1, CpuWorkload.Hash));
        Assert.False(faults.Has("wrong", 0, CpuWorkload.Integer));
        Assert.True(faults.Has("crash", 3, CpuWorkload.Compression));
        Assert.False(faults.Has("hang", 0, CpuWorkload.Integer));
        Assert.False(TestFaults.Parse(null).Has("wrong", 0, CpuWorkload.Integer));
    }

    [Theory]
    [InlineData(139, "SIGSEGV")]
    [InlineData(134, "SIGABRT")]
    [InlineData(132, "SIGILL")]
    [InlineData(135, "SIGBUS")]
    [InlineData(137, "SIGKILL")]
    [InlineData(1, null)]
    [InlineData(0, null)]
    [InlineData(128, null)]
    public void ExitCodesNameTheirSignal(int code, string? signal) => Assert.Equal(signal, SignalNames.FromExitCode(code));
}

[Collection(WorkerCollection.Name)]
public class WorkerLauncherTests
{
    private static List<WorkerMessage> RunWorker(WorkerLauncher launcher, WorkerRequest request)
    {
        var messages = new List<WorkerMessage>();
        var done = new ManualResetEventSlim();
        using var worker = WorkerProcess.Start(launcher, request.ToArguments(), request.Cpu, (_, m) =>
        {
            if (m is null)
            {
                done.Set();
                return;
            }
            lock (messages)
            {
                messages.Add(m);
            }
        });
        Assert.True(done.Wait(TimeSpan.FromSeconds(120)), "the worker did not finish");
        Assert.Equal(0, worker.ExitCode);
        return messages;
    }

    [Fact]
    public void TheWorkerRunsOnThisProcesssRuntimeAndSpeaksTheProtocol()
    {
        var launcher = WorkerLauncher.Find(out var problem);
        Assert.True(launcher is not null, problem);
        Assert.False(launcher!.ViaPwsh);
        // The exact runtime this process runs on, not whichever roll-forward would pick.
        var runtime = Path.GetFileName(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory().TrimEnd('/'));
        Assert.Equal(new[] { "exec", "--fx-version", runtime }, launcher.Prefix.Take(3));

        var cpu = CpuAffinity.Get()[^1];
        var messages = RunWorker(launcher, new WorkerRequest { Cpu = cpu, Workloads = new[] { CpuWorkload.Integer }, SliceMilliseconds = 300, Seed = 5 });
        Assert.Equal(new[] { WorkerMessageType.Ready, WorkerMessageType.Start }, messages.Take(2).Select(m => m.Type));
        Assert.Equal(cpu, messages[0].Cpu);
        var result = messages.Single(m => m.Type == WorkerMessageType.Result);
        Assert.True(result.Iterations > 0);
        Assert.Equal(0, result.Errors);
        Assert.Equal(0, result.Discarded);
        Assert.Equal(WorkerMessageType.Done, messages[^1].Type);
    }

    [SkippableFact]
    public void ThroughAChildPwshWhereThereIsNoDotnetHost()
    {
        // A self-contained pwsh has no dotnet host: the worker then runs inside a child pwsh. Here
        // the repository's own pwsh (the local dotnet tool) stands in for it.
        Skip.IfNot(File.Exists(Path.Combine(RepoPaths.Root, ".config", "dotnet-tools.json")), "no local pwsh tool");
        var direct = WorkerLauncher.Find(out _)!;
        // dotnet finds the local tool manifest from the repository, where the worker starts.
        var launcher = WorkerLauncher.ThroughPwsh("dotnet", new[] { "pwsh" }, direct.WorkerPath, RepoPaths.Root);
        var messages = RunWorker(launcher, new WorkerRequest { Cpu = CpuAffinity.Get()[0], Workloads = new[] { CpuWorkload.Hash }, SliceMilliseconds = 200, Seed = 6 });
        var result = messages.Single(m => m.Type == WorkerMessageType.Result);
        Assert.Equal(CpuWorkload.Hash, result.Workload);
        Assert.True(result.Iterations > 0);
    }

    [Fact]
    public void AWorkerAskedForACpuItCannotUseSaysSoAndExits()
    {
        var launcher = WorkerLauncher.Find(out _)!;
        var messages = new List<WorkerMessage>();
        var done = new ManualResetEventSlim();
        using var worker = WorkerProcess.Start(launcher, new WorkerRequest { Cpu = 1023, Workloads = new[] { CpuWorkload.Integer }, SliceMilliseconds = 100, Seed = 1 }.ToArguments(), 1023,
            (_, m) => { if (m is null) { done.Set(); } else { lock (messages) { messages.Add(m); } } });
        Assert.True(done.Wait(TimeSpan.FromSeconds(60)));
        Assert.Equal(2, worker.ExitCode);
        var failed = Assert.Single(messages);
        Assert.Equal(WorkerMessageType.Failed, failed.Type);
        Assert.Contains("Could not pin to CPU 1023", failed.Message);
    }
}
