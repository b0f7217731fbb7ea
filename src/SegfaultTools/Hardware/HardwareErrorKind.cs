namespace SegfaultTools;

/// <summary>Where a hardware error record comes from.</summary>
public enum HardwareErrorKind
{
    /// <summary>An NVIDIA "NVRM: Xid" event.</summary>
    Xid,
    /// <summary>An NVIDIA driver error that is not an Xid (version mismatch, adapter init failure, GPU lost, GSP, flip timeout).</summary>
    GpuDriverError,
    /// <summary>A machine check or "[Hardware Error]" record (CPU, cache, interconnect; firmware-reported errors without a memory or PCIe section).</summary>
    MachineCheck,
    /// <summary>A memory error: EDAC "CE"/"UE" lines and firmware-reported memory errors.</summary>
    Edac,
    /// <summary>A PCIe Advanced Error Reporting error, or a firmware-reported PCIe error.</summary>
    PcieAer,
    /// <summary>CPU thermal throttling.</summary>
    Thermal,
    /// <summary>
    /// The kernel itself faulted: an oops (NULL pointer dereference, page fault, general protection
    /// fault, "kernel BUG at"), a KASAN or bad-page report, or a panic.
    /// </summary>
    KernelOops,
    /// <summary>A kernel WARNING (WARN_ON) or a BUG report the kernel survives (soft lockup, sleeping in atomic context).</summary>
    KernelWarning,
}

/// <summary>How bad a hardware error record is.</summary>
public enum HardwareErrorSeverity
{
    /// <summary>The hardware corrected the error; nothing was lost.</summary>
    Corrected,
    /// <summary>Not corrected: data or a program's work was affected, the device or machine went on.</summary>
    Uncorrected,
    /// <summary>The device or machine stopped working properly (context corrupt, GPU lost, firmware hung): reset or reboot.</summary>
    Fatal,
    /// <summary>Informational: a state change or a notice, not an error by itself.</summary>
    Info,
}
