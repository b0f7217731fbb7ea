using System.Management.Automation;

namespace SegfaultTools.Commands;

/// <summary>
/// Writes what the module's cmdlets read of this machine into one gzip'd tar: the kernel-log
/// records that matter, the /proc, /sys and /etc facts, the package history, the outputs of the
/// programs a live run calls and the bytes around each crash in its module, laid out as a captured
/// tree that -Root reads on any machine once extracted. Nothing else is written.
/// </summary>
[Cmdlet(VerbsData.Export, "SegfaultSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(FileInfo))]
public sealed class ExportSegfaultSnapshotCommand : PSCmdlet
{
    private readonly CancellationTokenSource _stop = new();

    /// <summary>The archive to write (a .tar.gz).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Kernel-log records from this time on; the last 30 days by default, as Get-SegfaultDiagnosis reads.</summary>
    [Parameter]
    public DateTime? Since { get; set; }

    /// <summary>Kernel-log records up to this time.</summary>
    [Parameter]
    public DateTime? Until { get; set; }

    /// <summary>Replace host names, user names, home paths and IP and MAC addresses with tokens.</summary>
    [Parameter]
    public SwitchParameter Redact { get; set; }

    /// <summary>Overwrite an existing file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void EndProcessing()
    {
        MachineSelection.LiveLinux(this, "this machine's kernel log, /proc, /sys and /etc");
        var since = ToOffset(Since) ?? DateTimeOffset.Now.AddDays(-30);
        var until = ToOffset(Until);
        if (until is { } u && since > u)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-Since ({since:o}) is after -Until ({u:o})."),
                "SinceAfterUntil", ErrorCategory.InvalidArgument, null));
        }

        string target;
        try
        {
            target = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path, out var provider, out _);
            if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
            {
                throw new NotSupportedException($"'{Path}' is not a file-system path ({provider.Name}).");
            }
        }
        catch (Exception ex) when (ex is NotSupportedException or ProviderNotFoundException or System.Management.Automation.DriveNotFoundException)
        {
            Fail(ex, "PathNotFileSystem", ErrorCategory.InvalidArgument, Path, "Give a path in the file system, for example ./evidence.tar.gz.");
            return;
        }
        if (Directory.Exists(target))
        {
            Fail(new IOException($"'{target}' is a folder."), "PathIsDirectory", ErrorCategory.InvalidArgument, target,
                "Give the archive's file name, for example ./evidence.tar.gz.");
        }
        var folder = System.IO.Path.GetDirectoryName(target);
        if (string.IsNullOrEmpty(folder) || !Directory.Exists(folder))
        {
            Fail(new DirectoryNotFoundException($"The folder of '{target}' does not exist."), "ParentNotFound", ErrorCategory.ObjectNotFound, target,
                "Create the folder first, or write the archive into an existing one.");
        }
        if (File.Exists(target) && !Force)
        {
            Fail(new IOException($"'{target}' already exists."), "PathExists", ErrorCategory.ResourceExists, target,
                "Use -Force to overwrite it, or give another path.");
        }
        if (!ShouldProcess(target, Redact ? "Write a redacted snapshot of this machine's crash evidence" : "Write a snapshot of this machine's crash evidence"))
        {
            return;
        }

        var options = new SnapshotOptions { Since = since, Until = until, Redact = Redact };
        var builder = new SnapshotBuilder(SystemRoot.Live, options, WriteProblem, WriteVerbose, _stop.Token);
        SnapshotContent content;
        try
        {
            content = builder.Build(DateTimeOffset.Now);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        WriteVerbose($"Writing {content.Entries.Count} entries to {target}.");
        // Written beside the target and moved into place, so a failed or stopped run leaves no half archive.
        var partial = System.IO.Path.Combine(folder!, "." + System.IO.Path.GetFileName(target) + "." + Guid.NewGuid().ToString("N")[..8] + ".partial");
        try
        {
            using (var stream = new FileStream(partial, FileMode.CreateNew, FileAccess.Write))
            {
                SnapshotArchive.Write(stream, content.Entries, DateTimeOffset.Now);
            }
            File.Move(partial, target, overwrite: Force);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(partial);
            Fail(ex, "WriteFailed", ex is UnauthorizedAccessException ? ErrorCategory.PermissionDenied : ErrorCategory.WriteError, target,
                "Check that the folder is writable and has room.");
        }
        catch
        {
            TryDelete(partial);
            throw;
        }
        // Through the provider, so the FileInfo carries PSPath and pipes into the item cmdlets.
        var written = InvokeProvider.Item.Get(new[] { target }, force: true, literalPath: true);
        WriteObject(written.Count > 0 ? written[0] : new FileInfo(target));
    }

    protected override void StopProcessing() => _stop.Cancel();

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private void Fail(Exception ex, string id, ErrorCategory category, string target, string action) =>
        ThrowTerminatingError(new ErrorRecord(ex, id, category, target)
        {
            ErrorDetails = new ErrorDetails(ex.Message) { RecommendedAction = action },
        });

    private void WriteProblem(ReadProblem p) =>
        WriteError(new ErrorRecord(p.Exception ?? new InvalidOperationException(p.Message), p.ErrorId, p.Category, p.Target)
        {
            ErrorDetails = new ErrorDetails(p.Message) { RecommendedAction = p.RecommendedAction ?? string.Empty },
        });

    private static DateTimeOffset? ToOffset(DateTime? t) =>
        t is { } v ? new DateTimeOffset(v.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(v, DateTimeKind.Local) : v) : null;
}
