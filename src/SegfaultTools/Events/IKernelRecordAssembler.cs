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
