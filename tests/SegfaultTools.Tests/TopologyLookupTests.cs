using System.Diagnostics;
using System.Runtime.Intrinsics.X86;

namespace SegfaultTools.Tests;

/// <summary>CoreTypeLookup (the join of crash events to the core map) and the live CPUID reader.</summary>
public sealed class TopologyLookupTests
{
    [Fact]
    public void LooksUpCpusOfTheTreesMachine()
    {
        var lookup = new CoreTypeLookup(new SystemRoot(TopologyFixtureTests.TreePath("raptorlake-13900ks")));
        Assert.Equal("rpl-13900ks", lookup.ComputerName);
        Assert.Equal(CoreType.Performance, lookup.For(10));
        Assert.Equal(CoreType.Efficiency, lookup.For(16));
        Assert.Null(lookup.For(32));
        Assert.Equal(CoreType.Efficiency, lookup.For("rpl-13900ks", 20));
        Assert.Equal(CoreType.Efficiency, lookup.For("RPL-13900KS", 20));
        Assert.Equal(CoreType.Efficiency, lookup.For("rpl-13900ks.home.arpa", 20));
        Assert.Null(lookup.For("rpl-13900ks", null));
    }

    [Fact]
    public void EventsFromAnotherMachineGetNothing()
    {
        var lookup = new CoreTypeLookup(new SystemRoot(TopologyFixtureTests.TreePath("raptorlake-13900ks")));
        Assert.Null(lookup.For("other-host", 16));
        Assert.Null(lookup.For("rpl", 16));
        Assert.Null(lookup.For("rpl-13900ks-2", 16));
        Assert.Null(lookup.For(null, 16));
        Assert.Null(lookup.For("", 16));
    }

    [Fact]
    public void ShortAndFullNamesMatchEitherWay()
    {
        var dir = Directory.CreateTempSubdirectory("topology-lookup-");
        try
        {
            Directory.CreateDirectory(Path.Combine(dir.FullName, "etc"));
            File.WriteAllText(Path.Combine(dir.FullName, "etc/hostname"), "ws.example.org\n");
            var lookup = new CoreTypeLookup(new SystemRoot(dir.FullName));
            Assert.True(lookup.IsSameMachine("ws"));
            Assert.True(lookup.IsSameMachine("WS.example.org"));
            Assert.False(lookup.IsSameMachine("ws.example.com"));
            Assert.False(lookup.IsSameMachine("w"));
            // A tree without sys/ has no map: nothing is known, nothing is guessed.
            Assert.Null(lookup.For("ws", 0));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void MapIsBuiltOnceOnFirstUse()
    {
        var counting = new CountingCpuId();
        var lookup = new CoreTypeLookup(SystemRoot.Live, counting);
        Assert.Equal(0, counting.Calls);
        _ = lookup.For(0);
        _ = lookup.For(1);
        Assert.True(counting.Calls <= 1);
    }

    [Fact]
    public void LiveMachineIsUniformHere()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        var lookup = new CoreTypeLookup(SystemRoot.Live);
        Assert.Equal(CoreType.Uniform, lookup.For(Environment.MachineName, 0));
    }

    [Fact]
    public void CpuIdReaderPinsEachCpuAndLeavesTheCallerAlone()
    {
        if (!OperatingSystem.IsLinux() || !X86Base.IsSupported)
        {
            return;
        }
        var before = Process.GetCurrentProcess().ProcessorAffinity;
        var online = CpuList.Parse(File.ReadAllText("/sys/devices/system/cpu/online"))!;
        var result = CpuIdReader.Instance.Read(online);
        Assert.Equal(before, Process.GetCurrentProcess().ProcessorAffinity);
        Assert.NotEmpty(result);
        Assert.All(result.Keys, k => Assert.Contains(k, online));
        // The build machine is not hybrid: the flag is clear and leaf 0x1A is not read.
        Assert.All(result.Values, v => Assert.Equal(new CpuIdCoreType(false, null, 0), v));
    }

    [Fact]
    public void CpuIdReaderSkipsCpusItCannotRunOn()
    {
        if (!OperatingSystem.IsLinux() || !X86Base.IsSupported)
        {
            return;
        }
        Assert.Empty(CpuIdReader.Instance.Read(new[] { 100000 }));
    }

    private sealed class CountingCpuId : ICpuIdSource
    {
        public int Calls { get; private set; }

        public IReadOnlyDictionary<int, CpuIdCoreType> Read(IReadOnlyCollection<int> cpus)
        {
            Calls++;
            return new Dictionary<int, CpuIdCoreType>();
        }
    }
}
