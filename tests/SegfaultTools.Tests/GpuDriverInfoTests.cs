using System.Management.Automation;
using System.Management.Automation.Runspaces;
using SegfaultTools.Commands;

namespace SegfaultTools.Tests;

/// <summary>
/// Get-GpuDriverInfo's readers against the real nvidia-smi -q -x reports and /proc/driver/nvidia/version
/// texts under tests/fixtures/gpu (sources in the README there), and the captured trees built from them:
/// every field of every record, the version-mismatch case, and the cmdlet in a runspace.
/// </summary>
public sealed class GpuDriverInfoTests
{
    internal static string Gpu => Path.Combine(RepoPaths.Fixtures, "gpu");

    internal static string Tree(string name) => Path.Combine(Gpu, "trees", name);

    private static string Xml(string name) => File.ReadAllText(Path.Combine(Gpu, "nvidia-smi", name));

    internal static (List<GpuDriverInfo> Records, List<string> Warnings) ReadTree(string name)
    {
        var root = new SystemRoot(Tree(name));
        var reader = new GpuDriverReader(root, new CapturedGpuTools(root));
        return (reader.Read(), reader.Warnings);
    }

    [Fact]
    public void BlackwellReportEveryField()
    {
        var log = NvidiaSmiLog.Parse(Xml("rtx-pro-6000-blackwell-590.44.01.xml"));
        Assert.Null(log.Problem);
        Assert.Equal("590.44.01", log.DriverVersion);
        Assert.Equal("13.1", log.CudaVersion);
        var gpu = Assert.Single(log.Gpus);
        Assert.Equal("0000:61:00.0", gpu.PciBusId);
        Assert.Equal("NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition", gpu.Name);
        Assert.Equal(97887, gpu.MemoryTotalMiB);
        Assert.Equal(65720, gpu.MemoryUsedMiB);
        Assert.Equal("590.44.01", gpu.GspFirmwareVersion);
        Assert.True(gpu.PersistenceMode);
        var p = Assert.Single(gpu.Processes);
        Assert.Equal(116860, p.ProcessId);
        Assert.Equal("/root/src/llama.cpp/build/bin/llama-server", p.Name);
        Assert.Equal("C", p.Type);
        Assert.Equal(65710, p.UsedMemoryMiB);
        Assert.Equal("116860 llama-server 65710 MiB", p.ToString());
    }

    [Fact]
    public void QuadroP2000ReportEveryField()
    {
        var log = NvidiaSmiLog.Parse(Xml("quadro-p2000-525.125.06.xml"));
        Assert.Null(log.Problem);
        Assert.Equal("525.125.06", log.DriverVersion);
        Assert.Equal("12.0", log.CudaVersion);
        var gpu = Assert.Single(log.Gpus);
        Assert.Equal("0000:17:00.0", gpu.PciBusId);
        Assert.Equal("Quadro P2000", gpu.Name);
        Assert.Equal(5120, gpu.MemoryTotalMiB);
        Assert.Equal(1, gpu.MemoryUsedMiB);
        Assert.Null(gpu.GspFirmwareVersion); // N/A: Pascal has no GSP
        Assert.True(gpu.PersistenceMode);
        Assert.Empty(gpu.Processes);
    }

    [Fact]
    public void WarningLinesBeforeTheXmlAreSkipped()
    {
        var log = NvidiaSmiLog.Parse("WARNING: infoROM is corrupted at gpu 0000:17:00.0\n" + Xml("quadro-p2000-525.125.06.xml"));
        Assert.Null(log.Problem);
        Assert.Equal("Quadro P2000", Assert.Single(log.Gpus).Name);
    }

    [Theory]
    [InlineData("Failed to initialize NVML: Driver/library version mismatch\n", true, "Failed to initialize NVML: Driver/library version mismatch")]
    [InlineData("Failed to initialize NVML: Driver/library version mismatch\nNVML library version: 555.42\n", true, "reboot")]
    [InlineData("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n", false, "not loaded")]
    [InlineData("No devices were found\n", false, "found no NVIDIA GPU")]
    [InlineData("Failed to initialize NVML: Unknown Error\n", false, "NVML could not start")]
    [InlineData("\u0001\u0002garbage that is not xml\n", false, "not its XML report (first line: 'garbage that is not xml')")]
    [InlineData("", false, "printed nothing")]
    [InlineData("<nvidia_smi_log><gpu></nvidia_smi_log>", false, "could not be read")]
    public void NonReportsSayWhy(string output, bool mismatch, string expected)
    {
        var log = NvidiaSmiLog.Parse(output);
        Assert.False(log.HasReport);
        Assert.Equal(mismatch, log.ReportsVersionMismatch);
        Assert.Contains(expected, log.Problem);
        Assert.Empty(log.Gpus);
    }

    [Theory]
    [InlineData("open-555.58.02.txt", "555.58.02", KernelModuleFlavor.Open)]
    [InlineData("open-555.42.02.txt", "555.42.02", KernelModuleFlavor.Open)]
    [InlineData("open-560.35.03-vgpu.txt", "560.35.03", KernelModuleFlavor.Open)]
    [InlineData("proprietary-525.125.06.txt", "525.125.06", KernelModuleFlavor.Proprietary)]
    [InlineData("proprietary-550.54.14.txt", "550.54.14", KernelModuleFlavor.Proprietary)]
    [InlineData("proprietary-580.65.06.txt", "580.65.06", KernelModuleFlavor.Proprietary)]
    public void ProcVersionTexts(string file, string version, KernelModuleFlavor flavor)
    {
        var (v, f) = NvidiaKernelModule.ParseProcVersion(File.ReadAllText(Path.Combine(Gpu, "proc-version", file)));
        Assert.Equal(version, v);
        Assert.Equal(flavor, f);
    }

    [Fact]
    public void ProcVersionWithoutTheLine()
    {
        Assert.Equal((null, KernelModuleFlavor.Unknown), NvidiaKernelModule.ParseProcVersion("GCC version:  gcc version 15.2.1\n"));
        Assert.Equal((null, KernelModuleFlavor.Unknown), NvidiaKernelModule.ParseProcVersion(null));
    }

    [Fact]
    public void ModinfoLicense()
    {
        Assert.Equal(("Dual MIT/GPL", "590.48.01"), NvidiaKernelModule.ParseModinfo("filename: /x/nvidia.ko\nversion:        590.48.01\nlicense:        Dual MIT/GPL\n"));
        Assert.Equal(("NVIDIA", null), NvidiaKernelModule.ParseModinfo("NVIDIA\n"));
        Assert.Equal(KernelModuleFlavor.Open, NvidiaKernelModule.FlavorOfLicense("Dual MIT/GPL"));
        Assert.Equal(KernelModuleFlavor.Proprietary, NvidiaKernelModule.FlavorOfLicense("NVIDIA"));
        Assert.Equal(KernelModuleFlavor.Unknown, NvidiaKernelModule.FlavorOfLicense("GPL"));
    }

    [Fact]
    public void LinkerCachePrefersThe64BitEntry()
    {
        var text = File.ReadAllText(Path.Combine(Tree("nvidia-open-590"), ".segfaulttools", "ldconfig-p.txt"));
        Assert.Equal("/usr/lib/x86_64-linux-gnu/libcuda.so.1", NvidiaUserSpace.PathInLinkerCache(text, "libcuda.so.1"));
        Assert.Equal("/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1", NvidiaUserSpace.PathInLinkerCache(text, "libnvidia-ml.so.1"));
        Assert.Null(NvidiaUserSpace.PathInLinkerCache(text, "libcudart.so.12"));
        Assert.Equal("/usr/lib32/libcuda.so.1", NvidiaUserSpace.PathInLinkerCache("\tlibcuda.so.1 (libc6) => /usr/lib32/libcuda.so.1\n", "libcuda.so.1"));
        Assert.Equal("590.48.01", NvidiaUserSpace.VersionOfFileName("/usr/lib/libcuda.so.590.48.01"));
        Assert.Equal("470.256.02", NvidiaUserSpace.VersionOfFileName("libnvidia-ml.so.470.256.02"));
        Assert.Null(NvidiaUserSpace.VersionOfFileName("/usr/lib/libcuda.so.1"));
        Assert.Null(NvidiaUserSpace.VersionOfFileName("/usr/lib/libcuda.so"));
    }

    [Theory]
    [InlineData("00000000:61:00.0", "0000:61:00.0")]
    [InlineData("00000000:A9:00.0", "0000:a9:00.0")]
    [InlineData("0000:01:00.0", "0000:01:00.0")]
    [InlineData("01:00.0", "0000:01:00.0")]
    [InlineData("00000001:01:00.0", "0001:01:00.0")]
    public void PciAddresses(string input, string expected) => Assert.Equal(expected, PciAddress.Normalize(input));

    [Fact]
    public void OpenModuleTree()
    {
        var (records, warnings) = ReadTree("nvidia-open-590");
        Assert.Empty(warnings);
        var r = Assert.Single(records);
        Assert.Equal("gpu-open", r.ComputerName);
        Assert.Equal("NVIDIA", r.Vendor);
        Assert.Equal("NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition", r.Name);
        Assert.Equal("0000:61:00.0", r.PciBusId);
        Assert.Equal("nvidia", r.KernelDriver);
        Assert.Equal(97887, r.MemoryTotalMiB);
        Assert.Equal(65720, r.MemoryUsedMiB);
        Assert.Equal("590.44.01", r.DriverVersion);
        Assert.Equal(KernelModuleFlavor.Open, r.KernelModuleFlavor);
        Assert.Equal("590.44.01", r.UserSpaceDriverVersion);
        Assert.False(r.VersionMismatch);
        Assert.Equal("13.1", r.CudaDriverVersion);
        Assert.Equal("590.44.01", r.GspFirmwareVersion);
        Assert.Equal("nvidia/590.44.01, 6.18.2-zen1-1-zen, x86_64: installed", r.DkmsStatus);
        Assert.True(r.PersistenceMode);
        Assert.Equal("116860 llama-server 65710 MiB", r.Processes.ToString());
        Assert.Null(r.Notes);
    }

    [Fact]
    public void ProprietaryModuleTree()
    {
        var (records, warnings) = ReadTree("nvidia-proprietary-525");
        Assert.Empty(warnings);
        var r = Assert.Single(records);
        Assert.Equal("gpu-prop", r.ComputerName);
        Assert.Equal("NVIDIA", r.Vendor);
        Assert.Equal("Quadro P2000", r.Name);
        Assert.Equal("0000:17:00.0", r.PciBusId);
        Assert.Equal("nvidia", r.KernelDriver); // from sys/bus/pci/devices: this tree has no drm card
        Assert.Equal(5120, r.MemoryTotalMiB);
        Assert.Equal(1, r.MemoryUsedMiB);
        Assert.Equal("525.125.06", r.DriverVersion);
        Assert.Equal(KernelModuleFlavor.Proprietary, r.KernelModuleFlavor);
        Assert.Equal("525.125.06", r.UserSpaceDriverVersion);
        Assert.False(r.VersionMismatch);
        Assert.Equal("12.0", r.CudaDriverVersion);
        Assert.Null(r.GspFirmwareVersion);
        Assert.Null(r.DkmsStatus); // no dkms-status.txt: dkms not installed
        Assert.True(r.PersistenceMode);
        Assert.Empty(r.Processes);
        Assert.Equal(string.Empty, r.Processes.ToString());
        Assert.Null(r.Notes);
    }

    [Fact]
    public void MismatchTreeGivesATruthfulRecordAndAWarning()
    {
        var (records, warnings) = ReadTree("nvidia-mismatch-550-555");
        var r = Assert.Single(records);
        Assert.Equal("gpu-mismatch", r.ComputerName);
        Assert.Equal("NVIDIA", r.Vendor);
        Assert.Equal("NVIDIA GeForce RTX 4090", r.Name); // from /proc/driver/nvidia/gpus/*/information
        Assert.Equal("0000:01:00.0", r.PciBusId);
        Assert.Equal("nvidia", r.KernelDriver);
        Assert.Null(r.MemoryTotalMiB);
        Assert.Null(r.MemoryUsedMiB);
        Assert.Equal("550.54.14", r.DriverVersion);
        Assert.Equal(KernelModuleFlavor.Proprietary, r.KernelModuleFlavor);
        Assert.Equal("555.42.06", r.UserSpaceDriverVersion);
        Assert.True(r.VersionMismatch);
        Assert.Null(r.CudaDriverVersion);
        Assert.Null(r.GspFirmwareVersion);
        Assert.Equal("nvidia/555.42.06, 6.8.0-45-generic, x86_64: installed", r.DkmsStatus);
        Assert.Null(r.PersistenceMode);
        Assert.Empty(r.Processes);
        Assert.Contains("the nvidia module on disk is 555.42.06 but the loaded one is 550.54.14: reboot", r.Notes);
        Assert.Contains("Failed to initialize NVML: Driver/library version mismatch", r.Notes);
        Assert.Contains("version mismatch: the loaded NVIDIA kernel module is 550.54.14 but the user-space libraries programs load (libcuda.so.1) are 555.42.06; reboot", r.Notes);
        var warning = Assert.Single(warnings);
        Assert.Contains("550.54.14", warning);
        Assert.Contains("555.42.06", warning);
        Assert.Contains("Reboot", warning);
    }

    [Fact]
    public void AmdAndIntelFromDrm()
    {
        var (records, warnings) = ReadTree("amd-intel-drm");
        Assert.Empty(warnings);
        Assert.Equal(2, records.Count);
        var intel = records[0];
        Assert.Equal("radeon-box", intel.ComputerName);
        Assert.Equal("Intel", intel.Vendor);
        Assert.Equal("Raptor Lake-S GT1 [UHD Graphics 770]", intel.Name);
        Assert.Equal("0000:00:02.0", intel.PciBusId);
        Assert.Equal("i915", intel.KernelDriver);
        Assert.Null(intel.MemoryTotalMiB);
        Assert.Null(intel.MemoryUsedMiB);
        var amd = records[1];
        Assert.Equal("AMD", amd.Vendor);
        Assert.Equal("Navi 31 [Radeon RX 7900 XT/7900 XTX/7900 GRE/7900M]", amd.Name);
        Assert.Equal("0000:03:00.0", amd.PciBusId);
        Assert.Equal("amdgpu", amd.KernelDriver);
        Assert.Equal(24560, amd.MemoryTotalMiB);
        Assert.Equal(1408, amd.MemoryUsedMiB);
        foreach (var r in records)
        {
            Assert.Null(r.DriverVersion);
            Assert.Equal(KernelModuleFlavor.Unknown, r.KernelModuleFlavor);
            Assert.Null(r.UserSpaceDriverVersion);
            Assert.Null(r.VersionMismatch);
            Assert.Null(r.CudaDriverVersion);
            Assert.Null(r.GspFirmwareVersion);
            Assert.Null(r.DkmsStatus);
            Assert.Null(r.PersistenceMode);
            Assert.Empty(r.Processes);
            Assert.Equal("driver versions, processes and the NVIDIA-only fields are read for NVIDIA GPUs only", r.Notes);
        }
    }

    [Fact]
    public void DriverWithoutAnyGpuGivesOneDriverRecord()
    {
        var dir = Directory.CreateTempSubdirectory("gpu-driver-only-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "proc/driver/nvidia"));
            File.Copy(Path.Combine(Gpu, "proc-version", "open-555.58.02.txt"), Path.Combine(dir, "proc/driver/nvidia/version"));
            Directory.CreateDirectory(Path.Combine(dir, ".segfaulttools"));
            File.WriteAllText(Path.Combine(dir, ".segfaulttools", CapturedGpuTools.NvidiaSmiFile), "No devices were found\n");
            var root = new SystemRoot(dir);
            var reader = new GpuDriverReader(root, new CapturedGpuTools(root));
            var r = Assert.Single(reader.Read());
            Assert.Equal("NVIDIA", r.Vendor);
            Assert.Null(r.Name);
            Assert.Null(r.PciBusId);
            Assert.Equal("555.58.02", r.DriverVersion);
            Assert.Equal(KernelModuleFlavor.Open, r.KernelModuleFlavor);
            Assert.Null(r.VersionMismatch); // no libraries to compare with
            Assert.StartsWith("the NVIDIA driver is present but no GPU answered", r.Notes);
            Assert.Contains("no libcuda.so.1 or libnvidia-ml.so.1 was found", r.Notes);
            Assert.Contains("found no NVIDIA GPU", Assert.Single(reader.Warnings));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void CopiedTreeWithoutSymlinksFindsTheVersionedFileBesideIt()
    {
        var dir = Directory.CreateTempSubdirectory("gpu-nolinks-").FullName;
        try
        {
            var lib = Path.Combine(dir, "usr/lib64");
            Directory.CreateDirectory(lib);
            File.WriteAllText(Path.Combine(lib, "libcuda.so.1"), "");
            File.WriteAllText(Path.Combine(lib, "libcuda.so.570.133.20"), "");
            var user = NvidiaUserSpace.Read(new SystemRoot(dir), new ToolOutput("ldconfig", ToolOutcome.Missing, null));
            Assert.Equal("570.133.20", user.Version);
            Assert.Equal("/usr/lib64/libcuda.so.570.133.20", user.Found["libcuda.so.1"].Path);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void EmptyTreeGivesNothing()
    {
        var dir = Directory.CreateTempSubdirectory("gpu-empty-").FullName;
        try
        {
            var root = new SystemRoot(dir);
            var reader = new GpuDriverReader(root, new CapturedGpuTools(root));
            Assert.Empty(reader.Read());
            Assert.Empty(reader.Warnings);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static (List<GpuDriverInfo> Output, List<ErrorRecord> Errors, List<WarningRecord> Warnings) Run(string script, string? root = null)
    {
        var iss = InitialSessionState.CreateDefault2();
        iss.Commands.Add(new SessionStateCmdletEntry("Get-GpuDriverInfo", typeof(GetGpuDriverInfoCommand), null));
        using var ps = PowerShell.Create(iss);
        ps.Runspace.SessionStateProxy.SetVariable("root", root);
        ps.AddScript(script);
        var output = ps.Invoke().Select(o => o.BaseObject).OfType<GpuDriverInfo>().ToList();
        return (output, ps.Streams.Error.ToList(), ps.Streams.Warning.ToList());
    }

    [Fact]
    public void CmdletReadsACapturedTree()
    {
        var (output, errors, warnings) = Run("Get-GpuDriverInfo -Root $root -WarningAction Continue", Tree("nvidia-mismatch-550-555"));
        Assert.Empty(errors);
        Assert.True(Assert.Single(output).VersionMismatch);
        Assert.Contains("Reboot", Assert.Single(warnings).Message);
    }

    [Fact]
    public void CmdletMissingRootIsANonTerminatingError()
    {
        var (output, errors, _) = Run("Get-GpuDriverInfo -Root $root", Path.Combine(Gpu, "no-such-tree"));
        Assert.Empty(output);
        var error = Assert.Single(errors);
        Assert.Equal("RootNotFound,SegfaultTools.Commands.GetGpuDriverInfoCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
    }

    [SkippableFact]
    public void CmdletOnThisMachineWithoutAGpu()
    {
        Skip.If(File.Exists("/proc/driver/nvidia/version") || Directory.Exists("/sys/class/drm") || ProcessRunner.Find("nvidia-smi") is not null,
            "this machine has a GPU, a drm device or nvidia-smi; the no-GPU case needs a machine without them");
        var task = Task.Run(() => Run("Get-GpuDriverInfo"));
        Assert.True(task.Wait(TimeSpan.FromSeconds(120)), "Get-GpuDriverInfo did not return within 120 s");
        var (output, errors, warnings) = task.Result;
        Assert.Empty(output);
        Assert.Empty(errors);
        Assert.Empty(warnings);
    }
}
