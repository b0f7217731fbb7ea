using System.IO.Compression;
using System.Management.Automation;

namespace SegfaultTools;

/// <summary>A problem with one source; the cmdlet turns it into a non-terminating ErrorRecord.</summary>
internal sealed record ReadProblem(string ErrorId, ErrorCategory Category, string Message, string? Target,
    string? RecommendedAction = null, Exception? Exception = null);

/// <summary>
/// Reads crash events from every kind of source: text and compressed log files, journal exports
/// and binary journals, the live journal and the kernel ring buffer. Problems are reported, not
/// thrown, so one bad source never stops the others.
/// </summary>
internal sealed class CrashEventReader : KernelEventReader<SegfaultEvent>
{
    public CrashEventReader(Action<ReadProblem> problem, Action<string> verbose, CancellationToken cancel)
        : base(problem, verbose, cancel)
    {
    }

    protected override ScanNeedles Needles => TextLogScanner.CrashNeedles;

    protected override IKernelRecordAssembler<SegfaultEvent> NewAssembler(LogReadContext context) => new KernelLogParser(context);

    protected override DateTimeOffset? TimeOf(SegfaultEvent e) => e.TimeCreated;

    protected override IEnumerable<SegfaultEvent> Distinct(IEnumerable<SegfaultEvent> events) => EventStreams.Distinct(events);
}

/// <summary>
/// The reading machinery behind every kernel-log cmdlet: the sources as above, with the records
/// built by the assembler a subclass names (crash records, hardware error records, ...).
/// </summary>
internal abstract class KernelEventReader<T>
{
    internal const string JournalctlProgram = "journalctl";
    private static readonly TimeSpan ProgramIdleTimeout = TimeSpan.FromSeconds(60);
    private readonly Action<ReadProblem> _problem;
    private readonly Action<string> _verbose;
    private readonly CancellationToken _cancel;

    protected KernelEventReader(Action<ReadProblem> problem, Action<string> verbose, CancellationToken cancel)
    {
        _problem = problem;
        _verbose = verbose;
        _cancel = cancel;
    }

    /// <summary>The kernel log device; tests point it elsewhere to take the dmesg path.</summary>
    internal string KmsgPath { get; init; } = KmsgReader.DevicePath;

    public long SuppressedRecords { get; private set; }
    public long SkippedLines { get; private set; }

    /// <summary>The byte strings every record of this reader's kind holds (see <see cref="TextLogScanner"/>).</summary>
    protected abstract ScanNeedles Needles { get; }

    protected abstract IKernelRecordAssembler<T> NewAssembler(LogReadContext context);

    protected abstract DateTimeOffset? TimeOf(T e);

    /// <summary>Drops repeats of one record read from two places of a captured tree.</summary>
    protected virtual IEnumerable<T> Distinct(IEnumerable<T> events) => events;

    internal void AddTally(IKernelRecordAssembler<T> p) => Tally(p);

    private void Tally(IKernelRecordAssembler<T> p)
    {
        SuppressedRecords += p.SuppressedRecords;
        SkippedLines += p.SkippedLines;
    }

    // ----- sources as the cmdlet and its completers choose them -----

    public static LogReadContext LiveJournalContext() => new() { Source = "journal", ComputerName = SystemRoot.Live.ComputerName };

    public static LogReadContext LiveKernelContext() => new()
    {
        Source = "kernel",
        ComputerName = SystemRoot.Live.ComputerName,
        BootTime = NativeMethods.BootTime(),
        BootId = SystemRoot.Live.ReadFirstLine("proc/sys/kernel/random/boot_id")?.Trim().Replace("-", "", StringComparison.Ordinal),
    };

    /// <summary>Several files as one stream in time order; <paramref name="limit"/> may end each file early.</summary>
    public IEnumerable<T> ReadFiles(IEnumerable<string> files, SystemRoot root, bool newestFirst,
        Func<IEnumerable<T>, IEnumerable<T>> limit)
    {
        var streams = files.Distinct(StringComparer.Ordinal).Select(f => limit(ReadFile(f, root, newestFirst))).ToList();
        return streams.Count == 0 ? Array.Empty<T>() : EventStreams.MergeByTime(streams, newestFirst, TimeOf);
    }

    /// <summary>
    /// A captured tree's kernel logs (the first text-log family present, and binary journals), merged
    /// in time order with repeats of one crash dropped; null where the tree holds no kernel log.
    /// </summary>
    public IEnumerable<T>? ReadRoot(SystemRoot root, bool newestFirst, Func<IEnumerable<T>, IEnumerable<T>> limit)
    {
        var streams = root.KernelTextLogs().Select(f => limit(ReadFile(f, root, newestFirst))).ToList();
        var journals = root.JournalFiles();
        if (journals.Count > 0)
        {
            var context = new LogReadContext { Source = root.PathOf("var/log/journal"), ComputerName = root.ComputerName, TimeZone = root.TimeZone };
            streams.Add(ReadJournal(journals.SelectMany(f => new[] { "--file", f }).ToList(), context, newestFirst, follow: false));
        }
        return streams.Count == 0 ? null : Distinct(EventStreams.MergeByTime(streams, newestFirst, TimeOf));
    }

    // ----- files -----

    public IEnumerable<T> ReadFile(string path, SystemRoot root, bool newestFirst)
    {
        FileStream file;
        byte[] head = new byte[4096];
        int headLength;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
            headLength = file.Read(head, 0, head.Length);
            file.Position = 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            bool denied = ex is UnauthorizedAccessException;
            _problem(new ReadProblem(denied ? "FileAccessDenied" : "FileReadFailed", denied ? ErrorCategory.PermissionDenied : ErrorCategory.ReadError,
                $"Cannot read '{path}': {ex.Message}", path,
                denied ? "Run with sudo, or add your user to the 'adm' group (Debian/Ubuntu) that may read the system logs." : "Check that the file exists and is readable.", ex));
            return Array.Empty<T>();
        }

        var context = new LogReadContext
        {
            Source = path,
            // "Not in the future of the file or the clock": a file stamped ahead of the clock is not believed.
            ReferenceTime = new[] { new DateTimeOffset(File.GetLastWriteTime(path)), DateTimeOffset.Now }.Min(),
            TimeZone = root.TimeZone,
            ComputerName = root.ComputerName,
        };
        var kind = SniffFormat(head.AsSpan(0, headLength));
        switch (kind)
        {
            case FileFormat.Gzip:
                return Guard(ReadStreamForward(new GZipStream(file, CompressionMode.Decompress), context, newestFirst), path, corruptIsGzip: true);
            case FileFormat.JournalBinary:
                file.Dispose();
                return ReadJournal(new[] { "--file", path }, context with { Source = path }, newestFirst, follow: false);
            case FileFormat.JournalJson:
                return Guard(ReadJsonLines(file, context, newestFirst), path, corruptIsGzip: false);
            case FileFormat.Unsupported:
                file.Dispose();
                _problem(new ReadProblem("UnsupportedCompression", ErrorCategory.InvalidData,
                    $"'{path}' is compressed with a format other than gzip (zstd, xz or bzip2).", path,
                    "Decompress it first (zstd -d, xz -d, bunzip2) and pass the result with -Path."));
                return Array.Empty<T>();
            default:
                if (newestFirst && !TextLogScanner.NeedsForwardReading(head.AsSpan(0, headLength)))
                {
                    return Guard(ReadBackward(file, context), path, corruptIsGzip: false);
                }
                return Guard(ReadStreamForward(file, context, newestFirst), path, corruptIsGzip: false);
        }
    }

    private IEnumerable<T> ReadBackward(FileStream file, LogReadContext context)
    {
        using (file)
        {
            foreach (var e in TextLogScanner.ReadBackward(file, () => NewAssembler(context), Tally, Needles, _cancel))
            {
                yield return e;
            }
        }
    }

    private IEnumerable<T> ReadStreamForward(Stream stream, LogReadContext context, bool newestFirst)
    {
        IEnumerable<T> Forward()
        {
            using (stream)
            {
                var parser = NewAssembler(context);
                foreach (var e in TextLogScanner.ReadForward(stream, parser, Needles, _cancel))
                {
                    yield return e;
                }
                Tally(parser);
            }
        }
        return newestFirst ? EventStreams.Reversed(Forward()) : Forward();
    }

    private IEnumerable<T> ReadJsonLines(Stream stream, LogReadContext context, bool newestFirst)
    {
        IEnumerable<string> Lines()
        {
            using var reader = new StreamReader(stream);
            string? line;
            while ((line = reader.ReadLine()) is not null)
            {
                _cancel.ThrowIfCancellationRequested();
                yield return line;
            }
        }
        var forward = Assemble(Lines(), context, (parser, line, position) =>
        {
            if (JournalJsonReader.TryFrame(line, out var framed))
            {
                parser.FeedFramed(framed, position);
            }
            else
            {
                parser.CountSkipped();
            }
        });
        return newestFirst ? EventStreams.Reversed(forward) : forward;
    }

    /// <summary>Feeds items to a fresh assembler in order and yields each record once it is complete.</summary>
    private IEnumerable<T> Assemble<TItem>(IEnumerable<TItem> items, LogReadContext context, Action<IKernelRecordAssembler<T>, TItem, long> feed)
    {
        var parser = NewAssembler(context);
        long position = 0;
        foreach (var item in items)
        {
            feed(parser, item, position++);
            foreach (var e in parser.TakeReady())
            {
                yield return e.Event;
            }
        }
        parser.Finish();
        foreach (var e in parser.TakeReady())
        {
            yield return e.Event;
        }
        Tally(parser);
    }

    /// <summary>Turns an exception while reading one file into that file's error; the others go on.</summary>
    private IEnumerable<T> Guard(IEnumerable<T> source, string path, bool corruptIsGzip)
    {
        using var it = source.GetEnumerator();
        while (true)
        {
            bool more;
            try
            {
                more = it.MoveNext();
            }
            catch (InvalidDataException ex) when (corruptIsGzip)
            {
                _problem(new ReadProblem("CompressedFileCorrupt", ErrorCategory.InvalidData,
                    $"'{path}' is not a valid gzip file or is truncated: {ex.Message}", path,
                    "Check the file with 'gzip -t'; events read before the damage were kept."));
                yield break;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                _problem(new ReadProblem("FileReadFailed", ErrorCategory.ReadError, $"Reading '{path}' failed: {ex.Message}", path,
                    "Check that the file is readable and not being truncated while it is read.", ex));
                yield break;
            }
            if (!more)
            {
                yield break;
            }
            yield return it.Current;
        }
    }

    internal enum FileFormat { Text, Gzip, JournalBinary, JournalJson, Unsupported }

    internal static FileFormat SniffFormat(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith(new byte[] { 0x1f, 0x8b }))
        {
            return FileFormat.Gzip;
        }
        if (head.StartsWith("LPKSHHRH"u8))
        {
            return FileFormat.JournalBinary;
        }
        if (head.StartsWith(new byte[] { 0x28, 0xb5, 0x2f, 0xfd }) || head.StartsWith(new byte[] { 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00 }) || head.StartsWith("BZh"u8))
        {
            return FileFormat.Unsupported;
        }
        return JournalJsonReader.LooksLikeJournalJson(head) ? FileFormat.JournalJson : FileFormat.Text;
    }

    // ----- the journal -----

    /// <summary>Whether journald holds kernel entries here (the Auto source's choice).</summary>
    public bool JournalHasKernelEntries()
    {
        if (ProcessRunner.Find(JournalctlProgram) is null)
        {
            return false;
        }
        try
        {
            foreach (var line in ProcessRunner.StreamLines(JournalctlProgram, new[] { "_TRANSPORT=kernel", "-n", "1", "-o", "json", "--no-pager", "-q" }, TimeSpan.FromSeconds(15), _cancel))
            {
                if (JournalJsonReader.TryFrame(line, out _))
                {
                    return true;
                }
            }
        }
        catch (ExternalProgramException ex)
        {
            _verbose($"journalctl could not be asked for kernel entries: {ex.Message}");
        }
        return false;
    }

    /// <summary>
    /// Kernel entries through journalctl. <paramref name="selector"/> picks the journal (nothing for
    /// the system journal, --file or --directory for captured ones) and any -b/--since/--until.
    /// </summary>
    public IEnumerable<T> ReadJournal(IReadOnlyList<string> selector, LogReadContext context, bool newestFirst, bool follow)
    {
        var args = new List<string>(selector) { "_TRANSPORT=kernel", "-o", "json", "--no-pager", "-q" };
        if (follow)
        {
            args.Add("-f");
        }
        else if (newestFirst)
        {
            args.Add("-r");
        }
        _verbose($"Running journalctl {string.Join(' ', args)}");
        return follow || !newestFirst ? ReadJournalForward(args, context, follow) : ReadJournalNewestFirst(args, context);
    }

    /// <summary>
    /// journalctl -r hands entries newest first; they are parsed a batch at a time in time order
    /// (with the first entries of the batch after, where a crash at its edge has its continuation
    /// records), so -MaxEvents ends journalctl after the batches it needs.
    /// </summary>
    private IEnumerable<T> ReadJournalNewestFirst(List<string> args, LogReadContext context)
    {
        const int BatchSize = 2048;
        var batch = new List<FramedLine>(BatchSize);
        var overlap = new List<FramedLine>();
        foreach (var framed in JournalEntries(args, follow: false))
        {
            batch.Add(framed);
            if (batch.Count == BatchSize)
            {
                foreach (var e in ParseBatchNewestFirst(batch, ref overlap, context))
                {
                    yield return e;
                }
                batch.Clear();
            }
        }
        foreach (var e in ParseBatchNewestFirst(batch, ref overlap, context))
        {
            yield return e;
        }
    }

    private List<T> ParseBatchNewestFirst(List<FramedLine> newestFirst, ref List<FramedLine> overlap, LogReadContext context)
    {
        var parser = NewAssembler(context);
        for (int i = newestFirst.Count - 1; i >= 0; i--)
        {
            parser.FeedFramed(newestFirst[i], i);
        }
        parser.ContinuationOnly = true;
        foreach (var line in overlap)
        {
            parser.FeedFramed(line, -1);
        }
        parser.Finish();
        Tally(parser);
        overlap = newestFirst.Skip(Math.Max(0, newestFirst.Count - KernelLogParser.ContinuationWindow)).Reverse().ToList();
        var events = parser.TakeReady();
        var result = new List<T>(events.Count);
        for (int i = events.Count - 1; i >= 0; i--)
        {
            result.Add(events[i].Event);
        }
        return result;
    }

    /// <summary>
    /// The kernel entries journalctl writes, framed; problems reported once it ends. Following
    /// (-f), it may stay silent as long as no crash happens, so no idle timeout applies.
    /// </summary>
    private IEnumerable<FramedLine> JournalEntries(List<string> args, bool follow)
    {
        int exitCode = 0;
        string stderr = string.Empty;
        using var it = ProcessRunner.StreamLines(JournalctlProgram, args, follow ? null : ProgramIdleTimeout, _cancel,
            (code, err) => { exitCode = code; stderr = err; }).GetEnumerator();
        while (true)
        {
            bool more;
            try
            {
                more = it.MoveNext();
            }
            catch (ExternalProgramException ex)
            {
                _problem(new ReadProblem("JournalReadFailed", ErrorCategory.ReadError, ex.Message, JournalctlProgram,
                    "Install systemd's journalctl, or read the kernel ring buffer with -Source Kernel or a log file with -Path.", ex));
                yield break;
            }
            if (!more)
            {
                break;
            }
            if (JournalJsonReader.TryFrame(it.Current, out var framed))
            {
                yield return framed;
            }
        }
        ReportJournalExit(exitCode, stderr);
    }

    private IEnumerable<T> ReadJournalForward(List<string> args, LogReadContext context, bool follow) =>
        Assemble(JournalEntries(args, follow), context, (parser, framed, position) => parser.FeedFramed(framed, position));

    private void ReportJournalExit(int exitCode, string stderr)
    {
        var text = stderr.Trim();
        if (text.Contains("insufficient permissions", StringComparison.OrdinalIgnoreCase) || text.Contains("not seeing messages from other users", StringComparison.OrdinalIgnoreCase))
        {
            _problem(new ReadProblem("KernelLogAccessDenied", ErrorCategory.PermissionDenied,
                $"journalctl may not show the system journal to this user: {text}", JournalctlProgram, AccessAdvice));
        }
        else if (exitCode != 0)
        {
            _problem(new ReadProblem("JournalReadFailed", ErrorCategory.ReadError,
                $"journalctl exited with code {exitCode}: {(text.Length > 0 ? text : "no message")}", JournalctlProgram,
                "Check 'journalctl -k' by hand, or read the kernel ring buffer with -Source Kernel or a log file with -Path."));
        }
    }

    internal const string AccessAdvice =
        "Run with sudo, or add your user to the 'systemd-journal' or 'adm' group (sudo usermod -aG adm $USER, then log in again), or read a saved log with -Path.";

    // ----- the kernel ring buffer -----

    /// <summary>
    /// The current boot's records from /dev/kmsg; with <paramref name="follow"/>, only records written
    /// from now on, until cancelled (-Wait reads the history first with a separate pass).
    /// </summary>
    public IEnumerable<T> ReadKernelRing(LogReadContext context, bool newestFirst, bool follow)
    {
        IEnumerable<T> Forward()
        {
            KmsgReader? kmsg;
            try
            {
                kmsg = KmsgReader.Open(KmsgPath);
            }
            catch (KernelLogAccessException ex)
            {
                _problem(new ReadProblem("KernelLogAccessDenied", ErrorCategory.PermissionDenied, ex.Message, KmsgReader.DevicePath, AccessAdvice, ex));
                yield break;
            }
            catch (IOException ex) when (!File.Exists(KmsgPath) && ProcessRunner.Find("dmesg") is not null)
            {
                // No /dev/kmsg (some containers and minimal systems): dmesg may still reach the buffer
                // through syslog(2).
                _verbose($"{ex.Message} Reading the kernel ring buffer through dmesg instead.");
                kmsg = null;
            }
            catch (IOException ex)
            {
                _problem(new ReadProblem("KernelLogUnavailable", ErrorCategory.ResourceUnavailable, ex.Message, KmsgReader.DevicePath,
                    "In a container the host's kernel log is usually hidden; read a saved log with -Path, or the journal with -Source Journal.", ex));
                yield break;
            }

            if (kmsg is null)
            {
                foreach (var e in ReadDmesg(context, follow))
                {
                    yield return e;
                }
                yield break;
            }

            using (kmsg)
            {
                if (follow)
                {
                    kmsg.SeekToEnd(); // the history was read by the pass before
                }
                var parser = NewAssembler(context);
                long position = 0;
                var idle = System.Diagnostics.Stopwatch.StartNew();
                while (true)
                {
                    string? record;
                    try
                    {
                        record = kmsg.ReadRecord();
                    }
                    catch (KernelLogAccessException ex)
                    {
                        _problem(new ReadProblem("KernelLogAccessDenied", ErrorCategory.PermissionDenied, ex.Message, KmsgReader.DevicePath, AccessAdvice, ex));
                        yield break;
                    }
                    if (record is not null)
                    {
                        parser.FeedLine(record, position++);
                        idle.Restart();
                    }
                    else if (!follow)
                    {
                        break;
                    }
                    else
                    {
                        // Continuation records arrive within microseconds; after a quiet spell a
                        // waiting crash is as complete as it will get.
                        if (parser.HasPending && idle.ElapsedMilliseconds > 300)
                        {
                            parser.Finish();
                        }
                        if (_cancel.WaitHandle.WaitOne(100))
                        {
                            break;
                        }
                    }
                    foreach (var e in parser.TakeReady())
                    {
                        yield return e.Event;
                    }
                }
                parser.Finish();
                foreach (var e in parser.TakeReady())
                {
                    yield return e.Event;
                }
                Tally(parser);
                if (kmsg.LostRecords > 0)
                {
                    _verbose($"The kernel overwrote {kmsg.LostRecords} group(s) of records before they could be read.");
                }
            }
        }
        return newestFirst ? EventStreams.Reversed(Forward()) : Forward();
    }

    /// <summary>
    /// The ring buffer through `dmesg --raw` ("&lt;6&gt;[  123.456] message"), or `dmesg --raw --follow-new`
    /// for -Wait; stamps become wall-clock time from this boot's start.
    /// </summary>
    private IEnumerable<T> ReadDmesg(LogReadContext context, bool follow) =>
        Assemble(DmesgLines(follow), context, (parser, line, position) => parser.FeedLine(line, position));

    private IEnumerable<string> DmesgLines(bool follow)
    {
        var args = follow ? new[] { "--raw", "--follow-new" } : new[] { "--raw" };
        using var it = ProcessRunner.StreamLines("dmesg", args, follow ? null : ProgramIdleTimeout, _cancel,
            (code, err) =>
            {
                if (code != 0)
                {
                    bool denied = err.Contains("Operation not permitted", StringComparison.OrdinalIgnoreCase);
                    _problem(new ReadProblem(denied ? "KernelLogAccessDenied" : "KernelLogUnavailable",
                        denied ? ErrorCategory.PermissionDenied : ErrorCategory.ResourceUnavailable,
                        $"dmesg exited with code {code}: {err.Trim()}", "dmesg", denied ? AccessAdvice : null));
                }
            }).GetEnumerator();
        while (true)
        {
            bool more;
            try
            {
                more = it.MoveNext();
            }
            catch (ExternalProgramException ex)
            {
                _problem(new ReadProblem("KernelLogUnavailable", ErrorCategory.ResourceUnavailable, ex.Message, "dmesg", null, ex));
                yield break;
            }
            if (!more)
            {
                yield break;
            }
            yield return it.Current;
        }
    }
}
