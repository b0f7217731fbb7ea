namespace SegfaultTools;

/// <summary>A log line with its framing taken off: when, where, and the kernel's own text.</summary>
internal readonly record struct FramedLine(
    string Message,
    DateTimeOffset? Time,
    double? Monotonic,
    string? Host,
    string? BootId,
    string? CallerId,
    bool IsKernel)
{
    public static FramedLine Bare(string message) => new(message, null, null, null, null, null, true);
}
