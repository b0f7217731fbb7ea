namespace SegfaultTools;

/// <summary>Which live source Get-SegfaultEvent reads.</summary>
public enum EventSource
{
    /// <summary>The journal when it holds kernel entries, otherwise the kernel ring buffer.</summary>
    Auto,
    /// <summary>systemd's journal (journalctl -k).</summary>
    Journal,
    /// <summary>The kernel ring buffer (/dev/kmsg, or dmesg where that cannot be read).</summary>
    Kernel,
}
