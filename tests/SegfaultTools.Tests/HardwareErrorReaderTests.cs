using System.IO.Compression;
using System.Text;

namespace SegfaultTools.Tests;

/// <summary>
/// The byte scanner with the hardware needles finds every record the line-by-line assembler finds,
/// read forwards, backwards across chunk edges and through gzip; the file reader merges and orders.
/// </summary>
public sealed class HardwareErrorReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("segfaulttools-hw-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Describe(HardwareErrorEvent e) => HardwareErrorFixtureTests.Describe(e, int.MaxValue) + "|" + e.Message;

    private static LogReadContext Context(string path) => KernelFixtures.TestContext() with { Source = path };

    private (List<string> Expected, string Path) WriteFixtureLog(int padding)
    {
        // One unit per published record: a syslogd broadcast's header stays next to its " kernel:" line.
        var lines = KernelFixtures.Groups.SelectMany(g => g.OrderBy(r => r.Seq)).Select(r => r.Text)
            .Concat(HardwareErrorFixtureTests.HardwareFixtureLines().Select(r => r.Text)).ToList();
        var path = PaddedLog.Write(_dir, lines, padding);
        var expected = HardwareErrorAssembler.ParseAll(File.ReadAllLines(path), Context(path)).Select(Describe).ToList();
        return (expected, path);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(300)]
    public void ForwardScanFindsWhatTheAssemblerFinds(int padding)
    {
        var (expected, path) = WriteFixtureLog(padding);
        Assert.True(expected.Count > 80, $"{expected.Count} records");
        using var stream = File.OpenRead(path);
        var scanned = TextLogScanner.ReadForward(stream, new HardwareErrorAssembler(Context(path)), HardwareErrorAssembler.Needles, CancellationToken.None)
            .Select(Describe).ToList();
        PaddedLog.AssertSame(expected, scanned);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(300)]
    public void BackwardScanFindsTheSameNewestFirst(int padding)
    {
        var (expected, path) = WriteFixtureLog(padding);
        Assert.True(new FileInfo(path).Length > TextLogScanner.ChunkSize || padding == 0);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read);
        var scanned = TextLogScanner.ReadBackward<HardwareErrorEvent>(stream, () => new HardwareErrorAssembler(Context(path)), _ => { }, HardwareErrorAssembler.Needles, CancellationToken.None)
            .Select(Describe).ToList();
        scanned.Reverse();
        PaddedLog.AssertSame(expected, scanned);
    }

    [Fact]
    public void ReaderReadsGzipAndMergesFilesNewestFirst()
    {
        // Two real pastes in two files, one gzip-compressed: mr-fox (2025-06-09) and worker4 (2025-12-02).
        var a = Path.Combine(_dir, "kern.log.2.gz");
        var b = Path.Combine(_dir, "kern.log");
        using (var output = new GZipStream(File.Create(a), CompressionLevel.Fastest))
        {
            output.Write(Encoding.UTF8.GetBytes(string.Join('\n', HardwareErrorFixtureTests.AllGroups().Single(g => g.Group == "70").Lines) + "\n"));
        }
        File.WriteAllLines(b, HardwareErrorFixtureTests.AllGroups().Single(g => g.Group == "99").Lines);
        File.SetLastWriteTimeUtc(a, new DateTime(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc));
        File.SetLastWriteTimeUtc(b, new DateTime(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc));

        var problems = new List<ReadProblem>();
        var reader = new HardwareEventReader(problems.Add, _ => { }, CancellationToken.None);
        var root = new SystemRoot(_dir);
        var newest = reader.ReadFiles(new[] { a, b }, root, newestFirst: true, s => s).ToList();
        var oldest = reader.ReadFiles(new[] { a, b }, root, newestFirst: false, s => s).ToList();

        Assert.Empty(problems);
        Assert.Equal(new[] { "64", "48", "RmInitAdapterFailed", "MC0", "Bank 17" }, newest.Select(e => e.Code));
        Assert.Equal(new[] { "Bank 17", "MC0", "RmInitAdapterFailed", "48", "64" }, oldest.Select(e => e.Code));
        Assert.Equal(new[] { b, b, b, a, a }, newest.Select(e => e.Source));
    }
}
