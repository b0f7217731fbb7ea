using System.Management.Automation;

namespace SegfaultTools.Commands;

/// <summary>
/// The GPU driver facts a crash investigation needs: per GPU, the loaded kernel module's version and
/// flavour, the user-space libraries' version and whether the two differ, CUDA and GSP versions,
/// dkms, memory and processes. External programs run as child processes with a time limit.
/// </summary>
[Cmdlet(VerbsCommon.Get, "GpuDriverInfo", DefaultParameterSetName = LiveSet)]
[OutputType(typeof(GpuDriverInfo), ParameterSetName = new[] { LiveSet, RootSet })]
public sealed class GetGpuDriverInfoCommand : PSCmdlet
{
    private const string LiveSet = "Live";
    private const string RootSet = "Root";
    private readonly CancellationTokenSource _stop = new();

    /// <summary>A captured tree (proc/driver/nvidia, sys/module/nvidia, sys/class/drm, .segfaulttools/*) read instead of this machine; no program runs.</summary>
    [Parameter(Mandatory = true, ParameterSetName = RootSet)]
    [ValidateNotNullOrEmpty]
    public string Root { get; set; } = "/";

    protected override void ProcessRecord()
    {
        SystemRoot root;
        IGpuTools tools;
        if (ParameterSetName == RootSet)
        {
            if (MachineSelection.CapturedTree(this, Root, "proc, sys and .segfaulttools (see Get-Help Get-GpuDriverInfo -Parameter Root)") is not { } tree)
            {
                return;
            }
            root = tree;
            tools = new CapturedGpuTools(root);
        }
        else
        {
            root = MachineSelection.LiveLinux(this, "the Linux /proc and /sys");
            tools = new LiveGpuTools(cancel: _stop.Token);
        }

        var reader = new GpuDriverReader(root, tools);
        var records = reader.Read();
        foreach (var warning in reader.Warnings.Distinct())
        {
            WriteWarning(warning);
        }
        foreach (var record in records)
        {
            WriteObject(record);
        }
    }

    protected override void StopProcessing() => _stop.Cancel();

    protected override void EndProcessing() => _stop.Dispose();
}
