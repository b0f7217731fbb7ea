namespace SegfaultTools;

/// <summary>
/// One user-space crash record from the kernel log. Flat on purpose: every property is a scalar so
/// Export-Csv, Import-Csv and remoting keep all of it, and consumers bind by property name.
/// </summary>
public sealed class SegfaultEvent
{
    internal SegfaultEvent(CrashRecord r)
    {
        TimeCreated = r.TimeCreated;
        ComputerName = r.ComputerName;
        BootId = r.BootId;
        ProcessName = r.ProcessName;
        ProcessId = r.ProcessId;
        Kind = r.Kind;
        FaultAddress = r.FaultAddress;
        InstructionPointer = r.InstructionPointer;
        StackPointer = r.StackPointer;
        ErrorCode = r.ErrorCode;
        Module = r.Module;
        ModuleDeleted = r.ModuleDeleted;
        ModuleBase = r.ModuleBase;
        ModuleSize = r.ModuleSize;
        FileOffset = r.FileOffset;
        Cpu = r.Cpu;
        CoreId = r.CoreId;
        Socket = r.Socket;
        Code = r.Code;
        Source = r.Source;
        HostFromRecord = r.HostFromRecord;
        Message = r.Message;

        if (Kind == SegfaultKind.Segfault && r.ErrorCodeIsPageFault && ErrorCode is ulong e)
        {
            // arch/x86/include/asm/trap_pf.h: bit 0 PROT, 1 WRITE, 2 USER, 3 RSVD, 4 INSTR.
            Access = (e & 0x10) != 0 ? FaultAccess.Execute : (e & 0x2) != 0 ? FaultAccess.Write : FaultAccess.Read;
            ProtectionViolation = (e & 0x1) != 0;
            UserMode = (e & 0x4) != 0;
            ReservedBit = (e & 0x8) != 0;
        }

        if (ModuleBase is ulong b && ModuleSize is ulong s && InstructionPointer is ulong ip)
        {
            ModuleContainsIp = ip >= b && ip - b < s;
            ModuleOffset = ModuleContainsIp == true ? ip - b : null;
        }

        // The first page is never mapped on Linux (vm.mmap_min_addr >= 4096), so a fault there is a
        // NULL-pointer dereference through a small member offset; ip 0 is a call through NULL.
        IsNullPointer = (FaultAddress is ulong a && a < 4096) || InstructionPointer == 0;
    }

    public DateTimeOffset? TimeCreated { get; }
    public string? ComputerName { get; }
    public string? BootId { get; }
    public string? ProcessName { get; }
    public int? ProcessId { get; }
    public SegfaultKind Kind { get; }
    public ulong? FaultAddress { get; }
    public ulong? InstructionPointer { get; }
    public ulong? StackPointer { get; }
    public ulong? ErrorCode { get; }
    public FaultAccess? Access { get; }
    public bool? ProtectionViolation { get; }
    public bool? UserMode { get; }
    public bool? ReservedBit { get; }
    public bool IsNullPointer { get; }
    public string? Module { get; }
    public bool ModuleDeleted { get; }
    public ulong? ModuleBase { get; }
    public ulong? ModuleSize { get; }
    public ulong? ModuleOffset { get; }
    public ulong? FileOffset { get; }
    public bool? ModuleContainsIp { get; }
    public int? Cpu { get; }
    public int? CoreId { get; }
    public int? Socket { get; }

    /// <summary>
    /// Performance or Efficiency core (Get-HybridCoreMap) where the map of the machine the event
    /// came from is known; empty otherwise, never borrowed from another machine.
    /// </summary>
    public CoreType? CoreType { get; internal set; }
    public string? Code { get; }
    public string? Source { get; }
    public string? Message { get; }

    /// <summary>Whether ComputerName was named by the log record itself rather than assumed.</summary>
    internal bool HostFromRecord { get; }

    public override string ToString() =>
        $"{ProcessName}[{ProcessId}]: {Kind} at 0x{FaultAddress ?? 0:x} ip 0x{InstructionPointer ?? 0:x}" +
        (Module is null ? "" : $" in {Module}");
}
