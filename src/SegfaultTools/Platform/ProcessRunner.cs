using System.Diagnostics;

namespace SegfaultTools;

/// <summary>Raised when an external program is missing, times out or fails.</summary>
internal sealed class ExternalProgramException : Exception
{
    public ExternalProgramException(string program, string message, Exception? inner = null)
        : base(message, inner) => Program = program;

    public string Program { get; }
}

/// <summary>
/// Runs external programs (journalctl, dmesg) with an argument list — never a shell string, so
/// nothing read from a log can become part of a command — and streams their standard output.
/// </summary>
internal static class ProcessRunner
{
    /// <summary>Finds a program on PATH; null where it is not installed.</summary>
    public static string? Find(string program)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = System.IO.Path.Combine(dir, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>
    /// Yields stdout lines as the program writes them. Stops the program when the consumer stops
    /// early or <paramref name="cancel"/> fires; a run that produces no output for
    /// <paramref name="idleTimeout"/> is killed (null: wait as long as it takes, as -Wait does).
    /// </summary>
    public static IEnumerable<string> StreamLines(string program, IReadOnlyList<string> args, TimeSpan? idleTimeout,
        CancellationToken cancel, Action<int, string>? onExit = null)
    {
        var path = Find(program) ?? throw new ExternalProgramException(program, $"'{program}' was not found on PATH.");
        var psi = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = System.Text.Encoding.UTF8,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["SYSTEMD_PAGER"] = "";
        psi.Environment["PAGER"] = "cat";
        psi.Environment["LC_ALL"] = "C";

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new ExternalProgramException(program, $"'{program}' could not be started.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new ExternalProgramException(program, $"'{program}' could not be started: {ex.Message}", ex);
        }

        using (process)
        {
            process.StandardInput.Close();
            var stderr = process.StandardError.ReadToEndAsync();
            using var registration = cancel.Register(() => Kill(process));
            try
            {
                while (true)
                {
                    var read = process.StandardOutput.ReadLineAsync(cancel).AsTask();
                    // Task.Wait would throw when the read is cancelled; WaitAny only waits, and the
                    // outcome is taken from the task below.
                    if (idleTimeout is TimeSpan t && Task.WaitAny(new Task[] { read }, t) < 0)
                    {
                        Kill(process);
                        throw new ExternalProgramException(program, $"'{program}' stopped answering for {t.TotalSeconds:0} s and was ended.");
                    }
                    string? line;
                    try
                    {
                        line = read.GetAwaiter().GetResult();
                    }
                    catch (OperationCanceledException)
                    {
                        yield break;
                    }
                    if (line is null)
                    {
                        break;
                    }
                    yield return line;
                }
                process.WaitForExit(5000);
                onExit?.Invoke(process.HasExited ? process.ExitCode : -1, stderr.Wait(2000) ? stderr.Result : string.Empty);
            }
            finally
            {
                Kill(process);
            }
        }
    }

    private static void Kill(Process p)
    {
        try
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
    }
}
