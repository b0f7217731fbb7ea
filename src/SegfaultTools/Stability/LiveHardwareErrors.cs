namespace SegfaultTools;

/// <summary>The kernel's hardware-error records on this machine (the ring buffer), for attributing them to the CPUs under test.</summary>
internal static class LiveHardwareErrors
{
    /// <summary>Every hardware-error record in the ring buffer; null when the kernel log cannot be read.</summary>
    public static IReadOnlyList<HardwareErrorEvent>? Read(CancellationToken cancel)
    {
        bool failed = false;
        var reader = new HardwareEventReader(_ => failed = true, _ => { }, cancel);
        var events = reader.ReadKernelRing(HardwareEventReader.LiveKernelContext(), newestFirst: false, follow: false).ToList();
        return failed && events.Count == 0 ? null : events;
    }
}
