using System.Management.Automation;

namespace SegfaultTools.Commands;

/// <summary>
/// Which logical CPU is a performance core, an efficiency core, or one of a uniform machine; which
/// physical core, L2 cluster and socket it belongs to; and the evidence each answer rests on.
/// </summary>
[Cmdlet(VerbsCommon.Get, "HybridCoreMap", DefaultParameterSetName = LiveSet)]
[OutputType(typeof(CpuCoreInfo), ParameterSetName = new[] { LiveSet, RootSet })]
public sealed class GetHybridCoreMapCommand : PSCmdlet
{
    private const string LiveSet = "Live";
    private const string RootSet = "Root";

    /// <summary>Only these logical CPUs (as in "likely on CPU n").</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    [ValidateRange(0, int.MaxValue)]
    [ArgumentCompleter(typeof(CpuCompleter))]
    public int[]? Cpu { get; set; }

    /// <summary>Only CPUs of these core types.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(CoreTypeCompleter))]
    public CoreType[]? CoreType { get; set; }

    /// <summary>A captured tree holding sys/devices/system/cpu, proc/cpuinfo and etc/hostname, read instead of the live machine.</summary>
    [Parameter(Mandatory = true, ParameterSetName = RootSet)]
    [ValidateNotNullOrEmpty]
    public string Root { get; set; } = "/";

    protected override void ProcessRecord()
    {
        SystemRoot root;
        if (ParameterSetName == RootSet)
        {
            if (MachineSelection.CapturedTree(this, Root, "sys and proc (sys/devices/system/cpu, proc/cpuinfo)") is not { } tree)
            {
                return;
            }
            root = tree;
        }
        else
        {
            root = MachineSelection.LiveLinux(this, "the Linux /sys and /proc");
        }

        if (!TopologyReader.HasCpuDirectory(root))
        {
            var dir = root.PathOf(TopologyReader.CpuDir);
            WriteProblem("TopologyNotFound", ErrorCategory.ObjectNotFound, $"There is no CPU directory '{dir}'.", dir,
                root.IsLive ? "Mount sysfs on /sys." : "Capture sys/devices/system/cpu (and proc/cpuinfo) into the tree.");
            return;
        }

        var map = HybridCoreMap.Build(root);
        var known = map.Select(c => c.Cpu).ToList();
        var selected = CpuSelection.Select(map, Cpu, CoreType, missing =>
            WriteProblem("CpuNotFound", ErrorCategory.ObjectNotFound,
                $"CPU {missing} is not on {map.FirstOrDefault()?.ComputerName ?? root.ComputerName} (CPUs {CpuList.Format(known)}).", missing,
                "Pass CPU numbers the machine has (tab completion lists them)."));
        foreach (var info in selected)
        {
            WriteObject(info);
        }
    }

    private void WriteProblem(string id, ErrorCategory category, string message, object target, string recommendedAction)
    {
        WriteError(new ErrorRecord(new InvalidOperationException(message), id, category, target)
        {
            ErrorDetails = new ErrorDetails(message) { RecommendedAction = recommendedAction },
        });
    }
}
