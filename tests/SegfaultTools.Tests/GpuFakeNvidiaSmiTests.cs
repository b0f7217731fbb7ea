using System.Diagnostics;

namespace SegfaultTools.Tests;

/// <summary>
/// A stand-in nvidia-smi (a shell script in a temp folder, run by its path: PATH is not touched
/// here; the Pester tests put it on PATH for the cmdlet) that hangs, prints garbage, prints the
/// version-mismatch error, or prints a real report. Each answer comes within the time limit with
/// a clear warning, and the records stay truthful from /proc and /sys.
/// </summary>
public sealed class GpuFakeNvidiaSmiTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fake-nvidia-smi-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string Fake(string body)
    {
        var path = Path.Combine(_dir, "nvidia-smi");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return path;
    }

    private static (List<GpuDriverInfo> Records, List<string> Warnings, TimeSpan Took) Read(string treeName, string fake, TimeSpan timeout)
    {
        // The tree gives /proc and /sys; the programs are live, with nvidia-smi replaced by the stand-in.
        var root = new SystemRoot(GpuDriverInfoTests.Tree(treeName));
        var tools = new TreeWithLiveNvidiaSmi(root, new LiveGpuTools(timeout) { NvidiaSmiProgram = fake });
        var reader = new GpuDriverReader(root, tools);
        var sw = Stopwatch.StartNew();
        var records = reader.Read();
        return (records, reader.Warnings, sw.Elapsed);
    }

    /// <summary>nvidia-smi live, everything else from the captured tree.</summary>
    private sealed class TreeWithLiveNvidiaSmi : IGpuTools
    {
        private readonly CapturedGpuTools _captured;
        private readonly LiveGpuTools _live;

        public TreeWithLiveNvidiaSmi(SystemRoot root, LiveGpuTools live)
        {
            _captured = new CapturedGpuTools(root);
            _live = live;
        }

        public ToolOutput NvidiaSmi() => _live.NvidiaSmi();

        public ToolOutput Ldconfig() => _captured.Ldconfig();

        public ToolOutput DkmsStatus() => _captured.DkmsStatus();

        public ToolOutput ModinfoNvidia() => _captured.ModinfoNvidia();
    }

    [Fact]
    public void HangingNvidiaSmiIsStoppedWithAWarning()
    {
        var (records, warnings, took) = Read("nvidia-open-590", Fake("sleep 300"), TimeSpan.FromSeconds(2));
        Assert.True(took < TimeSpan.FromSeconds(60), $"took {took}");
        var warning = Assert.Single(warnings);
        Assert.Contains("did not answer within 2 s and was stopped", warning);
        Assert.Contains("hung", warning);
        var r = Assert.Single(records);
        Assert.Equal("0000:61:00.0", r.PciBusId);
        Assert.Equal("NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition", r.Name); // from /proc/driver/nvidia/gpus/*/information
        Assert.Equal("590.44.01", r.DriverVersion);
        Assert.Equal(KernelModuleFlavor.Open, r.KernelModuleFlavor);
        Assert.Equal("590.44.01", r.UserSpaceDriverVersion);
        Assert.False(r.VersionMismatch);
        Assert.Null(r.CudaDriverVersion);
        Assert.Null(r.MemoryTotalMiB);
        Assert.Contains("did not answer within 2 s", r.Notes);
    }

    [Fact]
    public void HangAfterPartialOutputIsStoppedToo()
    {
        var (_, warnings, took) = Read("nvidia-open-590", Fake("echo '<?xml version=\"1.0\" ?>'; sleep 300"), TimeSpan.FromSeconds(2));
        Assert.True(took < TimeSpan.FromSeconds(60), $"took {took}");
        Assert.Contains("did not answer within 2 s", Assert.Single(warnings));
    }

    [Fact]
    public void GarbageIsReportedNotThrown()
    {
        var (records, warnings, _) = Read("nvidia-proprietary-525", Fake("echo 'Segmentation fault (core dumped)'; exit 139"), TimeSpan.FromSeconds(10));
        Assert.Contains("not its XML report (first line: 'Segmentation fault (core dumped)')", Assert.Single(warnings));
        var r = Assert.Single(records);
        Assert.Equal("525.125.06", r.DriverVersion);
        Assert.Equal(KernelModuleFlavor.Proprietary, r.KernelModuleFlavor);
        Assert.Equal("Quadro P2000", r.Name);
        Assert.Equal("0000:17:00.0", r.PciBusId);
        Assert.Equal("nvidia", r.KernelDriver);
        Assert.False(r.VersionMismatch);
    }

    [Fact]
    public void VersionMismatchErrorGivesATruthfulRecordFromProc()
    {
        var (records, warnings, _) = Read("nvidia-mismatch-550-555",
            Fake("echo 'Failed to initialize NVML: Driver/library version mismatch'; exit 18"), TimeSpan.FromSeconds(10));
        var r = Assert.Single(records);
        Assert.Equal("NVIDIA GeForce RTX 4090", r.Name);
        Assert.Equal("550.54.14", r.DriverVersion);
        Assert.Equal("555.42.06", r.UserSpaceDriverVersion);
        Assert.True(r.VersionMismatch);
        Assert.Contains("reboot", r.Notes);
        var warning = Assert.Single(warnings);
        Assert.Contains("kernel module is 550.54.14 but the user-space libraries programs load (libcuda.so.1) are 555.42.06", warning);
        Assert.Contains("Reboot", warning);
    }

    [Fact]
    public void MismatchErrorOnStderrCountsToo()
    {
        var (records, _, _) = Read("nvidia-mismatch-550-555",
            Fake("echo 'Failed to initialize NVML: Driver/library version mismatch' >&2; exit 18"), TimeSpan.FromSeconds(10));
        Assert.True(Assert.Single(records).VersionMismatch);
    }

    [Fact]
    public void RealReportThroughAProcess()
    {
        var xml = Path.Combine(GpuDriverInfoTests.Gpu, "nvidia-smi", "rtx-pro-6000-blackwell-590.44.01.xml");
        var (records, warnings, _) = Read("nvidia-open-590", Fake($"cat '{xml}'"), TimeSpan.FromSeconds(10));
        Assert.Empty(warnings);
        var r = Assert.Single(records);
        Assert.Equal("NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition", r.Name);
        Assert.Equal("13.1", r.CudaDriverVersion);
        Assert.Equal(65720, r.MemoryUsedMiB);
    }

    [Fact]
    public void MissingNvidiaSmiIsANoteNotAWarning()
    {
        var (records, warnings, _) = Read("nvidia-mismatch-550-555", Path.Combine(_dir, "absent", "nvidia-smi"), TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(warnings, w => w.Contains("nvidia-smi", StringComparison.Ordinal));
        var r = Assert.Single(records);
        Assert.Contains("nvidia-smi is not installed", r.Notes);
        Assert.True(r.VersionMismatch); // still from the versions themselves
    }
}
