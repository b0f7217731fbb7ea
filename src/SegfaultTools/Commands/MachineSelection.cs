using System.Management.Automation;

namespace SegfaultTools.Commands;

/// <summary>
/// Which machine a cmdlet reads, decided the same way everywhere: the captured tree -Root names,
/// or this machine, which must be Linux.
/// </summary>
internal static class MachineSelection
{
    /// <summary>
    /// The captured tree at <paramref name="root"/>; null, with a RootNotFound error written, where
    /// it does not exist. <paramref name="holds"/> says what the tree should hold, for the advice.
    /// </summary>
    public static SystemRoot? CapturedTree(PSCmdlet cmdlet, string root, string holds)
    {
        var resolved = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(root);
        if (Directory.Exists(resolved))
        {
            return new SystemRoot(resolved);
        }
        var message = $"The captured tree '{resolved}' does not exist.";
        cmdlet.WriteError(new ErrorRecord(new DirectoryNotFoundException(message), "RootNotFound", ErrorCategory.ObjectNotFound, resolved)
        {
            ErrorDetails = new ErrorDetails(message) { RecommendedAction = $"Pass the folder that holds the captured {holds}." },
        });
        return null;
    }

    /// <summary>This machine; a terminating error off Linux, where there is no /proc, /sys or kernel log to read.</summary>
    public static SystemRoot LiveLinux(PSCmdlet cmdlet, string reads)
    {
        if (!OperatingSystem.IsLinux())
        {
            var name = cmdlet.MyInvocation.MyCommand.Name;
            cmdlet.ThrowTerminatingError(new ErrorRecord(new PlatformNotSupportedException($"{name} reads {reads}."),
                "PlatformNotSupported", ErrorCategory.NotImplemented, null)
            { ErrorDetails = new ErrorDetails($"{name} reads {reads}; on other systems pass a captured Linux tree with -Root, or a copied log with -Path.") });
        }
        return SystemRoot.Live;
    }
}
