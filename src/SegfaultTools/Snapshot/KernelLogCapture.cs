using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace SegfaultTools;

/// <summary>Why a kernel-log line is in a snapshot.</summary>
internal enum KernelLineRole
{
    /// <summary>Part of a crash or hardware-error record, or a line between a record's first line and its last.</summary>
    Record,

    /// <summary>"Linux version" and microcode lines: where the running microcode came from.</summary>
    Boot,

    /// <summary>"show_signal_msg: N callbacks suppressed": the kernel's rate limit at work.</summary>
    Suppressed,
}

/// <summary>One kernel-log line a snapshot keeps, with what the crash reader thought of it.</summary>
internal sealed record CapturedKernelLine(FramedLine Line, KernelLineRole Role, KernelLinePart CrashPart, bool CrashPending);

/// <summary>
/// Reads a machine's kernel log the way the diagnosis does (the journal or the ring buffer live;
/// kern.log, syslog, messages and journals in a captured tree) and keeps only the lines the
/// module's readers use: every line of a crash or hardware-error record, the lines between a
/// record's first line and its last (they count for which later lines belong to it), the
/// rate-limit notices, and the boot's "Linux version" and microcode lines. The crash and hardware
/// readers run alongside, so the records kept are exactly those the diagnosis would count.
/// </summary>
internal sealed class KernelLogCapture : KernelEventReader<CapturedKernelLine>
{
    private static readonly string[] HardwareNeedles = HardwareErrorAssembler.Needles.Items.Select(n => Encoding.ASCII.GetString(n)).ToArray();

    private static readonly ScanNeedles AllNeedles = new(
        TextLogScanner.CrashNeedles.Items.Concat(HardwareErrorAssembler.Needles.Items).Append("microcode"u8.ToArray()).Append("Linux version"u8.ToArray()).ToArray());

    private readonly Action<string> _verbose;
    private readonly CancellationToken _cancel;

    public KernelLogCapture(Action<ReadProblem> problem, Action<string> verbose, CancellationToken cancel)
        : base(problem, verbose, cancel)
    {
        _verbose = verbose;
        _cancel = cancel;
    }

    public DateTimeOffset? Since { get; init; }

    public DateTimeOffset? Until { get; init; }

    /// <summary>Every crash record read (before the window is applied).</summary>
    public List<SegfaultEvent> Crashes { get; } = new();

    /// <summary>Every hardware-error record read (before the window is applied).</summary>
    public List<HardwareErrorEvent> HardwareErrors { get; } = new();

    /// <summary>Where the lines came from, in words, for the manifest.</summary>
    public string Origin { get; private set; } = "nowhere";

    protected override ScanNeedles Needles => AllNeedles;

    protected override IKernelRecordAssembler<CapturedKernelLine> NewAssembler(LogReadContext context) => new Selector(context, this);

    protected override DateTimeOffset? TimeOf(CapturedKernelLine e) => e.Line.Time;

    public bool InWindow(DateTimeOffset? t) => t is not { } v || ((Since is null || v >= Since) && (Until is null || v <= Until));

    /// <summary>The crash records in the window.</summary>
    public IEnumerable<SegfaultEvent> CrashesInWindow => Crashes.Where(e => InWindow(e.TimeCreated));

    /// <summary>The hardware-error records in the window.</summary>
    public IEnumerable<HardwareErrorEvent> HardwareInWindow => HardwareErrors.Where(e => InWindow(e.TimeCreated));

    /// <summary>
    /// The lines to keep from <paramref name="root"/>, in time order: the records in the window and
    /// the boot lines. Live, the source is the one Get-SegfaultDiagnosis picks (the journal where it
    /// holds kernel entries, else /dev/kmsg).
    /// </summary>
    public List<CapturedKernelLine> Read(SystemRoot root)
    {
        IEnumerable<CapturedKernelLine> stream;
        if (root.IsLive)
        {
            bool journal = JournalHasKernelEntries();
            var selector = new List<string>();
            if (Since is { } s)
            {
                selector.Add("--since");
                selector.Add(s.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
            }
            Origin = journal ? "the systemd journal (journalctl -k)" : "the kernel ring buffer (/dev/kmsg)";
            stream = journal
                ? ReadJournal(selector, LiveJournalContext(), newestFirst: false, follow: false)
                : ReadKernelRing(LiveKernelContext(), newestFirst: false, follow: false);
        }
        else
        {
            var logs = root.KernelTextLogs();
            Origin = logs.Count > 0 ? string.Join(", ", logs.Select(f => "/" + Path.GetRelativePath(root.Root, f))) : "the tree's journal files";
            stream = ReadRoot(root, newestFirst: false, s => s) ?? Array.Empty<CapturedKernelLine>();
        }

        var kept = new List<CapturedKernelLine>();
        foreach (var line in stream)
        {
            if (Keep(line))
            {
                kept.Add(line);
            }
        }
        var boot = root.IsLive ? LiveBootLines() : CapturedBootLines(root);
        return Merge(kept, boot);
    }

    private bool Keep(CapturedKernelLine l)
    {
        switch (l.Role)
        {
            case KernelLineRole.Suppressed:
                return true; // the diagnosis counts every notice its source holds, whatever the window
            case KernelLineRole.Boot:
                return false; // read in the boot pass, from where Get-SystemProfile reads them
        }
        if (l.Line.Time is not { } t)
        {
            return true;
        }
        if (Since is { } since && t < since)
        {
            return false;
        }
        if (Until is { } until && t > until)
        {
            // A record begun in the window keeps the pieces printed just after it; nothing new starts.
            return l.CrashPending && t - until <= KernelRecordTiming.ContinuationSpan
                && l.CrashPart is KernelLinePart.ModulePart or KernelLinePart.CpuPart or KernelLinePart.CodeLine or KernelLinePart.CpuHeader or KernelLinePart.Registers;
        }
        return true;
    }

    /// <summary>The records, with the boot lines put where they belong in time; a boot line already among the records is not repeated.</summary>
    internal static List<CapturedKernelLine> Merge(List<CapturedKernelLine> records, List<CapturedKernelLine> boot)
    {
        var seen = new HashSet<(DateTimeOffset?, string)>(records.Select(r => (r.Line.Time, r.Line.Message)));
        var all = new List<(DateTimeOffset Key, int Order, CapturedKernelLine Line)>();
        var last = DateTimeOffset.MinValue;
        int order = 0;
        foreach (var r in records)
        {
            last = r.Line.Time ?? last;
            all.Add((last, order++, r));
        }
        foreach (var b in boot.Where(b => seen.Add((b.Line.Time, b.Line.Message))))
        {
            all.Add((b.Line.Time ?? DateTimeOffset.MinValue, order++, b));
        }
        return all.OrderBy(x => x.Key).ThenBy(x => x.Order).Select(x => x.Line).ToList();
    }

    internal static bool IsBootLine(string message) =>
        message.StartsWith("Linux version ", StringComparison.Ordinal)
        || message.StartsWith("microcode: ", StringComparison.Ordinal)
        || message.StartsWith("x86/microcode: ", StringComparison.Ordinal);

    private static CapturedKernelLine Boot(in FramedLine f) => new(f, KernelLineRole.Boot, KernelLinePart.None, false);

    /// <summary>This boot's lines from /dev/kmsg (else `dmesg --raw`), read as Get-SystemProfile reads them.</summary>
    private List<CapturedKernelLine> LiveBootLines()
    {
        var lines = new List<CapturedKernelLine>();
        var framer = new LineFramer(LiveKernelContext());
        var clock = Stopwatch.StartNew();
        try
        {
            using var kmsg = KmsgReader.Open(KmsgPath);
            string? record;
            while (clock.Elapsed < SystemProfileReader.KernelLogBudget && (record = kmsg.ReadRecord()) is not null)
            {
                if (framer.TryFrame(record, out var framed) && framed.IsKernel && IsBootLine(framed.Message))
                {
                    lines.Add(Boot(framed));
                }
            }
            return lines;
        }
        catch (Exception ex) when (ex is KernelLogAccessException or IOException)
        {
            _verbose($"The boot's microcode lines could not be read from {KmsgPath}: {ex.Message}");
        }
        var dmesg = new LivePrograms(TimeSpan.FromSeconds(10), _cancel).Read(ProgramCapture.Dmesg, out var problem);
        if (dmesg is null)
        {
            _verbose($"Nor through dmesg: {problem}");
            return lines;
        }
        foreach (var line in dmesg)
        {
            if (framer.TryFrame(line, out var framed) && framed.IsKernel && IsBootLine(framed.Message))
            {
                lines.Add(Boot(framed));
            }
        }
        return lines;
    }

    /// <summary>A tree's boot lines from where Get-SystemProfile reads them: .segfaulttools/dmesg.txt, else its text kernel logs.</summary>
    private List<CapturedKernelLine> CapturedBootLines(SystemRoot root)
    {
        var lines = new List<CapturedKernelLine>();
        var dmesg = new CapturedPrograms(root).Read(ProgramCapture.Dmesg, out _);
        if (dmesg is not null)
        {
            var framer = new LineFramer(new LogReadContext { TimeZone = root.TimeZone });
            foreach (var line in dmesg)
            {
                if (framer.TryFrame(line, out var framed) && framed.IsKernel && IsBootLine(framed.Message))
                {
                    lines.Add(Boot(framed));
                }
            }
            return lines;
        }
        foreach (var file in root.KernelTextLogs())
        {
            try
            {
                using var stream = File.OpenRead(file);
                using var reader = new StreamReader(file.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(stream, CompressionMode.Decompress) : stream);
                var framer = new LineFramer(new LogReadContext { TimeZone = root.TimeZone, ReferenceTime = File.GetLastWriteTime(file) });
                string? line;
                while ((line = reader.ReadLine()) is not null)
                {
                    if (framer.TryFrame(line, out var framed) && framed.IsKernel && IsBootLine(framed.Message))
                    {
                        lines.Add(Boot(framed));
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                _verbose($"{file} could not be read for its boot lines: {ex.Message}");
            }
        }
        return lines.OrderBy(l => l.Line.Time ?? DateTimeOffset.MinValue).ToList();
    }

    /// <summary>
    /// The lines as a syslog file the module's readers read back with every detail kept: an RFC 3339
    /// stamp with its zone, the host, "kernel:", the kernel's own uptime stamp and caller id where
    /// the source had them, and the message.
    /// </summary>
    public static string Render(IEnumerable<CapturedKernelLine> lines, string host)
    {
        var sb = new StringBuilder();
        foreach (var l in lines)
        {
            sb.Append(Format(l.Line, host)).Append('\n');
        }
        return sb.ToString();
    }

    internal static string Format(in FramedLine f, string host)
    {
        var sb = new StringBuilder();
        if (f.Time is { } t)
        {
            sb.Append(t.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffffzzz", CultureInfo.InvariantCulture)).Append(' ');
            sb.Append(string.IsNullOrWhiteSpace(f.Host) ? host : f.Host.Replace(' ', '_')).Append(' ');
        }
        // A line that is not the kernel's (a program writing to /dev/kmsg) keeps its place but not the kernel's tag.
        sb.Append(f.IsKernel ? "kernel: " : "user: ");
        if (f.Monotonic is { } mono)
        {
            sb.Append('[').Append(mono.ToString("0.000000", CultureInfo.InvariantCulture).PadLeft(12)).Append("] ");
        }
        if (f.CallerId is { } caller)
        {
            sb.Append('[').Append(caller).Append("] ");
        }
        else if (f.Monotonic is null && f.Time is not null && LooksLikeRfc5424(f.Message))
        {
            // "host kernel: a - [x] ..." would read as RFC 5424 (procid a, msgid -) and lose its kernel tag.
            sb.Append(' ');
        }
        foreach (var c in f.Message)
        {
            sb.Append(c is '\n' or '\r' ? ' ' : c is < ' ' and not '\t' ? '?' : c);
        }
        return sb.ToString();
    }

    private static bool LooksLikeRfc5424(string message)
    {
        var words = message.Split(' ', 3);
        return words.Length >= 3 && (words[0] == "-" || words[1] == "-");
    }

    /// <summary>
    /// Feeds every line to a crash reader and a hardware-error reader, as the diagnosis would, and
    /// keeps the lines that are part of what they read.
    /// </summary>
    private sealed class Selector : IKernelRecordAssembler<CapturedKernelLine>
    {
        private readonly KernelLogCapture _owner;
        private readonly KernelLogParser _crash;
        private readonly HardwareErrorAssembler _hardware;
        private readonly LineFramer _framer;
        private readonly List<(long, CapturedKernelLine)> _ready = new();

        public Selector(LogReadContext context, KernelLogCapture owner)
        {
            _owner = owner;
            _crash = new KernelLogParser(context);
            _hardware = new HardwareErrorAssembler(context);
            _framer = new LineFramer(context);
        }

        public bool HasPending => _crash.HasPending || _hardware.HasPending;

        public bool NeedsEveryLine => _framer.SawRelativeStamps;

        public bool ContinuationOnly
        {
            get => _crash.ContinuationOnly;
            set
            {
                _crash.ContinuationOnly = value;
                _hardware.ContinuationOnly = value;
            }
        }

        public long SkippedLines => _crash.SkippedLines;

        public long SuppressedRecords => _crash.SuppressedRecords;

        public void FeedLine(string line, long position)
        {
            bool pending = HasPending, crashPending = _crash.HasPending;
            KernelLineFeed.Feed(line, position, _framer, (in FramedLine f, long p) => Consider(f, p, pending, crashPending), () => { }, () => { });
            _crash.FeedLine(line, position);
            _hardware.FeedLine(line, position);
            Collect();
        }

        public void FeedFramed(in FramedLine framed, long position)
        {
            Consider(framed, position, HasPending, _crash.HasPending);
            _crash.FeedFramed(framed, position);
            _hardware.FeedFramed(framed, position);
            Collect();
        }

        private void Consider(in FramedLine f, long position, bool pending, bool crashPending)
        {
            if (!f.IsKernel)
            {
                // Not parsed, but counted: it stays where a record is still taking lines.
                if (pending)
                {
                    _ready.Add((position, new CapturedKernelLine(f, KernelLineRole.Record, KernelLinePart.None, crashPending)));
                }
                return;
            }
            var message = f.Message.Contains("#011", StringComparison.Ordinal) ? f.Message.Replace("#011", "\t", StringComparison.Ordinal) : f.Message;
            var part = CrashLineRecognizer.Classify(message, out _, out _);
            KernelLineRole? role = part switch
            {
                KernelLinePart.Suppressed => KernelLineRole.Suppressed,
                KernelLinePart.Head => KernelLineRole.Record,
                _ when pending => KernelLineRole.Record,
                _ when HardwareNeedles.Any(n => message.Contains(n, StringComparison.Ordinal)) => KernelLineRole.Record,
                _ when IsBootLine(message) => KernelLineRole.Boot,
                _ => null,
            };
            if (role is { } r)
            {
                _ready.Add((position, new CapturedKernelLine(f, r, part, crashPending)));
            }
        }

        private void Collect()
        {
            foreach (var (_, e) in _crash.TakeReady())
            {
                _owner.Crashes.Add(e);
            }
            foreach (var (_, e) in _hardware.TakeReady())
            {
                _owner.HardwareErrors.Add(e);
            }
        }

        public List<(long Position, CapturedKernelLine Event)> TakeReady()
        {
            var list = new List<(long, CapturedKernelLine)>(_ready);
            _ready.Clear();
            return list;
        }

        public void Finish()
        {
            _crash.Finish();
            _hardware.Finish();
            Collect();
        }

        public void CountSkipped()
        {
            _crash.CountSkipped();
            _hardware.CountSkipped();
        }
    }
}
