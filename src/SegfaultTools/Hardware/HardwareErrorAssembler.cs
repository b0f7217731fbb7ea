using System.Globalization;
using System.Text.RegularExpressions;

namespace SegfaultTools;

/// <summary>
/// Turns kernel-log lines of any supported framing into hardware error records. A machine check,
/// a firmware (APEI) record, a PCIe AER report, the NVIDIA "API mismatch" notice and a kernel oops
/// or warning span several lines; they are assembled from the lines that follow their first one, within moments and in the
/// same boot, even where another record's lines interleave.
/// </summary>
internal sealed partial class HardwareErrorAssembler : IKernelRecordAssembler<HardwareErrorEvent>
{
    /// <summary>How many lines a block record waits for its next line before it counts as complete.</summary>
    internal const int ContinuationWindow = KernelLogParser.ContinuationWindow;

    /// <summary>
    /// The byte strings every line that starts a record holds (see <see cref="TextLogScanner"/>), and
    /// the header of a syslogd broadcast, whose time and host the " kernel:" line after it takes.
    /// The last six start kernel-mode faults: "BUG" covers "BUG: ..." and "kernel BUG at", "Oops"
    /// the oops line of every architecture, "Unable to handle kernel" the arm heads.
    /// </summary>
    internal static readonly ScanNeedles Needles = new(
        "NVRM"u8.ToArray(),
        "syslogd@"u8.ToArray(),
        "Hardware Error"u8.ToArray(),
        "EDAC"u8.ToArray(),
        "Bus Error"u8.ToArray(),
        "clock throttled"u8.ToArray(),
        "Flip event"u8.ToArray(),
        "BUG"u8.ToArray(),
        "Oops"u8.ToArray(),
        "protection fault"u8.ToArray(),
        "Kernel panic"u8.ToArray(),
        "WARNING:"u8.ToArray(),
        "Unable to handle kernel"u8.ToArray());

    private static readonly TimeSpan ContinuationSpan = KernelRecordTiming.ContinuationSpan;

    private readonly LogReadContext _context;
    private readonly LineFramer _framer;
    private readonly List<HardwareRecord> _pending = new();
    private readonly List<(long Position, HardwareErrorEvent Event)> _ready = new();
    private readonly List<(string PciBusId, DateTimeOffset? Time, long Line)> _recentBusLoss = new();
    private FramedLine _current;
    private long _lineNumber;

    public HardwareErrorAssembler(LogReadContext context)
    {
        _context = context;
        _framer = new LineFramer(context);
    }

    /// <summary>True while a record may still take lines, or an Xid 79 may still be repeated by its "fallen off the bus" line.</summary>
    public bool HasPending => _pending.Count > 0 || _recentBusLoss.Count > 0;

    public bool NeedsEveryLine => _framer.SawRelativeStamps;

    public bool ContinuationOnly { get; set; }

    public long SkippedLines { get; private set; }

    public long SuppressedRecords => 0;

    public void CountSkipped() => SkippedLines++;

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
        if (framed.Message.Contains('\n'))
        {
            // A journal entry of a multi-line printk: every line shares the entry's time.
            foreach (var part in framed.Message.Split('\n'))
            {
                if (part.Trim().Length > 0)
                {
                    FeedFramed(framed with { Message = part }, position);
                }
            }
            return;
        }
        Age();
        if (!framed.IsKernel)
        {
            ReleaseCompleted();
            return;
        }
        _current = framed;
        var msg = framed.Message.Replace("#011", "\t", StringComparison.Ordinal).Trim();
        if (msg.Length > 0)
        {
            Recognize(msg, position);
        }
        ReleaseCompleted();
    }

    public List<(long Position, HardwareErrorEvent Event)> TakeReady()
    {
        var list = new List<(long, HardwareErrorEvent)>(_ready);
        _ready.Clear();
        return list;
    }

    public void Finish()
    {
        _recentBusLoss.Clear();
        foreach (var r in _pending)
        {
            Release(r);
        }
        _pending.Clear();
    }

    /// <summary>Parses a whole sequence of lines; records come back in the order their first lines appeared.</summary>
    public static List<HardwareErrorEvent> ParseAll(IEnumerable<string> lines, LogReadContext context)
    {
        var assembler = new HardwareErrorAssembler(context);
        var events = new List<HardwareErrorEvent>();
        foreach (var line in lines)
        {
            assembler.FeedLine(line, 0);
            events.AddRange(assembler.TakeReady().Select(r => r.Event));
        }
        assembler.Finish();
        events.AddRange(assembler.TakeReady().Select(r => r.Event));
        return events;
    }

    // ----- recognition -----

    private void Recognize(string msg, long position)
    {
        if (msg.StartsWith("NVRM", StringComparison.Ordinal))
        {
            RecognizeNvrm(msg, position);
            return;
        }
        if (RecognizeKernelFault(msg, position))
        {
            return;
        }
        Match m;
        if ((m = FlipTimeout().Match(msg)).Success)
        {
            var r = Start(HardwareErrorKind.GpuDriverError, HardwareRecord.Shape.Line, msg, position);
            r.Code = "FlipEventTimeout";
            r.Component = $"GPU ID {m.Groups["gpu"].Value}, head {m.Groups["head"].Value}";
            r.Severity = HardwareErrorSeverity.Uncorrected;
            r.Meaning = $"nvidia-drm waited in vain for a display flip on head {m.Groups["head"].Value}: the display update stalled";
            return;
        }
        if ((m = Throttled().Match(msg)).Success)
        {
            var r = Start(HardwareErrorKind.Thermal, HardwareErrorSeverity.Info, msg, position);
            r.Cpu = Int(m, "cpu");
            r.Component = $"CPU {r.Cpu}";
            r.Code = m.Groups["what"].Value;
            r.Meaning = $"{m.Groups["what"].Value} temperature above its threshold: the CPU clock was throttled ({m.Groups["n"].Value} events since boot)";
            return;
        }
        if ((m = EdacCount().Match(msg)).Success)
        {
            bool ue = m.Groups["type"].Value == "UE";
            var r = Start(HardwareErrorKind.Edac, ue ? HardwareErrorSeverity.Uncorrected : HardwareErrorSeverity.Corrected, msg, position);
            r.Code = "MC" + m.Groups["mc"].Value;
            r.Component = m.Groups["label"].Value;
            var what = m.Groups["what"].Value.Trim();
            r.Meaning = $"{m.Groups["count"].Value} {(ue ? "uncorrected" : "corrected")} memory error(s)" + (what.Length > 0 && what != "error" ? ": " + what : string.Empty);
            return;
        }
        if ((m = AerHead().Match(msg)).Success)
        {
            if (ContinuationOnly)
            {
                return;
            }
            var r = Start(HardwareErrorKind.PcieAer, HardwareRecord.Shape.Aer, msg, position);
            r.PciBusId = m.Groups["bdf"].Value.ToLowerInvariant();
            r.Component = r.PciBusId;
            r.Severity = AerSeverity(m.Groups["sev"].Value);
            r.AerType = m.Groups["type"].Value.Trim();
            r.AerAgent = m.Groups["agent"].Success ? m.Groups["agent"].Value : null;
            return;
        }
        if ((m = AerDetail().Match(msg)).Success)
        {
            var bdf = m.Groups["bdf"].Value.ToLowerInvariant();
            var r = Newest(p => p.RecordShape == HardwareRecord.Shape.Aer && p.PciBusId == bdf);
            if (r is not null)
            {
                Touch(r, msg);
                if (m.Groups["bit"].Success)
                {
                    r.AerBits.Add(m.Groups["bit"].Value.Trim());
                }
            }
            return;
        }
        RecognizeMachineCheck(msg, position);
    }

    private void RecognizeNvrm(string msg, long position)
    {
        Match m;
        if ((m = Xid().Match(msg)).Success)
        {
            var r = Start(HardwareErrorKind.Xid, HardwareRecord.Shape.Line, msg, position);
            int xid = Int(m, "xid")!.Value;
            r.Code = xid.ToString(CultureInfo.InvariantCulture);
            r.PciBusId = PciFromXid(m.Groups["pci"].Value);
            r.Component = r.PciBusId;
            var rest = m.Groups["rest"].Value;
            var who = XidProcess().Match(rest);
            if (who.Success)
            {
                r.ProcessId = who.Groups["pid"].Success ? int.Parse(who.Groups["pid"].ValueSpan, CultureInfo.InvariantCulture) : null;
                var name = who.Groups["name"].Value.Trim();
                r.ProcessName = name.Length == 0 || name == "<unknown>" ? null : name;
            }
            if (XidCatalog.TryGet(xid, out var meaning, out var severity))
            {
                r.Meaning = meaning;
                r.Severity = severity;
            }
            var action = RecoveryAction().Match(rest);
            if (xid == 154 && action.Success)
            {
                r.Meaning += $": now {action.Groups["action"].Value}";
            }
            if (xid == 79 && r.PciBusId is not null)
            {
                _recentBusLoss.Add((r.PciBusId, _current.Time, _lineNumber));
            }
            return;
        }

        var body = msg["NVRM".Length..].TrimStart(':', ' ');

        // A sentence the driver prints over several "NVRM:" lines.
        var sentence = Newest(p => p.RecordShape == HardwareRecord.Shape.NvrmSentence && !p.Closed);
        if (sentence is not null && !body.StartsWith("API mismatch", StringComparison.Ordinal) && !body.StartsWith("The NVIDIA GPU ", StringComparison.Ordinal))
        {
            Touch(sentence, msg);
            CloseSentenceIfEnded(sentence);
            return;
        }
        if (body.StartsWith("API mismatch", StringComparison.Ordinal) || body.StartsWith("The NVIDIA GPU ", StringComparison.Ordinal))
        {
            if (ContinuationOnly)
            {
                return;
            }
            var r = Start(HardwareErrorKind.GpuDriverError, HardwareRecord.Shape.NvrmSentence, msg, position);
            CloseSentenceIfEnded(r);
            return;
        }

        if ((m = GpuLine().Match(body)).Success)
        {
            var bdf = m.Groups["bdf"].Value.ToLowerInvariant();
            var what = m.Groups["what"].Value;
            if (what.StartsWith("RmInitAdapter failed!", StringComparison.Ordinal))
            {
                var r = Start(HardwareErrorKind.GpuDriverError, HardwareErrorSeverity.Fatal, msg, position);
                r.PciBusId = bdf;
                r.Component = bdf;
                r.Code = "RmInitAdapterFailed";
                var codes = what["RmInitAdapter failed!".Length..].Trim();
                r.Meaning = "The driver could not initialize the GPU" + (codes.Length > 0 ? " " + codes : string.Empty) + "; it is unusable until this is fixed";
            }
            else if (what.StartsWith("GPU has fallen off the bus", StringComparison.Ordinal))
            {
                StartBusLoss(bdf, msg, position);
            }
            return;
        }
        if ((m = GspFirmwareMismatch().Match(body)).Success)
        {
            var r = Start(HardwareErrorKind.GpuDriverError, HardwareErrorSeverity.Fatal, msg, position);
            r.Component = m.Groups["gpu"].Success ? m.Groups["gpu"].Value : null;
            r.Code = "GspFirmwareMismatch";
            r.Meaning = $"The GSP firmware file is version {m.Groups["got"].Value} but the loaded kernel module expects {m.Groups["want"].Value}: the driver packages are out of step";
            return;
        }
        if ((m = GspTimeout().Match(body)).Success)
        {
            var r = Start(HardwareErrorKind.GpuDriverError, HardwareErrorSeverity.Uncorrected, msg, position);
            r.Component = m.Groups["gpu"].Value;
            bool heartbeat = m.Groups["fn"].Value == "_kgspIsHeartbeatTimedOut";
            r.Code = heartbeat ? "GspHeartbeatTimeout" : "GspRpcTimeout";
            r.Meaning = heartbeat
                ? "The GPU's GSP firmware stopped answering the driver's heartbeat: the GPU is hung or its firmware crashed"
                : "The driver gave up waiting for the GSP firmware to answer a call: the GPU is hung, and usually needs a reset";
            return;
        }
        if ((m = GspRateLimit().Match(body)).Success)
        {
            var r = Start(HardwareErrorKind.GpuDriverError, HardwareErrorSeverity.Uncorrected, msg, position);
            r.PciBusId = PciFromXid(m.Groups["pci"].Value);
            r.Component = r.PciBusId;
            r.Code = "GspRpcErrors";
            r.Meaning = "GSP RPC errors keep coming, so the driver prints only some of them; it says the GPU likely needs a reset";
        }
    }

    private void CloseSentenceIfEnded(HardwareRecord r)
    {
        var text = r.Message;
        bool mismatch = text.Contains("API mismatch", StringComparison.Ordinal);
        if (mismatch ? text.Contains("same version.", StringComparison.Ordinal) : text.TrimEnd().EndsWith('.'))
        {
            r.Closed = true;
        }
    }

    private void StartBusLoss(string bdf, string msg, long position)
    {
        // Xid 79 says the same thing a moment before; the Xid is the record then.
        if (_recentBusLoss.Any(x => x.PciBusId == bdf && (x.Time is null || _current.Time is null || (_current.Time.Value - x.Time.Value).Duration() <= ContinuationSpan)))
        {
            return;
        }
        var r = Start(HardwareErrorKind.GpuDriverError, HardwareErrorSeverity.Fatal, msg, position);
        r.PciBusId = bdf;
        r.Component = bdf;
        r.Code = "FallenOffBus";
        r.Meaning = "The GPU has fallen off the bus: the PCIe link to it was lost (power delivery, riser or slot, heat, hardware); reboot";
    }

    private void RecognizeMachineCheck(string msg, long position)
    {
        var p = HardwareErrorPrefix().Match(msg);
        string body;
        string? ghes = null;
        string? decoder = null;
        if (p.Success)
        {
            body = msg[p.Length..];
            ghes = p.Groups["ghes"].Success ? p.Groups["ghes"].Value : null;
        }
        else
        {
            var e = EdacDecoderPrefix().Match(msg);
            if (!e.Success)
            {
                return;
            }
            body = msg[e.Length..];
            decoder = $"{e.Groups["drv"].Value} MC{e.Groups["mc"].Value}";
        }

        if (ghes is not null)
        {
            var g = Newest(r => r.RecordShape == HardwareRecord.Shape.Ghes && r.GhesId == ghes);
            if (g is null || body.StartsWith("Hardware error from APEI", StringComparison.Ordinal) && g.Code is not null)
            {
                if (ContinuationOnly)
                {
                    return;
                }
                g = Start(HardwareErrorKind.MachineCheck, HardwareRecord.Shape.Ghes, msg, position);
                g.GhesId = ghes;
            }
            else
            {
                Touch(g, msg);
            }
            ApplyGhes(g, body.Trim());
            return;
        }

        var t = body.Trim();
        var open = Newest(r => r.RecordShape == HardwareRecord.Shape.MachineCheck);
        Match m;
        bool startsRecord = t.StartsWith("Machine check events logged", StringComparison.Ordinal);
        var bank = IntelBank().Match(t);
        var amd = AmdStatus().Match(t);
        var mcError = AmdMcError().Match(t);
        bool status = bank.Success || amd.Success;
        if (!startsRecord && open is not null && (status || mcError.Success || IsCorrectedNotice(t) || t.Contains("HANDLING MCE MEMORY ERROR", StringComparison.Ordinal))
            && (open.HasStatus || (mcError.Success && open.Bank is not null)))
        {
            startsRecord = true; // the record before is complete: this one is the next
        }
        HardwareRecord r;
        if (startsRecord || open is null)
        {
            if (ContinuationOnly)
            {
                return;
            }
            r = Start(HardwareErrorKind.MachineCheck, HardwareRecord.Shape.MachineCheck, msg, position);
        }
        else
        {
            r = open;
            Touch(r, msg);
        }
        if (decoder is not null)
        {
            r.EdacDecoder ??= decoder;
        }

        if (bank.Success)
        {
            r.HasStatus = true;
            r.Cpu = Int(bank, "cpu");
            r.Bank = Int(bank, "bank");
            r.StatusSeverity = IntelStatusSeverity(bank.Groups["status"].Value);
        }
        else if (amd.Success)
        {
            r.HasStatus = true;
            r.Cpu = Int(amd, "cpu");
            r.Bank = Int(amd, "bank");
            var flags = amd.Groups["flags"].Value.Split('|');
            r.StatusSeverity = flags.Contains("PCC") ? HardwareErrorSeverity.Fatal
                : flags.Contains("UE") || flags.Contains("UC") ? HardwareErrorSeverity.Uncorrected
                : flags.Contains("CE") ? HardwareErrorSeverity.Corrected : null;
        }
        else if (mcError.Success)
        {
            r.Bank = Int(mcError, "bank");
            r.UnitMeaning = mcError.Groups["desc"].Value.Trim();
        }
        else if (IsCorrectedNotice(t))
        {
            r.StatedSeverity = HardwareErrorSeverity.Corrected;
        }
        else if (t.Contains("Processor context corrupt", StringComparison.Ordinal))
        {
            r.ContextCorrupt = true;
        }
        else if ((m = AmdExtCode().Match(t)).Success)
        {
            var desc = m.Groups["desc"].Value.Trim();
            r.UnitMeaning = desc.Length > 0 ? $"{m.Groups["unit"].Value}: {desc}" : $"{m.Groups["unit"].Value} error, extended code {m.Groups["code"].Value}";
        }
        else if ((m = IntelProcessor().Match(t)).Success)
        {
            r.Socket = m.Groups["socket"].Value;
            r.Apic = m.Groups["apic"].Value;
        }
    }

    private static bool IsCorrectedNotice(string t) =>
        t.StartsWith("Corrected error, no action required", StringComparison.Ordinal)
        || t.StartsWith("Error Status: Corrected error", StringComparison.Ordinal);

    private static void ApplyGhes(HardwareRecord g, string body)
    {
        Match m;
        if ((m = GhesSource().Match(body)).Success)
        {
            g.Code = "GHES " + m.Groups["src"].Value;
        }
        else if (body.StartsWith("It has been corrected by h/w", StringComparison.Ordinal))
        {
            g.StatedSeverity ??= HardwareErrorSeverity.Corrected;
        }
        else if ((m = GhesField().Match(body)).Success)
        {
            var value = m.Groups["value"].Value.Trim();
            switch (m.Groups["key"].Value)
            {
                case "event severity":
                    g.StatedSeverity = value switch
                    {
                        "corrected" => HardwareErrorSeverity.Corrected,
                        "recoverable" => HardwareErrorSeverity.Uncorrected,
                        "fatal" => HardwareErrorSeverity.Fatal,
                        "info" => HardwareErrorSeverity.Info,
                        _ => g.StatedSeverity,
                    };
                    break;
                case "section_type":
                    g.SectionType = value;
                    g.Kind = value switch
                    {
                        "memory error" => HardwareErrorKind.Edac,
                        "PCIe error" => HardwareErrorKind.PcieAer,
                        _ => HardwareErrorKind.MachineCheck,
                    };
                    break;
                case "fru_text":
                    g.FruText = value;
                    break;
                case "DIMM location":
                    g.DimmLocation = value;
                    break;
                case "error_type":
                    g.ErrorType = TextAfterNumber(value);
                    break;
                case "error_status":
                    g.ErrorStatus = TextAfterNumber(value);
                    break;
                case "port_type":
                    g.PortType = TextAfterNumber(value);
                    break;
                case "device_id" when PciAddress().IsMatch(value):
                    g.PciBusId = value.ToLowerInvariant();
                    break;
            }
        }
    }

    /// <summary>"2, single-bit ECC" → "single-bit ECC"; "Storage error in DRAM memory (0x…)" → the words; a bare number → null.</summary>
    private static string? TextAfterNumber(string value)
    {
        var comma = value.IndexOf(", ", StringComparison.Ordinal);
        if (comma > 0 && value.AsSpan(0, comma).IndexOfAnyExceptInRange('0', '9') < 0)
        {
            value = value[(comma + 2)..];
        }
        var paren = value.IndexOf(" (0x", StringComparison.Ordinal);
        if (paren > 0)
        {
            value = value[..paren];
        }
        return value.StartsWith("0x", StringComparison.Ordinal) || value.Length == 0 ? null : value;
    }

    // ----- record bookkeeping -----

    private HardwareRecord Start(HardwareErrorKind kind, HardwareErrorSeverity severity, string msg, long position)
    {
        var r = Start(kind, HardwareRecord.Shape.Line, msg, position);
        r.Severity = severity;
        return r;
    }

    private HardwareRecord Start(HardwareErrorKind kind, HardwareRecord.Shape shape, string msg, long position)
    {
        var r = new HardwareRecord(kind, shape)
        {
            TimeCreated = _current.Time,
            Monotonic = _current.Monotonic,
            ComputerName = _current.Host ?? _context.ComputerName,
            HostFromRecord = _current.Host is not null,
            BootId = _current.BootId ?? _context.BootId,
            Source = _context.Source,
            Position = position,
            Closed = shape == HardwareRecord.Shape.Line,
        };
        r.Lines.Add(msg);
        if (ContinuationOnly && shape == HardwareRecord.Shape.Line)
        {
            return r; // not kept: in this mode lines only complete records begun before
        }
        _pending.Add(r);
        return r;
    }

    private static void Touch(HardwareRecord r, string msg)
    {
        r.Lines.Add(msg);
        r.LinesSinceTouch = 0;
    }

    /// <summary>The newest pending record the predicate wants that the current line may belong to.</summary>
    private HardwareRecord? Newest(Func<HardwareRecord, bool> wants)
    {
        for (int i = _pending.Count - 1; i >= 0; i--)
        {
            var r = _pending[i];
            if (!r.Closed && wants(r) && BelongsTogether(r))
            {
                return r;
            }
        }
        return null;
    }

    /// <summary>Lines of one record are printed within moments of each other and in the same boot.</summary>
    private bool BelongsTogether(HardwareRecord r) =>
        KernelRecordTiming.BelongsTogether(r.BootId, r.TimeCreated, r.Monotonic, _current, _context.BootId);

    private void Age()
    {
        _lineNumber++;
        if (_recentBusLoss.Count > 0)
        {
            _recentBusLoss.RemoveAll(x => _lineNumber - x.Line > ContinuationWindow);
        }
        foreach (var r in _pending)
        {
            r.LinesSinceTouch++;
        }
    }

    private void ReleaseCompleted()
    {
        // In first-line order, so records come out in the order they happened.
        while (_pending.Count > 0 && (_pending[0].Closed || _pending[0].LinesSinceTouch > ContinuationWindow))
        {
            Release(_pending[0]);
            _pending.RemoveAt(0);
        }
    }

    private void Release(HardwareRecord r)
    {
        switch (r.RecordShape)
        {
            case HardwareRecord.Shape.NvrmSentence:
                if (!FinishSentence(r))
                {
                    return;
                }
                break;
            case HardwareRecord.Shape.MachineCheck:
                FinishMachineCheck(r);
                break;
            case HardwareRecord.Shape.Ghes:
                FinishGhes(r);
                break;
            case HardwareRecord.Shape.KernelFault:
                FinishKernelFault(r);
                break;
            case HardwareRecord.Shape.Aer:
                r.Code = r.AerBits.Count > 0 ? string.Join(", ", r.AerBits) : null;
                r.Meaning = $"PCIe {r.AerType} error" + (r.AerAgent is not null ? $" ({r.AerAgent})" : string.Empty)
                    + (r.AerBits.Count > 0 ? ": " + string.Join(", ", r.AerBits) : string.Empty);
                break;
        }
        _ready.Add((r.Position, new HardwareErrorEvent(r)));
    }

    /// <summary>Names what a multi-line NVRM notice says; false for notices that are not errors.</summary>
    private bool FinishSentence(HardwareRecord r)
    {
        var text = NvrmContinuation().Replace(r.Message, " ");
        Match m;
        if ((m = ApiMismatch().Match(text)).Success)
        {
            r.Code = "ApiMismatch";
            r.Severity = HardwareErrorSeverity.Uncorrected;
            r.ProcessName = m.Groups["client"].Success ? m.Groups["client"].Value : null;
            r.ProcessId = m.Groups["pid"].Success ? int.Parse(m.Groups["pid"].ValueSpan, CultureInfo.InvariantCulture) : null;
            r.Meaning = $"A program brought NVIDIA user-space libraries {m.Groups["user"].Value} but the loaded kernel module is {m.Groups["kernel"].Value}: reboot, or reload the module, after a driver update";
            return true;
        }
        if ((m = TheGpu().Match(text)).Success)
        {
            var bdf = m.Groups["bdf"].Value.ToLowerInvariant();
            var rest = m.Groups["rest"].Value;
            r.PciBusId = bdf;
            r.Component = bdf;
            if (rest.Contains("fallen off the bus", StringComparison.Ordinal))
            {
                r.Code = "FallenOffBus";
                r.Severity = HardwareErrorSeverity.Fatal;
                r.Meaning = "The GPU has fallen off the bus: the PCIe link to it was lost (power delivery, riser or slot, heat, hardware); reboot";
                return true;
            }
            if (rest.Contains("requires use of the NVIDIA open kernel modules", StringComparison.Ordinal))
            {
                r.Code = "OpenModuleRequired";
                r.Severity = HardwareErrorSeverity.Fatal;
                r.Meaning = "This GPU works only with NVIDIA's open kernel module, and the proprietary one is loaded";
                return true;
            }
        }
        return false;
    }

    private static void FinishMachineCheck(HardwareRecord r)
    {
        r.Severity = r.ContextCorrupt ? HardwareErrorSeverity.Fatal : r.StatusSeverity ?? r.StatedSeverity;
        r.Code = r.Bank is int b ? $"Bank {b}" : null;
        r.Component = r.Cpu is int cpu ? $"CPU {cpu}"
            : r.Apic is not null ? $"Socket {r.Socket}, APIC 0x{r.Apic}"
            : r.EdacDecoder is not null ? r.EdacDecoder.Split(' ')[^1]
            : null;
        bool memory = r.Message.Contains("HANDLING MCE MEMORY ERROR", StringComparison.Ordinal);
        r.Meaning = r.UnitMeaning
            ?? (memory ? $"Memory error, decoded by EDAC {r.EdacDecoder}" : null)
            ?? (r.Bank is int bank ? $"Machine check in bank {bank}" : null)
            ?? "Machine check events were logged";
    }

    private static void FinishGhes(HardwareRecord r)
    {
        r.Severity = r.StatedSeverity;
        var what = r.ErrorType ?? r.ErrorStatus;
        switch (r.Kind)
        {
            case HardwareErrorKind.Edac:
                r.Component = r.DimmLocation ?? r.FruText;
                r.Meaning = "Memory error reported by firmware" + (what is not null ? ": " + what : string.Empty);
                break;
            case HardwareErrorKind.PcieAer:
                r.Component = r.PciBusId ?? r.FruText;
                r.Meaning = "PCIe error reported by firmware" + (r.PortType is not null ? $" ({r.PortType})" : string.Empty);
                break;
            default:
                r.Component = r.FruText;
                r.Meaning = "Hardware error reported by firmware" + (r.SectionType is not null ? $" ({r.SectionType})" : string.Empty);
                break;
        }
    }

    // ----- small helpers -----

    private static int? Int(Match m, string group) =>
        m.Groups[group].Success && int.TryParse(m.Groups[group].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>"0000:01:00" (domain:bus:device, as Xid lines print it) → "0000:01:00.0".</summary>
    internal static string PciFromXid(string pci)
    {
        pci = pci.ToLowerInvariant();
        if (pci.Count(c => c == ':') == 1)
        {
            pci = "0000:" + pci;
        }
        return pci.Contains('.') ? pci : pci + ".0";
    }

    /// <summary>IA32_MCi_STATUS: bit 61 UC (uncorrected), bit 57 PCC (processor context corrupt).</summary>
    internal static HardwareErrorSeverity? IntelStatusSeverity(string hex)
    {
        if (!ulong.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var status))
        {
            return null;
        }
        return (status & (1UL << 57)) != 0 ? HardwareErrorSeverity.Fatal
            : (status & (1UL << 61)) != 0 ? HardwareErrorSeverity.Uncorrected
            : HardwareErrorSeverity.Corrected;
    }

    private static HardwareErrorSeverity AerSeverity(string text) =>
        text.StartsWith("Correct", StringComparison.Ordinal) ? HardwareErrorSeverity.Corrected
        : text.Contains("(Fatal)", StringComparison.Ordinal) ? HardwareErrorSeverity.Fatal
        : HardwareErrorSeverity.Uncorrected;

    // ----- the lines -----

    // NVRM: Xid (PCI:0000:01:00): 79, pid=..., name=..., text   (older drivers: "Xid (0000:03:00): 13, text")
    [GeneratedRegex(@"^NVRM: Xid \((?:PCI:)?(?<pci>[0-9a-fA-F]{1,8}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}(?:\.[0-7])?)\): (?<xid>\d+)(?:,\s*(?<rest>.*))?$", RegexOptions.CultureInvariant)]
    private static partial Regex Xid();

    [GeneratedRegex(@"^pid=(?:'<unknown>'|<unknown>|(?<pid>\d+))(?:,\s*name=(?<name>.*?))?(?:,\s|,?$)", RegexOptions.CultureInvariant)]
    private static partial Regex XidProcess();

    [GeneratedRegex(@"recovery action changed from .*? to 0x[0-9a-fA-F]+ \((?<action>[^)]*)\)", RegexOptions.CultureInvariant)]
    private static partial Regex RecoveryAction();

    // "GPU 0000:0a:00.0: RmInitAdapter failed! (0x24:0x72:1568)", "GPU 0000:01:00.0: GPU has fallen off the bus."
    [GeneratedRegex(@"^GPU (?<bdf>[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]): (?<what>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex GpuLine();

    [GeneratedRegex(@"^(?:(?<gpu>GPU\d+) )?_kgspFwContainerVerifyVersion: GSP firmware image version mismatch:\s*got version (?<got>\S+?),\s*expected version (?<want>\S+?)\.?$", RegexOptions.CultureInvariant)]
    private static partial Regex GspFirmwareMismatch();

    [GeneratedRegex(@"^Rate limiting GSP RPC error prints for GPU at PCI:(?<pci>[0-9a-fA-F:.]+) ", RegexOptions.CultureInvariant)]
    private static partial Regex GspRateLimit();

    // "GPU6 _kgspIsHeartbeatTimedOut: Heartbeat timed out, ..." and the banner
    // "GPU6 _kgspLogRpcTimeout: ****** GSP Timeout ******" that starts the driver's RPC-timeout report.
    [GeneratedRegex(@"^(?<gpu>GPU\d+) (?<fn>_kgspIsHeartbeatTimedOut): Heartbeat timed out|^(?<gpu>GPU\d+) (?<fn>_kgspLogRpcTimeout): \*+ GSP Timeout \*+", RegexOptions.CultureInvariant)]
    private static partial Regex GspTimeout();

    [GeneratedRegex(@"\s*\n\s*(?:NVRM:\s*)?", RegexOptions.CultureInvariant)]
    private static partial Regex NvrmContinuation();

    // Old: "the client has the version 535.54.03, but NVRM: this kernel module has the version 530.30.02."
    // New: "the client 'kwin_wayland' (pid 1005) has the version 595.84, but this kernel module has the version 595.80."
    [GeneratedRegex(@"API mismatch: the client (?:'(?<client>[^']*)' \(pid (?<pid>\d+)\) )?has the version (?<user>[0-9][0-9.\-]*?),? but (?:NVRM: )?this kernel module has (?:NVRM: )?the version (?<kernel>[0-9][0-9.\-]*[0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex ApiMismatch();

    [GeneratedRegex(@"The NVIDIA GPU (?<bdf>[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7])(?<rest>.*)$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex TheGpu();

    // [drm:nv_drm_atomic_commit [nvidia_drm]] *ERROR* [nvidia-drm] [GPU ID 0x00000100] Flip event timeout on head 1
    [GeneratedRegex(@"\[nvidia-drm\] \[GPU ID (?<gpu>0x[0-9a-fA-F]+)\] Flip event timeout on head (?<head>\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex FlipTimeout();

    // mce: CPU1: Core temperature above threshold, cpu clock throttled (total events = 2311)
    [GeneratedRegex(@"^(?:mce: )?CPU(?<cpu>\d+): (?<what>Core|Package) temperature above threshold, cpu clock throttled \(total events = (?<n>\d+)\)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex Throttled();

    // EDAC MC0: 1 CE memory read error on CPU_SrcID#0_Ha#0_Chan#2_DIMM#0 (channel:2 ...)
    [GeneratedRegex(@"^EDAC MC(?<mc>\d+): (?<count>\d+) (?<type>CE|UE)\b(?<what>.*?) on (?<label>.+?) \((?<detail>.*)\)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex EdacCount();

    // pcieport 0000:00:1c.5: AER: PCIe Bus Error: severity=Corrected, type=Physical Layer, (Receiver ID)
    // pcieport 0000:00:1d.0: PCIe Bus Error: severity=Corrected, type=Physical Layer, id=00e8(Receiver ID)
    [GeneratedRegex(@"^\S+ (?<bdf>[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]): (?:AER: )?PCIe Bus Error: severity=(?<sev>[^,]+), type=(?<type>[^,]+)(?:, (?:id=[0-9a-fA-F]+)?\((?<agent>[^)]*)\))?", RegexOptions.CultureInvariant)]
    private static partial Regex AerHead();

    // "...: AER:   device [8086:9d15] error status/mask=00000001/00002000", "...: AER:    [ 0] RxErr    (First)"
    [GeneratedRegex(@"^\S+ (?<bdf>[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]): (?:AER: )?\s*(?:device \[[0-9a-fA-F]{4}:[0-9a-fA-F]{4}\] error status/mask=|\[\s*\d+\]\s*(?<bit>.*?)\s*(?:\(First\))?\s*$)", RegexOptions.CultureInvariant)]
    private static partial Regex AerDetail();

    // "mce: [Hardware Error]: ", "[Hardware Error]: ", "{35}[Hardware Error]: "
    [GeneratedRegex(@"^(?:mce: )?(?:\{(?<ghes>\d+)\})?\[Hardware Error\]:\s?", RegexOptions.CultureInvariant)]
    private static partial Regex HardwareErrorPrefix();

    // "EDAC sbridge MC1: " (a driver's decoding of a machine check); not the core's "EDAC MC1: ".
    [GeneratedRegex(@"^EDAC (?<drv>(?!MC\d)\w+) MC(?<mc>\d+): ", RegexOptions.CultureInvariant)]
    private static partial Regex EdacDecoderPrefix();

    // CPU 0: Machine Check: 0 Bank 4: a600000000020408 / CPU 16: Machine Check Exception: 5 Bank 1: ... / CPU 1: Machine Check Event: 0 Bank 11: ...
    [GeneratedRegex(@"^CPU (?<cpu>\d+): Machine Check(?: Exception| Event)?: [0-9a-fA-F]+ Bank (?<bank>\d+): (?<status>[0-9a-fA-F]+)", RegexOptions.CultureInvariant)]
    private static partial Regex IntelBank();

    // CPU:1 (19:18:1) MC17_STATUS[Over|CE|MiscV|-|-|-|SyndV|-|-|-]: 0xd820000000060150
    [GeneratedRegex(@"^CPU:(?<cpu>\d+) \([0-9a-fA-F:]+\) MC(?<bank>\d+)_STATUS\[(?<flags>[^\]]*)\]", RegexOptions.CultureInvariant)]
    private static partial Regex AmdStatus();

    // MC4 Error (node 3): DRAM ECC error detected on the NB.
    [GeneratedRegex(@"^MC(?<bank>\d+) Error(?: \(node \d+\))?: (?<desc>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex AmdMcError();

    // Unified Memory Controller Ext. Error Code: 0, DRAM ECC error.
    [GeneratedRegex(@"^(?<unit>.+?) Ext\. Error Code: (?<code>\d+)(?:, (?<desc>.*))?$", RegexOptions.CultureInvariant)]
    private static partial Regex AmdExtCode();

    // PROCESSOR 0:706a1 TIME 1537152664 SOCKET 0 APIC 0 microcode 28
    [GeneratedRegex(@"^PROCESSOR [0-9a-fA-F]+:[0-9a-fA-F]+ TIME \d+ SOCKET (?<socket>\d+) APIC (?<apic>[0-9a-fA-F]+)", RegexOptions.CultureInvariant)]
    private static partial Regex IntelProcessor();

    [GeneratedRegex(@"^Hardware error from APEI Generic Hardware Error Source: (?<src>\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex GhesSource();

    [GeneratedRegex(@"^(?<key>event severity|section_type|fru_text|DIMM location|error_type|error_status|port_type|device_id): ?(?<value>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex GhesField();

    [GeneratedRegex(@"^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$", RegexOptions.CultureInvariant)]
    private static partial Regex PciAddress();
}
