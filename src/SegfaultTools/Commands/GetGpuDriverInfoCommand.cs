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
            var resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Root);
            if (!Directory.Exists(resolved))
            {
                var message = $"The captured tree '{resolved}' does not exist.";
                WriteError(new ErrorRecord(new DirectoryNotFoundException(message), "RootNotFound", ErrorCategory.ObjectNotFound, resolved)
                {
                    ErrorDetails = new ErrorDetails(message)
                    {
                        RecommendedAction = "Pass the folder that holds the captured proc, sys and .segfaulttools (see Get-Help Get-GpuDriverInfo -Parameter Root).",
                    },
                });
                return;
            }
            root = new SystemRoot(resolved);
            tools = new CapturedGpuTools(root);
        }
        else
        {
            if (!OperatingSystem.IsLinux())
            {
                ThrowTerminatingError(new ErrorRecord(new PlatformNotSupportedException("Get-GpuDriverInfo reads Linux /proc and /sys."),
                    "PlatformNotSupported", ErrorCategory.NotImplemented, null)
                { ErrorDetails = new ErrorDetails("Get-GpuDriverInfo reads the Linux /proc and /sys; on other systems pass a captured Linux tree with -Root.") });
            }
            root = SystemRoot.Live;
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
