using System.Collections.Concurrent;
using System.Diagnostics;

namespace SegfaultTools;

/// <summary>What a Test-CpuStability run is asked to do.</summary>
internal sealed class CpuStabilityOptions
{
    /// <summary>The CPUs to test (online ones), with their core map entries.</summary>
    public required IReadOnlyList<CpuCoreInfo> Cpus { get; init; }

    public required IReadOnlyList<CpuWorkload> Workloads { get; init; }
    public StabilityMode Mode { get; init; } = StabilityMode.Both;

    /// <summary>The whole run's planned time, retests excluded.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(10);

    public int Seed { get; init; }

    /// <summary>How many times a failure is run again on its CPU.</summary>
    public int Retests { get; init; } = 3;

    /// <summary>A worker silent this long is hung: it is killed and its CPU fails.</summary>
    public TimeSpan SilenceLimit { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Idle time between phases: the load goes away and comes back.</summary>
    public TimeSpan PhaseGap { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>The shortest time a workload runs in one phase, whatever Duration says.</summary>
    public TimeSpan MinimumSlice { get; init; } = TimeSpan.FromMilliseconds(250);

    public string ComputerName { get; init; } = System.Environment.MachineName;
    public WorkloadEnvironment Environment { get; init; } = WorkloadEnvironment.Default;
}

/// <summary>Where a run is, for the progress bar.</summary>
internal sealed record StabilityProgress(string Status, string CurrentOperation, int PercentComplete, int SecondsRemaining, long Errors);

/// <summary>
/// Runs Test-CpuStability's plan: starts pinned workers phase by phase, watches them (wrong
/// answers, crashes, silence), samples clocks and temperatures, retests failures on the same CPU
/// with the same seed, and hands each step's results over as soon as the step is done. Cancelling
/// kills every worker at once.
/// </summary>
internal sealed class CpuStabilityRun
{
    private static readonly TimeSpan StartupAllowance = TimeSpan.FromMilliseconds(400);

    private readonly CpuStabilityOptions _options;
    private readonly WorkerLauncher _launcher;
    private readonly CpuSensorReader? _sensors;
    private readonly Func<IReadOnlyList<HardwareErrorEvent>?>? _hardwareErrors;
    private readonly Dictionary<int, CpuCoreInfo> _map;
    private readonly IReadOnlyList<StabilityStep> _steps;
    private readonly Stopwatch _clock = new();
    private readonly List<(DateTimeOffset Start, DateTimeOffset End, IReadOnlyList<int> Cpus)> _windows = new();
    private readonly HashSet<string> _attributed = new();
    private int _stepWindows;
    private Dictionary<CpuWorkload, string> _references = new();
    private long _errorsSoFar;
    private string _status = "starting";
    private long _lastProgress = long.MinValue;
    private bool _hardwareWarned;

    public CpuStabilityRun(CpuStabilityOptions options, WorkerLauncher launcher, CpuSensorReader? sensors = null,
        Func<IReadOnlyList<HardwareErrorEvent>?>? hardwareErrors = null)
    {
        _options = options;
        _launcher = launcher;
        _sensors = sensors;
        _hardwareErrors = hardwareErrors;
        _map = options.Cpus.ToDictionary(c => c.Cpu);
        _steps = StabilityPlan.Build(options.Cpus, options.Mode);
        var phases = _steps.Sum(s => s.Phases.Count);
        var budget = options.Duration - phases * (options.PhaseGap + StartupAllowance);
        var slice = phases == 0 || options.Workloads.Count == 0 ? TimeSpan.Zero : budget / (phases * options.Workloads.Count);
        SliceMilliseconds = (int)Math.Max(options.MinimumSlice.TotalMilliseconds, slice.TotalMilliseconds);
        Planned = phases * (options.Workloads.Count * TimeSpan.FromMilliseconds(SliceMilliseconds) + options.PhaseGap + StartupAllowance);
    }

    /// <summary>Time each workload runs in each phase.</summary>
    public int SliceMilliseconds { get; }

    /// <summary>How long the run should take without retests (more than Duration when every slice is at its minimum).</summary>
    public TimeSpan Planned { get; }

    public IReadOnlyList<StabilityStep> Steps => _steps;

    public Action<StabilityProgress>? Progress { get; set; }
    public Action<CpuStabilityResult>? Result { get; set; }
    public Action<string>? Warning { get; set; }
    public Action<string>? Verbose { get; set; }

    public void Run(CancellationToken cancel)
    {
        _clock.Start();
        _status = "computing the reference answers";
        Report(force: true);
        _references = ReferenceAnswers.Compute(_options.Workloads, _options.Seed, _options.Environment,
            _options.Cpus.Select(c => c.Cpu).ToList(), note => Warning?.Invoke(note));
        foreach (var step in _steps)
        {
            if (cancel.IsCancellationRequested)
            {
                return;
            }
            _stepWindows = _windows.Count;
            var tallies = new Dictionary<(int, CpuWorkload), StabilityTally>();
            StabilityTally TallyOf(int cpu, CpuWorkload w) =>
                tallies.TryGetValue((cpu, w), out var t) ? t : tallies[(cpu, w)] = new StabilityTally();
            foreach (var phase in step.Phases)
            {
                _status = $"{step.Mode}: {phase.Label}";
                var states = RunPhase(phase.Cpus, _options.Workloads, SliceMilliseconds, cancel, TallyOf);
                if (cancel.IsCancellationRequested)
                {
                    return;
                }
                Fold(states, _options.Workloads, phase.Label, TallyOf);
                Idle(_options.PhaseGap, cancel);
            }
            Retest(step, tallies, cancel);
            if (cancel.IsCancellationRequested)
            {
                return;
            }
            AttributeHardwareErrors(step, TallyOf);
            foreach (var cpu in step.Cpus.OrderBy(c => c))
            {
                foreach (var w in _options.Workloads)
                {
                    Result?.Invoke(TallyOf(cpu, w).ToResult(_options.ComputerName, _map.GetValueOrDefault(cpu), cpu, w, step.Mode, _options.Seed));
                }
            }
        }
    }

    private sealed class WorkerState
    {
        public required int Cpu { get; init; }
        public WorkerProcess? Process { get; set; }
        public CpuWorkload? Current { get; set; }
        public WorkerMessage? LastProgress { get; set; }
        public Stopwatch SliceClock { get; } = new();
        public Dictionary<CpuWorkload, WorkerMessage> Starts { get; } = new();
        public Dictionary<CpuWorkload, WorkerMessage> Results { get; } = new();
        public string? Failure { get; set; }
        public bool Exited { get; set; }
        public bool Hung { get; set; }
        public int? ExitCode { get; set; }
        public string StandardError { get; set; } = "";
    }

    private List<WorkerState> RunPhase(IReadOnlyList<int> cpus, IReadOnlyList<CpuWorkload> workloads, int sliceMs,
        CancellationToken cancel, Func<int, CpuWorkload, StabilityTally>? sample)
    {
        var queue = new BlockingCollection<(WorkerProcess Worker, WorkerMessage? Message)>();
        var states = cpus.Select(c => new WorkerState { Cpu = c }).ToList();
        var byProcess = new Dictionary<WorkerProcess, WorkerState>();
        var started = DateTimeOffset.Now;
        int live = 0;
        foreach (var state in states)
        {
            var request = new WorkerRequest
            {
                Cpu = state.Cpu,
                Workloads = workloads,
                SliceMilliseconds = sliceMs,
                Seed = _options.Seed,
                LastLevelCacheBytes = _options.Environment.LastLevelCacheBytes,
                MemoryBudgetBytes = _options.Environment.MemoryBudgetBytes,
            };
            try
            {
                var worker = WorkerProcess.Start(_launcher, request.ToArguments(), state.Cpu, (w, m) => queue.Add((w, m)));
                state.Process = worker;
                lock (byProcess)
                {
                    byProcess[worker] = state;
                }
                live++;
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
            {
                state.Failure = $"the worker could not be started: {e.Message}";
                state.Exited = true;
            }
        }
        using var killAll = cancel.Register(() =>
        {
            foreach (var s in states)
            {
                s.Process?.Kill();
            }
        });
        var nextSample = Stopwatch.GetTimestamp();
        while (live > 0)
        {
            if (queue.TryTake(out var item, 100))
            {
                WorkerState state;
                lock (byProcess)
                {
                    state = byProcess[item.Worker];
                }
                if (item.Message is null)
                {
                    state.Exited = true;
                    state.ExitCode = item.Worker.ExitCode;
                    state.StandardError = item.Worker.StandardErrorTail;
                    live--;
                }
                else
                {
                    Apply(state, item.Message);
                }
            }
            if (cancel.IsCancellationRequested)
            {
                foreach (var s in states)
                {
                    s.Process?.Kill();
                }
                // Drain the exits so that no worker is left behind when the run returns.
                var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 5;
                while (live > 0 && Stopwatch.GetTimestamp() < deadline && queue.TryTake(out var exit, 200))
                {
                    if (exit.Message is null)
                    {
                        live--;
                    }
                }
                break;
            }
            foreach (var s in states)
            {
                if (!s.Exited && !s.Hung && s.Process is { } p && p.Silence > _options.SilenceLimit)
                {
                    s.Hung = true;
                    p.Kill();
                }
            }
            if (Stopwatch.GetTimestamp() >= nextSample)
            {
                // Often enough that even the shortest slice is sampled a few times under load.
                nextSample = Stopwatch.GetTimestamp() + Stopwatch.Frequency * Math.Clamp(sliceMs / 4, 50, 500) / 1000;
                if (sample is not null)
                {
                    Sample(states, sample);
                }
            }
            Report(force: false);
        }
        foreach (var s in states)
        {
            s.Process?.Dispose();
        }
        _windows.Add((started, DateTimeOffset.Now, cpus));
        return states;
    }

    private void Apply(WorkerState state, WorkerMessage message)
    {
        switch (message.Type)
        {
            case WorkerMessageType.Start when message.Workload is { } w:
                state.Current = w;
                state.LastProgress = null;
                state.SliceClock.Restart();
                state.Starts[w] = message;
                break;
            case WorkerMessageType.Progress:
                if (message.Errors > (state.LastProgress?.Errors ?? 0))
                {
                    Interlocked.Add(ref _errorsSoFar, message.Errors - (state.LastProgress?.Errors ?? 0));
                }
                state.LastProgress = message;
                break;
            case WorkerMessageType.Result when message.Workload is { } w:
                Interlocked.Add(ref _errorsSoFar, Math.Max(0, message.Errors - (state.LastProgress?.Errors ?? 0)));
                state.Results[w] = message;
                state.Current = null;
                state.LastProgress = null;
                break;
            case WorkerMessageType.Failed:
                state.Failure = message.Message;
                break;
        }
    }

    private void Sample(List<WorkerState> states, Func<int, CpuWorkload, StabilityTally> tallyOf)
    {
        if (_sensors is null)
        {
            return;
        }
        var running = states.Where(s => !s.Exited && s.Current is not null).ToList();
        if (running.Count == 0)
        {
            return;
        }
        var cpus = running.Select(s => s.Cpu).ToList();
        var mhz = _sensors.FrequenciesMHz(cpus);
        var temps = _sensors.TemperaturesC(cpus);
        foreach (var s in running)
        {
            var tally = tallyOf(s.Cpu, s.Current!.Value);
            if (mhz.TryGetValue(s.Cpu, out var f))
            {
                tally.SeeFrequency(f);
            }
            if (temps.TryGetValue(s.Cpu, out var t))
            {
                tally.SeeTemperature(t);
            }
        }
    }

    /// <summary>Adds one phase's worker outcomes to the tallies.</summary>
    private void Fold(List<WorkerState> states, IReadOnlyList<CpuWorkload> workloads, string phase, Func<int, CpuWorkload, StabilityTally> tallyOf)
    {
        foreach (var s in states)
        {
            var signal = s.Hung ? "SIGKILL" : s.ExitCode is { } code ? SignalNames.FromExitCode(code) : null;
            foreach (var w in workloads)
            {
                var tally = tallyOf(s.Cpu, w);
                if (s.Starts.TryGetValue(w, out var start))
                {
                    tally.Variant ??= start.Variant;
                    tally.Unit ??= start.Unit;
                    if (_references.TryGetValue(w, out var reference) && start.Reference is { } own && own != reference)
                    {
                        // Counted once per tally: one wrong reference, however many phases repeat it.
                        if (!tally.Notes.Any(n => n.StartsWith("its reference answer", StringComparison.Ordinal)))
                        {
                            tally.Errors++;
                            if (tally.FirstErrorAt is null)
                            {
                                tally.FirstErrorAt = TimeSpan.FromMilliseconds(tally.WallMilliseconds);
                                tally.Expected = reference;
                                tally.Actual = own;
                            }
                        }
                        tally.AddNote("its reference answer differed from the one computed before the run");
                    }
                }
                if (s.Results.TryGetValue(w, out var result))
                {
                    tally.Add(result);
                }
                else if (s.Current == w)
                {
                    tally.AddUnfinished(s.LastProgress, s.SliceClock.Elapsed.TotalMilliseconds);
                    tally.Crashed = true;
                    tally.Signal ??= signal ?? $"exit code {s.ExitCode}";
                    tally.AddNote(s.Hung
                        ? $"the worker stopped responding for {_options.SilenceLimit.TotalSeconds:0} s during {phase} and was killed"
                        : $"the worker died by {tally.Signal} during {phase}" + (s.StandardError.Length > 0 ? $" ({Trim(s.StandardError)})" : ""));
                }
                else if (s.Failure is { } failure)
                {
                    tally.AddNote(failure);
                }
                else if (s.Starts.Count > 0 || signal is not null)
                {
                    tally.AddNote($"not run during {phase}: the worker ended before it");
                }
            }
        }
    }

    private static string Trim(string text) => text.Length <= 200 ? text : text[..200] + "...";

    private void Retest(StabilityStep step, Dictionary<(int, CpuWorkload), StabilityTally> tallies, CancellationToken cancel)
    {
        var failing = tallies.Where(t => t.Value.Failed).Select(t => t.Key).ToList();
        if (failing.Count == 0 || _options.Retests <= 0)
        {
            return;
        }
        var slice = Math.Max(SliceMilliseconds, 1000);
        for (int round = 1; round <= _options.Retests; round++)
        {
            if (step.Mode == StabilityMode.AllCores)
            {
                // The failure happened with every CPU loaded: retest under the same load.
                var workloads = failing.Select(f => f.Item2).Distinct().OrderBy(w => w).ToList();
                _status = $"AllCores: retest {round} of {_options.Retests} ({string.Join(", ", workloads)})";
                var states = RunPhase(step.Cpus, workloads, slice, cancel, null);
                if (cancel.IsCancellationRequested)
                {
                    return;
                }
                Score(states, failing, tallies);
            }
            else
            {
                foreach (var cpu in failing.Select(f => f.Item1).Distinct().OrderBy(c => c))
                {
                    var workloads = failing.Where(f => f.Item1 == cpu).Select(f => f.Item2).OrderBy(w => w).ToList();
                    _status = $"Cycle: retest {round} of {_options.Retests} on CPU {cpu} ({string.Join(", ", workloads)})";
                    var states = RunPhase(new[] { cpu }, workloads, slice, cancel, null);
                    if (cancel.IsCancellationRequested)
                    {
                        return;
                    }
                    Score(states, failing, tallies);
                    Idle(_options.PhaseGap, cancel);
                }
            }
        }
    }

    private void Score(List<WorkerState> states, List<(int, CpuWorkload)> failing, Dictionary<(int, CpuWorkload), StabilityTally> tallies)
    {
        foreach (var s in states)
        {
            foreach (var (cpu, w) in failing.Where(f => f.Item1 == s.Cpu))
            {
                var crashed = !s.Results.ContainsKey(w) && (s.Current == w || s.Hung || (s.ExitCode is { } c && SignalNames.FromExitCode(c) is not null));
                var wrong = s.Results.TryGetValue(w, out var r) && r.Errors > 0
                    || s.Starts.TryGetValue(w, out var start) && _references.TryGetValue(w, out var reference) && start.Reference != reference;
                var tally = tallies[(cpu, w)];
                tally.Retests++;
                if (crashed || wrong)
                {
                    tally.RetestsFailed++;
                }
            }
        }
    }

    private void AttributeHardwareErrors(StabilityStep step, Func<int, CpuWorkload, StabilityTally> tallyOf)
    {
        if (_hardwareErrors is null)
        {
            return;
        }
        var events = _hardwareErrors();
        if (events is null)
        {
            if (!_hardwareWarned)
            {
                _hardwareWarned = true;
                Warning?.Invoke("Kernel hardware-error records (machine checks, EDAC) were not watched during this run: the kernel log could not be read. Run as root or a member of the adm group to include them.");
            }
            return;
        }
        var stepCpus = step.Cpus.ToHashSet();
        var windows = _windows.Skip(_stepWindows).ToList();
        foreach (var e in events)
        {
            var key = $"{e.TimeCreated:o} {e.Message}";
            // Notices (thermal throttling, kernel WARNINGs) are not errors of the CPU under test.
            if (_attributed.Contains(key) || e.TimeCreated is not { } when || e.Kind == HardwareErrorKind.KernelWarning || e.Severity == HardwareErrorSeverity.Info)
            {
                continue;
            }
            IEnumerable<int> blamed;
            if (e.Cpu is { } cpu)
            {
                if (!stepCpus.Contains(cpu) || !windows.Any(win => win.Cpus.Contains(cpu) && when >= win.Start.AddSeconds(-1) && when <= win.End.AddSeconds(1)))
                {
                    continue;
                }
                blamed = new[] { cpu };
            }
            else
            {
                var window = windows.LastOrDefault(win => when >= win.Start.AddSeconds(-1) && when <= win.End.AddSeconds(1) && win.Cpus.Any(stepCpus.Contains));
                if (window.Cpus is null)
                {
                    continue;
                }
                blamed = window.Cpus.Where(stepCpus.Contains);
            }
            _attributed.Add(key);
            foreach (var c in blamed)
            {
                foreach (var w in _options.Workloads)
                {
                    var tally = tallyOf(c, w);
                    tally.HardwareErrors++;
                    tally.AddNote($"kernel hardware-error record while under test: {e.Kind} {e.Code} {e.Meaning ?? e.Message}".TrimEnd());
                }
            }
        }
    }

    private void Idle(TimeSpan gap, CancellationToken cancel)
    {
        if (gap > TimeSpan.Zero)
        {
            cancel.WaitHandle.WaitOne(gap);
        }
    }

    private void Report(bool force)
    {
        var now = _clock.ElapsedMilliseconds;
        if (!force && now - _lastProgress < 250)
        {
            return;
        }
        _lastProgress = now;
        var planned = Math.Max(1, Planned.TotalMilliseconds);
        var percent = (int)Math.Clamp(100 * now / planned, 0, 99);
        var remaining = (int)Math.Max(0, (planned - now) / 1000);
        var errors = Interlocked.Read(ref _errorsSoFar);
        Progress?.Invoke(new StabilityProgress(_status, $"{_clock.Elapsed:hh\\:mm\\:ss} elapsed, {errors} wrong answers so far", percent, remaining, errors));
    }
}
