using System.Management.Automation;
using System.Text;

namespace SegfaultTools.Commands;

/// <summary>
/// Writes one self-contained HTML report of a machine's crashes: the ranked findings, crashes per
/// logical CPU coloured by core type, per module and per program, a timeline with hardware errors
/// and package changes, and the system profile; one section per machine.
/// </summary>
[Cmdlet(VerbsData.Export, "SegfaultReport", DefaultParameterSetName = LiveSet, SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportSegfaultReportCommand : PSCmdlet
{
    private const string LiveSet = "Live";
    private const string RootSet = "Root";
    private const string InputSet = "InputObject";

    /// <summary>The HTML file to write.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>A captured tree of another machine (var/log, proc, sys, etc, .segfaulttools).</summary>
    [Parameter(Mandatory = true, ParameterSetName = RootSet)]
    [ValidateNotNullOrEmpty]
    public string? Root { get; set; }

    /// <summary>The evidence objects Get-SegfaultDiagnosis accepts, also after Export-Csv/Import-Csv or remoting.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputSet)]
    [AllowNull]
    public PSObject? InputObject { get; set; }

    /// <summary>Only evidence from this time on. On the live machine the last 30 days by default.</summary>
    [Parameter]
    public DateTime? Since { get; set; }

    /// <summary>Only evidence up to this time.</summary>
    [Parameter]
    public DateTime? Until { get; set; }

    /// <summary>Replace host names, user names, home paths and IP/MAC addresses in the report.</summary>
    [Parameter]
    public SwitchParameter Redact { get; set; }

    /// <summary>Overwrite the file when it exists.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    private readonly CancellationTokenSource _cancel = new();
    private readonly Dictionary<string, IReadOnlyList<ProfileRow>> _profiles = new(StringComparer.OrdinalIgnoreCase);
    private EvidenceCollector _collector = null!;
    private SystemRoot? _tree;
    private string _file = "";
    private long _unused;

    protected override void BeginProcessing()
    {
        if (Since is { } s && Until is { } u && s > u)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-Since ({s:o}) is after -Until ({u:o})."),
                "SinceAfterUntil", ErrorCategory.InvalidArgument, null));
        }
        _file = OutputFile();
        _collector = new EvidenceCollector(WriteProblem, WriteVerbose, _cancel.Token) { Since = ToOffset(Since), Until = ToOffset(Until) };
        if (ParameterSetName == RootSet)
        {
            _tree = MachineSelection.CapturedTree(this, Root!, "var/log, proc, sys and etc");
        }
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName != InputSet || InputObject is null)
        {
            return;
        }
        if (!_collector.AddPiped(InputObject))
        {
            if (_unused++ == 0)
            {
                var type = InputObject.BaseObject.GetType().FullName;
                WriteError(new ErrorRecord(new ArgumentException($"A {type} is not evidence Export-SegfaultReport can show."), "UnsupportedInput",
                    ErrorCategory.InvalidType, InputObject)
                {
                    ErrorDetails = new ErrorDetails($"A {type} is not evidence Export-SegfaultReport can show.")
                    {
                        RecommendedAction = "Pipe the module's objects (Get-SegfaultEvent, Get-HardwareErrorEvent, Test-CpuStability, Get-HybridCoreMap, Get-SystemProfile, Get-GpuDriverInfo), or use -Root for a captured tree.",
                    },
                });
            }
            return;
        }
        // The profile table shows the whole SystemProfile, not only the facts the diagnosis keeps.
        if (PipedEvidence.Classify(InputObject) is (ProfileFact, var computer))
        {
            _profiles.TryAdd(computer ?? SystemRoot.Live.ComputerName, ProfileRows.From(InputObject));
        }
    }

    protected override void EndProcessing()
    {
        if (ParameterSetName == RootSet && _tree is null)
        {
            return;
        }
        if (!ShouldProcess(_file, "Write the crash report"))
        {
            return;
        }
        switch (ParameterSetName)
        {
            case LiveSet:
                MachineSelection.LiveLinux(this, "this machine's kernel log, /proc and /sys");
                _collector.Since ??= DateTimeOffset.Now.AddDays(-30);
                _collector.CollectLive();
                _profiles.TryAdd(SystemRoot.Live.ComputerName, ProfileRows.From(SystemProfileReader.ReadLive(_cancel.Token)));
                break;
            case RootSet:
                _collector.CollectRoot(_tree!);
                _profiles.TryAdd(_tree!.ComputerName, ProfileRows.From(SystemProfileReader.ReadCaptured(_tree!)));
                break;
            case InputSet:
                if (_unused > 1)
                {
                    WriteWarning($"{_unused} piped objects were not evidence and were left out.");
                }
                break;
        }
        foreach (var warning in _collector.Warnings)
        {
            WriteWarning(warning);
        }
        var machines = _collector.Machines;
        if (machines.Count == 0)
        {
            machines = new[] { _collector.Machine(_tree?.ComputerName) };
        }
        var findings = DiagnosisEngine.Diagnose(machines);
        var options = new ReportOptions
        {
            Since = _collector.Since,
            Until = _collector.Until,
            // The tree's names, people and addresses, or this machine's (piped evidence is most often this machine's).
            Redactor = Redact ? Redactor.ForMachine(_tree ?? SystemRoot.Live, machines.Select(m => m.ComputerName)) : null,
        };
        var html = HtmlReportWriter.Render(ReportMachine.From(machines, findings, _profiles), options);
        try
        {
            File.WriteAllText(_file, html, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(new ErrorRecord(e, "ReportWriteFailed", ErrorCategory.WriteError, _file)
            {
                ErrorDetails = new ErrorDetails($"The report could not be written to '{_file}': {e.Message}")
                {
                    RecommendedAction = "Pass a -Path in a folder you can write to.",
                },
            });
        }
        WriteObject(new FileInfo(_file));
    }

    protected override void StopProcessing() => _cancel.Cancel();

    /// <summary>The file -Path names; a terminating error where it cannot be written as asked.</summary>
    private string OutputFile()
    {
        string file;
        try
        {
            file = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        }
        catch (Exception e) when (e is PSNotSupportedException or ProviderNotFoundException or System.Management.Automation.DriveNotFoundException or NotSupportedException)
        {
            ThrowTerminatingError(new ErrorRecord(e, "ReportPathNotFileSystem", ErrorCategory.InvalidArgument, Path)
            {
                ErrorDetails = new ErrorDetails($"'{Path}' is not a file system path: {e.Message}") { RecommendedAction = "Pass a file path for the report." },
            });
            throw; // not reached
        }
        if (Directory.Exists(file))
        {
            Fail(new IOException($"'{file}' is a directory."), "ReportPathIsDirectory", ErrorCategory.InvalidArgument, file,
                "Name the report file, for example ./report.html.");
        }
        var folder = System.IO.Path.GetDirectoryName(file);
        if (!string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
        {
            Fail(new DirectoryNotFoundException($"The folder '{folder}' does not exist."), "ReportFolderNotFound", ErrorCategory.ObjectNotFound, folder,
                "Create the folder first, or write the report to an existing one.");
        }
        if (File.Exists(file) && !Force)
        {
            Fail(new IOException($"The file '{file}' already exists."), "ReportExists", ErrorCategory.ResourceExists, file,
                "Add -Force to overwrite it, or pass another -Path.");
        }
        return file;
    }

    private void Fail(Exception e, string id, ErrorCategory category, string target, string action) =>
        ThrowTerminatingError(new ErrorRecord(e, id, category, target)
        {
            ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = action },
        });

    private void WriteProblem(ReadProblem p) =>
        WriteError(new ErrorRecord(p.Exception ?? new InvalidOperationException(p.Message), p.ErrorId, p.Category, p.Target)
        {
            ErrorDetails = new ErrorDetails(p.Message) { RecommendedAction = p.RecommendedAction ?? string.Empty },
        });

    private static DateTimeOffset? ToOffset(DateTime? t) =>
        t is { } v ? new DateTimeOffset(v.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(v, DateTimeKind.Local) : v) : null;
}
