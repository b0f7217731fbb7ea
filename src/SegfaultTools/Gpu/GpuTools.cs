namespace SegfaultTools;

internal enum ToolOutcome
{
    /// <summary>The program ran (or its captured output was read); Text holds what it printed.</summary>
    Ok,

    /// <summary>Not on this machine (or not captured in the tree).</summary>
    Missing,

    /// <summary>It did not finish within the time limit and was stopped.</summary>
    TimedOut,

    /// <summary>It could not be started or failed without output.</summary>
    Failed,
}

/// <summary>What one external program printed, or why there is nothing.</summary>
internal sealed record ToolOutput(string Tool, ToolOutcome Outcome, string? Text, int? ExitCode = null, string? Detail = null);

/// <summary>The programs Get-GpuDriverInfo asks: live, or their captured output under &lt;root&gt;/.segfaulttools.</summary>
internal interface IGpuTools
{
    ToolOutput NvidiaSmi();

    ToolOutput Ldconfig();

    ToolOutput DkmsStatus();

    ToolOutput ModinfoNvidia();
}

/// <summary>
/// The captured outputs of a tree, one file each under &lt;root&gt;/.segfaulttools/: nvidia-smi-q-x.xml
/// (nvidia-smi -q -x, including its error text where it failed), ldconfig-p.txt (ldconfig -p),
/// dkms-status.txt (dkms status) and modinfo-nvidia.txt (modinfo nvidia). No program runs.
/// </summary>
internal sealed class CapturedGpuTools : IGpuTools
{
    internal const string NvidiaSmiFile = "nvidia-smi-q-x.xml";
    internal const string LdconfigFile = "ldconfig-p.txt";
    internal const string DkmsFile = "dkms-status.txt";
    internal const string ModinfoFile = "modinfo-nvidia.txt";

    private readonly SystemRoot _root;

    public CapturedGpuTools(SystemRoot root) => _root = root;

    public ToolOutput NvidiaSmi() => Read("nvidia-smi", NvidiaSmiFile);

    public ToolOutput Ldconfig() => Read("ldconfig", LdconfigFile);

    public ToolOutput DkmsStatus() => Read("dkms", DkmsFile);

    public ToolOutput ModinfoNvidia() => Read("modinfo", ModinfoFile);

    private ToolOutput Read(string tool, string file)
    {
        var path = _root.PathOf(".segfaulttools/" + file);
        try
        {
            return new ToolOutput(tool, ToolOutcome.Ok, File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return new ToolOutput(tool, ToolOutcome.Missing, null, Detail: $".segfaulttools/{file} is not in the captured tree");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new ToolOutput(tool, ToolOutcome.Failed, null, Detail: $".segfaulttools/{file} could not be read: {ex.Message}");
        }
    }
}

/// <summary>
/// Runs the programs on this machine, each in its own process with a time limit, so a hung driver
/// (nvidia-smi waiting on a GPU that stopped answering) or a crashing NVML never takes the shell
/// with it. NVML is only ever loaded by nvidia-smi, never into this process.
/// </summary>
internal sealed class LiveGpuTools : IGpuTools
{
    internal static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);
    private const int MaxLines = 200_000;
    private readonly TimeSpan _timeout;
    private readonly CancellationToken _cancel;

    public LiveGpuTools(TimeSpan? timeout = null, CancellationToken cancel = default)
    {
        _timeout = timeout ?? DefaultTimeout;
        _cancel = cancel;
    }

    /// <summary>The nvidia-smi to run: found on PATH by default; tests point it at a stand-in.</summary>
    internal string NvidiaSmiProgram { get; init; } = "nvidia-smi";

    public ToolOutput NvidiaSmi() => Run(NvidiaSmiProgram, new[] { "-q", "-x" }, includeStderr: true);

    public ToolOutput Ldconfig() => Run(FindSbin("ldconfig"), new[] { "-p" }, includeStderr: false);

    public ToolOutput DkmsStatus() => Run(FindSbin("dkms"), new[] { "status" }, includeStderr: false);

    public ToolOutput ModinfoNvidia() => Run(FindSbin("modinfo"), new[] { "nvidia" }, includeStderr: false);

    /// <summary>ldconfig, dkms and modinfo live in sbin, which is not on every user's PATH.</summary>
    private static string FindSbin(string program)
    {
        if (ProcessRunner.Find(program) is not null)
        {
            return program;
        }
        return new[] { "/usr/sbin/", "/sbin/", "/usr/bin/" }.Select(d => d + program).FirstOrDefault(File.Exists) ?? program;
    }

    internal ToolOutput Run(string program, IReadOnlyList<string> args, bool includeStderr)
    {
        var name = System.IO.Path.GetFileName(program);
        if (ProcessRunner.Find(program) is null)
        {
            return new ToolOutput(name, ToolOutcome.Missing, null, Detail: $"{name} is not installed (not on PATH)");
        }
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(_cancel);
        // The idle limit ends a silent program at _timeout; this one ends one that trickles output for ever.
        limit.CancelAfter(_timeout + TimeSpan.FromSeconds(1));
        var lines = new List<string>();
        int? exit = null;
        var stderr = string.Empty;
        try
        {
            foreach (var line in ProcessRunner.StreamLines(program, args, _timeout, limit.Token, (code, err) => { exit = code; stderr = err; }))
            {
                if (lines.Count < MaxLines)
                {
                    lines.Add(line);
                }
            }
        }
        catch (ExternalProgramException ex) when (ex.Message.Contains("stopped answering", StringComparison.Ordinal))
        {
            return TimedOut(name, args);
        }
        catch (ExternalProgramException ex)
        {
            return new ToolOutput(name, ToolOutcome.Failed, null, Detail: ex.Message);
        }
        catch (Exception ex) when (ex is OperationCanceledException
            || (ex is AggregateException agg && agg.InnerExceptions.All(e => e is OperationCanceledException)))
        {
            // The time limit fired while a read was pending (the program is stopped as the enumeration ends).
            return _cancel.IsCancellationRequested ? new ToolOutput(name, ToolOutcome.Failed, null, Detail: $"{name} was stopped") : TimedOut(name, args);
        }
        if (limit.IsCancellationRequested && exit is null)
        {
            return _cancel.IsCancellationRequested
                ? new ToolOutput(name, ToolOutcome.Failed, null, Detail: $"{name} was stopped")
                : TimedOut(name, args);
        }
        var text = string.Join('\n', lines);
        if (includeStderr && !string.IsNullOrWhiteSpace(stderr))
        {
            text = text.Length == 0 ? stderr : text + "\n" + stderr;
        }
        if (text.Length == 0 && exit is not 0)
        {
            return new ToolOutput(name, ToolOutcome.Failed, null, exit, $"{name} exited with code {exit} and printed nothing{(string.IsNullOrWhiteSpace(stderr) ? "" : $" ({stderr.Trim()})")}");
        }
        return new ToolOutput(name, ToolOutcome.Ok, text, exit);
    }

    private ToolOutput TimedOut(string name, IReadOnlyList<string> args) =>
        new(name, ToolOutcome.TimedOut, null,
            Detail: $"'{name} {string.Join(' ', args)}' did not answer within {_timeout.TotalSeconds:0} s and was stopped");
}
