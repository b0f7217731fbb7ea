using System.Globalization;
using System.Text.RegularExpressions;

namespace SegfaultTools;

/// <summary>
/// Takes the log framing off a line: dmesg (raw, -T, -x, -H, --time-format iso), /dev/kmsg records,
/// journalctl text outputs (short, short-iso, short-precise, short-full, short-monotonic), RFC 3164
/// and RFC 5424 syslog, rsyslog's RFC 3339 files, talosctl and syslogd wall messages. Stateful only
/// where a format refers back (dmesg -H deltas, the two-line wall message).
/// </summary>
internal sealed partial class LineFramer
{
    private readonly LogReadContext _context;
    private DateTimeOffset? _lastRelativeBase;
    private double _relativeOffset;
    private (string Host, DateTimeOffset? Time)? _wallHeader;

    public LineFramer(LogReadContext context) => _context = context;

    /// <summary>
    /// True once a dmesg -H/--reltime stamp ("[Mar 9 17:33]") was read: its "[  +0.000007]" deltas
    /// add up from line to line, so every line has to be read for the times to come out right.
    /// </summary>
    public bool SawRelativeStamps => _lastRelativeBase is not null;

    /// <summary>Whether a line starts with a dmesg -H base stamp.</summary>
    public static bool IsRelativeBaseLine(string line) =>
        RelativeBaseBracket().Match(line) is { Success: true } m && MonthNames.Parse(m.Groups["mon"].ValueSpan) != 0;

    [GeneratedRegex(@"^(?:kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|local[0-7])\s*:\s*(?:emerg|alert|crit|err|warn|notice|info|debug)\s*:\s", RegexOptions.CultureInvariant)]
    private static partial Regex DmesgFacilityPrefix();

    [GeneratedRegex(@"^(?<prio>\d{1,3}),(?<seq>\d+),(?<usec>\d+),(?<flags>[^;,]*)(?<fields>[^;]*);", RegexOptions.CultureInvariant)]
    private static partial Regex KmsgRecord();

    [GeneratedRegex(@"^\[\s*(?<sec>\d+\.\d+)\]", RegexOptions.CultureInvariant)]
    private static partial Regex MonotonicBracket();

    [GeneratedRegex(@"^\s*\[\s*(?<id>[TC]\d+)\]", RegexOptions.CultureInvariant)]
    private static partial Regex CallerBracket();

    [GeneratedRegex(@"^\[(?<dow>[^\s\]]+)\s+(?<mon>[^\s\]]+)\s+(?<day>\d{1,2})\s+(?<h>\d{1,2}):(?<m>\d{2}):(?<s>\d{2})\s+(?<y>\d{4})\]", RegexOptions.CultureInvariant)]
    private static partial Regex CtimeBracket();

    [GeneratedRegex(@"^\[(?<mon>[^\s\]\d+]+)\s*(?<day>\d{1,2})\s+(?<h>\d{1,2}):(?<m>\d{2})(?::(?<s>\d{2}))?\]", RegexOptions.CultureInvariant)]
    private static partial Regex RelativeBaseBracket();

    [GeneratedRegex(@"^\[\s*\+(?<sec>\d+\.\d+)\]", RegexOptions.CultureInvariant)]
    private static partial Regex RelativeDeltaBracket();

    [GeneratedRegex(@"^(?<date>\d{4}-\d{2}-\d{2})[T ](?<time>\d{2}:\d{2}:\d{2})(?<frac>[.,]\d{1,9})?(?<tz>Z|[+-]\d{2}:?\d{2})?(?=\s)", RegexOptions.CultureInvariant)]
    private static partial Regex IsoStamp();

    [GeneratedRegex(@"^(?<dow>[^\s\d]{2,4}\.?) (?<date>\d{4}-\d{2}-\d{2}) (?<time>\d{2}:\d{2}:\d{2})(?<frac>\.\d{1,9})? (?<tz>[A-Za-z][A-Za-z0-9+\-]{0,9})(?=\s)", RegexOptions.CultureInvariant)]
    private static partial Regex ShortFullStamp();

    [GeneratedRegex(@"^(?<mon>[^\s\d\[\]<>:]{3,9}\.?)\s+(?<day>\d{1,2})\s+(?<h>\d{1,2}):(?<m>\d{2}):(?<s>\d{2})(?<frac>\.\d{1,9})?(?=\s)", RegexOptions.CultureInvariant)]
    private static partial Regex MonthDayStamp();

    [GeneratedRegex(@"^(?<host>\S+): (?:kern|user|daemon|syslog|auth|local[0-7])\s*: (?:emerg|alert|crit|err|warning|warn|notice|info|debug)\s*: \[(?<ts>[^\]]+)\]: ", RegexOptions.CultureInvariant)]
    private static partial Regex TalosPrefix();

    [GeneratedRegex(@"^Message from syslogd@(?<host>\S+) at (?<stamp>.+?) \.\.\.\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex WallHeader();

    [GeneratedRegex(@"^(?<host>\S+) (?<app>\S+) (?<procid>\S+) (?<msgid>\S+) (?<sd>-|(?:\[[^\]]*\])+)(?: (?<msg>.*))?$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc5424Rest();

    [GeneratedRegex(@"^(?<tag>[^\s\[\]:]+)(?:\[\d+\])?:(?: |$)", RegexOptions.CultureInvariant)]
    private static partial Regex SyslogTag();

    /// <summary>Frames one line of text. Returns false for lines that carry no kernel message.</summary>
    public bool TryFrame(string line, out FramedLine framed)
    {
        try
        {
            return TryFrameCore(line, out framed);
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or OverflowException or FormatException)
        {
            // A stamp with impossible numbers (day 0, hour 99): keep the text, drop the time.
            framed = new FramedLine(line, null, null, null, null, null, true);
            return true;
        }
    }

    private bool TryFrameCore(string line, out FramedLine framed)
    {
        framed = default;
        var text = line.TrimEnd('\r', '\n');

        // A syslogd broadcast arrives as a header line and then " kernel:MSG".
        if (_wallHeader is { } header && text.StartsWith(" kernel:", StringComparison.Ordinal))
        {
            _wallHeader = null;
            var msg = StripUptimeAndCaller(text[" kernel:".Length..], out var mono, out var caller);
            framed = new FramedLine(msg, header.Time, mono, header.Host, null, caller, true);
            return true;
        }
        _wallHeader = null;

        if (text.StartsWith("Message from syslogd@", StringComparison.Ordinal))
        {
            var m = WallHeader().Match(text);
            if (m.Success)
            {
                var stamp = MonthDayStamp().Match(m.Groups["stamp"].Value + " ");
                _wallHeader = (m.Groups["host"].Value, stamp.Success ? YearlessTime(stamp) : null);
            }
            return false;
        }

        if (TryFrameFast(text, out framed))
        {
            return true;
        }

        if (text.Length > 0 && text[0] == '<')
        {
            var close = text.IndexOf('>');
            if (close is > 1 and <= 4 && int.TryParse(text.AsSpan(1, close - 1), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                text = text[(close + 1)..];
                if (text.StartsWith("1 ", StringComparison.Ordinal) && text.Length > 2 && char.IsAsciiDigit(text[2]))
                {
                    text = text[2..]; // RFC 5424 VERSION
                }
            }
        }

        var facility = DmesgFacilityPrefix().Match(text);
        if (facility.Success)
        {
            text = text[facility.Length..];
        }

        if (text.Length == 0)
        {
            return false;
        }

        char c0 = text[0];
        if (c0 == '[')
        {
            return FrameBracketed(text, out framed);
        }

        if (char.IsAsciiDigit(c0))
        {
            var kmsg = KmsgRecord().Match(text);
            if (kmsg.Success)
            {
                var prio = int.Parse(kmsg.Groups["prio"].ValueSpan, CultureInfo.InvariantCulture);
                long.TryParse(kmsg.Groups["usec"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var usec);
                string? caller = null;
                var fields = kmsg.Groups["fields"].Value;
                var at = fields.IndexOf("caller=", StringComparison.Ordinal);
                if (at >= 0)
                {
                    caller = fields[(at + 7)..].Split(',')[0];
                }
                double seconds = usec / 1e6;
                framed = new FramedLine(UnescapeKmsg(text[kmsg.Length..]), MonotonicToWall(seconds), seconds,
                    null, _context.BootId, caller, prio >> 3 == 0);
                return true;
            }

            var iso = IsoStamp().Match(text);
            if (iso.Success)
            {
                return FrameIso(text, iso, out framed);
            }

            // A raw dmesg line whose leading "[" was lost in a paste: "644984.000800] traps: ...".
            var close = text.IndexOf("] ", StringComparison.Ordinal);
            if (close > 0 && close < 20 && double.TryParse(text.AsSpan(0, close), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var lost))
            {
                return FrameAfterMonotonic(text, close + 1, lost, out framed);
            }
        }

        if (char.IsLetter(c0))
        {
            var full = ShortFullStamp().Match(text);
            if (full.Success && MonthNames.Parse(full.Groups["dow"].ValueSpan) == 0)
            {
                var local = DateTime.ParseExact(full.Groups["date"].Value + " " + full.Groups["time"].Value, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
                local = local.AddTicks(FractionTicks(full.Groups["frac"].ValueSpan));
                var tz = full.Groups["tz"].Value;
                var time = tz is "UTC" or "GMT" or "Z" ? new DateTimeOffset(local, TimeSpan.Zero) : ToLocal(local);
                return FrameSyslogRest(text[full.Length..], time, out framed);
            }

            var md = MonthDayStamp().Match(text);
            if (md.Success && MonthNames.Parse(md.Groups["mon"].ValueSpan) != 0)
            {
                return FrameSyslogRest(text[md.Length..], YearlessTime(md), out framed);
            }

            var talos = TalosPrefix().Match(text);
            if (talos.Success)
            {
                DateTimeOffset? time = DateTimeOffset.TryParse(talos.Groups["ts"].Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
                framed = new FramedLine(text[talos.Length..], time, null, talos.Groups["host"].Value, null, null, true);
                return true;
            }
        }

        // No recognizable stamp: a bare message, possibly with a trimmed "kernel: " tag.
        var bare = text.TrimStart();
        if (bare.StartsWith("kernel:", StringComparison.Ordinal))
        {
            bare = bare["kernel:".Length..];
            if (bare.StartsWith(' '))
            {
                bare = bare[1..];
            }
            var msg = StripUptimeAndCaller(bare, out var mono, out var caller);
            framed = new FramedLine(msg, MonotonicToWall(mono), mono, null, null, caller, true);
            return true;
        }
        framed = new FramedLine(text, null, null, null, null, null, true);
        return true;
    }

    // ---- Fast path -------------------------------------------------------------------------
    // The shapes that make up nearly every line of a busy log — rsyslog's RFC 3339 files
    // ("2026-01-03T18:39:13.123456+01:00 host kernel: msg"), classic syslog ("Mar  2 18:39:13 host
    // kernel: msg") and raw dmesg ("[ 123.456] msg") — read on spans, without regexes and without
    // copying the text more than once. The fast path only answers where it is sure the general
    // path below would give exactly the same result; anything unusual (a caller-id bracket, a
    // "kernel[pid]:" tag, a non-ASCII digit, an impossible date, an RFC 5424 look-alike) falls
    // through to the general path.

    private const int HostCacheSize = 4096; // a power of two
    private string?[]? _hosts;

    /// <summary>
    /// One string per distinct host name: a fleet log repeats a few hosts a million times. A
    /// direct-mapped cache; a collision only costs an allocation.
    /// </summary>
    private string HostString(ReadOnlySpan<char> host)
    {
        _hosts ??= new string?[HostCacheSize];
        int slot = string.GetHashCode(host) & (HostCacheSize - 1);
        if (_hosts[slot] is { } cached && host.SequenceEqual(cached))
        {
            return cached;
        }
        return _hosts[slot] = host.ToString();
    }

    private bool TryFrameFast(ReadOnlySpan<char> text, out FramedLine framed)
    {
        framed = default;
        if (text.Length == 0)
        {
            return false;
        }

        char c0 = text[0];
        if (c0 == '[')
        {
            return TryFrameFastMonotonic(text, out framed);
        }

        int pos;
        DateTimeOffset? time;
        bool iso;
        if (char.IsAsciiDigit(c0))
        {
            if (!TryFastIsoStamp(text, out pos, out time))
            {
                return false;
            }
            iso = true;
        }
        else if (char.IsAsciiLetter(c0))
        {
            if (!TryFastClassicStamp(text, out pos, out time))
            {
                return false;
            }
            iso = false;
        }
        else
        {
            return false;
        }

        // text[pos] is the space after the stamp.
        while (pos < text.Length && text[pos] == ' ')
        {
            pos++;
        }
        var rest = text[pos..];
        int sp = rest.IndexOf(' ');
        if (sp <= 0)
        {
            return false;
        }
        var host = rest[..sp];
        foreach (char ch in host)
        {
            // Printable ASCII that cannot start a syslog tag's end ("tag:" / "tag[pid]:").
            if (ch <= ' ' || ch > '~' || ch is ':' or '[' or ']')
            {
                return false;
            }
        }
        var afterHost = rest[(sp + 1)..];
        if (!afterHost.StartsWith("kernel: ", StringComparison.Ordinal))
        {
            return false;
        }
        var body = afterHost["kernel: ".Length..];

        // The general path first tries RFC 5424 ("host app procid msgid sd msg") on an RFC 3339
        // stamped line and takes it when PROCID or MSGID is "-": leave those to it.
        if (iso && MayBeRfc5424Ids(body))
        {
            return false;
        }

        if (!TryFastStripUptime(body, out var message, out var uptime))
        {
            return false;
        }
        framed = new FramedLine(message.ToString(), time, uptime, HostString(host), null, null, true);
        return true;
    }

    /// <summary>Whether the first or second space-separated word of <paramref name="body"/> is "-".</summary>
    private static bool MayBeRfc5424Ids(ReadOnlySpan<char> body)
    {
        if (IsDashWord(body))
        {
            return true;
        }
        int sp = body.IndexOf(' ');
        return sp >= 0 && IsDashWord(body[(sp + 1)..]);
    }

    private static bool IsDashWord(ReadOnlySpan<char> s) => s.Length > 0 && s[0] == '-' && (s.Length == 1 || char.IsWhiteSpace(s[1]));

    /// <summary>
    /// Span form of <see cref="StripUptimeAndCaller"/> for a message that is plain or starts with a
    /// plain "[  123.456]" stamp; false (use the general path) for anything else in brackets.
    /// </summary>
    private static bool TryFastStripUptime(ReadOnlySpan<char> msg, out ReadOnlySpan<char> message, out double? monotonic)
    {
        monotonic = null;
        message = msg;
        if (msg.Length == 0 || msg[0] != '[')
        {
            return true;
        }
        if (!TryFastMonotonicBracket(msg, out int end, out double seconds)
            || !TryFastAfterBracket(msg, end, out message))
        {
            return false;
        }
        monotonic = seconds;
        return true;
    }

    /// <summary>"[", spaces, digits "." digits, "]": what the MonotonicBracket regex takes, ASCII only.</summary>
    private static bool TryFastMonotonicBracket(ReadOnlySpan<char> text, out int end, out double seconds)
    {
        end = 0;
        seconds = 0;
        int i = 1;
        while (i < text.Length && text[i] == ' ')
        {
            i++;
        }
        int start = i;
        if (!DigitsThen(text, ref i, '.') || !DigitsThen(text, ref i, ']'))
        {
            return false;
        }
        seconds = double.Parse(text[start..(i - 1)], CultureInfo.InvariantCulture);
        end = i;
        return true;
    }

    /// <summary>Span form of <see cref="AfterBracket"/> where no caller-id bracket follows; false otherwise.</summary>
    private static bool TryFastAfterBracket(ReadOnlySpan<char> text, int end, out ReadOnlySpan<char> rest)
    {
        rest = text[end..];
        var trimmed = rest.TrimStart();
        if (trimmed.Length > 0 && trimmed[0] == '[')
        {
            return false; // maybe "[T123]"
        }
        if (rest.Length > 0 && rest[0] == ' ')
        {
            rest = rest[1..];
        }
        return true;
    }

    private bool TryFrameFastMonotonic(ReadOnlySpan<char> text, out FramedLine framed)
    {
        framed = default;
        if (!TryFastMonotonicBracket(text, out int end, out double seconds)
            || !TryFastAfterBracket(text, end, out var rest))
        {
            return false;
        }
        // journalctl -o short-monotonic ("[  7.636966] host kernel: msg") is left to the general path.
        int sp = rest.IndexOf(' ');
        if (sp > 0 && rest[(sp + 1)..].StartsWith("kernel:", StringComparison.Ordinal))
        {
            return false;
        }
        framed = new FramedLine(rest.ToString(), MonotonicToWall(seconds), seconds, null, null, null, true);
        return true;
    }

    /// <summary>
    /// "yyyy-MM-ddTHH:mm:ss[.f{1,9}][Z|+hh:mm|+hhmm]" and a space, ASCII digits, a valid date and
    /// an offset within range; <paramref name="pos"/> is left on the space.
    /// </summary>
    private bool TryFastIsoStamp(ReadOnlySpan<char> text, out int pos, out DateTimeOffset? time)
    {
        pos = 0;
        time = null;
        if (text.Length < 20
            || !TryDigits(text, 0, 4, out int year) || text[4] != '-'
            || !TryDigits(text, 5, 2, out int month) || text[7] != '-'
            || !TryDigits(text, 8, 2, out int day) || text[10] is not ('T' or ' ')
            || !TryDigits(text, 11, 2, out int hour) || text[13] != ':'
            || !TryDigits(text, 14, 2, out int minute) || text[16] != ':'
            || !TryDigits(text, 17, 2, out int second))
        {
            return false;
        }
        int i = 19;
        int fracStart = i;
        if (!SkipFraction(text, ref i))
        {
            return false;
        }
        var frac = text[fracStart..i];

        int tzKind = 0; // 0 none, 1 Z, 2 offset
        var offset = TimeSpan.Zero;
        if (i < text.Length && text[i] == 'Z')
        {
            tzKind = 1;
            i++;
        }
        else if (i < text.Length && text[i] is '+' or '-')
        {
            int sign = text[i] == '-' ? -1 : 1;
            i++;
            if (!TryDigits(text, i, 2, out int oh))
            {
                return false;
            }
            i += 2;
            if (i < text.Length && text[i] == ':')
            {
                i++;
            }
            if (!TryDigits(text, i, 2, out int om))
            {
                return false;
            }
            i += 2;
            int total = oh * 60 + om;
            if (total > 14 * 60)
            {
                return false;
            }
            offset = sign < 0 ? -new TimeSpan(oh, om, 0) : new TimeSpan(oh, om, 0);
            tzKind = 2;
        }
        if (i >= text.Length || text[i] != ' ')
        {
            return false;
        }
        if (year is < 2 or > 9998 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59)
        {
            return false; // the general path decides what an impossible stamp means
        }

        var local = new DateTime(year, month, day, hour, minute, second).AddTicks(FractionTicks(frac));
        time = tzKind switch
        {
            0 => ToLocal(local),
            1 => new DateTimeOffset(local, TimeSpan.Zero),
            _ => new DateTimeOffset(local, offset),
        };
        pos = i;
        return true;
    }

    /// <summary>
    /// "Mon dd HH:mm:ss[.f{1,9}]" and a space, with an English month abbreviation (other locales
    /// go the general way); <paramref name="pos"/> is left on the space.
    /// </summary>
    private bool TryFastClassicStamp(ReadOnlySpan<char> text, out int pos, out DateTimeOffset? time)
    {
        pos = 0;
        time = null;
        if (text.Length < 15 || !char.IsAsciiLetter(text[1]) || !char.IsAsciiLetter(text[2]) || text[3] != ' ')
        {
            return false;
        }
        int month = EnglishMonth(text[..3]);
        if (month == 0)
        {
            return false;
        }
        int i = 3;
        while (i < text.Length && text[i] == ' ')
        {
            i++;
        }
        if (!TryShortNumber(text, ref i, out int day) || i >= text.Length || text[i] != ' ')
        {
            return false;
        }
        while (i < text.Length && text[i] == ' ')
        {
            i++;
        }
        if (!TryShortNumber(text, ref i, out int hour)
            || i >= text.Length || text[i] != ':' || !TryDigits(text, i + 1, 2, out int minute)
            || i + 3 >= text.Length || text[i + 3] != ':' || !TryDigits(text, i + 4, 2, out int second))
        {
            return false;
        }
        i += 6;
        int fracStart = i;
        if (!SkipFraction(text, ref i))
        {
            return false;
        }
        if (i >= text.Length || text[i] != ' ')
        {
            return false;
        }
        var tod = new TimeSpan(hour, minute, second) + TimeSpan.FromTicks(FractionTicks(text[fracStart..i]));
        time = InferYear(month, day, tod);
        pos = i;
        return true;
    }

    /// <summary>One or two ASCII digits not followed by a third.</summary>
    private static bool TryShortNumber(ReadOnlySpan<char> text, ref int i, out int value)
    {
        int n = CountAsciiDigits(text, i);
        if (n is 0 or > 2)
        {
            value = 0;
            return false;
        }
        value = n == 1 ? text[i] - '0' : (text[i] - '0') * 10 + (text[i + 1] - '0');
        i += n;
        return true;
    }

    private static int EnglishMonth(ReadOnlySpan<char> mon)
    {
        ReadOnlySpan<string> names = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
        for (int m = 0; m < names.Length; m++)
        {
            if (mon.Equals(names[m], StringComparison.OrdinalIgnoreCase))
            {
                return m + 1;
            }
        }
        return 0;
    }

    /// <summary>An optional ".ddd" of 1 to 9 digits at <paramref name="i"/>, skipped; false when a '.' has no digits or too many.</summary>
    private static bool SkipFraction(ReadOnlySpan<char> text, ref int i)
    {
        if (i < text.Length && text[i] == '.')
        {
            int n = CountAsciiDigits(text, i + 1);
            if (n is 0 or > 9)
            {
                return false;
            }
            i += 1 + n;
        }
        return true;
    }

    /// <summary>One or more ASCII digits at <paramref name="i"/>, then <paramref name="next"/>; on success <paramref name="i"/> is past it.</summary>
    private static bool DigitsThen(ReadOnlySpan<char> text, ref int i, char next)
    {
        int digits = CountAsciiDigits(text, i);
        if (digits == 0 || i + digits >= text.Length || text[i + digits] != next)
        {
            return false;
        }
        i += digits + 1;
        return true;
    }

    private static int CountAsciiDigits(ReadOnlySpan<char> text, int start)
    {
        int i = start;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }
        return i - start;
    }

    private static bool TryDigits(ReadOnlySpan<char> text, int start, int count, out int value)
    {
        value = 0;
        if (start + count > text.Length)
        {
            return false;
        }
        for (int i = start; i < start + count; i++)
        {
            char ch = text[i];
            if (!char.IsAsciiDigit(ch))
            {
                return false;
            }
            value = value * 10 + (ch - '0');
        }
        return true;
    }

    // ---- General path ----------------------------------------------------------------------

    private bool FrameBracketed(string text, out FramedLine framed)
    {
        var mono = MonotonicBracket().Match(text);
        if (mono.Success)
        {
            var seconds = double.Parse(mono.Groups["sec"].ValueSpan, CultureInfo.InvariantCulture);
            return FrameAfterMonotonic(text, mono.Length, seconds, out framed);
        }

        var ctime = CtimeBracket().Match(text);
        if (ctime.Success)
        {
            int month = MonthNames.Parse(ctime.Groups["mon"].ValueSpan);
            DateTimeOffset? time = null;
            if (month != 0)
            {
                time = ToLocal(SafeDate(Int(ctime, "y"), month, Int(ctime, "day"), Int(ctime, "h"), Int(ctime, "m"), Int(ctime, "s")));
            }
            framed = new FramedLine(AfterBracket(text, ctime.Length, out var caller), time, null, null, null, caller, true);
            return true;
        }

        var delta = RelativeDeltaBracket().Match(text);
        if (delta.Success)
        {
            _relativeOffset += double.Parse(delta.Groups["sec"].ValueSpan, CultureInfo.InvariantCulture);
            DateTimeOffset? time = _lastRelativeBase?.AddSeconds(_relativeOffset);
            framed = new FramedLine(AfterBracket(text, delta.Length, out var caller), time, null, null, null, caller, true);
            return true;
        }

        var rel = RelativeBaseBracket().Match(text);
        if (rel.Success && MonthNames.Parse(rel.Groups["mon"].ValueSpan) is var mon && mon != 0)
        {
            var local = new DateTime(2000, 1, 1, Int(rel, "h"), Int(rel, "m"), rel.Groups["s"].Success ? Int(rel, "s") : 0);
            _lastRelativeBase = InferYear(mon, Int(rel, "day"), local.TimeOfDay);
            _relativeOffset = 0;
            framed = new FramedLine(AfterBracket(text, rel.Length, out var caller), _lastRelativeBase, null, null, null, caller, true);
            return true;
        }

        framed = new FramedLine(text, null, null, null, null, null, true);
        return true;
    }

    private bool FrameAfterMonotonic(string text, int end, double seconds, out FramedLine framed)
    {
        var rest = AfterBracket(text, end, out var caller);

        // journalctl -o short-monotonic: "[  7.636966] host kernel: msg".
        var sp = rest.IndexOf(' ');
        if (sp > 0 && rest.AsSpan(sp + 1).StartsWith("kernel:") && rest.IndexOf(':') > sp)
        {
            var msg = rest[(sp + 1 + "kernel:".Length)..];
            if (msg.StartsWith(' '))
            {
                msg = msg[1..];
            }
            framed = new FramedLine(msg, MonotonicToWall(seconds), seconds, rest[..sp], null, caller, true);
            return true;
        }

        framed = new FramedLine(rest, MonotonicToWall(seconds), seconds, null, null, caller, true);
        return true;
    }

    /// <summary>Text after a "[...]" stamp: one separating space dropped, a caller-id bracket taken off.</summary>
    private static string AfterBracket(string text, int end, out string? caller)
    {
        caller = null;
        var rest = text[end..];
        var cm = CallerBracket().Match(rest);
        if (cm.Success)
        {
            caller = cm.Groups["id"].Value;
            rest = rest[cm.Length..];
        }
        return rest.StartsWith(' ') ? rest[1..] : rest;
    }

    private bool FrameIso(string text, Match iso, out FramedLine framed)
    {
        var time = ParseIso(iso);
        var rest = text[iso.Length..].TrimStart(' ');

        // dmesg --time-format iso writes "2025-01-04T04:19:32,123456+01:00 msg": a comma before the
        // fraction and no host; syslog writers use a dot.
        if (iso.Groups["frac"].Value.StartsWith(','))
        {
            framed = new FramedLine(rest, time, null, null, null, null, true);
            return true;
        }

        var r5424 = Rfc5424Rest().Match(rest);
        if (r5424.Success && (r5424.Groups["procid"].Value == "-" || r5424.Groups["msgid"].Value == "-"))
        {
            bool kernel = r5424.Groups["app"].Value == "kernel";
            var msg = StripUptimeAndCaller(r5424.Groups["msg"].Value, out var mono, out var caller);
            framed = new FramedLine(msg, time, mono, r5424.Groups["host"].Value, null, caller, kernel);
            return true;
        }

        return FrameSyslogRest(" " + rest, time, out framed);
    }

    /// <summary>What follows a syslog or journal stamp: "[host] tag[pid]: message".</summary>
    private bool FrameSyslogRest(string rest, DateTimeOffset? time, out FramedLine framed)
    {
        rest = rest.TrimStart(' ');
        string? host = null;

        if (rest.StartsWith("[kernel] ", StringComparison.Ordinal))
        {
            var msg = StripUptimeAndCaller(rest["[kernel] ".Length..], out var mono, out var caller);
            framed = new FramedLine(msg, time, mono, null, null, caller, true);
            return true;
        }

        var tag = SyslogTag().Match(rest);
        if (!tag.Success || tag.Groups["tag"].Value != "kernel")
        {
            var sp = rest.IndexOf(' ');
            if (sp > 0)
            {
                var afterHost = rest[(sp + 1)..];
                var tag2 = SyslogTag().Match(afterHost);
                if (tag2.Success)
                {
                    host = rest[..sp];
                    rest = afterHost;
                    tag = tag2;
                }
            }
        }

        if (!tag.Success)
        {
            // A stamp followed by something that is not "host tag:" — keep the text; the crash
            // recognizers are strict enough not to misread it.
            framed = new FramedLine(rest, time, null, host, null, null, true);
            return true;
        }

        bool isKernel = tag.Groups["tag"].Value == "kernel";
        var body = rest[tag.Length..];
        var message = StripUptimeAndCaller(body, out var uptime, out var callerId);
        framed = new FramedLine(message, time, uptime, host, null, callerId, isKernel);
        return true;
    }

    /// <summary>rsyslog's imklog and journald keep the kernel's "[  123.456]" stamp inside the message.</summary>
    private static string StripUptimeAndCaller(string msg, out double? monotonic, out string? caller)
    {
        monotonic = null;
        caller = null;
        var m = MonotonicBracket().Match(msg);
        if (m.Success)
        {
            monotonic = double.Parse(m.Groups["sec"].ValueSpan, CultureInfo.InvariantCulture);
            return AfterBracket(msg, m.Length, out caller);
        }
        var cm = CallerBracket().Match(msg);
        if (cm.Success && msg.StartsWith('['))
        {
            caller = cm.Groups["id"].Value;
            var rest = msg[cm.Length..];
            return rest.StartsWith(' ') ? rest[1..] : rest;
        }
        return msg;
    }

    private DateTimeOffset? MonotonicToWall(double? seconds)
    {
        if (seconds is not double s || _context.BootTime is not DateTimeOffset boot)
        {
            return null;
        }
        // A stamp later than the reference time cannot be from the boot we were told about.
        var wall = boot.AddTicks((long)(s * TimeSpan.TicksPerSecond));
        return wall <= _context.ReferenceTime.AddSeconds(5) ? wall : null;
    }

    private DateTimeOffset? YearlessTime(Match m)
    {
        int month = MonthNames.Parse(m.Groups["mon"].ValueSpan);
        if (month == 0)
        {
            return null;
        }
        var tod = new TimeSpan(Int(m, "h"), Int(m, "m"), Int(m, "s")) + TimeSpan.FromTicks(FractionTicks(m.Groups["frac"].ValueSpan));
        return InferYear(month, Int(m, "day"), tod);
    }

    /// <summary>
    /// The latest year that does not put the stamp after the reference time (the file's last write,
    /// or now), allowing a day for zone differences between the writer and the reader.
    /// </summary>
    internal DateTimeOffset? InferYear(int month, int day, TimeSpan timeOfDay)
    {
        if (day is < 1 or > 31 || timeOfDay >= TimeSpan.FromDays(1))
        {
            return null;
        }
        var reference = TimeZoneInfo.ConvertTime(_context.ReferenceTime, _context.TimeZone);
        var limit = reference.AddDays(1);
        for (int year = reference.Year; year >= reference.Year - 8; year--)
        {
            if (day > DateTime.DaysInMonth(year, month))
            {
                continue; // Feb 29 only exists in leap years
            }
            var candidate = ToLocal(new DateTime(year, month, day) + timeOfDay);
            if (candidate <= limit)
            {
                return candidate;
            }
        }
        return null;
    }

    private DateTimeOffset ToLocal(DateTime local)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        var tz = _context.TimeZone;
        if (tz.IsInvalidTime(local))
        {
            local = local.AddHours(1); // inside a spring-forward gap
        }
        return new DateTimeOffset(local, tz.GetUtcOffset(local));
    }

    private DateTimeOffset? ParseIso(Match iso)
    {
        if (!DateTime.TryParseExact(iso.Groups["date"].Value + "T" + iso.Groups["time"].Value, "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            return null;
        }
        local = local.AddTicks(FractionTicks(iso.Groups["frac"].ValueSpan));
        var tz = iso.Groups["tz"].Value;
        if (tz.Length == 0)
        {
            return ToLocal(local);
        }
        if (tz == "Z")
        {
            return new DateTimeOffset(local, TimeSpan.Zero);
        }
        int sign = tz[0] == '-' ? -1 : 1;
        var digits = tz[1..].Replace(":", "", StringComparison.Ordinal);
        var offset = new TimeSpan(int.Parse(digits.AsSpan(0, 2), CultureInfo.InvariantCulture), int.Parse(digits.AsSpan(2, 2), CultureInfo.InvariantCulture), 0);
        return new DateTimeOffset(local, sign * offset);
    }

    private static long FractionTicks(ReadOnlySpan<char> frac)
    {
        if (frac.Length < 2)
        {
            return 0;
        }
        var digits = frac[1..];
        long value = 0;
        for (int i = 0; i < 7; i++)
        {
            value = value * 10 + (i < digits.Length ? digits[i] - '0' : 0);
        }
        return value;
    }

    private static int Int(Match m, string group) => int.Parse(m.Groups[group].ValueSpan, CultureInfo.InvariantCulture);

    private static DateTime SafeDate(int y, int mon, int d, int h, int m, int s) =>
        new DateTime(y, mon, Math.Min(d, DateTime.DaysInMonth(y, mon)), Math.Min(h, 23), Math.Min(m, 59), Math.Min(s, 59));

    /// <summary>/dev/kmsg escapes non-printable bytes and backslashes as \xNN.</summary>
    internal static string UnescapeKmsg(string text)
    {
        if (!text.Contains("\\x", StringComparison.Ordinal))
        {
            return text;
        }
        var utf8 = System.Text.Encoding.UTF8;
        var bytes = new List<byte>(text.Length);
        int runStart = 0;
        for (int i = 0; i + 3 < text.Length; i++)
        {
            if (text[i] == '\\' && text[i + 1] == 'x'
                && byte.TryParse(text.AsSpan(i + 2, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
            {
                bytes.AddRange(utf8.GetBytes(text[runStart..i]));
                bytes.Add(b);
                i += 3;
                runStart = i + 1;
            }
        }
        bytes.AddRange(utf8.GetBytes(text[runStart..]));
        return utf8.GetString(bytes.ToArray());
    }
}
