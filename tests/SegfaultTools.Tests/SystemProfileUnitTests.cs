using System.Management.Automation;
using System.Management.Automation.Runspaces;
using SegfaultTools.Commands;

namespace SegfaultTools.Tests;

/// <summary>The pieces of Get-SystemProfile: kernel-log microcode lines, Raptor Lake rules, kernel facts, toolchain parsers, the live machine and the cmdlet.</summary>
public sealed class SystemProfileUnitTests
{
    private static MicrocodeLog Log(params string[] messages)
    {
        var log = new MicrocodeLog();
        foreach (var m in messages)
        {
            log.Feed(m);
        }
        return log;
    }

    [Fact]
    public void MicrocodeCurrentFormatWithEarlyUpdate()
    {
        var log = Log("Linux version 6.18.2-zen2-1-zen", "microcode: Current revision: 0x0000012b", "microcode: Updated early from: 0x00000119");
        Assert.Equal((MicrocodeSource.EarlyUpdate, (long?)0x119), log.Decide(0x12b));
    }

    [Fact]
    public void MicrocodeCurrentFormatWithoutUpdateIsBios()
    {
        Assert.Equal((MicrocodeSource.Bios, (long?)0x119), Log("microcode: Current revision: 0x00000119").Decide(0x119));
    }

    [Fact]
    public void MicrocodeArrowFormat()
    {
        var log = Log("microcode: updated early: 0x119 -> 0x12b, date = 2024-10-29");
        Assert.Equal((MicrocodeSource.EarlyUpdate, (long?)0x119), log.Decide(0x12b));
        Assert.Equal("microcode: updated early: 0x119 -> 0x12b, date = 2024-10-29", log.Line);
    }

    [Fact]
    public void MicrocodeOldestFormatsNameNoBiosRevision()
    {
        Assert.Equal((MicrocodeSource.EarlyUpdate, (long?)null), Log("microcode: microcode updated early to revision 0x12f, date = 2025-02-11").Decide(0x12f));
        Assert.Equal((MicrocodeSource.EarlyUpdate, (long?)null), Log("microcode: microcode updated early to new patch_level=0x0a201210").Decide(0xa201210));
        Assert.Equal((MicrocodeSource.Bios, (long?)0xa201016), Log("microcode: CPU0: patch_level=0x0a201016").Decide(0xa201016));
        Assert.Equal((MicrocodeSource.Bios, (long?)0x2007006), Log("x86/microcode: sig=0x50654, pf=0x80, revision=0x2007006").Decide(0x2007006));
    }

    [Fact]
    public void MicrocodeLateLoad()
    {
        var log = Log("microcode: Current revision: 0x0000012b", "microcode: Reload succeeded, microcode revision: 0x12b -> 0x12f");
        Assert.Equal((MicrocodeSource.LateUpdate, (long?)0x12b), log.Decide(0x12f));
    }

    [Fact]
    public void MicrocodeLastBootWins()
    {
        var log = Log("Linux version 6.1", "microcode: updated early: 0x119 -> 0x12b, date = 2024-10-29", "Linux version 6.2", "microcode: Current revision: 0x0000012f");
        Assert.Equal((MicrocodeSource.Bios, (long?)0x12f), log.Decide(0x12f));
    }

    [Fact]
    public void MicrocodeUnknownWithoutBootStartOrLines()
    {
        var log = Log("usb 1-1: new high-speed USB device", "nvidia: module license taints kernel.");
        Assert.Equal((MicrocodeSource.Unknown, (long?)null), log.Decide(0x119));
        Assert.False(log.SawMicrocodeLine);
        Assert.Equal((MicrocodeSource.Bios, (long?)0x119), Log("Linux version 6.18").Decide(0x119));
    }

    [Fact]
    public void MicrocodeIgnoresLookalikes()
    {
        var log = Log("Speculative Return Stack Overflow: IBPB-extending microcode not applied!", "foo microcode: Current revision: 0x1");
        Assert.False(log.SawMicrocodeLine);
    }

    private static CpuIdentity Cpu(string vendor, int family, int model, string name, string? microcode) => new()
    {
        Vendor = vendor, Family = family, Model = model, Stepping = 1, ModelName = name, Microcode = microcode,
        MicrocodeRevision = CpuIdentity.ParseRevision(microcode),
    };

    [Theory]
    [InlineData("13th Gen Intel(R) Core(TM) i9-13900KS", 0xB7, true)]
    [InlineData("Intel(R) Core(TM) i7-14700K", 0xB7, true)]
    [InlineData("Intel(R) Core(TM) i5-14600KF", 0xB7, true)]
    [InlineData("13th Gen Intel(R) Core(TM) i7-13700HX", 0xB7, false)]
    [InlineData("Intel(R) Core(TM) i7-14650HX", 0xB7, false)]
    [InlineData("13th Gen Intel(R) Core(TM) i5-13400", 0xBF, false)]
    [InlineData("13th Gen Intel(R) Core(TM) i7-1360P", 0xBA, false)]
    [InlineData("12th Gen Intel(R) Core(TM) i9-12900K", 0x97, false)]
    public void RaptorLakeAffectedParts(string name, int model, bool affected)
    {
        Assert.Equal(affected, RaptorLakeRules.IsAffected(Cpu("GenuineIntel", 6, model, name, "0x119")));
    }

    [Fact]
    public void RaptorLakeNeedsIntelFamilySix()
    {
        Assert.False(RaptorLakeRules.IsAffected(Cpu("AuthenticAMD", 6, 0xB7, "AMD something", "0x119")));
        Assert.False(RaptorLakeRules.IsAffected(Cpu("GenuineIntel", 15, 0xB7, "Intel something", "0x119")));
    }

    [Theory]
    [InlineData("0x125", false)]
    [InlineData("0x129", false)]
    [InlineData("0x12a", false)]
    [InlineData("0x12b", true)]
    [InlineData("0x12f", true)]
    [InlineData("0x132", true)]
    public void VminFixAtOrPast0x12B(string microcode, bool fixedRevision)
    {
        Assert.Equal(fixedRevision, RaptorLakeRules.HasVminFix(Cpu("GenuineIntel", 6, 0xB7, "13th Gen Intel(R) Core(TM) i9-13900K", microcode)));
        Assert.Null(RaptorLakeRules.HasVminFix(Cpu("GenuineIntel", 6, 0xBA, "13th Gen Intel(R) Core(TM) i7-1360P", microcode)));
    }

    [Fact]
    public void AdviceForAnOsLoadedFixOverAnOldBios()
    {
        var cpu = Cpu("GenuineIntel", 6, 0xB7, "13th Gen Intel(R) Core(TM) i9-13900KS", "0x12f");
        var advice = RaptorLakeRules.Advice(cpu, MicrocodeSource.EarlyUpdate, 0x119);
        Assert.Contains("The OS loaded microcode 0x12f", advice);
        Assert.Contains("over the BIOS's 0x119", advice);
        Assert.Contains("update the BIOS as well", advice);
        Assert.Contains("repairs none", advice);
        // The same revision from the BIOS: no BIOS update demanded.
        Assert.DoesNotContain("update the BIOS", RaptorLakeRules.Advice(cpu, MicrocodeSource.Bios, 0x12f));
    }

    [Fact]
    public void AdviceWhenTheRevisionIsUnreadable()
    {
        var cpu = Cpu("GenuineIntel", 6, 0xB7, "13th Gen Intel(R) Core(TM) i9-13900K", null);
        Assert.Null(RaptorLakeRules.HasVminFix(cpu));
        Assert.Contains("could not be read", RaptorLakeRules.Advice(cpu, MicrocodeSource.Unknown, null));
        Assert.Null(RaptorLakeRules.Advice(Cpu("AuthenticAMD", 25, 97, "AMD Ryzen 7 7700X 8-Core Processor", "0xa60120c"), MicrocodeSource.Bios, null));
        Assert.Contains("mobile HX part", RaptorLakeRules.Advice(Cpu("GenuineIntel", 6, 0xB7, "13th Gen Intel(R) Core(TM) i9-13980HX", "0x12b"), MicrocodeSource.Bios, null));
    }

    [Theory]
    [InlineData(0L, "", "not tainted")]
    [InlineData(4096L, "O", "O: externally built (out-of-tree) module loaded")]
    [InlineData(12288L, "OE", "O: externally built (out-of-tree) module loaded; E: unsigned module loaded")]
    [InlineData(4097L, "PO", "P: proprietary module loaded; O: externally built (out-of-tree) module loaded")]
    [InlineData(16L + 32 + 128, "MBD", "M: machine check exception occurred; B: bad page referenced or unexpected page flags (memory corruption); D: kernel died recently (OOPS or BUG)")]
    [InlineData(1L << 25, "", "bit 25: not known to this module")]
    public void TaintDecoding(long mask, string letters, string text)
    {
        Assert.Equal((letters, text), KernelFacts.DecodeTaint(mask));
    }

    [Theory]
    [InlineData("6.18.2-zen2-1-zen", null, "zen")]
    [InlineData("6.12.9-arch1-1", null, "arch")]
    [InlineData("6.6.69-1-lts", null, "lts")]
    [InlineData("6.8.0-49-generic", null, "generic")]
    [InlineData("6.8.0-1015-aws", null, "aws")]
    [InlineData("6.12.57+deb13-amd64", null, "amd64")]
    [InlineData("6.12.57+deb13-rt-amd64", null, "rt")]
    [InlineData("6.12.8-hardened1-1-hardened", null, "hardened")]
    [InlineData("6.12.0-1-cachyos", null, "cachyos")]
    [InlineData("6.6.0", "#1 SMP PREEMPT_RT Thu Jan 1 00:00:00 UTC 2025", "rt")]
    [InlineData("6.12.5-200.fc41.x86_64", null, null)]
    [InlineData("4.18.0-513.5.1.el8_9.x86_64", null, null)]
    public void KernelFlavors(string release, string? version, string? flavor)
    {
        Assert.Equal(flavor, KernelFacts.Flavor(release, version));
    }

    [Fact]
    public void KernelBuildDates()
    {
        Assert.Equal(new DateTimeOffset(2025, 12, 18, 18, 0, 18, TimeSpan.Zero), KernelFacts.BuildDate("#1 ZEN SMP PREEMPT_DYNAMIC Thu, 18 Dec 2025 18:00:18 +0000"));
        Assert.Equal(new DateTimeOffset(2024, 12, 5, 13, 9, 44, TimeSpan.Zero), KernelFacts.BuildDate("#52-Ubuntu SMP PREEMPT_DYNAMIC Thu Dec  5 13:09:44 UTC 2024"));
        Assert.Equal(new DateTimeOffset(2025, 1, 2, 0, 0, 0, TimeSpan.Zero), KernelFacts.BuildDate("#1 SMP PREEMPT_DYNAMIC Debian 6.1.123-1 (2025-01-02)"));
        Assert.Null(KernelFacts.BuildDate("#1 SMP PREEMPT_DYNAMIC @0"));
    }

    [Fact]
    public void KernelCompilers()
    {
        Assert.Equal("gcc (GCC) 15.3.0", KernelFacts.Compiler("Linux version 6.18.44-fc-v657 (builder@sandboxing) (gcc (GCC) 15.3.0, GNU ld (GNU Binutils) 2.46) #1 SMP PREEMPT_DYNAMIC @0"));
        Assert.Equal("Debian clang version 19.1.7 (3)", KernelFacts.Compiler("Linux version 6.12 (x@y) (Debian clang version 19.1.7 (3), Debian LLD 19.1.7) #1 SMP"));
        Assert.Null(KernelFacts.Compiler("Linux version 2.6.32 (root@host) #1 SMP"));
    }

    [Fact]
    public void PreemptionModels()
    {
        var voluntary = new Dictionary<string, string> { ["CONFIG_PREEMPT_VOLUNTARY"] = "y" };
        Assert.Equal("dynamic", KernelFacts.PreemptionModel("#1 SMP PREEMPT_DYNAMIC Thu", null));
        Assert.Equal("rt", KernelFacts.PreemptionModel("#1 SMP PREEMPT_RT Thu", null));
        Assert.Equal("full", KernelFacts.PreemptionModel("#1 SMP PREEMPT Thu", null));
        Assert.Equal("lazy", KernelFacts.PreemptionModel("#1 SMP PREEMPT_LAZY Thu", null));
        Assert.Equal("voluntary", KernelFacts.PreemptionModel("#1 SMP Thu", voluntary));
        Assert.Null(KernelFacts.PreemptionModel("#1 SMP Thu", null));
        Assert.Equal("full", KernelFacts.ActiveFromDebugfs("none voluntary (full) lazy\n"));
        Assert.Null(KernelFacts.ActiveFromDebugfs("none voluntary full lazy"));
        Assert.Equal("lazy", KernelFacts.PreemptParameter("root=/dev/sda1 preempt=lazy quiet"));
        Assert.Null(KernelFacts.PreemptParameter("root=/dev/sda1 quiet"));
    }

    [Fact]
    public void ToolVersionParsers()
    {
        Assert.Equal("2.42", Toolchain.GlibcFromLdd(new[] { "ldd (GNU libc) 2.42" }));
        Assert.Equal("2.39", Toolchain.GlibcFromLdd(new[] { "ldd (Ubuntu GLIBC 2.39-0ubuntu8) 2.39" }));
        Assert.Null(Toolchain.GlibcFromLdd(new[] { "musl libc (x86_64)" }));
        Assert.Equal("15.2.1 20251112", Toolchain.GccVersion(new[] { "gcc (GCC) 15.2.1 20251112", "Copyright" }));
        Assert.Equal("12.2.0", Toolchain.GccVersion(new[] { "gcc (Debian 12.2.0-14+deb12u1) 12.2.0" }));
        Assert.Null(Toolchain.GccVersion(Array.Empty<string>()));
        Assert.Equal("3.12.2", Toolchain.PythonVersion(new[] { "Python 3.12.2" }));
        Assert.Null(Toolchain.PythonVersion(new[] { "bash: python3: command not found" }));
        Assert.Equal("GLIBCXX_3.4.34", Toolchain.Newest(new[] { "GLIBCXX_3.4", "GLIBCXX_3.4.9", "GLIBCXX_3.4.34", "GLIBCXX_3.4.10", "CXXABI_1.3.15" }));
    }

    [Fact]
    public void LdconfigPrefersThisMachinesAbi()
    {
        var lines = new[]
        {
            "1893 libs found in cache `/etc/ld.so.cache'",
            "\tlibstdc++.so.6 (libc6) => /usr/lib32/libstdc++.so.6",
            "\tlibstdc++.so.6 (libc6,x86-64) => /usr/lib/libstdc++.so.6",
            "\tlibstdc++fs.so.6 (libc6,x86-64) => /usr/lib/libstdc++fs.so.6",
        };
        var paths = Toolchain.LibstdcxxFromLdconfig(lines);
        Assert.Equal(2, paths.Count);
        if (System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64)
        {
            Assert.Equal("/usr/lib/libstdc++.so.6", paths[0]);
        }
    }

    [Fact]
    public void OsReleaseQuoting()
    {
        var os = SystemProfileReader.ParseOsRelease(new[] { "# comment", "NAME=\"Garuda Linux\"", "ID=garuda", "VERSION='1 \"x\"'", "BUILD_ID=rolling", "junk" });
        Assert.Equal("Garuda Linux", os["NAME"]);
        Assert.Equal("garuda", os["ID"]);
        Assert.Equal("1 \"x\"", os["VERSION"]);
        Assert.Equal(4, os.Count);
    }

    [Fact]
    public void ElfReaderMatchesTheFixtureStub()
    {
        var file = Path.Combine(SystemProfileFixtureTests.TreePath("raptorlake-13900ks-0x119"), "usr/lib/libstdc++.so.6.0.34");
        var names = Toolchain.ElfVersionDefinitions(File.ReadAllBytes(file));
        Assert.NotNull(names);
        Assert.Equal("libstdc++.so.6", names![0]); // the BASE definition: the soname
        Assert.Contains("GLIBCXX_3.4.34", names);
        Assert.Contains("CXXABI_1.3.15", names);
        Assert.Equal(35, names.Count(n => n.StartsWith("GLIBCXX_3.4", StringComparison.Ordinal)));
        Assert.Null(Toolchain.ElfVersionDefinitions(System.Text.Encoding.ASCII.GetBytes("GLIBCXX_3.4.30 not an elf file at all, just text padding padding padding")));
    }

    /// <summary>The machine's own libstdc++ read as ELF agrees with the byte scan of it (the two methods on real data).</summary>
    [SkippableFact]
    public void ElfReaderOnThisMachinesLibstdcxx()
    {
        var file = Toolchain.StandardLibstdcxxPaths.Select(p => Toolchain.ResolveInRoot(SystemRoot.Live, "/" + p)).FirstOrDefault(p => p is not null);
        Skip.If(file is null, "no libstdc++.so.6 in the standard folders of this machine");
        var fromElf = Toolchain.GlibcxxVersions(file!, out var elf);
        Assert.True(elf, $"{file} should have a .gnu.version_d the reader understands");
        var scanned = System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(file!, System.Text.Encoding.Latin1), @"GLIBCXX_3\.4(?:\.\d+)?(?=\0)")
            .Select(m => m.Value).Distinct().ToList();
        Assert.Equal(Toolchain.Newest(scanned), Toolchain.Newest(fromElf));
    }

    [SkippableFact]
    public void LiveProfileMatchesTheMachine()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo"), "needs a Linux /proc");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var p = SystemProfileReader.ReadLive(CancellationToken.None);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");

        var info = TopologyReader.ReadCpuInfo(SystemRoot.Live)[0];
        Assert.Equal(info["model name"], p.CpuModel);
        Assert.Equal(info["vendor_id"], p.CpuVendor);
        Assert.Equal(int.Parse(info["cpu family"]), p.CpuFamily);
        Assert.Equal(int.Parse(info["model"]), p.CpuModelNumber);
        Assert.Equal(info.GetValueOrDefault("microcode"), p.Microcode);
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), p.KernelRelease);
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/version").Trim(), p.KernelVersion);
        Assert.Equal(long.Parse(File.ReadAllText("/proc/sys/kernel/tainted").Trim()), p.KernelTainted);
        Assert.Equal(Environment.MachineName, p.ComputerName);
        Assert.Equal(Environment.ProcessorCount, p.LogicalCpus);
        if (!Directory.Exists("/sys/class/drm") && !Directory.Exists("/proc/driver/nvidia"))
        {
            Assert.Contains("GPU: none found (no NVIDIA driver, and no GPU in /sys/class/drm).", p.Notes);
            Assert.Null(p.GpuName);
        }
        // glibc from the library itself equals what ldd says.
        var ldd = ProcessRunner.Find("ldd");
        if (ldd is not null)
        {
            var first = ProcessRunner.StreamLines("ldd", new[] { "--version" }, TimeSpan.FromSeconds(10), CancellationToken.None).First();
            Assert.Equal(first.Split(' ')[^1], p.GlibcVersion);
        }
    }

    [SkippableFact]
    public void LiveMissingProgramsBecomeNotes()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo"), "needs a Linux /proc");
        var p = new SystemProfileReader(SystemRoot.Live, new NoPrograms()) { KmsgPath = "/nonexistent/kmsg" }.Read();
        Assert.Null(p.GccVersion);
        Assert.Null(p.PythonVersion);
        Assert.Contains(p.Notes, n => n == "gcc version: 'gcc' timed out (test).");
        Assert.Contains(p.Notes, n => n == "python3 version: 'python3' timed out (test).");
        if (!p.IsVirtualMachine)
        {
            Assert.Equal(MicrocodeSource.Unknown, p.MicrocodeSource);
            Assert.Contains(p.Notes, n => n.StartsWith("The kernel log could not be read", StringComparison.Ordinal));
        }
        Assert.NotNull(p.GlibcVersion); // asked of the library, not of a program
    }

    private sealed class NoPrograms : IProgramOutputs
    {
        public IReadOnlyList<string>? Read(ProgramCapture capture, out string? problem)
        {
            problem = $"'{capture.Program}' timed out (test).";
            return null;
        }
    }

    [Fact]
    public void LiveProgramTimeoutIsAReasonNotAHang()
    {
        Skip.IfNot(File.Exists("/bin/sleep") || File.Exists("/usr/bin/sleep"));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var lines = new LivePrograms(TimeSpan.FromSeconds(1), CancellationToken.None).Read(new ProgramCapture("x", "sleep", new[] { "30" }), out var problem);
        Assert.Null(lines);
        Assert.Equal("'sleep 30' did not finish within 1 s and was ended.", problem);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Null(new LivePrograms(TimeSpan.FromSeconds(1), CancellationToken.None).Read(new ProgramCapture("x", "no-such-program-xyz", Array.Empty<string>()), out problem));
        Assert.Equal("'no-such-program-xyz' is not installed (not on PATH).", problem);
    }

    private static PowerShell Shell()
    {
        var iss = InitialSessionState.CreateDefault2();
        iss.Commands.Add(new SessionStateCmdletEntry("Get-SystemProfile", typeof(GetSystemProfileCommand), null));
        return PowerShell.Create(iss);
    }

    [Fact]
    public void CmdletReadsATree()
    {
        using var ps = Shell();
        ps.AddScript("Get-SystemProfile -Root $args[0]").AddArgument(SystemProfileFixtureTests.TreePath("raptorlake-13900ks-0x119"));
        var result = Assert.Single(ps.Invoke());
        var profile = Assert.IsType<SystemProfile>(result.BaseObject);
        Assert.True(profile.IsRaptorLakeAffected);
        Assert.Empty(ps.Streams.Error);
    }

    [Fact]
    public void CmdletReportsAMissingTree()
    {
        using var ps = Shell();
        ps.AddScript("Get-SystemProfile -Root /nonexistent/tree");
        Assert.Empty(ps.Invoke());
        var error = Assert.Single(ps.Streams.Error);
        Assert.Equal("RootNotFound,SegfaultTools.Commands.GetSystemProfileCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
    }

    [Fact]
    public void OutputSurvivesCsv()
    {
        using var ps = Shell();
        ps.AddScript("Get-SystemProfile -Root $args[0] | ConvertTo-Csv | ConvertFrom-Csv").AddArgument(SystemProfileFixtureTests.TreePath("amd-ryzen-7700x"));
        var row = Assert.Single(ps.Invoke());
        Assert.Equal("0xa60120c", row.Properties["Microcode"].Value);
        Assert.Equal("EarlyUpdate", row.Properties["MicrocodeSource"].Value);
        Assert.Equal("GLIBCXX_3.4.33", row.Properties["LibstdcxxVersion"].Value);
    }

    [Fact]
    public void GpuSummaryIsGetGpuDriverInfosFirstNamedGpu()
    {
        var tree = new SystemRoot(Path.Combine(RepoPaths.Root, "tests/fixtures/gpu/trees/nvidia-open-590"));
        var gpus = new GpuDriverReader(tree, new CapturedGpuTools(tree)).Read();
        var gpu = Assert.Single(gpus, g => g.Name is not null);
        var p = SystemProfileReader.ReadCaptured(tree);
        Assert.Equal("NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition", p.GpuName);
        Assert.Equal(gpu.Name, p.GpuName);
        Assert.Equal(97887, p.GpuMemoryMiB);
        Assert.Equal("590.44.01", p.GpuDriverVersion);
        Assert.Equal("13.1", p.CudaVersion);
        Assert.DoesNotContain(p.Notes, n => n.StartsWith("GPU: none found", StringComparison.Ordinal));
    }
}
