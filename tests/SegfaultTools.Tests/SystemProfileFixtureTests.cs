namespace SegfaultTools.Tests;

/// <summary>
/// Get-SystemProfile's reader on every captured tree under tests/fixtures/system (see the README
/// there): every public property of SystemProfile is asserted for every tree, and a property added
/// later without an expectation fails <see cref="ExpectationsCoverEveryProperty"/>.
/// </summary>
public sealed class SystemProfileFixtureTests
{
    internal static string TreePath(string name) => Path.Combine(RepoPaths.Fixtures, "system", name);

    private const string GpuNote = "GPU: none found (no NVIDIA driver, and no GPU in /sys/class/drm).";
    private const string NoEdac = "No EDAC memory controller is registered";

    private static readonly Dictionary<string, object?> Gpu = new()
    {
        ["GpuName"] = null, ["GpuMemoryMiB"] = null, ["GpuDriverVersion"] = null, ["CudaVersion"] = null,
    };

    private static Dictionary<string, object?> Raptor(string microcode, long revision, string biosVersion, string biosDate, bool fix,
        string active, long taint, string letters, string taintText) => new(Gpu)
    {
        ["ComputerName"] = "garuda-13900ks",
        ["CpuModel"] = "13th Gen Intel(R) Core(TM) i9-13900KS",
        ["CpuVendor"] = "GenuineIntel",
        ["CpuFamily"] = 6,
        ["CpuModelNumber"] = 183,
        ["CpuStepping"] = 1,
        ["CpuSignature"] = "06-b7-01",
        ["Microcode"] = microcode,
        ["MicrocodeRevision"] = revision,
        ["MicrocodeSource"] = MicrocodeSource.Bios,
        ["BiosMicrocode"] = microcode,
        ["BiosVendor"] = "American Megatrends International, LLC.",
        ["BiosVersion"] = biosVersion,
        ["BiosDate"] = biosDate,
        ["Sockets"] = 1,
        ["PhysicalCores"] = 24,
        ["LogicalCpus"] = 32,
        ["IsHybrid"] = true,
        ["PerformanceCores"] = 8,
        ["EfficiencyCores"] = 16,
        ["MaxFrequencyMHz"] = 6000,
        ["Virtualization"] = "VT-x",
        ["IsVirtualMachine"] = false,
        ["IsRaptorLakeAffected"] = true,
        ["MicrocodeHasVminFix"] = fix,
        ["MemoryTotal"] = 65567184L * 1024,
        ["SwapTotal"] = 67108860L * 1024,
        ["EccMemory"] = null,
        ["Distribution"] = "Garuda Linux",
        ["DistributionId"] = "garuda",
        ["DistributionVersion"] = "rolling",
        ["KernelRelease"] = "6.18.2-zen2-1-zen",
        ["KernelVersion"] = "#1 ZEN SMP PREEMPT_DYNAMIC Thu, 18 Dec 2025 18:00:18 +0000",
        ["KernelBuildDate"] = new DateTimeOffset(2025, 12, 18, 18, 0, 18, TimeSpan.Zero),
        ["KernelCompiler"] = "gcc (GCC) 15.2.1 20251112",
        ["KernelFlavor"] = "zen",
        ["PreemptionModel"] = "dynamic",
        ["ActivePreemption"] = active,
        ["KernelTainted"] = taint,
        ["KernelTaintFlags"] = letters,
        ["KernelTaint"] = taintText,
        ["GlibcVersion"] = "2.42",
        ["LibstdcxxVersion"] = "GLIBCXX_3.4.34",
        ["LibstdcxxPath"] = "/usr/lib/libstdc++.so.6.0.34",
        ["GccVersion"] = "15.2.1 20251112",
        ["PythonVersion"] = "3.12.2",
    };

    /// <summary>Tree name → property → expected value; "RaptorLakeAdvice" and "Notes" hold text every expected fragment of which must appear.</summary>
    internal static readonly Dictionary<string, (Dictionary<string, object?> Values, string[] Advice, string[] Notes)> Expected = new()
    {
        ["raptorlake-13900ks-0x119"] = (
            Raptor("0x119", 0x119, "1402", "09/26/2023", false, "full", 4096, "O", "O: externally built (out-of-tree) module loaded"),
            new[] { "predates Intel's fix (0x12B)", "Update the motherboard BIOS", "does not change the voltage" },
            new[] { "Active preemption mode inferred from the kernel config's default (full)", NoEdac, GpuNote }),
        ["raptorlake-13900ks-0x12b"] = (
            Raptor("0x12b", 0x12b, "2703", "11/05/2024", true, "lazy", 4608, "WO",
                "W: kernel issued a warning; O: externally built (out-of-tree) module loaded"),
            new[] { "includes Intel's fix", "prevents further degradation but repairs none", "may already be degraded and need replacing" },
            new[] { NoEdac, GpuNote }),
        ["raptorlake-laptop-1360p"] = (new(Gpu)
        {
            ["ComputerName"] = "thinkpad-1360p",
            ["CpuModel"] = "13th Gen Intel(R) Core(TM) i7-1360P",
            ["CpuVendor"] = "GenuineIntel",
            ["CpuFamily"] = 6,
            ["CpuModelNumber"] = 186,
            ["CpuStepping"] = 2,
            ["CpuSignature"] = "06-ba-02",
            ["Microcode"] = "0x4121",
            ["MicrocodeRevision"] = 0x4121L,
            ["MicrocodeSource"] = MicrocodeSource.EarlyUpdate,
            ["BiosMicrocode"] = "0x4119",
            ["BiosVendor"] = "LENOVO",
            ["BiosVersion"] = "N3XET49W (1.24 )",
            ["BiosDate"] = "03/12/2024",
            ["Sockets"] = 1,
            ["PhysicalCores"] = 12,
            ["LogicalCpus"] = 16,
            ["IsHybrid"] = true,
            ["PerformanceCores"] = 4,
            ["EfficiencyCores"] = 8,
            ["MaxFrequencyMHz"] = 5000,
            ["Virtualization"] = "VT-x",
            ["IsVirtualMachine"] = false,
            ["IsRaptorLakeAffected"] = false,
            ["MicrocodeHasVminFix"] = null,
            ["MemoryTotal"] = 32537168L * 1024,
            ["SwapTotal"] = 2097148L * 1024,
            ["EccMemory"] = null,
            ["Distribution"] = "Ubuntu 22.04.5 LTS",
            ["DistributionId"] = "ubuntu",
            ["DistributionVersion"] = "22.04",
            ["KernelRelease"] = "6.5.0-45-generic",
            ["KernelVersion"] = "#45~22.04.1-Ubuntu SMP PREEMPT_DYNAMIC Mon Jul 15 16:40:02 UTC 2",
            ["KernelBuildDate"] = null, // uname -v is cut at 64 characters: "UTC 2" has no year
            ["KernelCompiler"] = "x86_64-linux-gnu-gcc-12 (Ubuntu 12.3.0-1ubuntu1~22.04) 12.3.0",
            ["KernelFlavor"] = "generic",
            ["PreemptionModel"] = "dynamic",
            ["ActivePreemption"] = null,
            ["KernelTainted"] = 0L,
            ["KernelTaintFlags"] = "",
            ["KernelTaint"] = "not tainted",
            ["GlibcVersion"] = null,
            ["LibstdcxxVersion"] = "GLIBCXX_3.4.30",
            ["LibstdcxxPath"] = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30",
            ["GccVersion"] = null,
            ["PythonVersion"] = null,
        },
            new[] { "Raptor Lake mobile part (CPUID model 0xBA)", "not affected" },
            new[]
            {
                "PREEMPT_DYNAMIC kernel: the active mode is not known",
                "has no ELF version-definition section this module can read: the GLIBCXX versions come from a scan of its bytes",
                "glibc version: The captured tree has no .segfaulttools/ldd-version.txt",
                "gcc version: The captured tree has no .segfaulttools/gcc-version.txt",
                "python3 version: The captured tree has no .segfaulttools/python3-version.txt",
                NoEdac, GpuNote,
            }),
        ["amd-ryzen-7700x"] = (new(Gpu)
        {
            ["ComputerName"] = "ryzen-ws",
            ["CpuModel"] = "AMD Ryzen 7 7700X 8-Core Processor",
            ["CpuVendor"] = "AuthenticAMD",
            ["CpuFamily"] = 25,
            ["CpuModelNumber"] = 97,
            ["CpuStepping"] = 2,
            ["CpuSignature"] = "19-61-02",
            ["Microcode"] = "0xa60120c",
            ["MicrocodeRevision"] = 0xa60120cL,
            ["MicrocodeSource"] = MicrocodeSource.EarlyUpdate,
            ["BiosMicrocode"] = "0xa601209",
            ["BiosVendor"] = "American Megatrends International, LLC.",
            ["BiosVersion"] = "3287",
            ["BiosDate"] = "07/11/2025",
            ["Sockets"] = 1,
            ["PhysicalCores"] = 8,
            ["LogicalCpus"] = 16,
            ["IsHybrid"] = false,
            ["PerformanceCores"] = null,
            ["EfficiencyCores"] = null,
            ["MaxFrequencyMHz"] = 5573,
            ["Virtualization"] = "AMD-V",
            ["IsVirtualMachine"] = false,
            ["IsRaptorLakeAffected"] = false,
            ["MicrocodeHasVminFix"] = null,
            ["MemoryTotal"] = 65052164L * 1024,
            ["SwapTotal"] = 0L,
            ["EccMemory"] = true,
            ["Distribution"] = "Debian GNU/Linux 13 (trixie)",
            ["DistributionId"] = "debian",
            ["DistributionVersion"] = "13",
            ["KernelRelease"] = "6.12.57+deb13-amd64",
            ["KernelVersion"] = "#1 SMP PREEMPT_DYNAMIC Debian 6.12.57-1 (2025-11-05)",
            ["KernelBuildDate"] = new DateTimeOffset(2025, 11, 5, 0, 0, 0, TimeSpan.Zero),
            ["KernelCompiler"] = "x86_64-linux-gnu-gcc-14 (Debian 14.2.0-19) 14.2.0",
            ["KernelFlavor"] = "amd64",
            ["PreemptionModel"] = "dynamic",
            ["ActivePreemption"] = "full",
            ["KernelTainted"] = 0L,
            ["KernelTaintFlags"] = "",
            ["KernelTaint"] = "not tainted",
            ["GlibcVersion"] = "2.41",
            ["LibstdcxxVersion"] = "GLIBCXX_3.4.33",
            ["LibstdcxxPath"] = "/lib/x86_64-linux-gnu/libstdc++.so.6.0.33",
            ["GccVersion"] = "14.2.0",
            ["PythonVersion"] = "3.13.5",
        },
            Array.Empty<string>(),
            new[] { "Active preemption mode from the preempt=full boot parameter", GpuNote }),
        ["xeon-2s-server"] = (new(Gpu)
        {
            ["ComputerName"] = "db-node-07",
            ["CpuModel"] = "Intel(R) Xeon(R) Gold 5122 CPU @ 3.60GHz",
            ["CpuVendor"] = "GenuineIntel",
            ["CpuFamily"] = 6,
            ["CpuModelNumber"] = 85,
            ["CpuStepping"] = 4,
            ["CpuSignature"] = "06-55-04",
            ["Microcode"] = "0x2007006",
            ["MicrocodeRevision"] = 0x2007006L,
            ["MicrocodeSource"] = MicrocodeSource.Bios, // the newest boot (messages) updated nothing; the older one (messages-20231203) did
            ["BiosMicrocode"] = "0x2007006",
            ["BiosVendor"] = "Dell Inc.",
            ["BiosVersion"] = "2.19.0",
            ["BiosDate"] = "08/10/2023",
            ["Sockets"] = 2,
            ["PhysicalCores"] = 8,
            ["LogicalCpus"] = 16,
            ["IsHybrid"] = false,
            ["PerformanceCores"] = null,
            ["EfficiencyCores"] = null,
            ["MaxFrequencyMHz"] = 3700,
            ["Virtualization"] = "VT-x",
            ["IsVirtualMachine"] = false,
            ["IsRaptorLakeAffected"] = false,
            ["MicrocodeHasVminFix"] = null,
            ["MemoryTotal"] = 197588620L * 1024,
            ["SwapTotal"] = 4194300L * 1024,
            ["EccMemory"] = true,
            ["Distribution"] = "Rocky Linux 8.9 (Green Obsidian)",
            ["DistributionId"] = "rocky",
            ["DistributionVersion"] = "8.9",
            ["KernelRelease"] = "4.18.0-513.5.1.el8_9.x86_64",
            ["KernelVersion"] = "#1 SMP Fri Nov 17 03:31:10 UTC 2023",
            ["KernelBuildDate"] = new DateTimeOffset(2023, 11, 17, 3, 31, 10, TimeSpan.Zero),
            ["KernelCompiler"] = "gcc version 8.5.0 20210514 (Red Hat 8.5.0-20) (GCC)",
            ["KernelFlavor"] = null,
            ["PreemptionModel"] = "voluntary",
            ["ActivePreemption"] = "voluntary",
            ["KernelTainted"] = 4097L,
            ["KernelTaintFlags"] = "PO",
            ["KernelTaint"] = "P: proprietary module loaded; O: externally built (out-of-tree) module loaded",
            ["GlibcVersion"] = null,
            ["LibstdcxxVersion"] = "GLIBCXX_3.4.25",
            ["LibstdcxxPath"] = "/usr/lib64/libstdc++.so.6.0.25",
            ["GccVersion"] = "8.5.0 20210514 (Red Hat 8.5.0-20)",
            ["PythonVersion"] = "3.6.8",
        },
            Array.Empty<string>(),
            new[]
            {
                "No known flavour suffix (zen, lts, rt, generic, ...) in the kernel release '4.18.0-513.5.1.el8_9.x86_64'",
                "glibc version: The captured tree has no .segfaulttools/ldd-version.txt",
                GpuNote,
            }),
    };

    public static TheoryData<string> Trees()
    {
        var data = new TheoryData<string>();
        foreach (var name in Expected.Keys)
        {
            data.Add(name);
        }
        return data;
    }

    [Fact]
    public void EveryTreeHasExpectations()
    {
        var dirs = Directory.GetDirectories(Path.Combine(RepoPaths.Fixtures, "system")).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.Equal(Expected.Keys.Order(StringComparer.Ordinal), dirs);
    }

    [Fact]
    public void ExpectationsCoverEveryProperty()
    {
        var properties = typeof(SystemProfile).GetProperties().Select(p => p.Name)
            .Except(new[] { "RaptorLakeAdvice", "Notes" }).Order(StringComparer.Ordinal).ToList();
        foreach (var (name, e) in Expected)
        {
            Assert.True(properties.SequenceEqual(e.Values.Keys.Order(StringComparer.Ordinal)), $"{name}: expectations for {string.Join(", ", properties.Except(e.Values.Keys))} missing, or extra {string.Join(", ", e.Values.Keys.Except(properties))}");
        }
    }

    [Theory]
    [MemberData(nameof(Trees))]
    public void TreeGivesExpectedProfile(string name)
    {
        var (values, advice, notes) = Expected[name];
        var profile = SystemProfileReader.ReadCaptured(new SystemRoot(TreePath(name)));

        foreach (var (property, expected) in values)
        {
            var actual = typeof(SystemProfile).GetProperty(property)!.GetValue(profile);
            Assert.True(Equals(expected, actual), $"{name}.{property}: expected <{expected ?? "null"}>, got <{actual ?? "null"}>");
        }

        if (advice.Length == 0)
        {
            Assert.Null(profile.RaptorLakeAdvice);
        }
        foreach (var fragment in advice)
        {
            Assert.Contains(fragment, profile.RaptorLakeAdvice);
        }

        foreach (var fragment in notes)
        {
            Assert.True(profile.Notes.Any(n => n.Contains(fragment, StringComparison.Ordinal)), $"{name}: no note containing '{fragment}' in:\n{string.Join("\n", profile.Notes)}");
        }
        // Nothing is noted that the expectations do not account for.
        Assert.Equal(notes.Length, profile.Notes.Length);
    }

    [Fact]
    public void CapturedTreeRunsNoProgram()
    {
        // The captured programs' outputs are files; the reader for a tree never gets a live runner.
        var root = new SystemRoot(TreePath("raptorlake-13900ks-0x119"));
        var fake = new RecordingPrograms(new CapturedPrograms(root));
        var profile = new SystemProfileReader(root, fake).Read();
        Assert.Equal("2.42", profile.GlibcVersion);
        Assert.Equal(new[] { "dmesg.txt", "ldconfig-p.txt", "ldd-version.txt", "gcc-version.txt", "python3-version.txt" }, fake.Asked);
    }

    internal sealed class RecordingPrograms : IProgramOutputs
    {
        private readonly IProgramOutputs _inner;

        public RecordingPrograms(IProgramOutputs inner) => _inner = inner;

        public List<string> Asked { get; } = new();

        public IReadOnlyList<string>? Read(ProgramCapture capture, out string? problem)
        {
            Asked.Add(capture.FileName);
            return _inner.Read(capture, out problem);
        }
    }
}
