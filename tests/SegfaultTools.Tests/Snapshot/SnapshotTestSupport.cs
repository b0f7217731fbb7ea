using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace SegfaultTools.Tests;

/// <summary>
/// What the snapshot tests share: copies of the diagnosis fixture trees with their logs given the
/// time they were captured, an extractor that reads the archive with .NET's TarReader and applies
/// GNU's pax sparse 1.0 entries itself (an independent reading of the format), and diagnoses of a
/// tree as lines that can be compared.
/// </summary>
internal static class SnapshotTestSupport
{
    public static string DiagnosisFixtures => Path.Combine(RepoPaths.Fixtures, "diagnosis");

    public static IEnumerable<string> FixtureTreeNames() =>
        Directory.GetDirectories(DiagnosisFixtures).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    /// <summary>
    /// A copy of a diagnosis fixture tree whose var/log files carry the capture time from
    /// expectations.json (year-less syslog stamps are dated by the file's last write, as on the machine).
    /// </summary>
    public static string CopyFixtureTree(string name, string into)
    {
        var target = Path.Combine(into, name);
        CopyTree(Path.Combine(DiagnosisFixtures, name), target);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(DiagnosisFixtures, "expectations.json")));
        if (doc.RootElement.TryGetProperty(name, out var e) && e.TryGetProperty("capturedAt", out var at) && at.GetString() is { } stamp)
        {
            var when = DateTimeOffset.Parse(stamp, CultureInfo.InvariantCulture).UtcDateTime;
            var logs = Path.Combine(target, "var/log");
            if (Directory.Exists(logs))
            {
                foreach (var f in Directory.EnumerateFiles(logs, "*", SearchOption.AllDirectories))
                {
                    File.SetLastWriteTimeUtc(f, when);
                }
            }
        }
        return target;
    }

    /// <summary>Copies a folder, links as links.</summary>
    public static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var entry in Directory.EnumerateFileSystemEntries(from))
        {
            var dest = Path.Combine(to, Path.GetFileName(entry));
            var link = new FileInfo(entry).LinkTarget;
            if (link is not null)
            {
                File.CreateSymbolicLink(dest, link);
            }
            else if (Directory.Exists(entry))
            {
                CopyTree(entry, dest);
            }
            else
            {
                File.Copy(entry, dest);
                File.SetLastWriteTimeUtc(dest, File.GetLastWriteTimeUtc(entry));
            }
        }
    }

    /// <summary>Builds the snapshot of <paramref name="root"/> and writes it as an archive; returns the archive's path.</summary>
    public static (string Archive, SnapshotContent Content, List<ReadProblem> Problems) Snapshot(SystemRoot root, string archive, SnapshotOptions? options = null)
    {
        var problems = new List<ReadProblem>();
        var content = new SnapshotBuilder(root, options ?? new SnapshotOptions(), problems.Add, _ => { }, CancellationToken.None).Build(new DateTimeOffset(2026, 1, 5, 12, 0, 0, TimeSpan.Zero));
        using (var stream = File.Create(archive))
        {
            SnapshotArchive.Write(stream, content.Entries, new DateTimeOffset(2026, 1, 5, 12, 0, 0, TimeSpan.Zero));
        }
        return (archive, content, problems);
    }

    /// <summary>Every entry of the archive in order: its name, type and pax attributes.</summary>
    public static List<(string Name, TarEntryType Type, IReadOnlyDictionary<string, string> Attributes, byte[] Data, string? Link)> Entries(string archive)
    {
        var list = new List<(string, TarEntryType, IReadOnlyDictionary<string, string>, byte[], string?)>();
        using var gz = new GZipStream(File.OpenRead(archive), CompressionMode.Decompress);
        using var reader = new TarReader(gz);
        TarEntry? e;
        while ((e = reader.GetNextEntry()) is not null)
        {
            var data = new MemoryStream();
            e.DataStream?.CopyTo(data);
            var attributes = (e as PaxTarEntry)?.ExtendedAttributes ?? new Dictionary<string, string>();
            list.Add((e.Name, e.EntryType, attributes, data.ToArray(), e.EntryType == TarEntryType.SymbolicLink ? e.LinkName : null));
        }
        return list;
    }

    /// <summary>Extracts the archive, applying sparse entries as GNU tar does (the kept ranges at their offsets, holes elsewhere).</summary>
    public static void Extract(string archive, string into)
    {
        Directory.CreateDirectory(into);
        foreach (var (name, type, attributes, data, link) in Entries(archive))
        {
            if (attributes.TryGetValue("GNU.sparse.major", out var major) && major == "1")
            {
                var path = Path.Combine(into, attributes["GNU.sparse.name"]);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                var (ranges, mapLength) = ParseSparseMap(data);
                using var f = File.Create(path);
                long at = mapLength;
                foreach (var (offset, size) in ranges)
                {
                    f.Position = offset;
                    f.Write(data, (int)at, (int)size);
                    at += size;
                }
                f.SetLength(long.Parse(attributes["GNU.sparse.realsize"], CultureInfo.InvariantCulture));
                continue;
            }
            var target = Path.Combine(into, name);
            switch (type)
            {
                case TarEntryType.Directory:
                    Directory.CreateDirectory(target);
                    break;
                case TarEntryType.SymbolicLink:
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    File.CreateSymbolicLink(target, link!);
                    break;
                default:
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    File.WriteAllBytes(target, data);
                    break;
            }
        }
    }

    /// <summary>The ranges of a sparse 1.0 map and where the data after it starts (the map is padded to 512 bytes).</summary>
    public static (List<(long Offset, long Size)> Ranges, int Length) ParseSparseMap(byte[] data)
    {
        var numbers = new List<long>();
        int pos = 0;
        while (numbers.Count == 0 || numbers.Count < 1 + 2 * numbers[0])
        {
            int nl = Array.IndexOf(data, (byte)'\n', pos);
            numbers.Add(long.Parse(Encoding.ASCII.GetString(data, pos, nl - pos), CultureInfo.InvariantCulture));
            pos = nl + 1;
        }
        var ranges = new List<(long, long)>();
        for (int i = 0; i < numbers[0]; i++)
        {
            ranges.Add((numbers[1 + 2 * i], numbers[2 + 2 * i]));
        }
        return (ranges, (pos + 511) / 512 * 512);
    }

    /// <summary>The diagnosis of a captured tree, one line per finding and per evidence line, with the tree's own path left out.</summary>
    public static List<string> Diagnose(string root)
    {
        var collector = new EvidenceCollector(_ => { }, _ => { }, CancellationToken.None);
        collector.CollectRoot(new SystemRoot(root));
        var lines = new List<string>();
        foreach (var f in DiagnosisEngine.Diagnose(collector.Machines))
        {
            lines.Add($"{f.ComputerName} {f.Rank} {f.Cause} {f.Level} {f.Confidence:0.000} {f.Score} | {f.Summary} | {f.NextTest} | {f.Recommendation}");
            lines.AddRange(f.Evidence.Select(e => "  + " + e.Replace(root, "<tree>", StringComparison.Ordinal)));
            lines.AddRange(f.AgainstIt.Select(e => "  - " + e.Replace(root, "<tree>", StringComparison.Ordinal)));
        }
        return lines;
    }

    /// <summary>Runs a program; null where it is not installed.</summary>
    public static (int Code, string Output)? Run(string program, params string[] args)
    {
        if (ProcessRunner.Find(program) is null)
        {
            return null;
        }
        var psi = new System.Diagnostics.ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = System.Diagnostics.Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, output.Result + error.Result);
    }
}
