using System.Globalization;

namespace SegfaultTools.Tests;

/// <summary>Every captured tree under tests/fixtures/topology gives exactly the expected CpuCoreInfo for every CPU.</summary>
public sealed class TopologyFixtureTests
{
    public static TheoryData<string> TreeNames()
    {
        var data = new TheoryData<string>();
        foreach (var t in TopologyExpectations.All)
        {
            data.Add(t.Name);
        }
        return data;
    }

    internal static string TreePath(string name) => Path.Combine(RepoPaths.Fixtures, "topology", name);

    [Fact]
    public void EveryTreeHasExpectations()
    {
        var dirs = Directory.GetDirectories(Path.Combine(RepoPaths.Fixtures, "topology")).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.Equal(TopologyExpectations.All.Select(t => t.Name).Order(StringComparer.Ordinal), dirs);
    }

    [Theory]
    [MemberData(nameof(TreeNames))]
    public void TreeGivesExpectedMap(string name)
    {
        var expected = TopologyExpectations.All.Single(t => t.Name == name);
        var map = HybridCoreMap.Build(new SystemRoot(TreePath(name)), new ThrowingCpuId());

        Assert.Equal(expected.Rows.Length, map.Count);
        for (var i = 0; i < map.Count; i++)
        {
            var row = expected.Rows[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var c = map[i];
            var cpu = int.Parse(row[0], CultureInfo.InvariantCulture);
            var where = $"{name} CPU {cpu}";
            Assert.True(cpu == c.Cpu, where);
            Assert.True(expected.ComputerName == c.ComputerName, where);
            Assert.True(Enum.Parse<CoreType>(row[1]) == c.CoreType, $"{where}: {c.CoreType} ({c.Evidence})");
            Assert.True(Int(row[2]) == c.CoreId, where + " CoreId");
            Assert.True(Int(row[3]) == c.Socket, where + " Socket");
            Assert.True(Int(row[4]) == c.Die, where + " Die");
            Assert.True(Int(row[5]) == c.Cluster, where + " Cluster");
            Assert.True(Str(row[6]) == c.ThreadSiblingList, where + " ThreadSiblingList");
            Assert.Equal(Str(row[6]) is { } list ? CpuList.Parse(list) : null, c.ThreadSiblings);
            Assert.True((row[7] == "1") == c.IsOnline, where + " IsOnline");
            Assert.True(Int(row[8]) == c.MaxFrequencyMHz, where + " MaxFrequencyMHz");
            Assert.True(Int(row[9]) == c.BaseFrequencyMHz, where + " BaseFrequencyMHz");
            Assert.True(Int(row[10]) == c.Capacity, where + " Capacity");
            Assert.True(expected.ModelName(cpu) == c.ModelName, $"{where} ModelName {c.ModelName}");
            Assert.Equal(expected.Evidence[row[11]], c.Evidence);
        }
    }

    [Fact]
    public void RaptorLakeMatchesTheKnown13900KSLayout()
    {
        // DOMAIN: CPUs 0-15 are the 8 HT P-cores (core_id 0,4,...,28), 16-31 the E-cores (32-47) in L2 modules of four.
        var map = HybridCoreMap.Build(new SystemRoot(TreePath("raptorlake-13900ks")), new ThrowingCpuId());
        Assert.All(map.Where(c => c.Cpu < 16), c => Assert.Equal(CoreType.Performance, c.CoreType));
        Assert.All(map.Where(c => c.Cpu >= 16), c => Assert.Equal(CoreType.Efficiency, c.CoreType));
        Assert.Equal(new[] { 16, 20, 24, 28 }, map.Where(c => c.Cpu >= 16).Select(c => c.Cluster!.Value).Distinct());
        Assert.Equal(32, map.Single(c => c.Cpu == 16).CoreId);
        Assert.Equal(36, map.Single(c => c.Cpu == 20).CoreId);
        Assert.Equal(new[] { 8, 9 }, map.Single(c => c.Cpu == 8).ThreadSiblings);
        Assert.Equal(5900, map.Single(c => c.Cpu == 9).MaxFrequencyMHz);
    }

    [Fact]
    public void CapturedTreeNeverRunsCpuId()
    {
        // ThrowingCpuId fails the test if called: CPUID describes this machine, not the captured one.
        foreach (var t in TopologyExpectations.All)
        {
            _ = HybridCoreMap.Build(new SystemRoot(TreePath(t.Name)), new ThrowingCpuId());
        }
    }

    [Fact]
    public void EmptyTreeGivesNothing()
    {
        var dir = Directory.CreateTempSubdirectory("topology-empty-");
        try
        {
            Assert.Empty(HybridCoreMap.Build(new SystemRoot(dir.FullName), new ThrowingCpuId()));
            Assert.False(TopologyReader.HasCpuDirectory(new SystemRoot(dir.FullName)));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static int? Int(string s) => s == "-" ? null : int.Parse(s, CultureInfo.InvariantCulture);

    private static string? Str(string s) => s == "-" ? null : s;

    private sealed class ThrowingCpuId : ICpuIdSource
    {
        public IReadOnlyDictionary<int, CpuIdCoreType> Read(IReadOnlyCollection<int> cpus) =>
            throw new InvalidOperationException("CPUID must not be read for a captured tree.");
    }
}
