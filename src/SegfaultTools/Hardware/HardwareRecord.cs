namespace SegfaultTools;

/// <summary>What one hardware error record has gathered so far, while its lines arrive.</summary>
internal sealed class HardwareRecord
{
    public HardwareRecord(HardwareErrorKind kind, Shape shape) => (Kind, RecordShape) = (kind, shape);

    /// <summary>How a record is assembled: one line, an NVRM sentence over several lines, or a block.</summary>
    internal enum Shape { Line, NvrmSentence, MachineCheck, Ghes, Aer, KernelFault }

    public Shape RecordShape { get; }
    public HardwareErrorKind Kind { get; set; }
    public DateTimeOffset? TimeCreated { get; set; }
    public double? Monotonic { get; set; }
    public string? ComputerName { get; set; }
    public bool HostFromRecord { get; set; }
    public string? BootId { get; set; }
    public string? Source { get; set; }
    public long Position { get; set; }

    public string? Component { get; set; }
    public int? Cpu { get; set; }
    public string? PciBusId { get; set; }
    public int? ProcessId { get; set; }
    public string? ProcessName { get; set; }
    public HardwareErrorSeverity? Severity { get; set; }
    public string? Code { get; set; }
    public string? Meaning { get; set; }

    public List<string> Lines { get; } = new();
    public string Message => string.Join('\n', Lines);

    /// <summary>Lines read since this record last took one.</summary>
    public int LinesSinceTouch { get; set; }

    /// <summary>Nothing more will come: released as soon as the records before it are.</summary>
    public bool Closed { get; set; }

    // Block state (machine checks, firmware records, AER).
    public string? GhesId { get; set; }
    public bool HasStatus { get; set; }
    public int? Bank { get; set; }
    public HardwareErrorSeverity? StatusSeverity { get; set; }
    public HardwareErrorSeverity? StatedSeverity { get; set; }
    public bool ContextCorrupt { get; set; }
    public string? UnitMeaning { get; set; }
    public string? EdacDecoder { get; set; }
    public string? Socket { get; set; }
    public string? Apic { get; set; }
    public string? FruText { get; set; }
    public string? DimmLocation { get; set; }
    public string? SectionType { get; set; }
    public string? ErrorType { get; set; }
    public string? ErrorStatus { get; set; }
    public string? PortType { get; set; }
    public string? AerType { get; set; }
    public string? AerAgent { get; set; }
    public List<string> AerBits { get; } = new();

    // Block state (kernel oopses, BUG and WARNING reports, panics).
    public string? FaultAddress { get; set; }
    public bool FaultNonCanonical { get; set; }
    public string? FaultLocation { get; set; }
    public string? FaultFunction { get; set; }
    public string? FaultDetail { get; set; }
    public bool FaultHasOopsLine { get; set; }
    public bool FaultEnded { get; set; }
    public bool FaultInModuleList { get; set; }
    public bool FaultUserMode { get; set; }
    public string? Taint { get; set; }
    public string? PanicReason { get; set; }
    public string? FaultAccess { get; set; }
    public bool FaultOtherCpuReport { get; set; }

    /// <summary>The printk caller ("T1234" task or "C3" CPU) where the log shows it: a report's lines share it.</summary>
    public string? FaultCallerId { get; set; }
}
