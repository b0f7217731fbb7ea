using System.Diagnostics;
using System.Text;

namespace SegfaultTools.Tests;

/// <summary>Inputs that are not well-formed crash records: never an exception, and no invented events.</summary>
public sealed class KernelLogParserEdgeCaseTests
{
    private const string Head =
        "[  179.573700] python3[4242]: segfault at 0 ip 0000000000000000 sp 00007ffd12345678 error 14 likely on CPU 16 (core 32, socket 0)";

    private static List<SegfaultEvent> Parse(params string[] lines) =>
        KernelLogParser.ParseAll(lines, KernelFixtures.TestContext());

    [Fact]
    public void EmptyInputYieldsNothing()
    {
        Assert.Empty(KernelLogParser.ParseAll(Array.Empty<string>(), KernelFixtures.TestContext()));
        Assert.Empty(Parse(""));
        Assert.Empty(Parse("", " ", "\t", "\r", "\n"));
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("[")]
    [InlineData("]")]
    [InlineData("[]")]
    [InlineData("[ 12.34")]
    [InlineData("[ 12.34]")]
    [InlineData("[ 12.34] ")]
    [InlineData("]: segfault at")]
    [InlineData("x[: segfault at 0 ip 0 sp 0 error 4")]
    [InlineData("x[1]: segfault at")]
    [InlineData("x[1]: segfault at zz ip yy sp ww error qq")]
    [InlineData("x[99999999999999999999]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4")]
    [InlineData("x[1]: segfault at ffffffffffffffffffffffff ip 0000000000000000 sp 0000000000000000 error 4")]
    [InlineData("x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4 in lib[")]
    [InlineData("x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4 in lib[+]")]
    [InlineData("x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4 in lib[zz+yy]")]
    [InlineData("x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4 likely on CPU")]
    [InlineData("x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4 likely on CPU 99999999999 (core -1, socket x)")]
    [InlineData("traps: x[1] trap ip: sp: error:")]
    [InlineData("Code:")]
    [InlineData("Code: ")]
    [InlineData(" in ")]
    [InlineData(" likely on CPU 3 (core 3, socket 0)")]
    [InlineData("show_signal_msg: callbacks suppressed")]
    [InlineData("show_signal_msg: 99999999999999999999999 callbacks suppressed")]
    [InlineData("Jan 99 99:99:99 host kernel: x")]
    [InlineData("[Foo Bar 99 99:99:99 9999] x")]
    [InlineData("[  +abc] x")]
    [InlineData("kern  :info  : ")]
    [InlineData("<6>1,2,3,-;")]
    [InlineData("6,339,5140900,-;")]
    [InlineData("{\"MESSAGE\":")]
    [InlineData("CPU: 10 PID: 7194 Comm: CG_A Tainted: G")]
    [InlineData("potentially unexpected fatal signal")]
    public void MalformedLineDoesNotThrow(string line)
    {
        var events = Parse(line);
        // A malformed head may still be reported, but never more than one event per line.
        Assert.True(events.Count <= 1, $"{events.Count} events from '{line}'");
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("[ 12.34] hello world")]
    [InlineData("Code: 48 89 e5 <c3> 90")]
    [InlineData(" in libc.so.6[7f0000000000+195000]")]
    [InlineData(" likely on CPU 3 (core 3, socket 0)")]
    [InlineData("CPU: 10 PID: 7194 Comm: CG_A Tainted: G           OE   4.4.55+ #18")]
    [InlineData("show_signal_msg: 5 callbacks suppressed")]
    [InlineData("Apr  4 05:00:12 host sshd[123]: Accepted publickey for root")]
    public void NonCrashLineYieldsNoEvent(string line) => Assert.Empty(Parse(line));

    /// <summary>Numbers and dates out of range (overflowing ints, impossible dates, huge deltas) never throw.</summary>
    [Theory]
    [InlineData("x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4 likely on CPU 99999999999")]
    [InlineData("x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4 likely on CPU 1 (core 99999999999, socket 0)")]
    [InlineData("x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4 likely on CPU 1 (core 1, socket 99999999999)")]
    [InlineData("x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 99999999999999999999")]
    [InlineData("traps: x[1] trap invalid opcode ip:99999999999999999999 sp:0 error:0")]
    [InlineData("x/1: potentially unexpected fatal signal 99999999999.")]
    [InlineData("potentially unexpected fatal signal 99999999999.")]
    [InlineData("x[1]: unhandled level 2 translation fault (99999999999) at 0x00000028, esr 0x92000006")]
    [InlineData("x[1]: unhandled level 2 translation fault (11) at 0x999999999999999999999, esr 0x999999999999999999999")]
    [InlineData("x[1]: unhandled signal 99999999999 code 0x1 at 0x3 in libc.so.6[3faddf9000+121000]")]
    [InlineData("x[1]: unhandled signal 11 code 0x999999999999999999999 at 0x3")]
    [InlineData("x[1]: unhandled level 2 translation fault (11) at 0x00000028, esr 0x92000006", "CPU: 99999999999 PID: 1 Comm: x Not tainted 4.4.55+ #18")]
    [InlineData("x[1]: unhandled level 2 translation fault (11) at 0x00000028, esr 0x92000006", "CPU: 1 PID: 99999999999 Comm: x Not tainted 4.4.55+ #18")]
    [InlineData("potentially unexpected fatal signal 11.", "CPU: 99999999999 PID: 99999999999 Comm: luci Not tainted 3.18.23 #3")]
    [InlineData("x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4", " in lib[99999999999999999999999,1+2]")]
    [InlineData("x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4", " in lib[ffffffffffffffff+ffffffffffffffff]")]
    [InlineData("x[1]: segfault at 0 ip ffffffffffffffff sp 0000000000000000 error 4 in lib[ffffffffffffffff+ffffffffffffffff]")]
    [InlineData("x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4", " likely on CPU 99999999999 (core 99999999999, socket 99999999999)")]
    [InlineData("6,1,99999999999999999999999,-;x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4")]
    [InlineData("999,1,2,-;x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4")]
    [InlineData("[99999999999999999999999999.000000] x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4")]
    [InlineData("[Mar 9 17:33] a", "[  +99999999999999999999.000000] x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4")]
    [InlineData("[Feb 31 17:33] x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4")]
    [InlineData("[Xyz 99 99:99] x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4")]
    [InlineData("[Mon Feb 31 10:00:00 2025] x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4")]
    [InlineData("[Mon Jan  1 99:99:99 2025] x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4")]
    [InlineData("[Mon Jan  1 10:00:00 0000] x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4")]
    [InlineData("[Fri Dec 31 23:59:59 9999] a", "[  +10.000000] x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4")]
    [InlineData("Feb 30 10:00:00 host kernel: x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4")]
    [InlineData("Jan 99 99:99:99 host kernel: x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4")]
    [InlineData("Jan  1 25:61:61 host kernel: x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4")]
    [InlineData("2025-13-45T99:99:99+99:99 host kernel: x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4")]
    [InlineData("2025-02-31T10:00:00+0100 host kernel: x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4")]
    [InlineData("2025-01-01T10:00:00+2400 host kernel: x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4")]
    [InlineData("0000-00-00 00:00:00 host kernel: x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4")]
    [InlineData("Mon 2025-02-31 10:00:00 CET host kernel: x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4")]
    [InlineData("Mon 2025-01-01 10:00:00 XYZ host kernel: x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4")]
    [InlineData("node: kern: info: [2025-99-99T99:99:99.999Z]: x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4")]
    [InlineData("Message from syslogd@host at Feb 31 99:99:99 ...", " kernel:x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4")]
    public void OutOfRangeValuesDoNotThrow(params string[] lines)
    {
        var heads = lines.Count(l => l.Contains("segfault at") || l.Contains("trap ") || l.Contains("unhandled") || l.Contains("fatal signal"));
        foreach (var ctx in new[] { KernelFixtures.TestContext(), WithBootTime(KernelFixtures.TestContext()) })
        {
            var events = KernelLogParser.ParseAll(lines, ctx);
            Assert.True(events.Count <= heads, $"{events.Count} events from {heads} heads");
        }
    }

    [Fact]
    public void LeapDayWithoutYearTakesTheLatestLeapYear()
    {
        // 'Feb 29' does not exist in 2026 or 2025: the latest year not after 2026-06-01 that has it is 2024.
        var e = Assert.Single(Parse("Feb 29 10:00:00 host kernel: x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4"));
        Assert.Equal(new DateTimeOffset(2024, 2, 29, 10, 0, 0, TimeSpan.Zero), e.TimeCreated);
    }

    private static LogReadContext WithBootTime(LogReadContext c) => new()
    {
        Source = c.Source,
        ComputerName = c.ComputerName,
        TimeZone = c.TimeZone,
        ReferenceTime = c.ReferenceTime,
        BootTime = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
    };

    [Fact]
    public void BinaryInputDoesNotThrow()
    {
        var rng = new Random(12345);
        var lines = new List<string>
        {
            "\0",
            "\0\0\0\0\0\0\0\0",
            "[  1.0] x\0y[12]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4",
            "\0" + Head,
        };
        for (var i = 0; i < 200; i++)
        {
            var chars = new char[rng.Next(1, 400)];
            for (var j = 0; j < chars.Length; j++)
            {
                chars[j] = (char)rng.Next(0, 256);
            }

            lines.Add(new string(chars));
        }

        var events = KernelLogParser.ParseAll(lines, KernelFixtures.TestContext());
        Assert.True(events.Count <= 2);
        Assert.Empty(Parse("\0\u0001\u0002\u0003\u00ff\ufffd"));
    }

    [Fact]
    public void MegabyteLineIsHandledQuickly()
    {
        var sw = Stopwatch.StartNew();
        Assert.Empty(Parse(new string('A', 1 << 20)));
        Assert.Empty(Parse(new string('[', 1 << 20)));
        Assert.Empty(Parse(string.Concat(Enumerable.Repeat(" in x[", 1 << 17))));
        _ = Parse(string.Concat(Enumerable.Repeat("a[1]: segfault at ", 1 << 16)));
        _ = Parse("[  1.0] " + new string('x', 1 << 20) + "[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4");
        sw.Stop();
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), $"1 MB lines took {sw.Elapsed}");

        // The parser keeps working after an over-long line.
        var events = Parse(new string('B', 1 << 20), Head);
        Assert.Single(events);
        Assert.Equal("python3", events[0].ProcessName);
    }

    [Fact]
    public void NonUtf8BytesDecodedAsReplacementCharactersAreKeptInComm()
    {
        // "caf\xff" read with a UTF-8 decoder: the invalid byte becomes U+FFFD.
        var bytes = Encoding.ASCII.GetBytes("[  1.0] caf").Concat(new byte[] { 0xff })
            .Concat(Encoding.ASCII.GetBytes("[77]: segfault at 0 ip 0000000000000000 sp 00007ffd12345678 error 14")).ToArray();
        var line = Encoding.UTF8.GetString(bytes);
        var e = Assert.Single(Parse(line));
        Assert.Equal("caf\ufffd", e.ProcessName);
        Assert.Equal(77, e.ProcessId);

        // Latin-1 decoding of the same bytes gives 'ÿ'.
        var latin1 = Encoding.Latin1.GetString(bytes);
        Assert.Equal("caf\u00ff", Assert.Single(Parse(latin1)).ProcessName);
    }

    [Theory]
    [InlineData("evil\u001bname")]
    [InlineData("a\tb\u0007c")]
    [InlineData("bell\u0007")]
    [InlineData("x\u001b[31mred")]
    public void ControlCharactersInCommAreKeptAsData(string comm)
    {
        var e = Assert.Single(Parse($"[  1.0] {comm}[4242]: segfault at 0 ip 0000000000000000 sp 00007ffd12345678 error 14"));
        Assert.Equal(comm, e.ProcessName);
        Assert.Equal(4242, e.ProcessId);
        Assert.Equal(SegfaultKind.Segfault, e.Kind);
    }

    [Fact]
    public void RateLimitNoticesAreSummed()
    {
        var parser = new KernelLogParser(KernelFixtures.TestContext());
        var lines = new[]
        {
            "[  179.393488] show_signal_msg: 32 callbacks suppressed",
            Head,
            "kern  :warn  : [lun may  5 18:11:41 2025] show_signal_msg: 16 callbacks suppressed",
            "Apr  4 05:00:12 host kernel: show_signal_msg: 2 callbacks suppressed",
        };
        var events = new List<SegfaultEvent>();
        foreach (var l in lines)
        {
            events.AddRange(parser.Feed(l));
        }

        events.AddRange(parser.Complete());
        Assert.Single(events);
        Assert.Equal(50, parser.SuppressedRecords);
    }

    [Fact]
    public void RateLimitNoticeAloneYieldsNoEvent()
    {
        var parser = new KernelLogParser(KernelFixtures.TestContext());
        Assert.Empty(parser.Feed("show_signal_msg: 32 callbacks suppressed"));
        Assert.Empty(parser.Complete());
        Assert.Equal(32, parser.SuppressedRecords);
    }

    [Fact]
    public void CodeLineWithoutPendingHeadAttachesToNothing()
    {
        var events = Parse(
            "[    1.000000] Code: 48 89 e5 41 57 <c3> 90 90",
            Head);
        var e = Assert.Single(events);
        Assert.Null(e.Code);
    }

    [Fact]
    public void CodeLineAttachesToThePendingHead()
    {
        var e = Assert.Single(Parse(Head, "[  179.573716] Code: Unable to access opcode bytes at 0xffffffffffffffd6."));
        Assert.Equal("Unable to access opcode bytes at 0xffffffffffffffd6.", e.Code);
        Assert.Equal(16, e.Cpu);
        Assert.Equal(32, e.CoreId);
        Assert.Equal(0, e.Socket);
    }

    [Fact]
    public void CodeLineAfterATrapDoesNotCreateAnEvent()
    {
        var events = Parse(
            "[   46.447620] traps: systemd[1] trap invalid opcode ip:7f44c485fee6 sp:7ffee96e6960 error:0 in libm-2.28.so[7f44c481a000+181000]",
            "[   46.651171] Code: 6d 6e 6f 70 <61> 62 63");
        Assert.Single(events);
    }

    [Fact]
    public void EventsComeInHeadOrder()
    {
        var events = Parse(
            "[    2.0] b[2]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 14",
            "[    1.0] a[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 14",
            "[    3.0] c[3]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 14");
        Assert.Equal(new[] { "b", "a", "c" }, events.Select(e => e.ProcessName));
    }

    [Fact]
    public void MonotonicStampsUseBootTimeWhenGiven()
    {
        var boot = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var ctx = new LogReadContext
        {
            Source = "test",
            ComputerName = "testhost",
            TimeZone = TimeZoneInfo.Utc,
            ReferenceTime = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero),
            BootTime = boot,
        };
        var e = Assert.Single(KernelLogParser.ParseAll(new[] { Head }, ctx));
        Assert.Equal(boot.AddTicks(1_795_737_000), e.TimeCreated);
    }

    [Fact]
    public void ContextComputerNameAndSourceAreUsedWhenTheLineHasNoHost()
    {
        var ctx = new LogReadContext
        {
            Source = "/var/log/kern.log",
            ComputerName = "ws",
            TimeZone = TimeZoneInfo.Utc,
            ReferenceTime = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero),
            BootId = "0123456789abcdef0123456789abcdef",
        };
        var e = Assert.Single(KernelLogParser.ParseAll(new[] { Head }, ctx));
        Assert.Equal("ws", e.ComputerName);
        Assert.Equal("/var/log/kern.log", e.Source);
        Assert.Equal("0123456789abcdef0123456789abcdef", e.BootId);
        Assert.Null(e.TimeCreated);
    }

    [Fact]
    public void SyslogStampsUseTheContextTimeZone()
    {
        var tz = TimeZoneInfo.CreateCustomTimeZone("plus2", TimeSpan.FromHours(2), "plus2", "plus2");
        var ctx = new LogReadContext
        {
            Source = "test",
            ComputerName = "testhost",
            TimeZone = tz,
            ReferenceTime = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero),
        };
        var e = Assert.Single(KernelLogParser.ParseAll(new[]
        {
            "Apr  4 05:00:12 test-f kernel: log-user-sessio[66297]: segfault at 0 ip 0000000000402669 sp 00007ffe203fb570 error 4 in log-user-session[400000+5000]",
        }, ctx));
        Assert.Equal(new DateTimeOffset(2026, 4, 4, 5, 0, 12, TimeSpan.FromHours(2)), e.TimeCreated);
        Assert.Equal(TimeSpan.FromHours(2), e.TimeCreated!.Value.Offset);
    }
}
