using System.Formats.Tar;
using System.Text;

namespace SegfaultTools.Tests;

/// <summary>The archive's layout: a gzip'd pax tar, MANIFEST.txt first, folders before what they hold, links, and stand-ins as GNU sparse 1.0 members.</summary>
public sealed class SnapshotArchiveTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);
    private readonly string _temp = Directory.CreateTempSubdirectory("snapshot-archive-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static byte[] Pattern(int length, int seed) => Enumerable.Range(0, length).Select(i => (byte)((i * 31 + seed) % 251 + 1)).ToArray();

    private string Write(params SnapshotEntry[] entries)
    {
        var path = Path.Combine(_temp, "a.tar.gz");
        using var stream = File.Create(path);
        SnapshotArchive.Write(stream, entries, Now);
        return path;
    }

    [Fact]
    public void ManifestComesFirstAndFoldersBeforeTheirFiles()
    {
        var archive = Write(
            SnapshotEntry.Text("var/log/kern.log", "x\n", "test"),
            SnapshotEntry.Text("proc/cpuinfo", "processor\t: 0\n", "test"),
            SnapshotEntry.Folder("var/log/journal", "test"),
            SnapshotEntry.Symlink("sys/devices/system/cpu/cpu0/cpufreq", "../cpufreq/policy0", "test"),
            SnapshotEntry.Text(SnapshotManifest.FileName, "manifest\n", "test"));
        var names = SnapshotTestSupport.Entries(archive).Select(e => e.Name).ToList();
        Assert.Equal(SnapshotManifest.FileName, names[0]);
        Assert.Equal(new[]
        {
            "MANIFEST.txt", "proc/", "proc/cpuinfo", "sys/", "sys/devices/", "sys/devices/system/", "sys/devices/system/cpu/",
            "sys/devices/system/cpu/cpu0/", "sys/devices/system/cpu/cpu0/cpufreq", "var/", "var/log/", "var/log/journal/", "var/log/kern.log",
        }, names);
        var link = SnapshotTestSupport.Entries(archive).Single(e => e.Type == TarEntryType.SymbolicLink);
        Assert.Equal("../cpufreq/policy0", link.Link);
    }

    [Fact]
    public void FilesKeepTheirBytesAndModificationTimes()
    {
        var modified = new DateTimeOffset(2025, 6, 1, 8, 30, 0, TimeSpan.Zero);
        var archive = Write(SnapshotEntry.Bytes("var/log/dpkg.log", Encoding.UTF8.GetBytes("2025-06-01 08:00:00 upgrade libc6:amd64 2.36-9 2.36-9+deb12u4\n"), "test", true, modified));
        using var gz = new System.IO.Compression.GZipStream(File.OpenRead(archive), System.IO.Compression.CompressionMode.Decompress);
        using var reader = new TarReader(gz);
        TarEntry? e;
        while ((e = reader.GetNextEntry()) is not null && e.EntryType == TarEntryType.Directory)
        {
        }
        Assert.NotNull(e);
        Assert.Equal("var/log/dpkg.log", e!.Name);
        Assert.Equal(modified, e.ModificationTime);
        Assert.IsType<PaxTarEntry>(e);
        using var text = new StreamReader(e.DataStream!);
        Assert.StartsWith("2025-06-01 08:00:00 upgrade libc6", text.ReadToEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public void StandInsAreSparseMembersWithTheRealNameAndSize()
    {
        var a = Pattern(128, 1);
        var b = Pattern(100, 7);
        var standIn = SnapshotEntry.StandInFile("usr/lib/libc.so.6", 2_000_000, new[] { new ByteRegion(1_000_000, a), new ByteRegion(1_500_050, b) },
            "test", Now, executable: true);
        var archive = Write(standIn);
        var member = SnapshotTestSupport.Entries(archive).Single(e => e.Attributes.ContainsKey("GNU.sparse.major"));
        Assert.Equal("usr/lib/GNUSparseFile.0/libc.so.6", member.Name);
        Assert.Equal("1", member.Attributes["GNU.sparse.major"]);
        Assert.Equal("0", member.Attributes["GNU.sparse.minor"]);
        Assert.Equal("usr/lib/libc.so.6", member.Attributes["GNU.sparse.name"]);
        Assert.Equal("2000000", member.Attributes["GNU.sparse.realsize"]);

        // Ranges widened to whole 512-byte blocks (GNU tar and Python's tarfile read them alike), and a last empty range at the end.
        var (ranges, mapLength) = SnapshotTestSupport.ParseSparseMap(member.Data);
        Assert.Equal(new (long, long)[] { (999_936, 512), (1_499_648, 512), (2_000_000, 0) }, ranges);
        Assert.Equal(512, mapLength);
        Assert.Equal(512 + 1024, member.Data.Length);
        Assert.Equal(2_000_000, standIn.Size);
        Assert.Equal(1024, standIn.StoredSize);

        var into = Path.Combine(_temp, "x");
        SnapshotTestSupport.Extract(archive, into);
        var bytes = File.ReadAllBytes(Path.Combine(into, "usr/lib/libc.so.6"));
        Assert.Equal(2_000_000, bytes.Length);
        Assert.Equal(a, bytes[1_000_000..1_000_128]);
        Assert.Equal(b, bytes[1_500_050..1_500_150]);
        Assert.True(bytes.AsSpan(0, 999_936).IndexOfAnyExcept((byte)0) < 0, "zeros before the first range");
        Assert.True(bytes.AsSpan(1_000_128, 1_500_050 - 1_000_128).IndexOfAnyExcept((byte)0) < 0, "zeros between the ranges");
    }

    [Fact]
    public void NeighbouringRangesShareABlockWithoutLosingEitherOnesBytes()
    {
        var a = Pattern(100, 3);
        var b = Pattern(100, 9);
        var merged = SnapshotEntry.StandInFile("f", 10_000, new[] { new ByteRegion(600, a), new ByteRegion(900, b), new ByteRegion(650, Pattern(10, 5)) }, "t", null, false).Regions;
        var only = Assert.Single(merged);
        Assert.Equal(512, only.Offset);
        Assert.Equal(512, only.Data.Length);
        Assert.Equal(a, only.Data[(600 - 512)..(700 - 512)]);
        Assert.Equal(b, only.Data[(900 - 512)..(1000 - 512)]);
        // A range at the end of the file ends there, not at the next block.
        var tail = SnapshotEntry.StandInFile("g", 700, new[] { new ByteRegion(650, Pattern(50, 1)) }, "t", null, false).Regions;
        Assert.Equal((512L, 188), (tail[0].Offset, tail[0].Data.Length));
    }

    [SkippableFact]
    public void GnuTarExtractsTheSameTree()
    {
        Skip.If(ProcessRunner.Find("tar") is null, "tar is not installed");
        var version = SnapshotTestSupport.Run("tar", "--version")!.Value.Output;
        Skip.IfNot(version.Contains("GNU tar", StringComparison.Ordinal), "the tar here is not GNU tar");
        var a = Pattern(300, 2);
        var archive = Write(
            SnapshotEntry.Text(SnapshotManifest.FileName, "m\n", "t"),
            SnapshotEntry.Text("etc/hostname", "box\n", "t"),
            SnapshotEntry.Symlink("lib/libstdc++.so.6", "libstdc++.so.6.0.34", "t"),
            SnapshotEntry.StandInFile("lib/libstdc++.so.6.0.34", 3_000_000, new[] { new ByteRegion(12_345, a) }, "t", Now, false),
            SnapshotEntry.Folder("var/log/journal", "t"));
        var ours = Path.Combine(_temp, "ours");
        var gnu = Path.Combine(_temp, "gnu");
        SnapshotTestSupport.Extract(archive, ours);
        Directory.CreateDirectory(gnu);
        var run = SnapshotTestSupport.Run("tar", "xzf", archive, "-C", gnu)!.Value;
        Assert.True(run.Code == 0, run.Output);
        Assert.Equal(File.ReadAllBytes(Path.Combine(ours, "lib/libstdc++.so.6.0.34")), File.ReadAllBytes(Path.Combine(gnu, "lib/libstdc++.so.6.0.34")));
        Assert.Equal("libstdc++.so.6.0.34", new FileInfo(Path.Combine(gnu, "lib/libstdc++.so.6")).LinkTarget);
        Assert.True(Directory.Exists(Path.Combine(gnu, "var/log/journal")));
        Assert.False(Directory.Exists(Path.Combine(gnu, "lib", SnapshotArchive.SparseFolder)));
        Assert.Equal("box\n", File.ReadAllText(Path.Combine(gnu, "etc/hostname")));
    }

    [Fact]
    public void TheManifestListsEveryFileWithSizeAndSourceAndTheRedactionCountsOnly()
    {
        var r = new Redactor();
        r.AddHost("tower");
        var redacted = r.Redact("tower");
        var manifest = new SnapshotManifest
        {
            CreatedAt = Now,
            ComputerName = redacted,
            Since = Now.AddDays(-30),
            Entries = new[]
            {
                SnapshotEntry.Text("proc/cpuinfo", "abc\n", "/proc/cpuinfo"),
                SnapshotEntry.StandInFile("usr/lib/libc.so.6", 2_000_000, new[] { new ByteRegion(1024, Pattern(64, 1)) }, "a stand-in of /usr/lib/libc.so.6", Now, false),
                SnapshotEntry.Symlink("usr/lib/libc.so", "libc.so.6", "the link /usr/lib/libc.so"),
            },
            Missing = new[] { ("/proc/1/limits", "Permission denied") },
            Notes = new[] { "a note" },
            KernelSummary = "3 crash record(s)",
            Redaction = r.Counts,
        };
        var text = manifest.Render();
        Assert.Contains("SegfaultTools snapshot of host-1", text, StringComparison.Ordinal);
        Assert.Matches(@"\n +4  proc/cpuinfo\n +from /proc/cpuinfo\n", text);
        Assert.Matches(@"\n +2000000 \(stores 512\)  usr/lib/libc\.so\.6\n", text);
        Assert.Contains("usr/lib/libc.so -> libc.so.6", text, StringComparison.Ordinal);
        Assert.Contains("/proc/1/limits: Permission denied", text, StringComparison.Ordinal);
        Assert.Matches(@"host names +1 different, +1 replacement", text);
        Assert.Contains("Redacted:   yes", text, StringComparison.Ordinal);
        Assert.DoesNotContain("tower", text, StringComparison.Ordinal);
        Assert.Contains("  - a note", text, StringComparison.Ordinal);
    }
}
