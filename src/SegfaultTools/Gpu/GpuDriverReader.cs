namespace SegfaultTools;

/// <summary>
/// Builds the GpuDriverInfo records of one machine: nvidia-smi's report first, then the kernel
/// module (/proc, /sys, modinfo), the user-space libraries (ldconfig -p and the files), dkms, and
/// every GPU /sys/class/drm lists. Nothing here throws for a missing source: each gap becomes a
/// note on the records and, where it matters to the user, a warning.
/// </summary>
internal sealed class GpuDriverReader
{
    internal const string ProcGpus = "proc/driver/nvidia/gpus";
    private readonly SystemRoot _root;
    private readonly IGpuTools _tools;

    public GpuDriverReader(SystemRoot root, IGpuTools tools)
    {
        _root = root;
        _tools = tools;
    }

    /// <summary>Run-level messages for WriteWarning (nvidia-smi hung or failed, a version mismatch).</summary>
    public List<string> Warnings { get; } = new();

    public List<GpuDriverInfo> Read()
    {
        var computer = _root.ComputerName;
        var pci = PciGpuDevices.Read(_root);
        var module = NvidiaKernelModule.Read(_root, ModinfoIfLoaded());
        var procGpus = ReadProcGpus();
        var smiOutput = _tools.NvidiaSmi();
        var smi = ReadSmi(smiOutput);

        var nvidiaPresent = module.IsLoaded || procGpus.Count > 0 || (smi?.HasReport ?? false) || (smi?.ReportsVersionMismatch ?? false)
            || pci.Any(p => p.VendorId == "0x10de");
        var records = new List<GpuDriverInfo>();

        if (nvidiaPresent)
        {
            records.AddRange(NvidiaRecords(computer, pci, module, procGpus, smi, smiOutput));
        }
        foreach (var gpu in pci.Where(p => p.VendorId != "0x10de"))
        {
            records.Add(OtherRecord(computer, gpu));
        }
        return records.OrderBy(r => r.PciBusId ?? "~", StringComparer.Ordinal).ToList();
    }

    private ToolOutput ModinfoIfLoaded()
    {
        var loaded = File.Exists(_root.PathOf(NvidiaKernelModule.ProcVersion)) || Directory.Exists(_root.PathOf(NvidiaKernelModule.SysModule));
        return loaded ? _tools.ModinfoNvidia() : new ToolOutput("modinfo", ToolOutcome.Missing, null);
    }

    private NvidiaSmiLog? ReadSmi(ToolOutput output)
    {
        switch (output.Outcome)
        {
            case ToolOutcome.Ok:
                var log = NvidiaSmiLog.Parse(output.Text ?? string.Empty);
                if (log.Problem is not null && !log.ReportsVersionMismatch)
                {
                    Warnings.Add(log.Problem + " The other fields come from /proc, /sys and the library files.");
                }
                return log;
            case ToolOutcome.TimedOut:
                Warnings.Add($"{output.Detail}: the GPU or its driver may be hung (look for Xid and NVRM errors in the kernel log). " +
                    "The other fields come from /proc, /sys and the library files.");
                return NvidiaSmiLog.Failed(output.Detail + ": the GPU or its driver may be hung");
            case ToolOutcome.Failed:
                Warnings.Add($"nvidia-smi gave no report: {output.Detail}.");
                return NvidiaSmiLog.Failed("nvidia-smi gave no report: " + output.Detail);
            default:
                return null; // not installed / not captured: nothing to say unless the driver is there (a note below).
        }
    }

    private List<(string PciBusId, string? Model)> ReadProcGpus()
    {
        var dir = _root.PathOf(ProcGpus);
        if (!Directory.Exists(dir))
        {
            return new();
        }
        return Directory.EnumerateFileSystemEntries(dir)
            .Select(d => (PciAddress.Normalize(System.IO.Path.GetFileName(d))!,
                PciGpuDevices.ReadKeyValues(System.IO.Path.Combine(d, "information"), ':').GetValueOrDefault("Model") is { Length: > 0 } m ? m : null))
            .OrderBy(g => g.Item1, StringComparer.Ordinal)
            .ToList();
    }

    private IEnumerable<GpuDriverInfo> NvidiaRecords(string computer, List<PciGpu> pci, NvidiaKernelModule module,
        List<(string PciBusId, string? Model)> procGpus, NvidiaSmiLog? smi, ToolOutput smiOutput)
    {
        var ldconfig = _tools.Ldconfig();
        var user = NvidiaUserSpace.Read(_root, ldconfig);
        var dkmsOut = _tools.DkmsStatus();
        var notes = new List<string>();
        notes.AddRange(module.Notes);
        notes.AddRange(user.Notes);

        string? dkms = null;
        if (dkmsOut.Outcome == ToolOutcome.Ok)
        {
            var lines = (dkmsOut.Text ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(l => l.StartsWith("nvidia", StringComparison.OrdinalIgnoreCase)).ToList();
            dkms = lines.Count > 0 ? string.Join("; ", lines) : null;
            if (lines.Count == 0)
            {
                notes.Add("dkms lists no nvidia module");
            }
        }
        else if (dkmsOut.Outcome != ToolOutcome.Missing)
        {
            notes.Add("dkms status: " + dkmsOut.Detail);
        }

        if (smi is null)
        {
            notes.Add(smiOutput.Detail ?? "nvidia-smi gave no report");
        }
        else if (smi.Problem is not null)
        {
            notes.Add(smi.Problem.TrimEnd('.'));
        }
        if (!module.IsLoaded)
        {
            notes.Add($"the nvidia kernel module is not loaded (no /{NvidiaKernelModule.ProcVersion} or /{NvidiaKernelModule.SysModule})");
        }
        if (user.Version is null && user.Found.Count == 0)
        {
            notes.Add(ldconfig.Outcome == ToolOutcome.Ok
                ? "the dynamic linker knows no libcuda.so.1 or libnvidia-ml.so.1"
                : "no libcuda.so.1 or libnvidia-ml.so.1 was found (ldconfig -p unavailable; standard library folders searched)");
        }

        var kernelVersion = module.Version ?? (smi?.HasReport == true ? smi.DriverVersion : null);
        bool? mismatch = null;
        if (module.Version is not null && user.Version is not null)
        {
            mismatch = module.Version != user.Version
                || user.Found.Values.Any(f => f.Version is not null && f.Version != module.Version);
        }
        if (smi?.ReportsVersionMismatch == true)
        {
            mismatch = true;
        }
        if (mismatch == true)
        {
            var detail = module.Version is not null && user.Version is not null
                ? $"the loaded NVIDIA kernel module is {module.Version} but the user-space libraries programs load (libcuda.so.1) are {user.Version}"
                : "nvidia-smi reports a driver/library version mismatch";
            var message = $"{detail}: GPU programs fail or crash until the versions agree. Reboot (or unload and reload the nvidia modules) to load the installed driver.";
            Warnings.Add(message);
            notes.Add("version mismatch: " + detail + "; reboot to load the installed driver");
        }

        var notesText = notes.Count > 0 ? string.Join("; ", notes.Distinct()) : null;
        var cuda = smi?.HasReport == true ? smi.CudaVersion : null;

        // One record per NVIDIA GPU known to any source, keyed by PCI address.
        var byBus = new SortedDictionary<string, (NvidiaSmiGpu? Smi, string? Model, PciGpu? Pci)>(StringComparer.Ordinal);
        foreach (var g in smi?.Gpus ?? Array.Empty<NvidiaSmiGpu>())
        {
            byBus[g.PciBusId ?? $"?{byBus.Count}"] = (g, null, null);
        }
        foreach (var (bus, model) in procGpus)
        {
            var e = byBus.GetValueOrDefault(bus);
            byBus[bus] = (e.Smi, model, e.Pci);
        }
        foreach (var p in pci.Where(p => p.VendorId == "0x10de"))
        {
            var e = byBus.GetValueOrDefault(p.PciBusId);
            byBus[p.PciBusId] = (e.Smi, e.Model, p);
        }

        if (byBus.Count == 0)
        {
            var driverNotes = string.Join("; ", new[] { "the NVIDIA driver is present but no GPU answered" }.Concat(notes).Distinct());
            yield return new GpuDriverInfo(computer, "NVIDIA", null, null, null, null, null, kernelVersion, module.Flavor,
                user.Version, mismatch, cuda, null, dkms, null, GpuProcessList.None, driverNotes);
            yield break;
        }

        foreach (var (bus, (g, model, p)) in byBus)
        {
            var pciBusId = bus.StartsWith('?') ? null : bus;
            var driver = p?.Driver ?? (pciBusId is null ? null : PciGpuDevices.DriverOf(_root, pciBusId));
            var name = g?.Name ?? model ?? (p is null ? null : PciGpuDevices.NameFromPciIds(_root, p.VendorId, p.DeviceId));
            var gpuNotes = notesText;
            if (driver is not null && driver != "nvidia")
            {
                gpuNotes = JoinNotes(gpuNotes, $"this GPU is bound to {driver}, not to the nvidia driver");
            }
            yield return new GpuDriverInfo(computer, "NVIDIA", name, pciBusId, driver,
                g?.MemoryTotalMiB ?? p?.VramTotalMiB, g?.MemoryUsedMiB ?? p?.VramUsedMiB,
                kernelVersion, module.Flavor, user.Version, mismatch, cuda, g?.GspFirmwareVersion, dkms, g?.PersistenceMode,
                g is null ? GpuProcessList.None : new GpuProcessList(g.Processes.ToList()), gpuNotes);
        }
    }

    private GpuDriverInfo OtherRecord(string computer, PciGpu gpu)
    {
        var name = PciGpuDevices.NameFromPciIds(_root, gpu.VendorId, gpu.DeviceId) ?? gpu.ProductName;
        var notes = new List<string>();
        if (name is null)
        {
            notes.Add($"no pci.ids to name device {gpu.VendorId}:{gpu.DeviceId}");
            name = $"[{gpu.VendorId[2..]}:{gpu.DeviceId?.Replace("0x", "", StringComparison.Ordinal)}]";
        }
        notes.Add("driver versions, processes and the NVIDIA-only fields are read for NVIDIA GPUs only");
        return new GpuDriverInfo(computer, PciGpuDevices.VendorName(gpu.VendorId), name, gpu.PciBusId, gpu.Driver,
            gpu.VramTotalMiB, gpu.VramUsedMiB, null, KernelModuleFlavor.Unknown, null, null, null, null, null, null,
            GpuProcessList.None, string.Join("; ", notes));
    }

    private static string JoinNotes(string? a, string b) => string.IsNullOrEmpty(a) ? b : a + "; " + b;
}
