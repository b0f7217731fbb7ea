namespace SegfaultTools.Tests;

/// <summary>The rules and the ranking on evidence built in the test, one cause at a time.</summary>
public class DiagnosisEngineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 3, 18, 0, 0, TimeSpan.Zero);

    private static CrashFact Crash(string program, string module, ulong offset, int? cpu = null, int minutes = 0, ulong ip = 0x7f0000001000) => new()
    {
        ComputerName = "m", Time = T0.AddMinutes(minutes), ProcessName = program, Module = module, Cpu = cpu, InstructionPointer = ip,
        FaultAddress = 0x7f00dead0000, FileOffset = offset, Kind = SegfaultKind.Segfault,
    };

    private static List<CoreFact> Cores(int count, Func<int, CoreType>? type = null) =>
        Enumerable.Range(0, count).Select(c => new CoreFact(c, type?.Invoke(c) ?? CoreType.Uniform, c, c, 1024, 5000, true)).ToList();

    private static List<SegfaultFinding> Diagnose(MachineEvidence m) => DiagnosisEngine.Diagnose(new[] { m });

    [Fact]
    public void CrashesSpreadOverUnrelatedLibrariesPointAtTheMachine()
    {
        var m = new MachineEvidence("m");
        string[] modules = { "libc.so.6", "libstdc++.so.6.0.34", "libcuda.so.590.48.01", "python3.11", "libz.so.1", "libglib-2.0.so.0" };
        string[] programs = { "python", "preload", "WebExtensions", "python3" };
        for (int i = 0; i < 24; i++)
        {
            m.Add(Crash(programs[i % programs.Length], modules[i % modules.Length], (ulong)(0x1000 + i * 0x111), cpu: i % 8, minutes: i * 30));
        }
        var findings = Diagnose(m);
        var top = findings[0];
        Assert.Equal(DiagnosisCause.CpuInstability, top.Cause);
        Assert.Equal(1, top.Rank);
        Assert.Contains(top.Evidence, e => e.StartsWith("+1.0: 24 crashes in 6 different modules across 4 programs", StringComparison.Ordinal));
        // Every crash at a different instruction: also evidence for the machine.
        Assert.Contains(top.Evidence, e => e.Contains("all 24 crashes with an offset faulted at different instructions", StringComparison.Ordinal));
        var library = findings.SingleOrDefault(f => f.Cause == DiagnosisCause.LibraryBug);
        Assert.True(library is null || library.Confidence < top.Confidence);
    }

    [Fact]
    public void OneLibraryAtOneInstructionInSeveralProgramsIsALibraryBug()
    {
        var m = new MachineEvidence("m");
        for (int i = 0; i < 30; i++)
        {
            m.Add(Crash(i % 2 == 0 ? "gimp" : "inkscape", "libfoo.so.1", 0x4a2b1, cpu: i % 16, minutes: i * 60));
        }
        m.Add(Crash("bash", "libc.so.6", 0x1234, cpu: 3, minutes: 5));
        var findings = Diagnose(m);
        Assert.Equal(DiagnosisCause.LibraryBug, findings[0].Cause);
        Assert.Contains(findings[0].Evidence, e => e.Contains("libfoo.so.1+0x4a2b1, faulted 30 times", StringComparison.Ordinal));
        var cpu = findings.Single(f => f.Cause == DiagnosisCause.CpuInstability);
        Assert.Contains(cpu.AgainstIt, e => e.StartsWith("-0.8: the same instruction", StringComparison.Ordinal));
    }

    [Fact]
    public void AVersionMismatchIsNamedWithHighConfidence()
    {
        var m = new MachineEvidence("m") { Gpu = new GpuFact { DriverVersion = "530.30.02", UserSpaceDriverVersion = "535.54.03", VersionMismatch = true } };
        m.Add(Crash("python", "libcuda.so.535.54.03", 0x45f3c1));
        var findings = Diagnose(m);
        Assert.Equal(DiagnosisCause.DriverVersionMismatch, findings[0].Cause);
        Assert.Equal(ConfidenceLevel.High, findings[0].Level);
        Assert.Contains("530.30.02", findings[0].Summary);
        Assert.Contains("Reboot", findings[0].Recommendation);
    }

    [Fact]
    public void Xid79BeforeCrashesPointsAtTheGpuHardware()
    {
        var m = new MachineEvidence("m");
        m.Add(new HardwareFact { Time = T0, Kind = HardwareErrorKind.Xid, Code = "Xid 79", Meaning = "GPU has fallen off the bus", PciBusId = "0000:01:00.0" });
        for (int i = 0; i < 4; i++)
        {
            m.Add(Crash("python", "libcuda.so.550.54.14", (ulong)(0x2000 + i), minutes: 1 + i));
        }
        var findings = Diagnose(m);
        Assert.Equal(DiagnosisCause.GpuHardwareOrPower, findings[0].Cause);
        Assert.Contains(findings[0].Evidence, e => e.Contains("4 of 4 crashes came within 10 minutes after an Xid (4 in NVIDIA libraries)", StringComparison.Ordinal));
    }

    [Fact]
    public void EdacErrorsPointAtMemory()
    {
        var m = new MachineEvidence("m");
        m.Add(new HardwareFact { Time = T0, Kind = HardwareErrorKind.Edac, Severity = HardwareErrorSeverity.Corrected, Component = "CPU_SrcID#1_Ha#0_Chan#0_DIMM#0" });
        m.Add(new HardwareFact { Time = T0.AddHours(3), Kind = HardwareErrorKind.Edac, Severity = HardwareErrorSeverity.Corrected, Component = "CPU_SrcID#1_Ha#0_Chan#0_DIMM#0" });
        var findings = Diagnose(m);
        Assert.Equal(DiagnosisCause.MemoryInstability, findings[0].Cause);
        Assert.Contains("DIMM#0", findings[0].Summary);
    }

    [Fact]
    public void NothingToWeighIsInconclusiveAndSaysSo()
    {
        var findings = Diagnose(new MachineEvidence("empty"));
        var only = Assert.Single(findings);
        Assert.Equal(DiagnosisCause.Inconclusive, only.Cause);
        Assert.Contains("nothing to diagnose", only.Summary);
        Assert.Equal(1, only.Rank);
    }

    [Fact]
    public void TwoCrashesAreTooFewToDecide()
    {
        var m = new MachineEvidence("m");
        m.Add(Crash("numa-BP", "numa-BP", 0x6bc8));
        m.Add(Crash("numa-BP", "ld-2.19.so", 0x8c9e));
        var findings = Diagnose(m);
        Assert.Equal(DiagnosisCause.Inconclusive, findings[0].Cause);
        Assert.Contains(findings[0].Evidence, e => e.Contains("fewer than three crashes"));
        Assert.DoesNotContain(findings, f => f.Level == ConfidenceLevel.High);
    }

    [Fact]
    public void AReproducedWrongAnswerOnOneCpuOutweighsEverything()
    {
        var m = new MachineEvidence("m") { CoreMap = Cores(8) };
        for (int i = 0; i < 10; i++)
        {
            m.Add(Crash("gimp", "libfoo.so.1", 0x4a2b1, cpu: i % 8, minutes: i));
        }
        for (int cpu = 0; cpu < 8; cpu++)
        {
            m.Add(new StabilityFact { Cpu = cpu, Workload = "ByteStore", Passed = cpu != 5, Errors = cpu == 5 ? 4 : 0, Retests = cpu == 5 ? 3 : 0, RetestsFailed = cpu == 5 ? 3 : 0, Iterations = 100 });
        }
        var findings = Diagnose(m);
        Assert.Equal(DiagnosisCause.DefectiveCore, findings[0].Cause);
        Assert.Contains(findings[0].Evidence, e => e.StartsWith("+3.0: Test-CpuStability: 1 of 8 CPUs failed (CPU 5 ByteStore: 4 wrong answers, 3 of 3 retests failed)", StringComparison.Ordinal));
    }

    [Fact]
    public void APassingStabilityTestLowersButDoesNotClearTheCpu()
    {
        var m = new MachineEvidence("m");
        m.Add(new StabilityFact { Cpu = 0, Workload = "Integer", Passed = true, Iterations = 50 });
        var findings = Diagnose(m);
        var cpu = findings.Single(f => f.Cause == DiagnosisCause.CpuInstability);
        Assert.Contains(cpu.AgainstIt, e => e.StartsWith("-0.5: Test-CpuStability passed on 1 CPUs", StringComparison.Ordinal));
    }

    [Fact]
    public void CrashesPiledOnOneCpuAreShownWithTheirPValueAndCalledWeak()
    {
        var m = new MachineEvidence("m") { CoreMap = Cores(32, c => c < 16 ? CoreType.Performance : CoreType.Efficiency) };
        for (int i = 0; i < 60; i++)
        {
            m.Add(Crash($"p{i % 5}", $"lib{i % 7}.so", (ulong)(0x100 * i + 1), cpu: i < 40 ? 20 : i % 32, minutes: i));
        }
        var core = Diagnose(m).Single(f => f.Cause == DiagnosisCause.DefectiveCore);
        var line = Assert.Single(core.Evidence, e => e.StartsWith("+1.0: CPU 20", StringComparison.Ordinal));
        Assert.Contains("corrected p < 1e-6", line);
        Assert.Contains("Placement alone is weak", line);
        Assert.StartsWith("Test-CpuStability -Cpu 20", core.NextTest);
    }

    [Fact]
    public void CrashesSpreadAsChanceWouldGiveCountAgainstABadCore()
    {
        var m = new MachineEvidence("m") { CoreMap = Cores(8) };
        for (int i = 0; i < 80; i++)
        {
            m.Add(Crash($"p{i % 5}", $"lib{i % 7}.so", (ulong)(0x100 * i + 1), cpu: i % 8, minutes: i));
        }
        var core = Diagnose(m).Single(f => f.Cause == DiagnosisCause.DefectiveCore);
        Assert.Contains(core.AgainstIt, e => e.StartsWith("-0.5: crashes are spread over the CPUs as chance would give", StringComparison.Ordinal));
    }

    [Fact]
    public void TheSameCrashOnSeveralMachinesIsSoftware()
    {
        var machines = new List<MachineEvidence>();
        foreach (var name in new[] { "a", "b", "c" })
        {
            var m = new MachineEvidence(name);
            for (int i = 0; i < 3; i++)
            {
                m.Add(Crash("app", "libshared.so.2", 0x9999) with { ComputerName = name });
                m.Add(Crash("other", $"lib{name}{i}.so", (ulong)(0x10 + i)) with { ComputerName = name });
            }
            machines.Add(m);
        }
        var findings = DiagnosisEngine.Diagnose(machines);
        Assert.Equal(new[] { "a", "b", "c" }, findings.Select(f => f.ComputerName).Distinct());
        foreach (var name in new[] { "a", "b", "c" })
        {
            var library = findings.Single(f => f.ComputerName == name && f.Cause == DiagnosisCause.LibraryBug);
            Assert.Contains(library.Evidence, e => e.Contains("libshared.so.2+0x9999 on 3 machines", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void TheSameEvidenceAlwaysGivesTheSameFindings()
    {
        MachineEvidence Build()
        {
            var m = new MachineEvidence("m") { CoreMap = Cores(4) };
            for (int i = 0; i < 12; i++)
            {
                m.Add(Crash($"p{i % 3}", $"lib{i % 4}.so", (ulong)i, cpu: i % 4, minutes: i));
            }
            m.Add(new HardwareFact { Time = T0, Kind = HardwareErrorKind.MachineCheck, Cpu = 2, Code = "Bank 0" });
            return m;
        }
        string Render(List<SegfaultFinding> f) => string.Join("\n", f.Select(x => $"{x.Rank} {x.Cause} {x.Confidence} {x.Evidence} / {x.AgainstIt}"));
        Assert.Equal(Render(Diagnose(Build())), Render(Diagnose(Build())));
    }

    [Fact]
    public void RankAndConfidenceAgree()
    {
        var m = new MachineEvidence("m");
        for (int i = 0; i < 10; i++)
        {
            m.Add(Crash($"p{i % 4}", $"lib{i % 5}.so", (ulong)i, minutes: i));
        }
        var findings = Diagnose(m).Where(f => f.Summary.StartsWith("Evidence gap", StringComparison.Ordinal) == false).ToList();
        Assert.Equal(Enumerable.Range(1, findings.Count), findings.Select(f => f.Rank));
        var causes = findings.Where(f => f.Cause != DiagnosisCause.Inconclusive).ToList();
        Assert.Equal(causes.OrderByDescending(f => f.Score).Select(f => f.Cause), causes.Select(f => f.Cause));
        Assert.All(findings, f => Assert.InRange(f.Confidence, 0, 1));
    }
}
