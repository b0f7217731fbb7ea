using System.Management.Automation;

namespace SegfaultTools.Commands;

/// <summary>
/// Reads hardware error records from the kernel log: NVIDIA Xid and driver errors, machine checks,
/// EDAC memory errors, PCIe AER errors and CPU thermal throttling.
/// </summary>
[Cmdlet(VerbsCommon.Get, "HardwareErrorEvent", DefaultParameterSetName = LiveSet)]
[OutputType(typeof(HardwareErrorEvent))]
public sealed class GetHardwareErrorEventCommand : KernelLogCommand<HardwareErrorEvent>
{
    [Parameter]
    public HardwareErrorKind[]? Kind { get; set; }

    private HardwareEventQuery _query = null!;

    private protected override KernelEventReader<HardwareErrorEvent> NewReader(Action<ReadProblem> problem, Action<string> verbose, CancellationToken cancel) =>
        new HardwareEventReader(problem, verbose, cancel);

    private protected override IKernelRecordAssembler<HardwareErrorEvent> NewAssembler(LogReadContext context) => new HardwareErrorAssembler(context);

    private protected override DateTimeOffset? TimeOf(HardwareErrorEvent record) => record.TimeCreated;

    private protected override bool Matches(HardwareErrorEvent record) => _query.Matches(record);

    private protected override void Prepare() => _query = new HardwareEventQuery(ToOffset(Since), ToOffset(Until), Kind);
}
