namespace SegfaultTools;

/// <summary>
/// A program whose output Get-SystemProfile reads: run on the live machine, or, for a captured
/// tree, read from &lt;root&gt;/.segfaulttools/&lt;FileName&gt; (the program's stdout saved as text).
/// </summary>
internal sealed record ProgramCapture(string FileName, string Program, string[] Args, bool RunsLive = true)
{
    /// <summary>`gcc --version`.</summary>
    public static readonly ProgramCapture Gcc = new("gcc-version.txt", "gcc", new[] { "--version" });

    /// <summary>`python3 --version`.</summary>
    public static readonly ProgramCapture Python = new("python3-version.txt", "python3", new[] { "--version" });

    /// <summary>`ldconfig -p`: where the dynamic linker finds libstdc++.so.6.</summary>
    public static readonly ProgramCapture Ldconfig = new("ldconfig-p.txt", "ldconfig", new[] { "-p" });

    /// <summary>`ldd --version`: the captured tree's glibc (live, the library itself is asked instead).</summary>
    public static readonly ProgramCapture Ldd = new("ldd-version.txt", "ldd", new[] { "--version" }, RunsLive: false);

    /// <summary>`dmesg` (any of its output formats): the boot's microcode lines.</summary>
    public static readonly ProgramCapture Dmesg = new("dmesg.txt", "dmesg", new[] { "--raw" });

    public string Display => string.Join(' ', new[] { Program }.Concat(Args));
}

/// <summary>Program output, live or captured.</summary>
internal interface IProgramOutputs
{
    /// <summary>The output lines, or null with <paramref name="problem"/> saying why there are none.</summary>
    IReadOnlyList<string>? Read(ProgramCapture capture, out string? problem);
}

/// <summary>Runs the program with a time limit; a missing, hanging or failing program gives a reason, never an exception.</summary>
internal sealed class LivePrograms : IProgramOutputs
{
    private readonly TimeSpan _timeout;
    private readonly CancellationToken _cancel;

    public LivePrograms(TimeSpan timeout, CancellationToken cancel)
    {
        _timeout = timeout;
        _cancel = cancel;
    }

    /// <summary>Where a program lives when PATH lacks it (ldconfig is in /sbin, outside a normal user's PATH).</summary>
    private static readonly string[] SbinDirs = { "/usr/sbin", "/sbin" };

    private string TimedOut(ProgramCapture capture) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"'{capture.Display}' did not finish within {_timeout.TotalSeconds:0} s and was ended.");

    public IReadOnlyList<string>? Read(ProgramCapture capture, out string? problem)
    {
        problem = null;
        var program = ProcessRunner.Find(capture.Program)
            ?? SbinDirs.Select(d => Path.Combine(d, capture.Program)).FirstOrDefault(File.Exists);
        if (program is null)
        {
            problem = $"'{capture.Program}' is not installed (not on PATH).";
            return null;
        }
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(_cancel);
        // The idle limit ends a silent program first; the overall limit (a little later) ends one that keeps talking.
        limit.CancelAfter(_timeout + TimeSpan.FromSeconds(2));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var lines = new List<string>();
        int? exit = null;
        string stderr = "";
        try
        {
            foreach (var line in ProcessRunner.StreamLines(program, capture.Args, _timeout, limit.Token, (code, err) => { exit = code; stderr = err; }))
            {
                if (lines.Count < 100_000)
                {
                    lines.Add(line);
                }
            }
        }
        catch (ExternalProgramException ex)
        {
            problem = clock.Elapsed >= _timeout ? TimedOut(capture) : ex.Message;
            return null;
        }
        catch (AggregateException ex) when (ex.InnerException is OperationCanceledException)
        {
            // ProcessRunner's idle wait can surface the cancellation this way.
            problem = _cancel.IsCancellationRequested ? $"'{capture.Display}' was stopped." : TimedOut(capture);
            return null;
        }
        if (exit is null && limit.IsCancellationRequested)
        {
            problem = _cancel.IsCancellationRequested ? $"'{capture.Display}' was stopped." : TimedOut(capture);
            return null;
        }
        if (lines.Count == 0 && stderr.Trim().Length > 0 && exit == 0)
        {
            // Python 2 and some tools print their version on stderr.
            return stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
        if (exit is int code && code != 0 && lines.Count == 0)
        {
            var first = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim();
            problem = $"'{capture.Display}' exited with code {code}" + (string.IsNullOrEmpty(first) ? "." : $": {first}");
            return null;
        }
        return lines;
    }
}

/// <summary>A captured tree's saved outputs; nothing is run.</summary>
internal sealed class CapturedPrograms : IProgramOutputs
{
    public const string Folder = ".segfaulttools";
    private readonly SystemRoot _root;

    public CapturedPrograms(SystemRoot root) => _root = root;

    public string PathOf(ProgramCapture capture) => _root.PathOf(Folder + "/" + capture.FileName);

    public IReadOnlyList<string>? Read(ProgramCapture capture, out string? problem)
    {
        var path = PathOf(capture);
        try
        {
            problem = null;
            return File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            problem = $"The captured tree has no {Folder}/{capture.FileName} (the output of `{capture.Display}`), and no program is run for a captured tree.";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = $"{path} could not be read: {ex.Message}";
        }
        return null;
    }
}
