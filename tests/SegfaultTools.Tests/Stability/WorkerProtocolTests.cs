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
