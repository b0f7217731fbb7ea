namespace SegfaultTools.Tests;

public class StabilityPlanTests
{
    private static List<CpuCoreInfo> RaptorLake() =>
        HybridCoreMap.Build(new SystemRoot(Path.Combine(RepoPaths.Fixtures, "topology", "raptorlake-13900ks")));

    [Fact]
    public void CycleVisitsEveryPhysicalCoreOnceFavouredFirst()
    {
        var map = RaptorLake();
        Assert.Equal(32, map.Count);
        var steps = StabilityPlan.Build(map, StabilityMode.Cycle);

        // 8 P-cores with two threads, 16 E-cores with one.
        Assert.Equal(24, steps.Count);
        Assert.All(steps, s => Assert.Equal(StabilityMode.Cycle, s.Mode));
        Assert.Equal(Enumerable.Range(0, 32), steps.SelectMany(s => s.Cpus).OrderBy(c => c));

        var maxFreq = map.ToDictionary(c => c.Cpu, c => c.MaxFrequencyMHz ?? 0);
        var firstFreqs = steps.Select(s => maxFreq[s.Cpus[0]]).ToList();
        Assert.Equal(map.Max(c => c.MaxFrequencyMHz), firstFreqs[0]);
        Assert.Equal(firstFreqs.OrderByDescending(f => f), firstFreqs);

        // A P-core: each thread alone, then the pair; an E-core: one phase.
        var pCore = steps.First(s => s.Cpus.Count == 2);
        Assert.Equal(3, pCore.Phases.Count);
        Assert.Equal(new[] { pCore.Cpus[0] }, pCore.Phases[0].Cpus);
        Assert.Equal(new[] { pCore.Cpus[1] }, pCore.Phases[1].Cpus);
        Assert.Equal(pCore.Cpus, pCore.Phases[2].Cpus);
        Assert.Equal(8, steps.Count(s => s.Cpus.Count == 2));
        var eCore = steps.Last();
        Assert.Single(eCore.Phases);
        Assert.Equal(CoreType.Efficiency, map.Single(c => c.Cpu == eCore.Cpus[0]).CoreType);
        Assert.All(steps.Where(s => s.Cpus.Count == 2), s => Assert.Equal(CoreType.Performance, map.Single(c => c.Cpu == s.Cpus[0]).CoreType));
    }

    [Fact]
    public void OnlySelectedSiblingsArePaired()
    {
        var map = RaptorLake().Where(c => c.Cpu is 0 or 2 or 3 or 20).ToList();
        var steps = StabilityPlan.Build(map, StabilityMode.Cycle);
        Assert.Equal(3, steps.Count);
        Assert.Contains(steps, s => s.Cpus.SequenceEqual(new[] { 2, 3 }) && s.Phases.Count == 3);
        Assert.Contains(steps, s => s.Cpus.SequenceEqual(new[] { 0 }) && s.Phases.Count == 1);
    }

    [Fact]
    public void BothEndsWithEveryCpuAtOnce()
    {
        var map = RaptorLake();
        var steps = StabilityPlan.Build(map, StabilityMode.Both);
        Assert.Equal(25, steps.Count);
        var all = steps[^1];
        Assert.Equal(StabilityMode.AllCores, all.Mode);
        Assert.Single(all.Phases);
        Assert.Equal(Enumerable.Range(0, 32), all.Phases[0].Cpus);
        Assert.Single(StabilityPlan.Build(map, StabilityMode.AllCores));
    }

    [Theory]
    [InlineData("36864K", 36864L * 1024)]
    [InlineData("2048K", 2048L * 1024)]
    [InlineData("36M", 36L << 20)]
    [InlineData("1G", 1L << 30)]
    [InlineData("512", 512L)]
    [InlineData("big", null)]
    public void CacheSizesParse(string text, long? bytes) => Assert.Equal(bytes, MachineMemory.ParseSize(text));

    [Fact]
    public void MemoryBudgetStaysWithinAQuarterOfFreeMemory()
    {
        var dir = Directory.CreateTempSubdirectory("segfaulttools-mem-");
        try
        {
            Directory.CreateDirectory(Path.Combine(dir.FullName, "proc"));
            File.WriteAllText(Path.Combine(dir.FullName, "proc", "meminfo"), "MemTotal:       32000000 kB\nMemAvailable:    4194304 kB\n");
            var index = Directory.CreateDirectory(Path.Combine(dir.FullName, "sys/devices/system/cpu/cpu0/cache/index3"));
            File.WriteAllText(Path.Combine(index.FullName, "level"), "3\n");
            File.WriteAllText(Path.Combine(index.FullName, "size"), "36864K\n");
            var root = new SystemRoot(dir.FullName);
            var env = MachineMemory.WorkloadEnvironment(root, 0, concurrentWorkers: 32);
            Assert.Equal(36864L * 1024, env.LastLevelCacheBytes);
            Assert.Equal((4194304L * 1024) / 4 / 32, env.MemoryBudgetBytes);
            Assert.Equal(256L << 20, MachineMemory.WorkloadEnvironment(root, 0, 1).MemoryBudgetBytes);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
