using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace SegfaultTools;

/// <summary>
/// Writes snapshot entries as a gzip'd POSIX (pax) tar that `tar xzf` extracts into the tree -Root
/// reads. Stand-ins are written in GNU tar's pax sparse format 1.0 (GNU.sparse.major/minor/name/realsize,
/// the map of kept ranges at the start of the data, the ranges on 512-byte blocks): GNU tar and
/// Python's tarfile extract them as files of the original's size with holes between the kept
/// ranges; a tar that knows no sparse format extracts the raw member under GNUSparseFile.0/, never
/// as a wrong file at the real path.
/// </summary>
internal static class SnapshotArchive
{
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode FolderMode = FileMode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>The folder name GNU tar gives the header of a sparse member; the real name is in GNU.sparse.name.</summary>
    internal const string SparseFolder = "GNUSparseFile.0";

    public static void Write(Stream output, IReadOnlyList<SnapshotEntry> entries, DateTimeOffset now)
    {
        using var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true);
        using var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true);
        var folders = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in Ordered(entries))
        {
            foreach (var parent in Parents(e.Path))
            {
                if (folders.Add(parent))
                {
                    tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, parent + "/") { Mode = FolderMode, ModificationTime = now });
                }
            }
            switch (e.Kind)
            {
                case SnapshotEntryKind.Directory:
                    if (folders.Add(e.Path))
                    {
                        tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, e.Path + "/") { Mode = FolderMode, ModificationTime = e.ModificationTime ?? now });
                    }
                    break;
                case SnapshotEntryKind.Link:
                    tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, e.Path)
                    {
                        LinkName = e.LinkTarget!,
                        Mode = FolderMode,
                        ModificationTime = now,
                    });
                    break;
                case SnapshotEntryKind.StandIn:
                    WriteSparse(tar, e, now);
                    break;
                default:
                    using (var data = new MemoryStream(e.Content, writable: false))
                    {
                        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, e.Path)
                        {
                            DataStream = data,
                            Mode = e.Executable ? FolderMode : FileMode,
                            ModificationTime = e.ModificationTime ?? now,
                        });
                    }
                    break;
            }
        }
    }

    /// <summary>MANIFEST.txt first, then every entry by path, so a listing reads like the tree.</summary>
    internal static IEnumerable<SnapshotEntry> Ordered(IEnumerable<SnapshotEntry> entries) =>
        entries.OrderBy(e => e.Path == SnapshotManifest.FileName ? 0 : 1).ThenBy(e => e.Path, StringComparer.Ordinal);

    private static IEnumerable<string> Parents(string path)
    {
        var parts = path.Split('/');
        for (int i = 1; i < parts.Length; i++)
        {
            yield return string.Join('/', parts.Take(i));
        }
    }

    private static void WriteSparse(TarWriter tar, SnapshotEntry e, DateTimeOffset now)
    {
        var slash = e.Path.LastIndexOf('/');
        var name = slash < 0 ? $"{SparseFolder}/{e.Path}" : $"{e.Path[..slash]}/{SparseFolder}/{e.Path[(slash + 1)..]}";
        // "path" first: Python's tarfile applies the attributes in order and takes the last name it meets.
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["path"] = name,
            ["GNU.sparse.major"] = "1",
            ["GNU.sparse.minor"] = "0",
            ["GNU.sparse.name"] = e.Path,
            ["GNU.sparse.realsize"] = e.RealSize.ToString(CultureInfo.InvariantCulture),
        };
        using var data = new MemoryStream();
        var map = SparseMap(e.Regions, e.RealSize);
        data.Write(map);
        foreach (var r in e.Regions)
        {
            data.Write(r.Data);
        }
        data.Position = 0;
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name, attributes)
        {
            DataStream = data,
            Mode = e.Executable ? FolderMode : FileMode,
            ModificationTime = e.ModificationTime ?? now,
        });
    }

    /// <summary>
    /// The sparse map of format 1.0: the number of ranges, then each range's offset and size, every
    /// number in decimal followed by a newline, padded with NULs to a 512-byte block. A file that
    /// ends in a hole ends its map with an empty range at its size, which tells the extractor to
    /// extend the file to it (as GNU tar itself writes).
    /// </summary>
    internal static byte[] SparseMap(IReadOnlyList<ByteRegion> regions, long realSize)
    {
        var ranges = regions.Select(r => (r.Offset, (long)r.Data.Length)).ToList();
        if (ranges.Count == 0 || ranges[^1].Item1 + ranges[^1].Item2 < realSize)
        {
            ranges.Add((realSize, 0));
        }
        var text = new StringBuilder();
        text.Append(ranges.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var (offset, size) in ranges)
        {
            text.Append(offset.ToString(CultureInfo.InvariantCulture)).Append('\n').Append(size.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        var bytes = Encoding.ASCII.GetBytes(text.ToString());
        var padded = new byte[(bytes.Length + 511) / 512 * 512];
        bytes.CopyTo(padded, 0);
        return padded;
    }
}
