namespace SegfaultTools;

/// <summary>The NVIDIA driver's facts: a version mismatch, known problems of the version, crashes in its libraries.</summary>
internal static class GpuRules
{
    /// <summary>Driver versions with public reports of a crash or hang problem, and the report.</summary>
    private static readonly (string Version, string Problem)[] KnownProblems =
    {
        ("590.48.01", "open reports of GSP-timeout lockups (Xid 62/45, then 119 and 154) on nvidia-open 590.48.01 with 6.18 kernels (NVIDIA/open-gpu-kernel-modules#1045)"),
        ("580.82.07", "open reports of GSP-timeout freezes on 580.82.07 (NVIDIA/open-gpu-kernel-modules#942)"),
    };

    public static void Apply(MachineEvidence m, Scoreboard s)
    {
        long gpuCrashes = m.ByModule.Where(kv => ModuleNames.IsGpuDriver(kv.Key)).Sum(kv => kv.Value);
        long cpuOnly = m.ByModule.Where(kv => ModuleNames.IsReal(kv.Key) && !ModuleNames.IsGpuDriver(kv.Key)).Sum(kv => kv.Value);
        var version = m.Gpu?.DriverVersion ?? m.Profile?.GpuDriverVersion;
        if (m.Gpu is { VersionMismatch: true } g)
        {
            s.Add(DiagnosisCause.DriverVersionMismatch, 4.0, $"the loaded NVIDIA kernel module is {g.DriverVersion} but the user-space libraries are {g.UserSpaceDriverVersion}");
            s.Advise(DiagnosisCause.DriverVersionMismatch, "Get-GpuDriverInfo | Select-Object DriverVersion, UserSpaceDriverVersion, VersionMismatch",
                "Reboot so the kernel loads the module that matches the installed libraries; if the mismatch survives a reboot, rebuild the module (dkms autoinstall) or reinstall one driver version.");
        }
        else if (m.Gpu is { VersionMismatch: false } ok && gpuCrashes > 0)
        {
            s.Add(DiagnosisCause.DriverVersionMismatch, -1.0, $"the kernel module and the libraries are both {ok.DriverVersion}");
        }
        if (gpuCrashes == 0)
        {
            return;
        }
        double share = (double)gpuCrashes / Math.Max(1, gpuCrashes + cpuOnly);
        var text = $"{gpuCrashes} of {gpuCrashes + cpuOnly} crashes with a module are in NVIDIA libraries{(version is not null ? $" (driver {version})" : "")}";
        if (share >= 0.5)
        {
            s.Add(DiagnosisCause.GpuDriver, 0.8, text);
        }
        else
        {
            s.Add(DiagnosisCause.GpuDriver, 0.3, text);
        }
        var hasXid = m.Hardware.Any(h => h.Kind == HardwareErrorKind.Xid);
        if (cpuOnly > 0 && !hasXid)
        {
            // Derived rule: libcuda crashes beside crashes in CPU-only libraries, with no Xid, point at the host.
            s.Add(DiagnosisCause.CpuInstability, 0.3, $"{text}, beside {cpuOnly} in libraries that never touch the GPU, and no Xid was logged");
            s.Note(DiagnosisCause.GpuDriver, $"the driver does not explain the {cpuOnly} crashes in libraries that never touch the GPU");
        }
        if (version is not null)
        {
            foreach (var (known, problem) in KnownProblems)
            {
                if (version == known)
                {
                    s.Add(DiagnosisCause.GpuDriver, 0.4, problem);
                }
            }
        }
        s.Advise(DiagnosisCause.GpuDriver, "Get-HardwareErrorEvent -Kind Xid, GpuDriverError: Xids in the minutes before the libcuda crashes point at the driver",
            "Try the previous (or the next) driver release; report the crash with nvidia-bug-report.sh to NVIDIA/open-gpu-kernel-modules.");
    }
}
