namespace SegfaultTools.Tests;

/// <summary>Which head a continuation record (" in lib[...]", " likely on CPU", "Code:") belongs to.</summary>
public sealed class ContinuationMatchingTests
{
    private static List<SegfaultEvent> Parse(params string[] lines) =>
        KernelLogParser.ParseAll(lines, KernelFixtures.TestContext());

    [Fact]
    public void CodeLineSecondsAfterAHeadIsNotItsCode()
    {
        var events = Parse(
            "Apr 06 17:30:15 single3 kernel: nft[70030]: segfault at 0 ip 0000000000000000 sp 00007ffebf8c4618 error 14 likely on CPU 2 (core 2, socket 0)",
            "Apr 06 17:30:33 single3 kernel: Code: Unable to access opcode bytes at 0xffffffffffffffd6.");
        var e = Assert.Single(events);
        Assert.Null(e.Code);
    }

    [Fact]
    public void ModulePartFromAnotherBootIsNotAttached()
    {
        var head = "{\"__REALTIME_TIMESTAMP\":\"1735985472131415\",\"_BOOT_ID\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"_TRANSPORT\":\"kernel\",\"MESSAGE\":\"x[1440]: segfault at 1da718 ip 00007f4161aeac9d sp 00007f41615a6a00 error 6\"}";
        var tail = "{\"__REALTIME_TIMESTAMP\":\"1735985472131500\",\"_BOOT_ID\":\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\",\"_TRANSPORT\":\"kernel\",\"MESSAGE\":\" in libc.so.6[61c9d,7f4161aaf000+160000]\"}";
        var parser = new KernelLogParser(KernelFixtures.TestContext());
        Assert.True(JournalJsonReader.TryFrame(head, out var h));
        Assert.True(JournalJsonReader.TryFrame(tail, out var t));
        parser.FeedFramed(h, 0);
        parser.FeedFramed(t, 1);
        parser.Finish();
        var e = Assert.Single(parser.TakeReady()).Event;
        Assert.Null(e.Module);
        Assert.Equal("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", e.BootId);
    }

    [Fact]
    public void CodeGoesToTheHeadWhosePrintSequenceItEnds()
    {
        // Two threads: A's head, B's head (split), B's module part, B's CPU part, then B's Code line.
        var events = Parse(
            "[  100.000000] a[10]: segfault at 0 ip 00007f0000001000 sp 00007ffd00000000 error 4",
            "[  100.000010] b[11]: segfault at 8 ip 0000000000401000 sp 00007ffd00000100 error 6",
            "[  100.000020]  in b[1000,400000+2000]",
            "[  100.000030]  likely on CPU 5 (core 5, socket 0)",
            "[  100.000040] Code: 00 11 <22> 33");
        Assert.Equal(2, events.Count);
        Assert.Equal("a", events[0].ProcessName);
        Assert.Null(events[0].Code);
        Assert.Null(events[0].Module);
        Assert.Equal("b", events[1].ProcessName);
        Assert.Equal("b", events[1].Module);
        Assert.Equal(5, events[1].Cpu);
        Assert.Equal("00 11 <22> 33", events[1].Code);
        Assert.Equal(0x1000UL, events[1].ModuleOffset);
    }
}
