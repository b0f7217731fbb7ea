using System.Globalization;
using System.IO.Compression;
using System.Management.Automation;
using System.Text;

namespace SegfaultTools;

/// <summary>What Export-SegfaultSnapshot was asked for.</summary>
internal sealed record SnapshotOptions
{
    /// <summary>Kernel-log records from this time on (the cmdlet's default: 30 days back, as Get-SegfaultDiagnosis).</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Kernel-log records up to this time.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Replace host names, user names, home paths and IP and MAC addresses with tokens.</summary>
    public bool Redact { get; init; }

    /// <summary>How long each program (nvidia-smi, ldconfig, gcc, ...) may run.</summary>
    public TimeSpan ProgramTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>The entries of a snapshot, MANIFEST.txt among them, ready to be written.</summary>
internal sealed record SnapshotContent(IReadOnlyList<SnapshotEntry> Entries, SnapshotManifest Manifest);

/// <summary>
/// Collects what the module's cmdlets read of a machine (the live one, or a captured tree) into
/// the entries of a captured tree: the kernel-log records, the /proc, /sys and /etc facts, the
/// package history, the outputs of the programs a live run calls, and stand-ins of the files the
/// code-bytes check and the profile read. Nothing is written here; nothing else is read.
/// </summary>
internal sealed partial class SnapshotBuilder
{
    /// <summary>Where the windows of crash modules go in the tree.</summary>
    internal const string ModulesFolder = ".segfaulttools/modules";

    private readonly SystemRoot _root;
    private readonly SnapshotOptions _options;
    private readonly Action<ReadProblem> _problem;
    private readonly Action<string> _verbose;
    private readonly CancellationToken _cancel;
    private readonly Dictionary<string, SnapshotEntry> _entries = new(StringComparer.Ordinal);
    private readonly List<(string What, string Why)> _missing = new();
    private readonly List<string> _notes = new();
    private readonly HashSet<string> _logHosts = new(StringComparer.OrdinalIgnoreCase);

    public SnapshotBuilder(SystemRoot root, SnapshotOptions options, Action<ReadProblem> problem, Action<string> verbose, CancellationToken cancel)
    {
        _root = root;
        _options = options;
        _problem = problem;
        _verbose = verbose;
        _cancel = cancel;
    }

    /// <summary>The machine's name as the cmdlets give it (ComputerName of its events and facts).</summary>
    private string MachineName => _root.ComputerName;

    /// <summary>Reads everything and returns the entries, redacted where asked, with MANIFEST.txt.</summary>
    public SnapshotContent Build(DateTimeOffset now)
    {
        var kernel = CaptureKernelLog();
        _cancel.ThrowIfCancellationRequested();
        CaptureFacts();
        _cancel.ThrowIfCancellationRequested();
        var ldconfig = CapturePrograms();
        _cancel.ThrowIfCancellationRequested();
        CaptureStandIns(kernel, ldconfig);

        Redactor? redactor = null;
        if (_options.Redact)
        {
            redactor = Redactor.ForMachine(_root, _logHosts);
            Redact(redactor);
        }
        var manifest = new SnapshotManifest
        {
            CreatedAt = now,
            ComputerName = redactor?.Redact(MachineName) ?? MachineName,
            Since = _options.Since,
            Until = _options.Until,
            Entries = _entries.Values.ToList(),
            Missing = _missing.Select(m => redactor is null ? m : (redactor.Redact(m.What), redactor.Redact(m.Why))).ToList(),
            Notes = _notes.Select(n => redactor?.Redact(n) ?? n).ToList(),
            KernelSummary = kernel.Summary is { } summary && redactor is not null ? redactor.Redact(summary) : kernel.Summary,
        };
        // The counts are taken last: the manifest's own lines were redacted above.
        manifest.Redaction = redactor?.Counts;
        var text = manifest.Render();
        var entries = _entries.Values.Append(SnapshotEntry.Text(SnapshotManifest.FileName, text, "written by Export-SegfaultSnapshot", now)).ToList();
        return new SnapshotContent(entries, manifest);
    }

    // ----- entries -----

    private void Add(SnapshotEntry entry)
    {
        if (!_entries.ContainsKey(entry.Path))
        {
            _entries[entry.Path] = entry;
        }
    }

    /// <summary>A source that exists but could not be read: an UnreadableSource error, and a "missing" line in the manifest.</summary>
    private void Unreadable(string what, string why, Exception? ex = null)
    {
        _missing.Add((what, why));
        _problem(new ReadProblem("UnreadableSource", ex is UnauthorizedAccessException ? ErrorCategory.PermissionDenied : ErrorCategory.ReadError,
            $"{what} could not be read: {why} It is left out of the snapshot and listed in MANIFEST.txt as missing.", what,
            ex is UnauthorizedAccessException ? "Run Export-SegfaultSnapshot with sudo to include it." : null, ex));
    }

    /// <summary>The path as the machine names it: "/proc/cpuinfo".</summary>
    private static string MachinePath(string relative) => "/" + SnapshotEntry.Normalize(relative);

    // ----- the kernel log -----

    private sealed record KernelResult(List<SegfaultEvent> Crashes, string? Summary);

    private KernelResult CaptureKernelLog()
    {
        bool failed = false;
        var capture = new KernelLogCapture(p =>
        {
            failed = true;
            _missing.Add(("the kernel log", p.Message));
            _problem(p);
        }, _verbose, _cancel)
        {
            Since = _options.Since,
            Until = _options.Until,
        };
        var lines = capture.Read(_root);
        foreach (var l in lines)
        {
            if (!string.IsNullOrWhiteSpace(l.Line.Host))
            {
                _logHosts.Add(l.Line.Host);
            }
        }
        var crashes = capture.CrashesInWindow.ToList();
        var hardware = capture.HardwareInWindow.Count();
        int boot = lines.Count(l => l.Role == KernelLineRole.Boot);
        int notices = lines.Count(l => l.Role == KernelLineRole.Suppressed);
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{crashes.Count} crash record(s) and {hardware} hardware-error or kernel-fault record(s) in the window, {boot} boot line(s) (Linux version, microcode), {notices} rate-limit notice(s); read from {capture.Origin}");
        if (failed && lines.Count == 0)
        {
            _notes.Add("No kernel log could be read, so var/log/kern.log is not in the snapshot: a diagnosis of it weighs the facts only.");
            return new KernelResult(crashes, null);
        }
        Add(SnapshotEntry.Text("var/log/kern.log", KernelLogCapture.Render(lines, MachineName),
            string.Create(CultureInfo.InvariantCulture, $"{lines.Count} kernel-log line(s): {summary}"), DateTimeOffset.Now));
        return new KernelResult(crashes, summary);
    }

    // ----- redaction -----

    private void Redact(Redactor r)
    {
        var redacted = new Dictionary<string, SnapshotEntry>(StringComparer.Ordinal);
        foreach (var e in SnapshotArchive.Ordered(_entries.Values))
        {
            e.Path = r.RedactPath(e.Path);
            e.Source = r.Redact(e.Source);
            if (e.LinkTarget is not null)
            {
                e.LinkTarget = r.RedactPath(e.LinkTarget);
            }
            if (e.IsText)
            {
                e.Content = Encoding.UTF8.GetBytes(r.Redact(Encoding.UTF8.GetString(e.Content)));
            }
            else if (e.IsGzipText)
            {
                e.Content = Gzip(r.Redact(Gunzip(e.Content)));
            }
            redacted.TryAdd(e.Path, e);
        }
        _entries.Clear();
        foreach (var (k, v) in redacted)
        {
            _entries[k] = v;
        }
    }

    internal static string Gunzip(byte[] data)
    {
        using var gz = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var reader = new StreamReader(gz, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    internal static byte[] Gzip(string text)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gz.Write(Encoding.UTF8.GetBytes(text));
        }
        return output.ToArray();
    }

    /// <summary>Whether bytes are text a person or a parser reads (UTF-8, no NUL): only such files are redacted.</summary>
    internal static bool LooksLikeText(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IndexOf((byte)0) >= 0)
        {
            return false;
        }
        try
        {
            _ = new UTF8Encoding(false, true).GetCharCount(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
