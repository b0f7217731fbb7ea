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
            var resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Root);
            if (!Directory.Exists(resolved))
            {
                var message = $"The captured tree '{resolved}' does not exist.";
                WriteError(new ErrorRecord(new DirectoryNotFoundException(message), "RootNotFound", ErrorCategory.ObjectNotFound, resolved)
                {
                    ErrorDetails = new ErrorDetails(message) { RecommendedAction = "Pass the folder that holds the captured proc, sys and etc." },
                });
                return;
            }
            WriteObject(SystemProfileReader.ReadCaptured(new SystemRoot(resolved)));
            return;
        }

        if (!OperatingSystem.IsLinux())
        {
            ThrowTerminatingError(new ErrorRecord(new PlatformNotSupportedException("Get-SystemProfile reads Linux /proc and /sys."),
                "PlatformNotSupported", ErrorCategory.NotImplemented, null)
            { ErrorDetails = new ErrorDetails("Get-SystemProfile reads the Linux /proc, /sys and /etc; on other systems pass a captured Linux tree with -Root.") });
        }
        WriteObject(SystemProfileReader.ReadLive(_stop.Token));
    }

    protected override void StopProcessing() => _stop.Cancel();

    protected override void EndProcessing() => _stop.Dispose();
}
