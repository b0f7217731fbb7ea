namespace SegfaultTools.Tests;

/// <summary>CoreTypeClassifier on edge cases the fixture trees do not cover, and the small helpers beside it.</summary>
public sealed class TopologyClassifierTests
{
    private static CpuTopology Cpu(int n, int[]? siblings = null, int[]? l2 = null, int? max = null, int? capacity = null,
        int? highestPerf = null, int? baseMhz = null, bool online = true, bool topology = true) => new()
        {
            Cpu = n,
            IsOnline = online,
            HasSysfsDir = true,
            HasTopology = topology,
            CoreId = topology ? n : null,
            Socket = topology ? 0 : null,
            ThreadSiblings = topology ? siblings ?? new[] { n } : null,
            L2Cpus = l2,
            MaxFrequencyMHz = max,
            BaseFrequencyMHz = baseMhz,
            CpuCapacity = capacity,
            HighestPerf = highestPerf,
        };

    private static TopologySnapshot Machine(CpuVendor vendor, IEnumerable<CpuTopology> cpus, int[]? core = null, int[]? atom = null, int[]? lowPower = null) => new()
    {
        ComputerName = "test",
        Vendor = vendor,
        Cpus = cpus.OrderBy(c => c.Cpu).ToList(),
        PmuCore = core,
        PmuAtom = atom,
        PmuLowPower = lowPower,
    };

    /// <summary>n HT P-cores (private L2) from CPU 0, then E-cores in L2 modules of four.</summary>
    private static IEnumerable<CpuTopology> IntelHybrid(int pCores, int eCores, int pMax, int eMax, bool withL2 = true)
    {
        for (var c = 0; c < pCores * 2; c++)
        {
            var pair = new[] { c & ~1, c | 1 };
            yield return Cpu(c, pair, withL2 ? pair : null, pMax);
        }
        for (var e = 0; e < eCores; e++)
        {
            var c = pCores * 2 + e;
            var first = pCores * 2 + e / 4 * 4;
            yield return Cpu(c, new[] { c }, withL2 ? Enumerable.Range(first, 4).ToArray() : null, eMax);
        }
    }

    private static Dictionary<int, CoreDecision> Classify(TopologySnapshot s, IReadOnlyDictionary<int, CpuIdCoreType>? cpuid = null) =>
        CoreTypeClassifier.Classify(s, cpuid);

    [Fact]
    public void PmuWinsOverCpuIdAndFrequency()
    {
        var s = Machine(CpuVendor.Intel, IntelHybrid(2, 4, 5000, 3800), core: new[] { 0, 1, 2, 3 }, atom: new[] { 4, 5, 6, 7 });
        // A contradicting CPUID answer is ignored: the PMU lists are the stronger evidence.
        var cpuid = Enumerable.Range(0, 8).ToDictionary(c => c, _ => new CpuIdCoreType(true, 0x20, 0));
        var d = Classify(s, cpuid);
        Assert.Equal(new CoreDecision(CoreType.Performance, "perf PMU cpu_core lists this CPU"), d[0]);
        Assert.Equal(new CoreDecision(CoreType.Efficiency, "perf PMU cpu_atom lists this CPU"), d[7]);
    }

    [Fact]
    public void PmuListsAnOfflineCpu()
    {
        var cpus = IntelHybrid(1, 4, 5000, 3800).Select(c => c.Cpu == 5 ? Cpu(5, online: false, topology: false) : c);
        var d = Classify(Machine(CpuVendor.Intel, cpus, core: new[] { 0, 1 }, atom: new[] { 2, 3, 4, 5 }));
        Assert.Equal(new CoreDecision(CoreType.Efficiency, "perf PMU cpu_atom lists this CPU (CPU offline)"), d[5]);
    }

    [Fact]
    public void PmuPresentButCpuListedInNeitherIsUnknown()
    {
        var cpus = IntelHybrid(1, 4, 5000, 3800).Append(Cpu(6, online: false, topology: false));
        var d = Classify(Machine(CpuVendor.Intel, cpus, core: new[] { 0, 1 }, atom: new[] { 2, 3, 4, 5 }));
        Assert.Equal(CoreType.Unknown, d[6].Type);
        Assert.Equal("offline: no topology or frequency files to classify it by; the perf PMUs cpu_core/cpu_atom do not list it", d[6].Evidence);
    }

    [Fact]
    public void CpuLowPowerPmuGivesLowPowerEfficiency()
    {
        var cpus = IntelHybrid(1, 4, 5000, 3800).Concat(new[] { Cpu(6, l2: new[] { 6, 7 }, max: 2500), Cpu(7, l2: new[] { 6, 7 }, max: 2500) });
        var d = Classify(Machine(CpuVendor.Intel, cpus, core: new[] { 0, 1 }, atom: new[] { 2, 3, 4, 5 }, lowPower: new[] { 6, 7 }));
        Assert.Equal(new CoreDecision(CoreType.LowPowerEfficiency, "perf PMU cpu_lowpower lists this CPU"), d[6]);
        Assert.Equal(CoreType.Efficiency, d[2].Type);
    }

    [Fact]
    public void AtomLowClassSharingAnL2WithFasterAtomsStaysEfficiency()
    {
        // One E-core module whose cores differ in max frequency is not a low-power island.
        var cpus = new[]
        {
            Cpu(0, new[] { 0, 1 }, new[] { 0, 1 }, 5000), Cpu(1, new[] { 0, 1 }, new[] { 0, 1 }, 5000),
            Cpu(2, l2: new[] { 2, 3, 4, 5 }, max: 3800), Cpu(3, l2: new[] { 2, 3, 4, 5 }, max: 3800),
            Cpu(4, l2: new[] { 2, 3, 4, 5 }, max: 2500), Cpu(5, l2: new[] { 2, 3, 4, 5 }, max: 2500),
        };
        var d = Classify(Machine(CpuVendor.Intel, cpus, core: new[] { 0, 1 }, atom: new[] { 2, 3, 4, 5 }));
        Assert.Equal(new CoreDecision(CoreType.Efficiency, "perf PMU cpu_atom lists this CPU"), d[4]);
    }

    [Fact]
    public void CpuIdLeaf1AClassifiesEachCpu()
    {
        var s = Machine(CpuVendor.Intel, IntelHybrid(1, 4, 5000, 3800).Append(Cpu(6, online: false, topology: false)));
        var cpuid = new Dictionary<int, CpuIdCoreType>
        {
            [0] = new(true, 0x40, 0x1), [1] = new(true, 0x40, 0x1),
            [2] = new(true, 0x20, 0x1), [3] = new(true, 0x20, 0x1), [4] = new(true, 0x20, 0x1),
            [5] = new(true, 0x10, 0x1),
        };
        var d = Classify(s, cpuid);
        Assert.Equal(new CoreDecision(CoreType.Performance, "CPUID 0x1A core type 0x40 (Core)"), d[0]);
        Assert.Equal(new CoreDecision(CoreType.Efficiency, "CPUID 0x1A core type 0x20 (Atom)"), d[2]);
        Assert.Equal(new CoreDecision(CoreType.Unknown, "CPUID 0x1A core type 0x10: not a core type this module knows"), d[5]);
        Assert.Equal(CoreType.Unknown, d[6].Type);
        Assert.Equal("offline: no topology or frequency files to classify it by; CPUID could not be read on it (not online, or outside this process's CPU set)", d[6].Evidence);
    }

    [Fact]
    public void CpuIdHybridFlagClearOnIntelIsUniform()
    {
        // Frequencies that would look hybrid are not consulted once CPUID says the part is not hybrid.
        var s = Machine(CpuVendor.Intel, IntelHybrid(1, 4, 5000, 3800));
        var cpuid = Enumerable.Range(0, 5).ToDictionary(c => c, _ => new CpuIdCoreType(false, null, 0));
        var d = Classify(s, cpuid);
        Assert.All(d.Values, v => Assert.Equal(new CoreDecision(CoreType.Uniform, "no hybrid evidence: all cores alike (CPUID 07H EDX[15] hybrid flag clear on the 5 CPUs read)"), v));
    }

    [Fact]
    public void IntelWithoutCacheInfoUsesSmt()
    {
        var d = Classify(Machine(CpuVendor.Intel, IntelHybrid(2, 4, 4700, 3400, withL2: false)));
        Assert.Equal(new CoreDecision(CoreType.Performance, "max frequency class 4700 MHz of 2 classes (4700, 3400 MHz); SMT sibling present"), d[0]);
        Assert.Equal(new CoreDecision(CoreType.Efficiency, "max frequency class 3400 MHz of 2 classes (4700, 3400 MHz); no SMT sibling"), d[4]);
    }

    [Fact]
    public void IntelPCoresWithoutHyperThreadingStillHaveTheirOwnL2()
    {
        // Lunar Lake / Arrow Lake style: no SMT anywhere; E-cores share an L2 four at a time.
        var cpus = new List<CpuTopology>();
        for (var c = 0; c < 4; c++)
        {
            cpus.Add(Cpu(c, l2: new[] { c }, max: 5100));
        }
        for (var c = 4; c < 8; c++)
        {
            cpus.Add(Cpu(c, l2: new[] { 4, 5, 6, 7 }, max: 3700));
        }
        var d = Classify(Machine(CpuVendor.Intel, cpus));
        Assert.Equal(new CoreDecision(CoreType.Performance, "max frequency class 5100 MHz of 2 classes (5100, 3700 MHz); no SMT sibling; L2 of its own"), d[0]);
        Assert.Equal(new CoreDecision(CoreType.Efficiency, "max frequency class 3700 MHz of 2 classes (5100, 3700 MHz); no SMT sibling; L2 shared by 4 cores"), d[7]);
    }

    [Fact]
    public void IntelThreeClassesWithoutPmuGiveLowPowerEfficiency()
    {
        var cpus = IntelHybrid(1, 4, 4800, 3800).Concat(new[] { Cpu(6, l2: new[] { 6, 7 }, max: 2500), Cpu(7, l2: new[] { 6, 7 }, max: 2500) });
        var d = Classify(Machine(CpuVendor.Intel, cpus));
        Assert.Equal(CoreType.Performance, d[0].Type);
        Assert.Equal(CoreType.Efficiency, d[2].Type);
        Assert.Equal(new CoreDecision(CoreType.LowPowerEfficiency,
            "max frequency class 2500 MHz of 3 classes (4800, 3800, 2500 MHz); no SMT sibling; L2 shared by 2 cores; the lowest of 3 classes: low-power E-core"), d[6]);
    }

    [Fact]
    public void IntelFavouredCoresOnAUniformServerAreNotPCores()
    {
        // A non-hybrid Xeon whose two favoured cores boost 18% higher: every core has SMT and its own L2.
        var cpus = Enumerable.Range(0, 8).Select(c => Cpu(c, new[] { c % 4, c % 4 + 4 }, new[] { c % 4, c % 4 + 4 }, c % 4 < 1 ? 4000 : 3400));
        var d = Classify(Machine(CpuVendor.Intel, cpus));
        Assert.All(d.Values, v => Assert.Equal(new CoreDecision(CoreType.Uniform,
            "no hybrid evidence: all cores alike in topology; the max frequency differs (4000, 3400 MHz) as favoured (turbo) cores do"), v));
    }

    [Fact]
    public void IntelFrequencySpreadThatFitsNoLayoutIsUnknown()
    {
        // The slower class has SMT siblings: not E-cores.
        var cpus = new[]
        {
            Cpu(0, l2: new[] { 0, 1, 2, 3 }, max: 5000), Cpu(1, l2: new[] { 0, 1, 2, 3 }, max: 5000),
            Cpu(2, new[] { 2, 3 }, new[] { 2, 3 }, 3500), Cpu(3, new[] { 2, 3 }, new[] { 2, 3 }, 3500),
        };
        var d = Classify(Machine(CpuVendor.Intel, cpus));
        Assert.All(d.Values, v => Assert.Equal(CoreType.Unknown, v.Type));
        Assert.Equal("2 max frequency classes (5000, 3500 MHz), but the topology does not match a P-core/E-core layout (E-cores: no SMT sibling, an L2 shared by several cores)", d[0].Evidence);
    }

    [Fact]
    public void FavouredCoresWithinFifteenPercentAreOneClass()
    {
        // 13900KS without PMU files: 5600/5800/5900 MHz P-cores are one class, the 4300 MHz E-cores another.
        var cpus = IntelHybrid(4, 4, 5600, 4300).Select(c => c.Cpu is 2 or 3 ? Cpu(c.Cpu, c.ThreadSiblings, c.L2Cpus, 5900) : c);
        var d = Classify(Machine(CpuVendor.Intel, cpus));
        Assert.Equal(new CoreDecision(CoreType.Performance, "max frequency class 5600-5900 MHz of 2 classes (5600-5900, 4300 MHz); SMT sibling present; L2 of its own"), d[2]);
        Assert.Equal(CoreType.Efficiency, d[8].Type);
    }

    [Fact]
    public void AmdThreeClassesAreUnknown()
    {
        var cpus = new[] { Cpu(0, max: 5000), Cpu(1, max: 4000), Cpu(2, max: 3000) };
        var d = Classify(Machine(CpuVendor.Amd, cpus));
        Assert.All(d.Values, v => Assert.Equal(new CoreDecision(CoreType.Unknown,
            "3 max frequency classes (5000, 4000, 3000 MHz): no AMD part with that many core kinds is known"), v));
    }

    [Fact]
    public void AmdVCacheSpreadIsOneClass()
    {
        // 7950X3D-like: the V-cache CCD boosts about 8% lower; that is not a core kind.
        var cpus = Enumerable.Range(0, 4).Select(c => Cpu(c, max: c < 2 ? 5250 : 5700));
        var d = Classify(Machine(CpuVendor.Amd, cpus));
        Assert.All(d.Values, v => Assert.Equal(new CoreDecision(CoreType.Uniform, "no hybrid evidence: all cores alike (one max frequency class, 5250-5700 MHz)"), v));
    }

    [Fact]
    public void AmdIsNotJudgedByIntelSmtRules()
    {
        // Zen 4c cores keep SMT and share the L3 with the Zen 4 cores (Phoenix 2): frequency alone decides.
        var cpus = new[]
        {
            Cpu(0, new[] { 0, 4 }, new[] { 0, 4 }, 5000), Cpu(1, new[] { 1, 5 }, new[] { 1, 5 }, 3700),
            Cpu(4, new[] { 0, 4 }, new[] { 0, 4 }, 5000), Cpu(5, new[] { 1, 5 }, new[] { 1, 5 }, 3700),
        };
        var d = Classify(Machine(CpuVendor.Amd, cpus));
        Assert.Equal(CoreType.Performance, d[4].Type);
        Assert.Equal(new CoreDecision(CoreType.Efficiency,
            "max frequency class 3700 MHz of 2 classes (5000, 3700 MHz): compact cores (Zen 5c/4c kind), judged by max frequency alone"), d[5]);
    }

    [Fact]
    public void ArmThreeCapacityTiersGiveBigBigLittle()
    {
        var cpus = new[] { Cpu(0, capacity: 300), Cpu(1, capacity: 300), Cpu(2, capacity: 870), Cpu(3, capacity: 1024) };
        var d = Classify(Machine(CpuVendor.Arm, cpus));
        Assert.Equal(new CoreDecision(CoreType.Efficiency, "cpu_capacity class 300 of 3 classes (1024, 870, 300): LITTLE core"), d[0]);
        Assert.Equal(new CoreDecision(CoreType.Performance, "cpu_capacity class 870 of 3 classes (1024, 870, 300): big core"), d[2]);
        Assert.Equal(new CoreDecision(CoreType.Performance, "cpu_capacity class 1024 of 3 classes (1024, 870, 300): big core"), d[3]);
    }

    [Fact]
    public void ArmWithoutCapacityUsesMaxFrequency()
    {
        var cpus = new[] { Cpu(0, max: 1800), Cpu(1, max: 2400) };
        var d = Classify(Machine(CpuVendor.Arm, cpus));
        Assert.Equal(new CoreDecision(CoreType.Efficiency, "max frequency class 1800 MHz of 2 classes (2400, 1800 MHz): LITTLE core"), d[0]);
    }

    [Fact]
    public void UniformCapacitySkipsToTheNextMetric()
    {
        // x86 kernels print cpu_capacity 1024 everywhere; the frequencies still tell the kinds apart.
        var cpus = IntelHybrid(1, 4, 4700, 3400).Select(c => Cpu(c.Cpu, c.ThreadSiblings, c.L2Cpus, c.MaxFrequencyMHz, capacity: 1024));
        var d = Classify(Machine(CpuVendor.Intel, cpus));
        Assert.Equal(CoreType.Performance, d[0].Type);
        Assert.Equal(CoreType.Efficiency, d[2].Type);
    }

    [Fact]
    public void HighestPerfIsUsedWithoutFrequencies()
    {
        var cpus = new[] { Cpu(0, new[] { 0, 2 }, new[] { 0, 2 }, highestPerf: 208), Cpu(1, new[] { 1, 3 }, new[] { 1, 3 }, highestPerf: 135) };
        var d = Classify(Machine(CpuVendor.Amd, cpus));
        Assert.Equal(new CoreDecision(CoreType.Performance, "ACPI CPPC highest_perf class 208 of 2 classes (208, 135): full-size cores"), d[0]);
    }

    [Fact]
    public void NoMetricsIsUniformAndSaysSo()
    {
        var d = Classify(Machine(CpuVendor.Amd, new[] { Cpu(0), Cpu(1) }));
        Assert.All(d.Values, v => Assert.Equal(new CoreDecision(CoreType.Uniform, "no hybrid evidence: all cores alike (no capacity or frequency files to compare)"), v));
    }

    [Fact]
    public void OtherVendorsWithClassesAreUnknown()
    {
        var d = Classify(Machine(CpuVendor.OtherX86, new[] { Cpu(0, max: 4000), Cpu(1, max: 2000) }));
        Assert.Equal(new CoreDecision(CoreType.Unknown, "2 max frequency classes (4000, 2000 MHz), but no core-type rule is known for this x86 vendor"), d[0]);
        d = Classify(Machine(CpuVendor.Unknown, new[] { Cpu(0, max: 4000), Cpu(1, max: 2000) }));
        Assert.Equal(new CoreDecision(CoreType.Unknown, "2 max frequency classes (4000, 2000 MHz), but no core-type rule is known for this machine (no /proc/cpuinfo vendor)"), d[1]);
    }

    [Fact]
    public void OnlineCpuWithoutTopologyIsUnknown()
    {
        var d = Classify(Machine(CpuVendor.Intel, new[] { Cpu(0, max: 4000), Cpu(1, online: true, topology: false) }));
        Assert.Equal(CoreType.Uniform, d[0].Type);
        Assert.Equal(new CoreDecision(CoreType.Unknown, "no topology files for this CPU"), d[1]);
    }

    [Theory]
    [InlineData(new[] { 5900, 5800, 5600, 4300 }, "5600-5900|4300")]
    [InlineData(new[] { 1024, 870, 300 }, "1024|870|300")]
    [InlineData(new[] { 231, 226, 221, 216, 211, 206, 201, 196, 191, 186, 181, 176, 171, 166 }, "166-231")]
    [InlineData(new[] { 100 }, "100")]
    public void ClassesSplitAtFifteenPercentGaps(int[] values, string expected)
    {
        var cpus = values.Select((v, i) => Cpu(i, max: v)).ToList();
        var classes = CoreTypeClassifier.Classes(cpus, t => t.MaxFrequencyMHz);
        Assert.Equal(expected, string.Join("|", classes.Select(c => c.Range)));
    }

    [Theory]
    [InlineData("0-15", "0-15", 16)]
    [InlineData("0-3,8,10-11", "0-3,8,10-11", 7)]
    [InlineData("0,8", "0,8", 2)]
    [InlineData("5", "5", 1)]
    [InlineData(" 0-1\n", "0-1", 2)]
    [InlineData("", "", 0)]
    public void CpuListParsesAndFormats(string text, string formatted, int count)
    {
        var cpus = CpuList.Parse(text)!;
        Assert.Equal(count, cpus.Length);
        Assert.Equal(formatted, CpuList.Format(cpus));
    }

    [Theory]
    [InlineData("3-1")]
    [InlineData("a")]
    [InlineData("1-")]
    [InlineData("-1")]
    [InlineData("0-3:1/2")]
    public void CpuListRejectsGarbage(string text) => Assert.Null(CpuList.Parse(text));

    [Theory]
    [InlineData("0x41", "0xd05", "ARM Cortex-A55")]
    [InlineData("0x41", "0xd0b", "ARM Cortex-A76")]
    [InlineData("0x51", "0x001", "implementer 0x51 part 0x001")]
    public void ArmCoreNames(string implementer, string part, string expected) =>
        Assert.Equal(expected, TopologyReader.ArmCoreName(implementer, part));
}
