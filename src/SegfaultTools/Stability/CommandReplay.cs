using System.Diagnostics;

namespace SegfaultTools;

/// <summary>Where one set of runs of the user's command is pinned.</summary>
internal sealed record ReplayTarget(string Label, CoreType CoreType, int? Cpu, IReadOnlyList<int> Cpus);

/// <summary>One run of the user's command: did it fail, and how.</summary>
internal readonly record struct ReplayOutcome(bool Failed, string ExitStatus, string? Failure);

/// <summary>
/// Replays the user's own failing job pinned to each target in turn, round-robin so that time of day,
/// heat and caches weigh on every target alike, and counts failures per target.
/// </summary>
internal static class CommandReplay
{
    /// <summary>Per core type (the types present among <paramref name="cpus"/>), or per CPU when asked or when there is only one type.</summary>
    public static List<ReplayTarget> Targets(IReadOnlyList<CpuCoreInfo> cpus, bool perCpu)
    {
        var byType = cpus.GroupBy(c => c.CoreType).OrderBy(g => g.Key).ToList();
        if (perCpu || byType.Count < 2)
        {
            return cpus.OrderBy(c => c.Cpu).Select(c => new ReplayTarget($"CPU {c.Cpu}", c.CoreType, c.Cpu, new[] { c.Cpu })).ToList();
        }
        return byType.Select(g =>
        {
            var list = g.Select(c => c.Cpu).OrderBy(c => c).ToList();
            return new ReplayTarget($"{Describe(g.Key)} (CPUs {CpuList.Format(list.ToArray())})", g.Key, null, list);
        }).ToList();
    }

    private static string Describe(CoreType type) => type switch
    {
        CoreType.Performance => "Performance cores",
        CoreType.Efficiency => "Efficiency cores",
        CoreType.LowPowerEfficiency => "Low-power efficiency cores",
        CoreType.Uniform => "All cores",
        _ => "Cores of unknown type",
    };

    public static List<CommandStabilityResult> Run(IReadOnlyList<ReplayTarget> targets, int repeat, Func<ReplayTarget, ReplayOutcome> runOnce,
        string command, string computerName, CancellationToken cancel, Action<int, int, ReplayTarget>? progress = null)
    {
        var runs = targets.ToDictionary(t => t, _ => new List<(ReplayOutcome Outcome, TimeSpan Took)>());
        int done = 0, total = repeat * targets.Count;
        for (int round = 0; round < repeat && !cancel.IsCancellationRequested; round++)
        {
            foreach (var target in targets)
            {
                if (cancel.IsCancellationRequested)
                {
                    break;
                }
                progress?.Invoke(done, total, target);
                var clock = Stopwatch.StartNew();
                var outcome = runOnce(target);
                if (cancel.IsCancellationRequested)
                {
                    break; // a run cut short by Ctrl+C says nothing about the target
                }
                runs[target].Add((outcome, clock.Elapsed));
                done++;
            }
        }
        return targets.Where(t => runs[t].Count > 0).Select(t =>
        {
            var list = runs[t];
            int failures = list.Count(r => r.Outcome.Failed);
            var total = TimeSpan.FromTicks(list.Sum(r => r.Took.Ticks));
            return new CommandStabilityResult
            {
                ComputerName = computerName,
                Target = t.Label,
                CoreType = t.CoreType,
                Cpu = t.Cpu,
                Cpus = CpuList.Format(t.Cpus.ToArray()),
                Runs = list.Count,
                Failures = failures,
                FailureRate = list.Count > 0 ? Math.Round((double)failures / list.Count, 4) : 0,
                ExitCodes = string.Join(", ", list.GroupBy(r => r.Outcome.ExitStatus).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                    .Select(g => $"{g.Key} x{g.Count()}")),
                FirstFailure = list.FirstOrDefault(r => r.Outcome.Failed).Outcome.Failure,
                AverageDuration = list.Count > 0 ? total / list.Count : TimeSpan.Zero,
                TotalDuration = total,
                Command = command,
                Passed = failures == 0,
            };
        }).ToList();
    }

    /// <summary>Runs a program pinned to <paramref name="target"/>'s CPUs through the worker's exec verb (pinned before the program starts, so all its threads are).</summary>
    public static ReplayOutcome RunProgram(WorkerLauncher launcher, ReplayTarget target, string program, IReadOnlyList<string> arguments,
        CancellationToken cancel, Action<string>? output = null)
    {
        var args = new List<string> { "exec", "--cpus", string.Join(',', target.Cpus), "--", program };
        args.AddRange(arguments);
        using var process = new Process { StartInfo = launcher.StartInfo(args) };
        var tail = new Queue<string>();
        void Keep(string? line)
        {
            if (line is null)
            {
                return;
            }
            output?.Invoke(line);
            lock (tail)
            {
                tail.Enqueue(line);
                if (tail.Count > 5)
                {
                    tail.Dequeue();
                }
            }
        }
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using (cancel.Register(() =>
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
        }))
        {
            process.WaitForExit();
        }
        var code = process.ExitCode;
        var signal = SignalNames.FromExitCode(code);
        var status = signal is null ? code.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{code} ({signal})";
        if (code == 0)
        {
            return new ReplayOutcome(false, status, null);
        }
        string last;
        lock (tail)
        {
            last = string.Join(" | ", tail);
        }
        return new ReplayOutcome(true, status, $"exit {status} on {target.Label}" + (last.Length > 0 ? $": {last}" : ""));
    }
}
