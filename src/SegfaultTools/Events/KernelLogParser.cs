namespace SegfaultTools;

/// <summary>
/// Turns kernel-log lines of any supported framing into crash events. Stateful per source: a crash
/// printed as several records is assembled from the lines that follow its head.
/// </summary>
internal sealed partial class KernelLogParser
{
    private readonly LogReadContext _context;

    public KernelLogParser(LogReadContext context) => _context = context;

    /// <summary>Rate-limit notices seen ("show_signal_msg: N callbacks suppressed"), summed.</summary>
    public long SuppressedRecords { get; private set; }

    /// <summary>Lines that could not be read as text (binary, over-long, malformed).</summary>
    public long SkippedLines { get; private set; }

    /// <summary>Feeds one line; returns the events that are complete now (oldest first).</summary>
    public IEnumerable<SegfaultEvent> Feed(string line) => throw new NotImplementedException();

    /// <summary>End of input: returns every event still waiting for continuation records.</summary>
    public IEnumerable<SegfaultEvent> Complete() => throw new NotImplementedException();

    /// <summary>Parses a whole sequence of lines; events come back in the order their heads appeared.</summary>
    public static List<SegfaultEvent> ParseAll(IEnumerable<string> lines, LogReadContext context)
    {
        var parser = new KernelLogParser(context);
        var events = new List<SegfaultEvent>();
        foreach (var line in lines)
        {
            events.AddRange(parser.Feed(line));
        }
        events.AddRange(parser.Complete());
        return events;
    }
}
