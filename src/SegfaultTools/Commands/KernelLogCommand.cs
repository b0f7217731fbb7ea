using System.Globalization;
using System.Management.Automation;

namespace SegfaultTools.Commands;

/// <summary>
/// What Get-SegfaultEvent and Get-HardwareErrorEvent share: the sources of kernel-log records (this
/// machine's journal or ring buffer, log files, a captured tree, strings on the pipeline), their
/// parameters, the newest-first order and -MaxEvents, and the error handling. A cmdlet names its
/// record type, its reader and assembler, and its own filters.
/// </summary>
public abstract class KernelLogCommand<T> : PSCmdlet
    where T : class
{
    protected const string LiveSet = "Live";
    protected const string PathSet = "Path";
    protected const string LiteralPathSet = "LiteralPath";
    protected const string RootSet = "Root";
    protected const string InputObjectSet = "InputObject";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ParameterSetName = RootSet)]
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    [ValidateNotNullOrEmpty]
    public string? Root { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
    [AllowEmptyString]
    [AllowNull]
    public string?[] InputObject { get; set; } = Array.Empty<string>();

    [Parameter(ParameterSetName = LiveSet)]
    public EventSource Source { get; set; } = EventSource.Auto;

    [Parameter(ParameterSetName = LiveSet)]
    [ValidateNotNullOrEmpty]
    public string? Boot { get; set; }

    [Parameter(ParameterSetName = LiveSet)]
    public SwitchParameter Wait { get; set; }

    [Parameter]
    public DateTime? Since { get; set; }

    [Parameter]
    public DateTime? Until { get; set; }

    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    public long? MaxEvents { get; set; }

    [Parameter]
    public SwitchParameter Oldest { get; set; }

    private readonly List<string> _files = new();
    private readonly CancellationTokenSource _cancel = new();
    private readonly List<T> _buffered = new();
    private KernelEventReader<T> _reader = null!;
    private IKernelRecordAssembler<T>? _inputParser;
    private long _written;
    private bool _rootMissing;

    /// <summary>The machine the records describe: this one, or the -Root tree.</summary>
    private protected SystemRoot Machine { get; private set; } = SystemRoot.Live;

    private protected abstract KernelEventReader<T> NewReader(Action<ReadProblem> problem, Action<string> verbose, CancellationToken cancel);

    private protected abstract IKernelRecordAssembler<T> NewAssembler(LogReadContext context);

    private protected abstract DateTimeOffset? TimeOf(T record);

    /// <summary>The cmdlet's filters (-Since and -Until included).</summary>
    private protected abstract bool Matches(T record);

    /// <summary>Runs once the arguments are checked and the machine is known.</summary>
    private protected virtual void Prepare()
    {
    }

    /// <summary>Runs for every record read, before the filters.</summary>
    private protected virtual void OnRead(T record)
    {
    }

    protected override void BeginProcessing()
    {
        if (Since is { } s && Until is { } u && s > u)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-Since ({s:o}) is after -Until ({u:o})."),
                "SinceAfterUntil", ErrorCategory.InvalidArgument, null));
        }
        _reader = NewReader(WriteProblem, WriteVerbose, _cancel.Token);
        if (Root is not null)
        {
            if (MachineSelection.CapturedTree(this, Root, "var/log (and proc, sys, etc)") is not { } tree)
            {
                _rootMissing = true;
                return;
            }
            Machine = tree;
        }
        Prepare();
    }

    protected override void ProcessRecord()
    {
        if (_rootMissing)
        {
            return;
        }
        switch (ParameterSetName)
        {
            case PathSet:
                foreach (var p in Path)
                {
                    ResolvePath(p, literal: false);
                }
                break;
            case LiteralPathSet:
                foreach (var p in LiteralPath)
                {
                    ResolvePath(p, literal: true);
                }
                break;
            case InputObjectSet:
                _inputParser ??= NewAssembler(new LogReadContext
                {
                    Source = "input",
                    ComputerName = SystemRoot.Live.ComputerName,
                    BootTime = NativeMethods.BootTime(),
                });
                foreach (var line in InputObject)
                {
                    if (line is null)
                    {
                        continue;
                    }
                    _inputParser.FeedLine(line, 0);
                    Emit(_inputParser.TakeReady().Select(r => r.Event), streaming: Oldest);
                }
                break;
        }
    }

    protected override void EndProcessing()
    {
        if (_rootMissing)
        {
            return;
        }
        switch (ParameterSetName)
        {
            case InputObjectSet:
                if (_inputParser is not null)
                {
                    _inputParser.Finish();
                    Emit(_inputParser.TakeReady().Select(r => r.Event), streaming: Oldest);
                    _reader.AddTally(_inputParser);
                }
                if (!Oldest)
                {
                    Emit(EventStreams.Reversed(_buffered), streaming: true);
                }
                break;
            case PathSet:
            case LiteralPathSet:
                Emit(_reader.ReadFiles(_files, Machine, !Oldest, Limit), streaming: true);
                break;
            case RootSet:
                ReadRoot();
                break;
            default:
                ReadLive();
                break;
        }
        ReportTotals();
    }

    protected override void StopProcessing() => _cancel.Cancel();

    private void ReadLive()
    {
        MachineSelection.LiveLinux(this, "the Linux kernel log");
        var source = Source;
        if (source == EventSource.Auto)
        {
            source = _reader.JournalHasKernelEntries() ? EventSource.Journal : EventSource.Kernel;
            WriteVerbose($"Reading the {(source == EventSource.Journal ? "systemd journal" : "kernel ring buffer (/dev/kmsg)")}.");
        }
        if (source == EventSource.Journal)
        {
            var context = KernelEventReader<T>.LiveJournalContext();
            Emit(_reader.ReadJournal(JournalSelector(), context, newestFirst: !Oldest, follow: false), streaming: true);
            if (Wait)
            {
                Emit(_reader.ReadJournal(new[] { "-n", "0" }, context, newestFirst: false, follow: true), streaming: true, follow: true);
            }
        }
        else
        {
            if (Boot is not null && Boot is not "0")
            {
                WriteWarning($"The kernel ring buffer holds only the current boot; -Boot {Boot} needs the journal (-Source Journal).");
                return;
            }
            var context = KernelEventReader<T>.LiveKernelContext();
            Emit(_reader.ReadKernelRing(context, newestFirst: !Oldest, follow: false), streaming: true);
            if (Wait)
            {
                Emit(_reader.ReadKernelRing(context, newestFirst: false, follow: true), streaming: true, follow: true);
            }
        }
    }

    private List<string> JournalSelector()
    {
        var args = new List<string>();
        if (Boot is not null)
        {
            args.Add("-b");
            args.Add(Boot);
        }
        if (Since is { } s)
        {
            args.Add("--since");
            args.Add(s.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
        }
        if (Until is { } u)
        {
            args.Add("--until");
            // journalctl's --until has second resolution; round up so the last second is kept.
            args.Add(u.ToLocalTime().AddSeconds(1).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
        }
        return args;
    }

    private void ReadRoot()
    {
        var events = _reader.ReadRoot(Machine, !Oldest, Limit);
        if (events is null)
        {
            WriteWarning($"No kernel log was found under '{Machine.PathOf("var/log")}' (kern.log*, syslog*, messages* or journal/).");
            return;
        }
        Emit(events, streaming: true);
    }

    /// <summary>A file read newest-first can stop once it is past -Since.</summary>
    private IEnumerable<T> Limit(IEnumerable<T> stream) =>
        Oldest || Since is null ? stream : stream.TakeWhile(e => !IsBeforeWindow(e));

    /// <summary>
    /// True once a stream read newest-first has gone past -Since: logs are written in time order,
    /// so nothing older than this (less a few minutes for clock steps) can match.
    /// </summary>
    private bool IsBeforeWindow(T e) => ToOffset(Since) is { } s && TimeOf(e) is { } t && t < s - TimeSpan.FromMinutes(5);

    private void ResolvePath(string path, bool literal)
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
                return;
            }
            var resolved = SessionState.Path.GetResolvedProviderPathFromPSPath(path, out var provider);
            if (provider.Name != "FileSystem")
            {
                WriteProblem(new ReadProblem("NotAFileSystemPath", ErrorCategory.InvalidArgument, $"'{path}' is not a file-system path.", path));
                return;
            }
            foreach (var r in resolved)
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
            WriteProblem(new ReadProblem("PathNotFound", ErrorCategory.ObjectNotFound, ex.Message, path,
                "Check the path; wildcards are allowed with -Path.", ex));
        }
    }

    private void Emit(IEnumerable<T> events, bool streaming, bool follow = false)
    {
        foreach (var e in events)
        {
            if (_cancel.IsCancellationRequested)
            {
                return;
            }
            OnRead(e);
            if (!Matches(e))
            {
                continue;
            }
            if (!streaming)
            {
                _buffered.Add(e);
                continue;
            }
            if (!follow && MaxEvents is long max && _written >= max)
            {
                return;
            }
            WriteObject(e);
            _written++;
        }
    }

    private void ReportTotals()
    {
        if (_reader.SkippedLines > 0)
        {
            WriteVerbose($"{_reader.SkippedLines} line(s) were not readable as log text (binary, over-long or malformed) and were skipped.");
        }
        if (_reader.SuppressedRecords > 0)
        {
            WriteWarning($"The kernel suppressed {_reader.SuppressedRecords} crash message(s) by rate limiting (\"callbacks suppressed\"): the events returned are a lower bound on the crashes that happened.");
        }
    }

    private protected void WriteProblem(ReadProblem p)
    {
        var record = new ErrorRecord(p.Exception ?? new InvalidOperationException(p.Message), p.ErrorId, p.Category, p.Target)
        {
            ErrorDetails = new ErrorDetails(p.Message) { RecommendedAction = p.RecommendedAction ?? string.Empty },
        };
        WriteError(record);
    }

    private protected static DateTimeOffset? ToOffset(DateTime? t) =>
        t is { } v ? new DateTimeOffset(v.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(v, DateTimeKind.Local) : v) : null;
}
