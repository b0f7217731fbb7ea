using System.Text.RegularExpressions;

namespace SegfaultTools;

/// <summary>
/// Turns kernel-log lines of any supported framing into crash events. Stateful per source: a crash
/// printed as several records (head, " in module[...]", " likely on CPU", "Code:", or a register
/// dump on other architectures) is assembled from the lines that follow its head, even where two
/// threads' records interleave.
/// </summary>
internal sealed class KernelLogParser : IKernelRecordAssembler<SegfaultEvent>
{
    /// <summary>
    /// How many lines after a head its continuation records may arrive. The kernel prints them
    /// within microseconds; interleaving of a few crashing threads stays well inside this.
    /// </summary>
    internal const int ContinuationWindow = 16;

    /// <summary>Longest line read as a log line; anything longer is not a kernel record.</summary>
    internal const int MaxLineLength = 64 * 1024;

    private readonly LogReadContext _context;
    private readonly LineFramer _framer;
    private readonly List<CrashRecord> _pending = new();
    private readonly Queue<int> _recentPids = new();
    private readonly List<(long Position, SegfaultEvent Event)> _ready = new();
    private FramedLine _current;


    public KernelLogParser(LogReadContext context)
    {
        _context = context;
        _framer = new LineFramer(context);
    }

    /// <summary>Rate-limit notices seen ("show_signal_msg: N callbacks suppressed"), summed.</summary>
    public long SuppressedRecords { get; private set; }

    /// <summary>Lines that could not be read as text (binary, over-long, malformed).</summary>
    public long SkippedLines { get; private set; }

    /// <summary>True while a crash head waits for continuation records: every next line matters.</summary>
    public bool HasPending => _pending.Count > 0;

    /// <summary>True where the log's time stamps depend on every line before them (dmesg -H).</summary>
    public bool NeedsEveryLine => _framer.SawRelativeStamps;

    /// <summary>When true, lines only complete pending crashes: no new heads, no notices counted.</summary>
    public bool ContinuationOnly { get; set; }

    /// <summary>Feeds one line; returns the events that are complete now (oldest first).</summary>
    public IEnumerable<SegfaultEvent> Feed(string line)
    {
        FeedLine(line, 0);
        return TakeReadyEvents();
    }

    /// <summary>End of input: returns every event still waiting for continuation records.</summary>
    public IEnumerable<SegfaultEvent> Complete()
    {
        CompleteAll();
        return TakeReadyEvents();
    }

    public void FeedLine(string line, long position)
    {
        KernelLineFeed.Feed(line, position, _framer, FeedFramed, () =>
        {
            SkippedLines++;
            Age();
        }, Age);
    }

    public void FeedFramed(in FramedLine framed, long position)
    {
        Age();
        if (!framed.IsKernel)
        {
            return;
        }
        var msg = framed.Message;
        if (msg.Contains("#011", StringComparison.Ordinal))
        {
            msg = msg.Replace("#011", "\t", StringComparison.Ordinal);
        }

        _current = framed;
        var part = CrashLineRecognizer.Classify(msg, out var head, out var match);
        switch (part)
        {
            case KernelLinePart.Head when !ContinuationOnly:
                head!.TimeCreated = framed.Time;
                head.Monotonic = framed.Monotonic;
                head.ComputerName = framed.Host ?? _context.ComputerName;
                head.HostFromRecord = framed.Host is not null;
                head.BootId = framed.BootId ?? _context.BootId;
                head.CallerId = framed.CallerId;
                head.Source = _context.Source;
                head.Position = position;
                _pending.Add(head);
                break;
            case KernelLinePart.ModulePart:
                AttachModule(match!, framed.CallerId);
                break;
            case KernelLinePart.CpuPart:
                // " likely on CPU" follows " in file[...]": a head that printed its module part is
                // further along its sequence than one that did not.
                if (!Attach(r => r.ErrorCodeIsPageFault && !r.HasCpuPart && r.HasModulePart, framed.CallerId, r => CrashLineRecognizer.ApplyCpu(r, match!)))
                {
                    Attach(r => r.ErrorCodeIsPageFault && !r.HasCpuPart, framed.CallerId, r => CrashLineRecognizer.ApplyCpu(r, match!));
                }
                break;
            case KernelLinePart.CodeLine:
                AttachCode(msg["Code: ".Length..], framed.CallerId);
                break;
            case KernelLinePart.CpuHeader:
                AttachCpuHeader(match!);
                break;
            case KernelLinePart.Registers:
                Attach(r => r.ExpectsRegisters, framed.CallerId, r => CrashLineRecognizer.ApplyRegisters(r, match!, msg));
                break;
            case KernelLinePart.Suppressed when !ContinuationOnly:
                SuppressedRecords += CrashLineRecognizer.SuppressedCount(match!);
                break;
        }
        ReleaseCompleted();
    }

    private void AttachModule(Match m, string? caller)
    {
        // The kernel prints " in file[...]" before " likely on CPU", so only heads still missing both
        // can take it; among them the one whose ip lies in the mapping, else the oldest.
        CrashRecord? best = null;
        foreach (var r in _pending)
        {
            if (r.HasModulePart || r.HasCpuPart || r.IsFatalSignalNotice || !BelongsTogether(r))
            {
                continue;
            }
            if (caller is not null && r.CallerId == caller)
            {
                best = r;
                break;
            }
            best ??= r;
            if (m.Groups["base"].Success && r.InstructionPointer is ulong ip
                && ulong.TryParse(m.Groups["base"].ValueSpan, System.Globalization.NumberStyles.AllowHexSpecifier, null, out var b)
                && ulong.TryParse(m.Groups["size"].ValueSpan, System.Globalization.NumberStyles.AllowHexSpecifier, null, out var s)
                && ip >= b && ip - b < s)
            {
                best = r;
                break;
            }
        }
        if (best is not null)
        {
            CrashLineRecognizer.ApplyModule(best, m);
            CrashLineRecognizer.ApplySuffixes(best, m.Groups["rest"].Value);
        }
    }

    private bool Attach(Func<CrashRecord, bool> wants, string? caller, Action<CrashRecord> apply)
    {
        CrashRecord? first = null;
        foreach (var r in _pending)
        {
            if (!wants(r) || !BelongsTogether(r))
            {
                continue;
            }
            if (caller is not null && r.CallerId == caller)
            {
                apply(r);
                return true;
            }
            first ??= r;
        }
        if (first is not null)
        {
            apply(first);
        }
        return first is not null;
    }

    /// <summary>
    /// fault.c prints "Code:" right after the head's last piece, so the line belongs to a head whose
    /// " likely on CPU" part has arrived (the oldest such, where threads interleave); on kernels that
    /// print no CPU part, to the newest head.
    /// </summary>
    private void AttachCode(string code, string? caller)
    {
        CrashRecord? printedCpu = null;
        CrashRecord? newest = null;
        foreach (var r in _pending)
        {
            if (!r.ExpectsCode || r.Code is not null || !BelongsTogether(r))
            {
                continue;
            }
            if (caller is not null && r.CallerId == caller)
            {
                r.Code = code;
                return;
            }
            if (r.HasCpuPart)
            {
                printedCpu ??= r;
            }
            newest = r;
        }
        var target = printedCpu ?? newest;
        if (target is not null)
        {
            target.Code = code;
        }
    }

    private void AttachCpuHeader(Match m)
    {
        int? pid = CrashLineRecognizer.Int(m, "pid");
        foreach (var r in _pending)
        {
            if (!r.ExpectsRegisters || r.HeaderSeen || !BelongsTogether(r))
            {
                continue;
            }
            if (pid is not null && r.ProcessId is not null && r.ProcessId != pid)
            {
                continue;
            }
            r.HeaderSeen = true;
            r.Cpu ??= CrashLineRecognizer.Int(m, "cpu");
            if (r.ProcessId is null && pid is not null)
            {
                r.ProcessId = pid;
                r.ProcessName = m.Groups["comm"].Value.TrimEnd();
            }
            return;
        }
    }

    /// <summary>
    /// A continuation record printed within moments of its head and in the same boot; records from
    /// another boot or seconds later belong to something else, however few lines lie between.
    /// </summary>
    private bool BelongsTogether(CrashRecord r) =>
        KernelRecordTiming.BelongsTogether(r.BootId, r.TimeCreated, r.Monotonic, _current, _context.BootId);

    private void Age()
    {
        foreach (var r in _pending)
        {
            r.LinesSinceHead++;
        }
    }

    private static bool IsComplete(CrashRecord r)
    {
        if (r.LinesSinceHead > ContinuationWindow)
        {
            return true;
        }
        if (r.ErrorCodeIsPageFault)
        {
            return r.Code is not null; // the Code: line is the last thing fault.c prints
        }
        if (r.ExpectsRegisters)
        {
            return false; // registers trickle in over many lines; wait out the window
        }
        return r.HasModulePart; // traps: nothing follows " in file[...]"
    }

    private void ReleaseCompleted()
    {
        // Release in head order so events come out in the order they happened.
        while (_pending.Count > 0 && IsComplete(_pending[0]))
        {
            Release(_pending[0]);
            _pending.RemoveAt(0);
        }
    }

    private void CompleteAll()
    {
        foreach (var r in _pending)
        {
            Release(r);
        }
        _pending.Clear();
    }

    private void Release(CrashRecord r)
    {
        // print-fatal-signals repeats a crash the fault handler already reported.
        if (r.IsFatalSignalNotice && r.ProcessId is int fp && _recentPids.Contains(fp))
        {
            return;
        }
        if (r.ProcessId is int pid && !r.IsFatalSignalNotice)
        {
            _recentPids.Enqueue(pid);
            if (_recentPids.Count > 32)
            {
                _recentPids.Dequeue();
            }
        }
        _ready.Add((r.Position, r.ToEvent()));
    }

    public List<(long Position, SegfaultEvent Event)> TakeReady()
    {
        var list = new List<(long, SegfaultEvent)>(_ready);
        _ready.Clear();
        return list;
    }

    public void Finish() => CompleteAll();

    public void CountSkipped() => SkippedLines++;

    private List<SegfaultEvent> TakeReadyEvents()
    {
        var list = new List<SegfaultEvent>(_ready.Count);
        foreach (var (_, e) in _ready)
        {
            list.Add(e);
        }
        _ready.Clear();
        return list;
    }

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
