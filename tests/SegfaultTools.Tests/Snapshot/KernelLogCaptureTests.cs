namespace SegfaultTools.Tests;

/// <summary>
/// The snapshot's kern.log: which lines are kept (records, the lines inside a record, boot lines,
/// rate-limit notices; nothing else), the window, and a line format the readers read back with
/// every detail (time and zone, host, uptime stamp, caller id).
/// </summary>
public sealed class KernelLogCaptureTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("kernel-capture-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static readonly string[] Log =
    {
        "2026-01-03T10:00:00.000000+01:00 box kernel: [    1.000000] Linux version 6.12.9-arch1-1 (linux@archlinux) (gcc (GCC) 14.2.1) #1 SMP PREEMPT_DYNAMIC",
        "2026-01-03T10:00:00.100000+01:00 box kernel: [    1.100000] microcode: Current revision: 0x00000129",
        "2026-01-03T10:00:00.200000+01:00 box kernel: [    1.200000] microcode: Updated early from: 0x00000119",
        "2026-01-03T10:00:01.000000+01:00 box kernel: [    2.000000] usb 1-1: new high-speed USB device number 2 using xhci_hcd",
        "2026-01-03T10:00:02.000000+01:00 box systemd[1]: Started Session 1 of User root.",
        "2026-01-03T10:05:00.000000+01:00 box kernel: [  300.000000] [T4321] python3[4321]: segfault at 0 ip 00007f0000001234 sp 00007ffd00000000 error 4 in libc.so.6[1234,7f0000000000+195000] likely on CPU 3 (core 1, socket 0)",
        "2026-01-03T10:05:00.000050+01:00 box kernel: [  300.000050] [T77] e1000e 0000:00:1f.6 eth0: NIC Link is Up 1000 Mbps Full Duplex",
        "2026-01-03T10:05:00.000100+01:00 box kernel: [  300.000100] [T4321] Code: 48 89 e5 48 83 ec 10 89 7d fc 48 89 75 f0 48 8b 45 f0 48 8b 00 48 89 c7 e8 00 00 00 00 b8 00 00 00 00 c9 c3 55 48 89 e5 48 83 <8b> 00 5d c3 00 00 48 83 ec 08 48 83 c4 08 c3 00 00 00 00 00 00 00",
        "2026-01-03T10:06:00.000000+01:00 box kernel: [  360.000000] audit: type=1400 audit(1767431160.000:42): apparmor=\"STATUSD\"",
        "2026-01-03T10:07:00.000000+01:00 box kernel: [  420.000000] mce: [Hardware Error]: CPU 3: Machine Check: 0 Bank 6: cc59214000041152",
        "2026-01-03T10:07:00.000010+01:00 box kernel: [  420.000010] mce: [Hardware Error]: TSC 0 ADDR 143200200 MISC 7022004086",
        "2026-01-03T10:07:00.000020+01:00 box kernel: [  420.000020] mce: [Hardware Error]: PROCESSOR 0:b0671 TIME 1767431220 SOCKET 0 APIC 6 microcode 129",
        "2026-01-03T10:08:00.000000+01:00 box kernel: [  480.000000] show_signal_msg: 7 callbacks suppressed",
        "2026-01-03T10:09:00.000000+01:00 box kernel: [  540.000000] traps: cc1plus[5555] trap invalid opcode ip:55d0c0f01234 sp:7ffc00000000 error:0 in cc1plus[55d0c0f00000+100000]",
        "2026-01-03T10:10:00.000000+01:00 box kernel: [  600.000000] wlan0: associated",
    };

    private string Tree(params string[] lines)
    {
        var root = Path.Combine(_temp, "tree" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(Path.Combine(root, "var/log"));
        Directory.CreateDirectory(Path.Combine(root, "etc"));
        File.WriteAllText(Path.Combine(root, "etc/hostname"), "box\n");
        File.WriteAllLines(Path.Combine(root, "var/log/kern.log"), lines);
        return root;
    }

    private static KernelLogCapture Capture(DateTimeOffset? since = null, DateTimeOffset? until = null) =>
        new(_ => { }, _ => { }, CancellationToken.None) { Since = since, Until = until };

    private static List<string> Messages(IEnumerable<CapturedKernelLine> lines) => lines.Select(l => l.Line.Message).ToList();

    [Fact]
    public void KeepsTheRecordsTheLinesInsideThemBootLinesAndNoticesOnly()
    {
        var capture = Capture();
        var lines = capture.Read(new SystemRoot(Tree(Log)));
        Assert.Equal(new[]
        {
            Log[0][(Log[0].IndexOf("Linux version", StringComparison.Ordinal))..],
            "microcode: Current revision: 0x00000129",
            "microcode: Updated early from: 0x00000119",
            Log[5][(Log[5].IndexOf("python3", StringComparison.Ordinal))..],
            "e1000e 0000:00:1f.6 eth0: NIC Link is Up 1000 Mbps Full Duplex",
            Log[7][(Log[7].IndexOf("Code:", StringComparison.Ordinal))..],
            "mce: [Hardware Error]: CPU 3: Machine Check: 0 Bank 6: cc59214000041152",
            "mce: [Hardware Error]: TSC 0 ADDR 143200200 MISC 7022004086",
            "mce: [Hardware Error]: PROCESSOR 0:b0671 TIME 1767431220 SOCKET 0 APIC 6 microcode 129",
            "show_signal_msg: 7 callbacks suppressed",
            "traps: cc1plus[5555] trap invalid opcode ip:55d0c0f01234 sp:7ffc00000000 error:0 in cc1plus[55d0c0f00000+100000]",
            // The log ends while the trap may still get its Code: line: what follows is kept, as the reader sees it.
            "wlan0: associated",
        }, Messages(lines));
        Assert.Equal(2, capture.CrashesInWindow.Count());
        Assert.Single(capture.HardwareInWindow);
    }

    [Fact]
    public void TheKeptLinesReadBackAsTheSameRecords()
    {
        var tree = Tree(Log);
        var capture = Capture();
        var lines = capture.Read(new SystemRoot(tree));
        var copy = Tree(KernelLogCapture.Render(lines, "box").TrimEnd('\n').Split('\n'));

        static List<string> Crashes(string root) => new CrashEventReader(_ => { }, _ => { }, CancellationToken.None)
            .ReadRoot(new SystemRoot(root), false, s => s)!
            .Select(e => $"{e.TimeCreated:o} {e.ComputerName} {e.ProcessName} {e.ProcessId} {e.Kind} {e.Module} {e.FileOffset} {e.Cpu} {e.CoreId} {e.Code}")
            .ToList();
        static List<string> Hardware(string root) => new HardwareEventReader(_ => { }, _ => { }, CancellationToken.None)
            .ReadRoot(new SystemRoot(root), false, s => s)!
            .Select(e => $"{e.TimeCreated:o} {e.Kind} {e.Component} {e.Code} {e.Severity} {e.Message}")
            .ToList();

        Assert.Equal(Crashes(tree), Crashes(copy));
        Assert.Equal(Hardware(tree), Hardware(copy));
        var suppressed = new CrashEventReader(_ => { }, _ => { }, CancellationToken.None);
        _ = suppressed.ReadRoot(new SystemRoot(copy), false, s => s)!.ToList();
        Assert.Equal(7, suppressed.SuppressedRecords);
        // The profile's microcode reading sees the boot lines.
        var profile = SystemProfileReader.ReadCaptured(new SystemRoot(copy));
        Assert.Equal("0x119", profile.BiosMicrocode);
    }

    [Fact]
    public void TheWindowCutsRecordsByTheirStartButKeepsTheLinesThatFinishThem()
    {
        var head = DateTimeOffset.Parse("2026-01-03T10:05:00+01:00", System.Globalization.CultureInfo.InvariantCulture);
        var capture = Capture(since: head.AddSeconds(-1), until: head);
        var messages = Messages(capture.Read(new SystemRoot(Tree(Log))));
        // The boot lines and the notice stay whatever the window; the crash at its end keeps its Code: line (100 µs later).
        Assert.Contains(messages, m => m.StartsWith("Linux version", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("python3[4321]", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("Code: 48 89 e5", StringComparison.Ordinal));
        Assert.Contains("show_signal_msg: 7 callbacks suppressed", messages);
        // What began after the window is not kept.
        Assert.DoesNotContain(messages, m => m.Contains("Machine Check", StringComparison.Ordinal) || m.StartsWith("traps:", StringComparison.Ordinal));
        Assert.Single(capture.CrashesInWindow);
        Assert.Empty(capture.HardwareInWindow);
    }

    [Fact]
    public void TheLineFormatKeepsTimeZoneHostUptimeAndCaller()
    {
        var time = new DateTimeOffset(2026, 1, 3, 18, 39, 13, TimeSpan.FromHours(1)).AddTicks(1234560);
        var framed = new FramedLine("python3[1]: segfault at 0 ip 0 sp 0 error 4\tx", time, 1234.567891, "tower", null, "T1", true);
        var line = KernelLogCapture.Format(framed, "fallback");
        Assert.Equal("2026-01-03T18:39:13.1234560+01:00 tower kernel: [ 1234.567891] [T1] python3[1]: segfault at 0 ip 0 sp 0 error 4\tx", line);
        Assert.True(new LineFramer(new LogReadContext()).TryFrame(line, out var back));
        Assert.Equal(framed.Message, back.Message);
        Assert.Equal(time, back.Time);
        Assert.Equal(TimeSpan.FromHours(1), back.Time!.Value.Offset);
        Assert.Equal(1234.567891, back.Monotonic!.Value, 6);
        Assert.Equal("T1", back.CallerId);
        Assert.Equal("tower", back.Host);
        Assert.True(back.IsKernel);
    }

    [Theory]
    [InlineData("a - [b] c")]
    [InlineData("- - [x]")]
    [InlineData("NVRM: Xid (PCI:0000:01:00): 79, pid=1234, GPU has fallen off the bus.")]
    public void MessagesThatLookLikeOtherFormatsStayKernelMessages(string message)
    {
        var framed = new FramedLine(message, new DateTimeOffset(2026, 1, 3, 10, 0, 0, TimeSpan.Zero), null, null, null, null, true);
        var line = KernelLogCapture.Format(framed, "box");
        Assert.True(new LineFramer(new LogReadContext()).TryFrame(line, out var back));
        Assert.True(back.IsKernel, line);
        Assert.Equal(message, back.Message.TrimStart());
        Assert.Equal("box", back.Host);
    }

    [Fact]
    public void LinesThatAreNotTheKernelsKeepTheirPlaceButNotItsTag()
    {
        var framed = new FramedLine("systemd[1]: Started x.", new DateTimeOffset(2026, 1, 3, 10, 0, 0, TimeSpan.Zero), 5.0, null, null, null, false);
        Assert.True(new LineFramer(new LogReadContext()).TryFrame(KernelLogCapture.Format(framed, "box"), out var back));
        Assert.False(back.IsKernel);
    }
}
