namespace SegfaultTools;

/// <summary>
/// Reads hardware error records from the same sources as crash events: text and compressed log
/// files, journal exports and binary journals, the live journal and the kernel ring buffer.
/// </summary>
internal sealed class HardwareEventReader : KernelEventReader<HardwareErrorEvent>
{
    public HardwareEventReader(Action<ReadProblem> problem, Action<string> verbose, CancellationToken cancel)
        : base(problem, verbose, cancel)
    {
    }

    protected override ScanNeedles Needles => HardwareErrorAssembler.Needles;

    protected override IKernelRecordAssembler<HardwareErrorEvent> NewAssembler(LogReadContext context) => new HardwareErrorAssembler(context);

    protected override DateTimeOffset? TimeOf(HardwareErrorEvent e) => e.TimeCreated;

    /// <summary>kern.log and syslog of one tree often hold the same lines: one record per kind, component, code and second.</summary>
    protected override IEnumerable<HardwareErrorEvent> Distinct(IEnumerable<HardwareErrorEvent> events)
    {
        var seen = new HashSet<(HardwareErrorKind, string?, string?, string?, DateTimeOffset?)>();
        foreach (var e in events)
        {
            var key = (e.Kind, e.Component, e.Code, e.Message, e.TimeCreated is { } t ? new DateTimeOffset(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero) : (DateTimeOffset?)null);
            if (e.TimeCreated is null || seen.Add(key))
            {
                yield return e;
            }
        }
    }
}

/// <summary>The filters a caller asked for; matched against every record read.</summary>
internal sealed class HardwareEventQuery
{
    public HardwareEventQuery(DateTimeOffset? since, DateTimeOffset? until, HardwareErrorKind[]? kinds)
    {
        Since = since;
        Until = until;
        Kinds = kinds is { Length: > 0 } ? new HashSet<HardwareErrorKind>(kinds) : null;
    }

    public DateTimeOffset? Since { get; }
    public DateTimeOffset? Until { get; }
    public HashSet<HardwareErrorKind>? Kinds { get; }

    public bool Matches(HardwareErrorEvent e)
    {
        if (Since is { } since && (e.TimeCreated is null || e.TimeCreated < since))
        {
            return false;
        }
        if (Until is { } until && (e.TimeCreated is null || e.TimeCreated > until))
        {
            return false;
        }
        return Kinds is null || Kinds.Contains(e.Kind);
    }

    /// <summary>True once a stream read newest-first has gone past -Since (logs are in time order).</summary>

}
