namespace SegfaultTools;

/// <summary>
/// The mutable side of a crash while its pieces are still arriving: the kernel may print the head,
/// the " in module[...]" part, the " likely on CPU" part and the "Code:" line as separate records.
/// Frozen into a <see cref="SegfaultEvent"/> once complete.
/// </summary>
internal sealed class CrashRecord
{
    public DateTimeOffset? TimeCreated;
    public string? ComputerName;
    public bool HostFromRecord;
    public string? BootId;
    public string? ProcessName;
    public int? ProcessId;
    public SegfaultKind Kind;
    public ulong? FaultAddress;
    public ulong? InstructionPointer;
    public ulong? StackPointer;
    public ulong? ErrorCode;
    /// <summary>True where <see cref="ErrorCode"/> holds x86 page-fault bits (not a trap or ESR value).</summary>
    public bool ErrorCodeIsPageFault;
    public string? Module;
    public bool ModuleDeleted;
    public ulong? ModuleBase;
    public ulong? ModuleSize;
    public ulong? FileOffset;
    public int? Cpu;
    public int? CoreId;
    public int? Socket;
    public string? Code;
    public string? Source;
    public string? Message;

    // Assembly state for split records.
    public bool HasModulePart;
    public bool HasCpuPart;
    public bool ExpectsCode;
    public bool ExpectsRegisters;
    public bool IsFatalSignalNotice;
    public bool HeaderSeen;
    public long Position;
    public string? CallerId;
    public double? Monotonic;
    public int LinesSinceHead;

    public SegfaultEvent ToEvent() => new(this);
}
