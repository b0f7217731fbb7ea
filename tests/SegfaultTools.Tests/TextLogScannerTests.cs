using System.IO.Compression;
using System.Text;

namespace SegfaultTools.Tests;

/// <summary>
/// The byte scanner that skips non-crash lines must find every crash the line-by-line parser finds,
/// read forwards, backwards (across chunk edges) and through gzip.
/// </summary>
public sealed class TextLogScannerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("segfaulttools-scan-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static List<string> AllFixtureLines() =>
        KernelFixtures.Groups.SelectMany(g => g.OrderBy(r => r.Seq)).SelectMany(r => r.Lines).ToList();

    private static string Describe(SegfaultEvent e) =>
        $"{e.ProcessName}|{e.ProcessId}|{e.Kind}|{e.FaultAddress}|{e.InstructionPointer}|{e.Module}|{e.Cpu}|{e.Code}|{e.TimeCreated:o}";

    private (List<string> Expected, string Path) WriteFixtureLog(int padding)
    {
        // Real lines between filler lines, so crashes land on both sides of the scanner's chunk edges.
        var lines = AllFixtureLines();
        var path = PaddedLog.Write(_dir, lines, padding);
        var expected = KernelLogParser.ParseAll(File.ReadAllLines(path), Context(path)).Select(Describe).ToList();
        return (expected, path);
    }

    private static LogReadContext Context(string path) => KernelFixtures.TestContext() with { Source = path };

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(300)]
    public void ForwardScanFindsWhatTheParserFinds(int padding)
    {
        var (expected, path) = WriteFixtureLog(padding);
        Assert.True(expected.Count > 120);
        using var stream = File.OpenRead(path);
        var parser = new KernelLogParser(Context(path));
        var scanned = TextLogScanner.ReadForward(stream, parser, CancellationToken.None).Select(Describe).ToList();
        PaddedLog.AssertSame(expected, scanned);
        Assert.Equal(32 + 16, parser.SuppressedRecords);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(300)]
    public void BackwardScanFindsTheSameNewestFirst(int padding)
    {
        var (expected, path) = WriteFixtureLog(padding);
        Assert.True(new FileInfo(path).Length > TextLogScanner.ChunkSize || padding == 0);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read);
        long suppressed = 0;
        var scanned = TextLogScanner.ReadBackward(stream, () => new KernelLogParser(Context(path)), p => suppressed += p.SuppressedRecords, CancellationToken.None)
            .Select(Describe).ToList();
        scanned.Reverse();
        PaddedLog.AssertSame(expected, scanned);
        Assert.Equal(32 + 16, suppressed);
    }

    [Fact]
    public void GzipIsReadLikeThePlainFile()
    {
        var (expected, path) = WriteFixtureLog(1);
        var gz = path + ".gz";
        using (var input = File.OpenRead(path))
        using (var output = new GZipStream(File.Create(gz), CompressionLevel.Fastest))
        {
            input.CopyTo(output);
        }
        using var stream = new GZipStream(File.OpenRead(gz), CompressionMode.Decompress);
        var scanned = TextLogScanner.ReadForward(stream, new KernelLogParser(Context(path)), CancellationToken.None).Select(Describe).ToList();
        PaddedLog.AssertSame(expected, scanned);
    }

    [Fact]
    public void WallBroadcastKeepsItsHeadersTimeAndHostWhenLinesAreSkipped()
    {
        // The two-line shape of the fixtures' syslogd wall broadcasts (groups 86, 87, 172), carrying a
        // segfault line: the header holds the host and time, the second line the kernel text.
        var path = Path.Combine(_dir, "wall.log");
        var filler = Enumerable.Repeat("Jan  4 04:19:31 ws kernel: usb 1-1: new high-speed USB device number 2 using xhci_hcd", 50);
        File.WriteAllLines(path, filler.Concat(new[]
        {
            "Message from syslogd@ws at Jan  4 04:19:32 ...",
            " kernel:python[803265]: segfault at 0 ip 0000000000000000 sp 00007ffd12345678 error 14 likely on CPU 16 (core 32, socket 0)",
        }).Concat(filler));
        File.SetLastWriteTimeUtc(path, new DateTime(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc));
        using var stream = File.OpenRead(path);
        var e = Assert.Single(TextLogScanner.ReadForward(stream, new KernelLogParser(Context(path)), CancellationToken.None));
        Assert.Equal("ws", e.ComputerName);
        Assert.Equal(new DateTimeOffset(2026, 1, 4, 4, 19, 32, TimeSpan.Zero), e.TimeCreated);
        Assert.Equal(16, e.Cpu);
    }
}
