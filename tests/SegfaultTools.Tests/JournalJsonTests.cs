using System.Text;
using System.Text.Json;

namespace SegfaultTools.Tests;

/// <summary>`journalctl -o json` entries framed by JournalJsonReader and fed to the parser.</summary>
public sealed class JournalJsonTests
{
    private const string Msg =
        "python3[4242]: segfault at 0 ip 0000000000000000 sp 00007ffd12345678 error 14 in python3.13[400000+1000] likely on CPU 16 (core 32, socket 0)";

    private static string Entry(object message, string transport = "kernel", string? identifier = "kernel") =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["__CURSOR"] = "s=1;i=2",
            ["__REALTIME_TIMESTAMP"] = "1736931234567890",
            ["__MONOTONIC_TIMESTAMP"] = "98765432",
            ["_BOOT_ID"] = "3f0c0000000000000000000000000001",
            ["_HOSTNAME"] = "ws",
            ["_TRANSPORT"] = transport,
            ["PRIORITY"] = "6",
            ["SYSLOG_IDENTIFIER"] = identifier,
            ["_SOURCE_MONOTONIC_TIMESTAMP"] = "98760001",
            ["MESSAGE"] = message,
        });

    private static List<SegfaultEvent> Parse(params string[] jsonLines)
    {
        var parser = new KernelLogParser(KernelFixtures.TestContext());
        var events = new List<SegfaultEvent>();
        foreach (var line in jsonLines)
        {
            if (JournalJsonReader.TryFrame(line, out var framed))
            {
                parser.FeedFramed(framed, 0);
            }
        }

        events.AddRange(parser.Complete());
        return events;
    }

    [Fact]
    public void KernelEntryGivesTimeHostAndBootId()
    {
        var e = Assert.Single(Parse(Entry(Msg), Entry("Code: Unable to access opcode bytes at 0xffffffffffffffd6.")));
        Assert.Equal("python3", e.ProcessName);
        Assert.Equal(4242, e.ProcessId);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddTicks(1736931234567890L * 10), e.TimeCreated);
        Assert.Equal("ws", e.ComputerName);
        Assert.Equal("3f0c0000000000000000000000000001", e.BootId);
        Assert.Equal(Msg, e.Message);
        Assert.Equal(16, e.Cpu);
        Assert.Equal("Unable to access opcode bytes at 0xffffffffffffffd6.", e.Code);
    }

    [Fact]
    public void MessageAsByteArrayIsDecoded()
    {
        var bytes = Encoding.UTF8.GetBytes("evil\u001bname[7]: segfault at 0 ip 0000000000000000 sp 00007ffd12345678 error 14");
        var e = Assert.Single(Parse(Entry(bytes.Select(b => (int)b).ToArray())));
        Assert.Equal("evil\u001bname", e.ProcessName);
    }

    [Fact]
    public void NonKernelEntryIsIgnored()
    {
        Assert.Empty(Parse(Entry(Msg, transport: "journal", identifier: "python3")));
    }

    [Theory]
    [InlineData("{")]
    [InlineData("{}")]
    [InlineData("[]")]
    [InlineData("{\"MESSAGE\":null}")]
    [InlineData("{\"MESSAGE\":[]}")]
    [InlineData("{\"MESSAGE\":[999,-1,\"x\"]}")]
    [InlineData("{\"MESSAGE\":{\"a\":1}}")]
    [InlineData("{\"MESSAGE\":\"x\",\"__REALTIME_TIMESTAMP\":\"99999999999999999999999\"}")]
    [InlineData("{\"MESSAGE\":\"x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4\",\"__REALTIME_TIMESTAMP\":\"-99999999999999999\"}")]
    [InlineData("{\"MESSAGE\":\"x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4\",\"__REALTIME_TIMESTAMP\":\"9223372036854775807\"}")]
    [InlineData("{\"MESSAGE\":\"x[1]: segfault at 0 ip 0000000000000000 sp 0000000000000000 error 4\",\"_SOURCE_MONOTONIC_TIMESTAMP\":\"9223372036854775807\"}")]
    public void MalformedEntriesDoNotThrow(string line)
    {
        Assert.True(Parse(line).Count <= 1);
    }
}
