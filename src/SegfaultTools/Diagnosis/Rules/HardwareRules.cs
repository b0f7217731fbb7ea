namespace SegfaultTools;

/// <summary>Hardware-error and kernel-fault records: machine checks, EDAC, Xid, PCIe AER, oopses, driver errors.</summary>
internal static class HardwareRules
{
    // Xids that implicate the GPU, its memory, its link or its power, not the driver's code.
    private static readonly HashSet<int> HardwareXids = new() { 48, 63, 64, 79, 92, 94, 95 };
    // Xids from the driver and its GSP firmware hanging or erroring.
    private static readonly HashSet<int> DriverXids = new() { 61, 62, 109, 119, 120 };
    // Xids usually raised by what an application did on the GPU.
    private static readonly HashSet<int> ApplicationXids = new() { 13, 31, 43, 45, 68, 69 };

    public static void Apply(MachineEvidence m, Scoreboard s)
    {
        var hw = m.Hardware;
        Memory(m, hw, s);
        MachineChecks(m, hw, s);
        Xids(m, hw, s);
        Pcie(hw, s);
        DriverErrors(hw, s);
        KernelFaults(hw, s);
    }

    private static bool Mentions(HardwareFact h, string word) =>
        (h.Meaning?.Contains(word, StringComparison.OrdinalIgnoreCase) ?? false) || (h.Message?.Contains(word, StringComparison.OrdinalIgnoreCase) ?? false)
        || (h.Component?.Contains(word, StringComparison.OrdinalIgnoreCase) ?? false);

    private static void Memory(MachineEvidence m, List<HardwareFact> hw, Scoreboard s)
    {
        var edac = hw.Where(h => h.Kind == HardwareErrorKind.Edac).ToList();
        if (edac.Count == 0)
        {
            if (m.Profile?.EccMemory == false || m.Profile?.EccMemory is null)
            {
                s.Note(DiagnosisCause.MemoryInstability, "no EDAC memory-error records; a desktop without ECC memory has no EDAC at all, so this clears nothing");
            }
            return;
        }
        var uncorrected = edac.Count(h => h.Severity is HardwareErrorSeverity.Uncorrected or HardwareErrorSeverity.Fatal);
        var places = edac.Select(h => h.Component).Where(c => c is not null).Distinct().ToList();
        var text = $"{edac.Count} EDAC memory-error records ({uncorrected} uncorrected){(places.Count > 0 ? $" on {string.Join(", ", places.Take(3))}" : "")}";
        s.Add(DiagnosisCause.MemoryInstability, uncorrected > 0 || edac.Count >= 2 ? 2.5 : 1.2, text);
        s.Advise(DiagnosisCause.MemoryInstability, "memtest86+ (boot it from the distribution's package), or remove one DIMM at a time",
            "Replace the DIMM the EDAC records name; on a desktop, first return RAM to JEDEC speed (no XMP/EXPO) and retest.");
    }

    private static void MachineChecks(MachineEvidence m, List<HardwareFact> hw, Scoreboard s)
    {
        // "Machine check events logged" is a notice that the records follow (often as EDAC lines):
        // counting it too would count one error twice.
        var mce = hw.Where(h => h.Kind == HardwareErrorKind.MachineCheck && h.Severity is not HardwareErrorSeverity.Info
            && !(h.Severity is null && Mentions(h, "events logged"))).ToList();
        if (mce.Count == 0)
        {
            if (m.Crashes > 0)
            {
                s.Note(DiagnosisCause.CpuInstability, "no machine-check records; degraded Raptor Lake parts usually log none, so this clears nothing");
            }
            return;
        }
        var memory = mce.Where(h => Mentions(h, "memory") || Mentions(h, "DRAM") || Mentions(h, "DIMM")).ToList();
        var cpuOnes = mce.Except(memory).ToList();
        if (memory.Count > 0)
        {
            s.Add(DiagnosisCause.MemoryInstability, 1.5, $"{memory.Count} machine-check records about memory");
        }
        if (cpuOnes.Count > 0)
        {
            var cpus = cpuOnes.Where(h => h.Cpu is not null).Select(h => h.Cpu!.Value).Distinct().OrderBy(c => c).ToList();
            var text = $"{cpuOnes.Count} machine-check records{(cpus.Count > 0 ? $" on CPU {string.Join(", ", cpus.Take(8))}" : "")} ({cpuOnes[0].Code} {cpuOnes[0].Meaning})".TrimEnd();
            if (cpus.Count == 1 && cpuOnes.Count >= 2)
            {
                s.Add(DiagnosisCause.DefectiveCore, 1.5, text);
            }
            s.Add(DiagnosisCause.CpuInstability, 1.0, text);
        }
    }

    private static void Xids(MachineEvidence m, List<HardwareFact> hw, Scoreboard s)
    {
        var xids = hw.Where(h => h.XidCode is not null).ToList();
        if (xids.Count == 0)
        {
            var gpuCrashes = m.ByModule.Where(kv => ModuleNames.IsGpuDriver(kv.Key)).Sum(kv => kv.Value);
            if (gpuCrashes > 0 && m.Hardware.Count + m.HardwareDropped >= 0)
            {
                s.Note(DiagnosisCause.GpuDriver, $"{gpuCrashes} crashes in NVIDIA libraries with no Xid record near them");
            }
            return;
        }
        var byCode = xids.GroupBy(x => x.XidCode!.Value).OrderBy(g => g.Key).ToList();
        var summary = string.Join(", ", byCode.Select(g => $"Xid {g.Key} x{g.Count()}"));
        var hardware = xids.Where(x => HardwareXids.Contains(x.XidCode!.Value)).ToList();
        var driver = xids.Where(x => DriverXids.Contains(x.XidCode!.Value)).ToList();
        var application = xids.Where(x => ApplicationXids.Contains(x.XidCode!.Value)).ToList();
        if (hardware.Count > 0)
        {
            var fell = hardware.Count(x => x.XidCode == 79);
            s.Add(DiagnosisCause.GpuHardwareOrPower, fell > 0 ? 3.0 : 1.5, $"{summary}: {(fell > 0 ? "Xid 79, the GPU fell off the bus (PCIe link lost: power, riser or slot, heat)" : "Xids of GPU memory or link errors")}");
            s.Add(DiagnosisCause.CpuInstability, -0.5, $"the GPU reported hardware errors ({summary})");
            s.Advise(DiagnosisCause.GpuHardwareOrPower, "nvidia-smi -q -d POWER,TEMPERATURE,PERFORMANCE during the failing load; Get-HardwareErrorEvent -Kind Xid, PcieAer",
                "Check the GPU's power cables and PSU (a dedicated cable per connector, no daisy chain), reseat the card, cap the PCIe link speed in the BIOS, and watch temperatures; a GPU that falls off the bus under load on a sound PSU needs replacing.");
        }
        if (driver.Count > 0)
        {
            s.Add(DiagnosisCause.GpuDriver, 2.0, $"{summary}: driver or GSP-firmware errors (Xid {string.Join("/", driver.Select(x => x.XidCode).Distinct())})");
            var repeated = driver.GroupBy(x => x.XidCode).OrderByDescending(g => g.Count()).First();
            if (repeated.Count() >= 3)
            {
                s.Add(DiagnosisCause.GpuDriver, 0.5, $"Xid {repeated.Key} repeated {repeated.Count()} times: the same driver-side failure, not a one-off");
            }
        }
        if (application.Count > 0)
        {
            s.Add(DiagnosisCause.GpuDriver, 0.5, $"{summary}: GPU exceptions that an application or the driver raised");
        }
        // Crashes in NVIDIA libraries soon after an Xid point at the GPU side before the CPU.
        var window = TimeSpan.FromMinutes(10);
        var times = xids.Where(x => x.Time is not null).Select(x => x.Time!.Value).OrderBy(t => t).ToList();
        if (times.Count > 0)
        {
            int near = 0, gpuNear = 0;
            foreach (var (time, module) in m.CrashTimes)
            {
                var i = times.BinarySearch(time);
                if (i < 0)
                {
                    i = ~i;
                }
                // The Xid at or before the crash.
                var before = i < times.Count && times[i] == time ? time : i > 0 ? times[i - 1] : (DateTimeOffset?)null;
                if (before is { } b && time - b <= window)
                {
                    near++;
                    if (module is not null && ModuleNames.IsGpuDriver(module))
                    {
                        gpuNear++;
                    }
                }
            }
            if (near > 0)
            {
                var text = $"{near} of {m.Crashes} crashes came within {window.TotalMinutes:0} minutes after an Xid ({gpuNear} in NVIDIA libraries)";
                s.Add(hardware.Count > 0 ? DiagnosisCause.GpuHardwareOrPower : DiagnosisCause.GpuDriver, near * 2 >= m.Crashes ? 1.0 : 0.5, text);
            }
        }
    }

    private static void Pcie(List<HardwareFact> hw, Scoreboard s)
    {
        var aer = hw.Where(h => h.Kind == HardwareErrorKind.PcieAer).ToList();
        if (aer.Count == 0)
        {
            return;
        }
        var bad = aer.Count(h => h.Severity is HardwareErrorSeverity.Uncorrected or HardwareErrorSeverity.Fatal);
        s.Add(DiagnosisCause.GpuHardwareOrPower, bad > 0 ? 1.0 : 0.4, $"{aer.Count} PCIe AER errors ({bad} uncorrected){(aer[0].PciBusId is { } id ? $", first at {id}" : "")}");
    }

    private static void DriverErrors(List<HardwareFact> hw, Scoreboard s)
    {
        var errors = hw.Where(h => h.Kind == HardwareErrorKind.GpuDriverError).ToList();
        var mismatch = errors.FirstOrDefault(h => Mentions(h, "mismatch"));
        if (mismatch is not null)
        {
            s.Add(DiagnosisCause.DriverVersionMismatch, 4.0, $"the kernel logged an NVIDIA version mismatch: {mismatch.Meaning ?? mismatch.Message}");
            s.Advise(DiagnosisCause.DriverVersionMismatch, "Get-GpuDriverInfo | Select-Object DriverVersion, UserSpaceDriverVersion, VersionMismatch",
                "Reboot so the kernel loads the module that matches the installed libraries; if the mismatch survives a reboot, rebuild the module (dkms autoinstall) or reinstall one driver version.");
        }
        var other = errors.Where(h => h != mismatch && !Mentions(h, "mismatch")).ToList();
        if (other.Count > 0)
        {
            s.Add(DiagnosisCause.GpuDriver, 0.8, $"{other.Count} NVIDIA driver errors ({other[0].Code} {other[0].Meaning})".TrimEnd());
        }
    }

    private static void KernelFaults(List<HardwareFact> hw, Scoreboard s)
    {
        var faults = hw.Where(h => h.Kind is HardwareErrorKind.KernelOops).ToList();
        var warnings = hw.Where(h => h.Kind is HardwareErrorKind.KernelWarning).ToList();
        if (faults.Count == 0 && warnings.Count == 0)
        {
            return;
        }
        var places = faults.Select(f => Place(f)).Distinct(StringComparer.Ordinal).ToList();
        var boots = faults.Select(f => f.BootId ?? f.Time?.Date.ToString("yyyy-MM-dd")).Distinct().Count();
        if (faults.Count > 0)
        {
            var text = $"{faults.Count} kernel oops/BUG reports in {places.Count} place(s) ({string.Join(", ", places.Take(4))}) over {boots} boot(s)";
            if (places.Count == 1)
            {
                s.Add(DiagnosisCause.KernelRegression, 1.5, text + ": one code path faulting points at the kernel or that driver");
                if (places[0].Contains("nvidia", StringComparison.OrdinalIgnoreCase))
                {
                    s.Add(DiagnosisCause.GpuDriver, 1.0, text);
                }
                s.Advise(DiagnosisCause.KernelRegression, "boot the previous kernel (or the distribution's LTS kernel) and see whether the fault returns",
                    "Report the oops upstream with the kernel version; stay on the last good kernel meanwhile.");
            }
            else if (places.Count >= 3)
            {
                s.Add(DiagnosisCause.MemoryInstability, 1.0, text + ": unrelated subsystems faulting points at memory or the CPU, not one bug");
                s.Add(DiagnosisCause.CpuInstability, 0.5, text);
            }
            else
            {
                s.Add(DiagnosisCause.KernelRegression, 0.7, text);
            }
        }
        if (warnings.Count > 0)
        {
            var wplaces = warnings.Select(Place).Distinct(StringComparer.Ordinal).ToList();
            s.Add(DiagnosisCause.KernelRegression, wplaces.Count == 1 ? 0.5 : 0.2, $"{warnings.Count} kernel WARNING reports ({string.Join(", ", wplaces.Take(3))})");
        }
    }

    private static string Place(HardwareFact f) => f.Component ?? f.Code ?? "unknown";
}
