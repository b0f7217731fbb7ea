using System.Globalization;
using System.Text;

namespace SegfaultTools;

/// <summary>
/// MANIFEST.txt at the root of a snapshot: every file with its size and where it came from, what
/// could not be read, and what was redacted (kinds and counts, never the originals).
/// </summary>
internal sealed class SnapshotManifest
{
    public const string FileName = "MANIFEST.txt";

    public DateTimeOffset CreatedAt { get; init; }

    public string ComputerName { get; init; } = "";

    public DateTimeOffset? Since { get; init; }

    public DateTimeOffset? Until { get; init; }

    public IReadOnlyList<SnapshotEntry> Entries { get; init; } = Array.Empty<SnapshotEntry>();

    public IReadOnlyList<(string What, string Why)> Missing { get; init; } = Array.Empty<(string, string)>();

    public IReadOnlyList<string> Notes { get; init; } = Array.Empty<string>();

    /// <summary>What the kernel-log capture found; null where no kernel log could be read.</summary>
    public string? KernelSummary { get; init; }

    /// <summary>Redaction counts; null where -Redact was not given.</summary>
    public IReadOnlyDictionary<RedactionKind, (int Distinct, int Replacements)>? Redaction { get; set; }

    public string Render()
    {
        var sb = new StringBuilder();
        void Line(string text = "") => sb.Append(text).Append('\n');
        var title = $"SegfaultTools snapshot of {ComputerName}";
        Line(title);
        Line(new string('=', title.Length));
        Line($"Created:    {Stamp(CreatedAt)} by Export-SegfaultSnapshot");
        Line($"Machine:    {ComputerName}");
        Line($"Window:     {(Since is { } s ? Stamp(s) : "the log's start")} to {(Until is { } u ? Stamp(u) : "the time of the snapshot")}");
        Line($"Kernel log: {KernelSummary ?? "could not be read (see Missing)"}");
        if (Redaction is null)
        {
            Line("Redacted:   no (host names, user names, home paths and addresses are as on the machine)");
        }
        else
        {
            Line("Redacted:   yes: host names, user names, home paths and IP and MAC addresses were replaced by tokens");
            Line("            (host-N, user-N, /home/user-N, ipv4-N, ipv6-N, mac-N), the same value by the same token in every file.");
            Line("            The originals are not in the snapshot. What was replaced:");
            foreach (var (kind, (distinct, replaced)) in Redaction)
            {
                Line(string.Create(CultureInfo.InvariantCulture, $"              {Redactor.Name(kind),-15} {distinct,4} different, {replaced,6} replacement(s)"));
            }
            Line("            Binary content (module bytes, stand-ins) is not rewritten.");
        }
        Line();
        Line("Read it on any machine:");
        Line("  mkdir evidence && tar xzf <this archive> -C evidence");
        Line("  Get-SegfaultDiagnosis -Root ./evidence");
        Line();

        var files = Entries.Where(e => e.Kind is SnapshotEntryKind.File or SnapshotEntryKind.StandIn).OrderBy(e => e.Path, StringComparer.Ordinal).ToList();
        Line(string.Create(CultureInfo.InvariantCulture, $"Files ({files.Count}; size in bytes as extracted, and what a stand-in stores):"));
        foreach (var e in files)
        {
            var size = e.Kind == SnapshotEntryKind.StandIn
                ? string.Create(CultureInfo.InvariantCulture, $"{e.Size} (stores {e.StoredSize})")
                : e.Size.ToString(CultureInfo.InvariantCulture);
            Line($"  {size,12}  {e.Path}");
            Line($"                from {e.Source}");
        }
        var links = Entries.Where(e => e.Kind == SnapshotEntryKind.Link).OrderBy(e => e.Path, StringComparer.Ordinal).ToList();
        if (links.Count > 0)
        {
            Line();
            Line(string.Create(CultureInfo.InvariantCulture, $"Links ({links.Count}):"));
            foreach (var e in links)
            {
                Line($"  {e.Path} -> {e.LinkTarget}");
            }
        }
        var folders = Entries.Where(e => e.Kind == SnapshotEntryKind.Directory).OrderBy(e => e.Path, StringComparer.Ordinal).ToList();
        if (folders.Count > 0)
        {
            Line();
            Line("Folders kept for their existence only:");
            foreach (var e in folders)
            {
                Line($"  {e.Path}/  ({e.Source})");
            }
        }
        Line();
        Line(Missing.Count == 0 ? "Missing: nothing; every source present on the machine was read." : "Missing (present on the machine, but not read):");
        foreach (var (what, why) in Missing)
        {
            Line($"  {what}: {why}");
        }
        Line();
        Line("Notes:");
        Line("  - var/log/kern.log holds only the kernel-log records the module's readers use (crash and hardware-error");
        Line("    records, the lines between a record's first and last line, rate-limit notices and the boot's");
        Line("    Linux version and microcode lines), with their original times; boot ids are not kept.");
        Line("  - Stand-ins have the original file's path, size and modification time but only the bytes listed; the");
        Line("    code-bytes check on the snapshot compares the Code: bytes with those (the same bytes it read here).");
        Line($"    Extraction gives them a new change time: the originals' are in {CapturedPrograms.Folder}/{SnapshotBuilder.FileTimesName}.");
        foreach (var note in Notes)
        {
            Line($"  - {note}");
        }
        return sb.ToString();
    }

    private static string Stamp(DateTimeOffset t) => t.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
}
