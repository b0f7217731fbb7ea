using System.Management.Automation;

namespace SegfaultTools.Commands;

/// <summary>Reads user-space crash records (segfaults and traps) from the kernel log.</summary>
[Cmdlet(VerbsCommon.Get, "SegfaultEvent", DefaultParameterSetName = LiveSet)]
[OutputType(typeof(SegfaultEvent))]
public sealed class GetSegfaultEventCommand : KernelLogCommand<SegfaultEvent>
{
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ProcessNameCompleter))]
    public string[]? ProcessName { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ModuleNameCompleter))]
    public string[]? Module { get; set; }

    [Parameter]
    public SegfaultKind[]? Kind { get; set; }

    private EventQuery _query = null!;
    private CoreTypeLookup _coreTypes = null!;

    private protected override KernelEventReader<SegfaultEvent> NewReader(Action<ReadProblem> problem, Action<string> verbose, CancellationToken cancel) =>
        new CrashEventReader(problem, verbose, cancel);

    private protected override IKernelRecordAssembler<SegfaultEvent> NewAssembler(LogReadContext context) => new KernelLogParser(context);

    private protected override DateTimeOffset? TimeOf(SegfaultEvent record) => record.TimeCreated;

    private protected override bool Matches(SegfaultEvent record) => _query.Matches(record);

    private protected override void Prepare()
    {
        _query = new EventQuery(ToOffset(Since), ToOffset(Until), ProcessName, Module, Kind);
        _coreTypes = new CoreTypeLookup(Machine);
    }

    /// <summary>
    /// The core type of the event's CPU, from the map of the machine read. Saved files read without
    /// -Root may come from anywhere: only those whose records name this host get this machine's map.
    /// </summary>
    private protected override void OnRead(SegfaultEvent e)
    {
        if (e.Cpu is null || e.CoreType is not null)
        {
            return;
        }
        bool fileWithoutTree = ParameterSetName is PathSet or LiteralPathSet && Root is null;
        if (fileWithoutTree && !e.HostFromRecord)
        {
            return;
        }
        e.CoreType = _coreTypes.For(e.ComputerName, e.Cpu);
    }
}
