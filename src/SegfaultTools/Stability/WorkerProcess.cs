using System.Diagnostics;

namespace SegfaultTools;

/// <summary>
/// One running worker: its messages are handed to a sink as they arrive (from a reader thread), its
/// exit is reported once, and <see cref="Kill"/> ends it at once. Disposing kills it too, so no
/// worker outlives the run that started it.
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _stderrTail = new();
    private long _lastActivity;

    private WorkerProcess(Process process, int cpu)
    {
        _process = process;
        Cpu = cpu;
        _lastActivity = Stopwatch.GetTimestamp();
    }

    public int Cpu { get; }

    public int ProcessId => _process.Id;

    /// <summary>Starts the worker; <paramref name="sink"/> receives each message, then null once the worker has exited and its output is drained.</summary>
    public static WorkerProcess Start(WorkerLauncher launcher, IReadOnlyList<string> arguments, int cpu, Action<WorkerProcess, WorkerMessage?> sink)
    {
        var process = new Process { StartInfo = launcher.StartInfo(arguments) };
        process.Start();
        var worker = new WorkerProcess(process, cpu);
        worker.StartReading(sink);
        return worker;
    }

    private void StartReading(Action<WorkerProcess, WorkerMessage?> sink)
    {
        var stderr = new Thread(() =>
        {
            try
            {
                string? line;
                while ((line = _process.StandardError.ReadLine()) is not null)
                {
                    lock (_stderrTail)
                    {
                        _stderrTail.Enqueue(line);
                        if (_stderrTail.Count > 20)
                        {
                            _stderrTail.Dequeue();
                        }
                    }
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
            }
        }) { IsBackground = true, Name = $"worker {Cpu} stderr" };
        stderr.Start();
        var stdout = new Thread(() =>
        {
            try
            {
                string? line;
                while ((line = _process.StandardOutput.ReadLine()) is not null)
                {
                    Interlocked.Exchange(ref _lastActivity, Stopwatch.GetTimestamp());
                    if (WorkerMessage.Parse(line) is { } message)
                    {
                        sink(this, message);
                    }
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
            }
            try
            {
                _process.WaitForExit();
                stderr.Join(2000);
            }
            catch (InvalidOperationException)
            {
            }
            sink(this, null);
        }) { IsBackground = true, Name = $"worker {Cpu} stdout" };
        stdout.Start();
    }

    /// <summary>Time since the worker last said anything.</summary>
    public TimeSpan Silence => Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastActivity));

    /// <summary>The exit code, once exited (128 + n for a signal, as .NET reports it).</summary>
    public int? ExitCode
    {
        get
        {
            try
            {
                return _process.HasExited ? _process.ExitCode : null;
            }
            catch (InvalidOperationException)
            {
                return null;
            }
        }
    }

    /// <summary>The last lines the worker (or its runtime) wrote to standard error.</summary>
    public string StandardErrorTail
    {
        get
        {
            lock (_stderrTail)
            {
                return string.Join(" | ", _stderrTail);
            }
        }
    }

    /// <summary>Ends the worker now (SIGKILL). Safe from any thread, any number of times.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
        }
    }

    /// <summary>Waits for the worker to exit; true when it did within <paramref name="timeout"/>.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        try
        {
            return _process.WaitForExit(timeout);
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    public void Dispose()
    {
        Kill();
        WaitForExit(TimeSpan.FromSeconds(5));
        _process.Dispose();
    }
}
