using System.Management.Automation;

namespace SegfaultTools.Commands;

/// <summary>
/// The machine's specifications and software versions in one object, read from the machine (or a
/// captured tree) rather than recalled: CPU identity and running microcode with the Raptor Lake
/// verdict, cores, memory, distribution, kernel build and preemption, taint, and toolchain versions.
/// </summary>
[Cmdlet(VerbsCommon.Get, "SystemProfile", DefaultParameterSetName = LiveSet)]
[OutputType(typeof(SystemProfile), ParameterSetName = new[] { LiveSet, RootSet })]
public sealed class GetSystemProfileCommand : PSCmdlet
{
    private const string LiveSet = "Live";
    private const string RootSet = "Root";
    private readonly CancellationTokenSource _stop = new();

    /// <summary>A captured tree (proc, sys, etc, var/log, .segfaulttools) read instead of this machine; no program is run.</summary>
    [Parameter(Mandatory = true, ParameterSetName = RootSet)]
    [ValidateNotNullOrEmpty]
    public string Root { get; set; } = "/";

    protected override void ProcessRecord()
    {
        if (ParameterSetName == RootSet)
        {
            if (MachineSelection.CapturedTree(this, Root, "proc, sys and etc") is { } tree)
            {
                WriteObject(SystemProfileReader.ReadCaptured(tree));
            }
            return;
        }
        MachineSelection.LiveLinux(this, "the Linux /proc, /sys and /etc");
        WriteObject(SystemProfileReader.ReadLive(_stop.Token));
    }

    protected override void StopProcessing() => _stop.Cancel();

    protected override void EndProcessing() => _stop.Dispose();
}
