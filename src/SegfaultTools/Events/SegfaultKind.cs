namespace SegfaultTools;

/// <summary>What the kernel reported: a page fault (segfault) or the trap that killed the process.</summary>
public enum SegfaultKind
{
    Segfault,
    GeneralProtection,
    InvalidOpcode,
    DivideError,
    Breakpoint,
    StackSegment,
    AlignmentCheck,
    Overflow,
    Bounds,
    Other,
}

/// <summary>The access that faulted, from the page-fault error code (bits 1 and 4).</summary>
public enum FaultAccess
{
    Read,
    Write,
    Execute,
}
