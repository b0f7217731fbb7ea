using System.Management.Automation;

namespace SegfaultTools.Commands;

/// <summary>
/// Weighs a machine's crash evidence and says which cause it supports, how strongly, what speaks
/// against it, and which test would confirm or rule it out; one ranked list per machine.
/// </summary>
[Cmdlet(VerbsCommon.Get, "SegfaultDiagnosis", DefaultParameterSetName = LiveSet)]
[OutputType(typeof(SegfaultFinding))]
public sealed class GetSegfaultDiagnosisCommand : PSCmdlet
{
    private const string LiveSet = "Live";
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";
    private const string RootSet = "Root";
    private const string InputSet = "InputObject";

    /// <summary>Log files to diagnose (wildcards allowed): one diagnosis per host named in them.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Log files to diagnose, taken literally.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    /// <summary>A captured tree of another machine (var/log, proc, sys, etc, .segfaulttools).</summary>
    [Parameter(Mandatory = true, ParameterSetName = RootSet)]
    [ValidateNotNullOrEmpty]
    public string? Root { get; set; }

    /// <summary>SegfaultEvent, HardwareErrorEvent, CpuStabilityResult, CommandStabilityResult, CpuCoreInfo, SystemProfile and GpuDriverInfo objects, also after Export-Csv/Import-Csv or remoting.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputSet)]
    [AllowNull]
    public PSObject? InputObject { get; set; }

    /// <summary>Only evidence from this time on. On the live machine the last 30 days by default.</summary>
    [Parameter]
    public DateTime? Since { get; set; }

    /// <summary>Only evidence up to this time.</summary>
    [Parameter]
    public DateTime? Until { get; set; }

    private readonly CancellationTokenSource _cancel = new();
    private readonly List<string> _files = new();
    private EvidenceCollector _collector = null!;
    private SystemRoot? _tree;
    private long _unused;

    protected override void BeginProcessing()
    {
        if (Since is { } s && Until is { } u && s > u)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-Since ({s:o}) is after -Until ({u:o})."),
                "SinceAfterUntil", ErrorCategory.InvalidArgument, null));
        }
        // The live default window is set in EndProcessing: with pipeline input the parameter set is
        // not known yet here.
        _collector = new EvidenceCollector(WriteProblem, WriteVerbose, _cancel.Token) { Since = ToOffset(Since), Until = ToOffset(Until) };
        if (ParameterSetName == RootSet)
        {
            _tree = MachineSelection.CapturedTree(this, Root!, "var/log, proc, sys and etc");
        }
    }

    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case InputSet:
                if (InputObject is not null && !_collector.AddPiped(InputObject))
                {
                    if (_unused++ == 0)
                    {
                        var type = InputObject.BaseObject.GetType().FullName;
                        WriteError(new ErrorRecord(new ArgumentException($"A {type} is not evidence Get-SegfaultDiagnosis can weigh."), "UnsupportedInput",
                            ErrorCategory.InvalidType, InputObject)
                        {
                            ErrorDetails = new ErrorDetails($"A {type} is not evidence Get-SegfaultDiagnosis can weigh.")
                            {
                                RecommendedAction = "Pipe the module's objects (Get-SegfaultEvent, Get-HardwareErrorEvent, Test-CpuStability, Get-HybridCoreMap, Get-SystemProfile, Get-GpuDriverInfo), or pass log files with -Path.",
                            },
                        });
                    }
                }
                break;
            case PathSet:
                Resolve(Path, literal: false);
                break;
            case LiteralPathSet:
                Resolve(LiteralPath, literal: true);
                break;
        }
    }

    protected override void EndProcessing()
    {
        switch (ParameterSetName)
        {
            case LiveSet:
                MachineSelection.LiveLinux(this, "this machine's kernel log, /proc and /sys");
                _collector.Since ??= DateTimeOffset.Now.AddDays(-30);
                _collector.CollectLive();
                break;
            case RootSet:
                if (_tree is null)
                {
                    return;
                }
                _collector.CollectRoot(_tree);
                break;
            case PathSet:
            case LiteralPathSet:
                if (_files.Count == 0)
                {
                    return;
                }
                _collector.CollectFiles(_files);
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
            // Nothing arrived at all (an empty pipeline or a log with no host's records): say so as a finding.
            machines = new[] { _collector.Machine(_tree?.ComputerName) };
        }
        foreach (var finding in DiagnosisEngine.Diagnose(machines))
        {
            WriteObject(finding);
        }
    }

    protected override void StopProcessing() => _cancel.Cancel();

    private void Resolve(string[] paths, bool literal)
    {
        foreach (var path in paths)
        {
            try
            {
                if (literal)
                {
                    var full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
                    if (!File.Exists(full))
                    {
                        throw new ItemNotFoundException($"Cannot find path '{full}' because it does not exist.");
                    }
                    _files.Add(full);
                    continue;
                }
                foreach (var r in SessionState.Path.GetResolvedProviderPathFromPSPath(path, out _))
                {
                    if (Directory.Exists(r))
                    {
                        WriteProblem(new ReadProblem("PathIsDirectory", ErrorCategory.InvalidArgument, $"'{r}' is a directory.", r,
                            "Pass the log files (for example /var/log/kern.log*), or use -Root for a captured tree."));
                        continue;
                    }
                    _files.Add(r);
                }
            }
            catch (ItemNotFoundException ex)
            {
                WriteProblem(new ReadProblem("PathNotFound", ErrorCategory.ObjectNotFound, ex.Message, path, "Check the path; wildcards are allowed with -Path.", ex));
            }
        }
    }

    private void WriteProblem(ReadProblem p) =>
        WriteError(new ErrorRecord(p.Exception ?? new InvalidOperationException(p.Message), p.ErrorId, p.Category, p.Target)
        {
            ErrorDetails = new ErrorDetails(p.Message) { RecommendedAction = p.RecommendedAction ?? string.Empty },
        });

    private static DateTimeOffset? ToOffset(DateTime? t) =>
        t is { } v ? new DateTimeOffset(v.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(v, DateTimeKind.Local) : v) : null;
}
