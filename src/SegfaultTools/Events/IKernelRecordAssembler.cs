namespace SegfaultTools;

/// <summary>
/// Builds events of one type from kernel-log lines fed in log order. The readers (files, journal,
/// kernel ring buffer) and the text scanner drive any assembler the same way: feed lines, take
/// the events that are complete, and finish at the end of the input.
/// </summary>
internal interface IKernelRecordAssembler<T>
{
    /// <summary>True while a record waits for lines that may follow: every next line matters.</summary>
    bool HasPending { get; }

    /// <summary>True where the log's time stamps depend on every line before them (dmesg -H).</summary>
    bool NeedsEveryLine { get; }

    /// <summary>When true, lines only complete pending records: no new records start.</summary>
    bool ContinuationOnly { get; set; }

    /// <summary>Lines that could not be read as text (binary, over-long, malformed).</summary>
    long SkippedLines { get; }

    /// <summary>Records the kernel said it left out (rate limiting), summed.</summary>
    long SuppressedRecords { get; }

    /// <summary>Feeds one line of any supported framing.</summary>
    void FeedLine(string line, long position);

    /// <summary>Feeds a line whose framing is already taken off (journal entries).</summary>
    void FeedFramed(in FramedLine framed, long position);

    /// <summary>The events complete so far, in the order they happened, with where each began.</summary>
    List<(long Position, T Event)> TakeReady();

    /// <summary>End of input: every pending record becomes ready.</summary>
    void Finish();

    /// <summary>Counts a line the caller could not hand over.</summary>
    void CountSkipped();
}

/// <summary>The way every assembler takes a raw line of text, written once.</summary>
internal static class KernelLineFeed
{
    /// <summary>
    /// Over-long or binary lines are not log text (<paramref name="skipped"/>); a string carrying
    /// several lines (Get-Content -Raw text, journal multi-line messages, syslog's "#012" escapes)
    /// is fed a line at a time; a line without a kernel message is <paramref name="unframed"/>.
    /// </summary>
    public static void Feed(string line, long position, LineFramer framer, FeedFramedLine feedFramed, Action skipped, Action unframed)
    {
        if (line.Length > KernelLogParser.MaxLineLength || line.Contains('\0'))
        {
            skipped();
            return;
        }
        if (line.Contains('\n') || line.Contains("#012", StringComparison.Ordinal))
        {
            foreach (var part in line.Replace("#012", "\n", StringComparison.Ordinal).Split('\n'))
            {
                if (part.Length > 0)
                {
                    Feed(part, position, framer, feedFramed, skipped, unframed);
                }
            }
            return;
        }
        if (framer.TryFrame(line, out var framed))
        {
            feedFramed(framed, position);
        }
        else
        {
            unframed();
        }
    }

    internal delegate void FeedFramedLine(in FramedLine framed, long position);
}

/// <summary>Which lines may belong to a record begun earlier, written once for every assembler.</summary>
internal static class KernelRecordTiming
{
    /// <summary>How far apart in time a record's first line and its later lines may be.</summary>
    public static readonly TimeSpan ContinuationSpan = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A record's lines are printed within moments of each other and in the same boot; a line from
    /// another boot or seconds later belongs to something else, however few lines lie between.
    /// </summary>
    public static bool BelongsTogether(string? headBootId, DateTimeOffset? headTime, double? headMonotonic, in FramedLine current, string? contextBootId)
    {
        var bootId = current.BootId ?? contextBootId;
        if (headBootId is not null && bootId is not null && !string.Equals(headBootId, bootId, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        if (headTime is { } start && current.Time is { } time && (time - start).Duration() > ContinuationSpan)
        {
            return false;
        }
        if (headMonotonic is double startMono && current.Monotonic is double mono && Math.Abs(mono - startMono) > ContinuationSpan.TotalSeconds)
        {
            return false;
        }
        return true;
    }
}
