using System.Diagnostics;

namespace SegfaultTools;

/// <summary>
/// The worker's job: pin to one CPU, then run each workload for its slice in bursts with idle gaps,
/// checking every iteration's answer and that the thread never left its CPU.
/// </summary>
internal sealed class WorkerRun
{
    private readonly WorkerRequest _request;
    private readonly TestFaults _faults;
    private readonly Action<WorkerMessage> _send;
    private readonly Func<bool> _stopRequested;

    public WorkerRun(WorkerRequest request, TestFaults faults, Action<WorkerMessage> send, Func<bool> stopRequested)
    {
        _request = request;
        _faults = faults;
        _send = send;
        _stopRequested = stopRequested;
    }

    /// <summary>Runs everything; returns the process exit code (0 done, 2 could not pin or prepare).</summary>
    public int Execute()
    {
        int cpu = _request.Cpu;
        var errno = CpuAffinity.Set(new[] { cpu });
        if (errno != 0)
        {
            _send(new WorkerMessage
            {
                Type = WorkerMessageType.Failed,
                Cpu = cpu,
                Message = $"Could not pin to CPU {cpu} (sched_setaffinity errno {errno}): it is offline or outside this process's allowed CPUs.",
            });
            return 2;
        }
        // The kernel moves the thread at once when its current CPU leaves the mask; yield once so
        // the check below sees where it runs now.
        Thread.Yield();
        _send(new WorkerMessage { Type = WorkerMessageType.Ready, Cpu = cpu, ProcessId = Environment.ProcessId });

        var environment = new WorkloadEnvironment(_request.LastLevelCacheBytes, _request.MemoryBudgetBytes);
        foreach (var kind in _request.Workloads)
        {
            if (_stopRequested())
            {
                break;
            }
            StabilityWorkload workload;
            try
            {
                workload = StabilityWorkload.Create(kind);
                workload.Prepare(_request.Seed, environment);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _send(new WorkerMessage { Type = WorkerMessageType.Failed, Cpu = cpu, Workload = kind, Message = $"{kind} could not start: {e.Message}" });
                return 2;
            }
            try
            {
                RunSlice(workload);
            }
            finally
            {
                (workload as IDisposable)?.Dispose();
            }
        }
        _send(new WorkerMessage { Type = WorkerMessageType.Done, Cpu = cpu });
        return 0;
    }

    private void RunSlice(StabilityWorkload workload)
    {
        int cpu = _request.Cpu;
        var kind = workload.Kind;
        bool inject = _faults.Has("wrong", cpu, kind);
        bool crash = _faults.Has("crash", cpu, kind);
        bool hang = _faults.Has("hang", cpu, kind);
        _send(new WorkerMessage
        {
            Type = WorkerMessageType.Start, Cpu = cpu, Workload = kind,
            Variant = workload.Variant, Unit = workload.OperationUnit, Reference = workload.ReferenceDigest,
        });

        long iterations = 0, errors = 0, miscompares = 0, discarded = 0;
        long firstErrorMs = -1;
        string? expected = null, actual = null;
        long busyTicks = 0;
        long cpuStart = WorkerNative.ThreadCpuTicks();
        var wall = Stopwatch.StartNew();
        long sliceTicks = _request.SliceMilliseconds * Stopwatch.Frequency / 1000;
        long burstTicks = Math.Max(1, _request.BurstMilliseconds) * Stopwatch.Frequency / 1000;
        long progressTicks = Math.Max(50, _request.ProgressMilliseconds) * Stopwatch.Frequency / 1000;
        long nextProgress = progressTicks;

        while (wall.ElapsedTicks < sliceTicks && !_stopRequested())
        {
            long burstEnd = Math.Min(wall.ElapsedTicks + burstTicks, sliceTicks);
            while (wall.ElapsedTicks < burstEnd)
            {
                long t0 = Stopwatch.GetTimestamp();
                int before = CpuAffinity.CurrentCpu();
                var outcome = workload.Run(inject);
                int after = CpuAffinity.CurrentCpu();
                busyTicks += Stopwatch.GetTimestamp() - t0;
                if (before != cpu || after != cpu)
                {
                    // The answer may have been computed partly elsewhere: it proves nothing about this CPU.
                    discarded++;
                    continue;
                }
                iterations++;
                if (!outcome.Correct)
                {
                    errors++;
                    miscompares += Math.Max(1, outcome.Miscompares);
                    if (firstErrorMs < 0)
                    {
                        firstErrorMs = wall.ElapsedMilliseconds;
                        expected = outcome.Expected;
                        actual = outcome.Actual;
                    }
                }
                if (crash)
                {
                    WorkerNative.DieBySegfault();
                }
                if (hang)
                {
                    Thread.Sleep(Timeout.Infinite);
                }
                if (wall.ElapsedTicks >= nextProgress)
                {
                    nextProgress = wall.ElapsedTicks + progressTicks;
                    _send(new WorkerMessage { Type = WorkerMessageType.Progress, Cpu = cpu, Workload = kind, Iterations = iterations, Errors = errors });
                }
            }
            long remaining = sliceTicks - wall.ElapsedTicks;
            if (remaining > 0 && _request.GapMilliseconds > 0)
            {
                Thread.Sleep((int)Math.Min(_request.GapMilliseconds, remaining * 1000 / Stopwatch.Frequency + 1));
            }
        }

        double ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        _send(new WorkerMessage
        {
            Type = WorkerMessageType.Result, Cpu = cpu, Workload = kind,
            Iterations = iterations, Errors = errors, Miscompares = miscompares,
            FirstErrorMilliseconds = firstErrorMs, Expected = expected, Actual = actual,
            BusyMilliseconds = ms(busyTicks), WallMilliseconds = wall.Elapsed.TotalMilliseconds,
            CpuMilliseconds = (WorkerNative.ThreadCpuTicks() - cpuStart) / (double)TimeSpan.TicksPerMillisecond,
            Operations = (double)iterations * workload.OperationsPerIteration,
            Discarded = discarded,
        });
    }
}
