namespace SegfaultTools;

/// <summary>
/// One hardware error record from the kernel log: an NVIDIA Xid or driver error, a machine check,
/// a memory (EDAC) error, a PCIe AER error, or CPU thermal throttling. Flat on purpose: every
/// property is a scalar so Export-Csv, Import-Csv and remoting keep all of it.
/// </summary>
public sealed class HardwareErrorEvent
{
    internal HardwareErrorEvent(HardwareRecord r)
    {
        ComputerName = r.ComputerName;
        Kind = r.Kind;
        TimeCreated = r.TimeCreated;
        Component = r.Component;
        Cpu = r.Cpu;
        PciBusId = r.PciBusId;
        ProcessId = r.ProcessId;
        ProcessName = r.ProcessName;
        Severity = r.Severity;
        Code = r.Code;
        Meaning = r.Meaning;
        Message = r.Message;
        Source = r.Source;
        BootId = r.BootId;
        HostFromRecord = r.HostFromRecord;
    }

    public string? ComputerName { get; }

    public HardwareErrorKind Kind { get; }

    public DateTimeOffset? TimeCreated { get; }

    /// <summary>What failed, as text: "CPU 4", a DIMM label, a GPU or PCIe bus id.</summary>
    public string? Component { get; }

    /// <summary>The logical CPU the record names.</summary>
    public int? Cpu { get; }

    /// <summary>PCI address in the sysfs form (0000:01:00.0); Xid lines omit the function, which is .0 for the GPU.</summary>
    public string? PciBusId { get; }

    public int? ProcessId { get; }

    public string? ProcessName { get; }

    /// <summary>Corrected, Uncorrected, Fatal or Info; empty where the record does not say.</summary>
    public HardwareErrorSeverity? Severity { get; }

    /// <summary>The Xid number, the machine-check bank ("Bank 4"), the memory controller ("MC0"), the PCIe error bits, or the driver error's name.</summary>
    public string? Code { get; }

    /// <summary>What the record means, in words.</summary>
    public string? Meaning { get; }

    /// <summary>The kernel's text, one line per kernel line of the record.</summary>
    public string? Message { get; }

    /// <summary>Where it was read: "journal", "kernel", "input" or a file path.</summary>
    public string? Source { get; }

    public string? BootId { get; }

    /// <summary>Whether ComputerName was named by the log record itself rather than assumed.</summary>
    internal bool HostFromRecord { get; }

    public override string ToString() => $"{TimeCreated:u} {Kind} {Component} {Code}: {Meaning ?? Message}";
}
