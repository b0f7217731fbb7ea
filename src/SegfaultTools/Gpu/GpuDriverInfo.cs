using System.Collections.ObjectModel;

namespace SegfaultTools;

/// <summary>Which build of the NVIDIA kernel module is loaded.</summary>
public enum KernelModuleFlavor
{
    /// <summary>Not known: no NVIDIA module, or nothing that tells the builds apart could be read.</summary>
    Unknown,

    /// <summary>The open kernel module ("NVIDIA UNIX Open Kernel Module", license "Dual MIT/GPL").</summary>
    Open,

    /// <summary>The proprietary kernel module ("NVIDIA UNIX x86_64 Kernel Module", license "NVIDIA", taint P).</summary>
    Proprietary,
}

/// <summary>One process using a GPU, as nvidia-smi lists it.</summary>
public sealed class GpuProcess
{
    internal GpuProcess(int processId, string? name, string? type, long? usedMemoryMiB)
    {
        ProcessId = processId;
        Name = name;
        Type = type;
        UsedMemoryMiB = usedMemoryMiB;
    }

    public int ProcessId { get; }

    /// <summary>The process name or command line nvidia-smi reports (empty where it may not read it).</summary>
    public string? Name { get; }

    /// <summary>C (compute), G (graphics) or C+G.</summary>
    public string? Type { get; }

    public long? UsedMemoryMiB { get; }

    /// <summary>"4242 python 4632 MiB": the pid, the program's file name and its GPU memory.</summary>
    public override string ToString()
    {
        var program = Name?.Trim() ?? string.Empty;
        var space = program.IndexOf(' ');
        if (space > 0)
        {
            program = program[..space];
        }
        program = program.Length == 0 ? "?" : System.IO.Path.GetFileName(program.TrimEnd('/'));
        return UsedMemoryMiB is long mib ? $"{ProcessId} {program} {mib} MiB" : $"{ProcessId} {program}";
    }
}

/// <summary>The processes of one GPU; reads as "4242 python 4632 MiB; 1802 Xwayland 23 MiB" in a table or CSV cell.</summary>
public sealed class GpuProcessList : ReadOnlyCollection<GpuProcess>
{
    internal static readonly GpuProcessList None = new(Array.Empty<GpuProcess>());

    internal GpuProcessList(IList<GpuProcess> list)
        : base(list)
    {
    }

    public override string ToString() => string.Join("; ", this.Select(p => p.ToString()));
}

/// <summary>
/// One GPU and the driver that runs it: the loaded kernel module's version and flavour, the version
/// of the user-space libraries programs will load, whether the two differ, and the GPU's memory and
/// processes. Values are empty where they could not be read; Notes says why.
/// </summary>
public sealed class GpuDriverInfo
{
    internal GpuDriverInfo(string computerName, string vendor, string? name, string? pciBusId, string? kernelDriver,
        long? memoryTotalMiB, long? memoryUsedMiB, string? driverVersion, KernelModuleFlavor kernelModuleFlavor,
        string? userSpaceDriverVersion, bool? versionMismatch, string? cudaDriverVersion, string? gspFirmwareVersion,
        string? dkmsStatus, bool? persistenceMode, GpuProcessList processes, string? notes)
    {
        ComputerName = computerName;
        Vendor = vendor;
        Name = name;
        PciBusId = pciBusId;
        KernelDriver = kernelDriver;
        MemoryTotalMiB = memoryTotalMiB;
        MemoryUsedMiB = memoryUsedMiB;
        DriverVersion = driverVersion;
        KernelModuleFlavor = kernelModuleFlavor;
        UserSpaceDriverVersion = userSpaceDriverVersion;
        VersionMismatch = versionMismatch;
        CudaDriverVersion = cudaDriverVersion;
        GspFirmwareVersion = gspFirmwareVersion;
        DkmsStatus = dkmsStatus;
        PersistenceMode = persistenceMode;
        Processes = processes;
        Notes = notes;
    }

    /// <summary>The machine (the live host name, or the captured tree's etc/hostname).</summary>
    public string ComputerName { get; }

    /// <summary>NVIDIA, AMD, Intel, or the PCI vendor id ("0x1a03") of another maker.</summary>
    public string Vendor { get; }

    /// <summary>The product name (nvidia-smi, /proc/driver/nvidia/gpus/*/information, or pci.ids); empty for a driver-only record.</summary>
    public string? Name { get; }

    /// <summary>The PCI address as Linux writes it: "0000:01:00.0".</summary>
    public string? PciBusId { get; }

    /// <summary>The kernel driver bound to the device: nvidia, nouveau, amdgpu, radeon, i915, xe, ...</summary>
    public string? KernelDriver { get; }

    public long? MemoryTotalMiB { get; }

    public long? MemoryUsedMiB { get; }

    /// <summary>The loaded kernel module's version (/sys/module/nvidia/version, /proc/driver/nvidia/version).</summary>
    public string? DriverVersion { get; }

    public KernelModuleFlavor KernelModuleFlavor { get; }

    /// <summary>The version of the libcuda.so.1 (else libnvidia-ml.so.1) that the dynamic linker hands to programs.</summary>
    public string? UserSpaceDriverVersion { get; }

    /// <summary>
    /// True where the kernel module and the user-space libraries are different versions (or nvidia-smi
    /// says so): GPU programs fail or crash until a reboot. Empty where either side is unknown.
    /// </summary>
    public bool? VersionMismatch { get; }

    /// <summary>The CUDA version the driver supports ("13.1"), from nvidia-smi.</summary>
    public string? CudaDriverVersion { get; }

    /// <summary>The GSP firmware version where the GPU runs GSP firmware.</summary>
    public string? GspFirmwareVersion { get; }

    /// <summary>The nvidia lines of dkms status ("nvidia/590.48.01, 6.18.2-zen1-1-zen, x86_64: installed"), joined by "; ".</summary>
    public string? DkmsStatus { get; }

    public bool? PersistenceMode { get; }

    public GpuProcessList Processes { get; }

    /// <summary>What could not be read and why, and what a mismatch means.</summary>
    public string? Notes { get; }

    public override string ToString() => $"{Vendor} {Name ?? "(driver)"} {PciBusId}".TrimEnd();
}
