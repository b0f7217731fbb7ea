namespace SegfaultTools;

/// <summary>What an archive entry is.</summary>
internal enum SnapshotEntryKind
{
    /// <summary>A file with its whole content.</summary>
    File,

    /// <summary>
    /// A stand-in for a large file (a crash's module, libstdc++): the original's size and name, with
    /// only some byte ranges kept and zeros elsewhere; stored sparse, so it costs only those bytes.
    /// </summary>
    StandIn,

    /// <summary>A symbolic link, kept as a link (sysfs cpufreq links, a library's version chain).</summary>
    Link,

    /// <summary>A folder that exists on the machine, kept even where empty (var/log/journal says the journal is persistent).</summary>
    Directory,
}

/// <summary>A byte range of a stand-in: where it lies in the original file, and its bytes.</summary>
internal sealed record ByteRegion(long Offset, byte[] Data)
{
    public long End => Offset + Data.Length;
}

/// <summary>
/// One entry of a snapshot: its path in the tree (relative, '/'-separated), what it holds, and where
/// it came from, for MANIFEST.txt.
/// </summary>
internal sealed class SnapshotEntry
{
    private SnapshotEntry(string path, SnapshotEntryKind kind, string source)
    {
        Path = Normalize(path);
        Kind = kind;
        Source = source;
    }

    public string Path { get; set; }

    public SnapshotEntryKind Kind { get; }

    /// <summary>The content of a File entry.</summary>
    public byte[] Content { get; set; } = Array.Empty<byte>();

    /// <summary>Text that -Redact rewrites; binary content (code bytes, stand-ins) is kept as it is.</summary>
    public bool IsText { get; init; }

    /// <summary>A File whose content is a gzip stream of text (proc/config.gz, rotated logs): -Redact rewrites what it holds.</summary>
    public bool IsGzipText { get; init; }

    /// <summary>The size of the original file a stand-in stands for.</summary>
    public long RealSize { get; init; }

    /// <summary>The kept ranges of a stand-in, in order and apart.</summary>
    public IReadOnlyList<ByteRegion> Regions { get; init; } = Array.Empty<ByteRegion>();

    public string? LinkTarget { get; set; }

    public DateTimeOffset? ModificationTime { get; init; }

    public bool Executable { get; init; }

    /// <summary>Where it came from, in words ("/proc/cpuinfo", "`ldconfig -p`", "57 kernel-log records from ...").</summary>
    public string Source { get; set; }

    /// <summary>The size as extracted: the content's length, or the original's for a stand-in.</summary>
    public long Size => Kind switch
    {
        SnapshotEntryKind.File => Content.Length,
        SnapshotEntryKind.StandIn => RealSize,
        _ => 0,
    };

    /// <summary>The bytes stored: only the kept ranges of a stand-in.</summary>
    public long StoredSize => Kind == SnapshotEntryKind.StandIn ? Regions.Sum(r => (long)r.Data.Length) : Size;

    public static SnapshotEntry Text(string path, string text, string source, DateTimeOffset? modified = null) =>
        new(path, SnapshotEntryKind.File, source) { Content = System.Text.Encoding.UTF8.GetBytes(text), IsText = true, ModificationTime = modified };

    public static SnapshotEntry Bytes(string path, byte[] content, string source, bool isText, DateTimeOffset? modified = null, bool gzipText = false) =>
        new(path, SnapshotEntryKind.File, source) { Content = content, IsText = isText && !gzipText, IsGzipText = gzipText, ModificationTime = modified };

    public static SnapshotEntry StandInFile(string path, long realSize, IEnumerable<ByteRegion> regions, string source, DateTimeOffset? modified, bool executable) =>
        new(path, SnapshotEntryKind.StandIn, source)
        {
            RealSize = realSize,
            Regions = Align(Merge(regions, realSize), realSize),
            ModificationTime = modified,
            Executable = executable,
        };

    public static SnapshotEntry Symlink(string path, string target, string source) =>
        new(path, SnapshotEntryKind.Link, source) { LinkTarget = target };

    public static SnapshotEntry Folder(string path, string source) => new(path, SnapshotEntryKind.Directory, source);

    internal static string Normalize(string path) => string.Join('/', path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries));

    /// <summary>The sparse block size: the kept ranges start and end on it (but the file's end).</summary>
    internal const int Block = 512;

    /// <summary>
    /// Widens every range to whole 512-byte blocks, zeros filling the widening (a stand-in holds zeros
    /// there anyway). GNU tar reads each range of a sparse member from a block of its own, Python's
    /// tarfile reads them one after the other: only block-aligned ranges read the same in both.
    /// </summary>
    internal static List<ByteRegion> Align(List<ByteRegion> regions, long size)
    {
        var spans = new List<(long Start, long End)>();
        foreach (var r in regions)
        {
            long start = r.Offset / Block * Block;
            long end = Math.Min(size, (r.End + Block - 1) / Block * Block);
            if (spans.Count > 0 && start <= spans[^1].End)
            {
                spans[^1] = (spans[^1].Start, Math.Max(spans[^1].End, end));
            }
            else
            {
                spans.Add((start, end));
            }
        }
        var result = new List<ByteRegion>(spans.Count);
        foreach (var (start, end) in spans)
        {
            var data = new byte[end - start];
            foreach (var r in regions.Where(r => r.Offset < end && r.End > start))
            {
                r.Data.AsSpan().CopyTo(data.AsSpan((int)(r.Offset - start)));
            }
            result.Add(new ByteRegion(start, data));
        }
        return result;
    }

    /// <summary>Sorts the ranges, joins those that touch or overlap, and cuts them to the file.</summary>
    internal static List<ByteRegion> Merge(IEnumerable<ByteRegion> regions, long size)
    {
        var result = new List<ByteRegion>();
        foreach (var r in regions.Where(r => r.Data.Length > 0 && r.Offset < size).OrderBy(r => r.Offset))
        {
            var region = r.End > size ? new ByteRegion(r.Offset, r.Data[..(int)(size - r.Offset)]) : r;
            if (result.Count > 0 && region.Offset <= result[^1].End)
            {
                var last = result[^1];
                if (region.End > last.End)
                {
                    var joined = new byte[region.End - last.Offset];
                    last.Data.CopyTo(joined, 0);
                    region.Data.AsSpan((int)(last.End - region.Offset)).CopyTo(joined.AsSpan((int)(last.End - last.Offset)));
                    result[^1] = new ByteRegion(last.Offset, joined);
                }
                continue;
            }
            result.Add(region);
        }
        return result;
    }
}
