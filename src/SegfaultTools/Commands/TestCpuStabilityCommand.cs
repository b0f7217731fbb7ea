using System.Globalization;
using System.Management.Automation;

namespace SegfaultTools.Commands;

/// <summary>
/// Finds the CPU that computes wrong answers: deterministic workloads in worker processes pinned to
/// each CPU, one core at a time and all at once, every answer checked, failures retested; or the
/// user's own failing command replayed pinned to each core type or CPU.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "CpuStability", DefaultParameterSetName = WorkloadSet)]
[OutputType(typeof(CpuStabilityResult), ParameterSetName = new[] { WorkloadSet })]
[OutputType(typeof(CommandStabilityResult), ParameterSetName = new[] { CommandSet })]
[OutputType(typeof(bool))]
public sealed class TestCpuStabilityCommand : PSCmdlet
{
    private const string WorkloadSet = "Workload";
    private const string CommandSet = "Command";

    /// <summary>Only these logical CPUs. Binds from the Cpu property of piped objects (Get-HybridCoreMap).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ValidateRange(0, int.MaxValue)]
    [ArgumentCompleter(typeof(CpuCompleter))]
    public int[]? Cpu { get; set; }

    /// <summary>Only CPUs of these core types.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(CoreTypeCompleter))]
    public CoreType[]? CoreType { get; set; }

    /// <summary>How long the whole run takes, retests excluded. Ten minutes by default.</summary>
    [Parameter(ParameterSetName = WorkloadSet)]
    public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Which workloads to run; all of them by default.</summary>
    [Parameter(ParameterSetName = WorkloadSet)]
    [ValidateNotNullOrEmpty]
    public CpuWorkload[]? Workload { get; set; }

    /// <summary>Cycle (one core at a time), AllCores (every CPU at once) or Both (Cycle first), the default.</summary>
    [Parameter(ParameterSetName = WorkloadSet)]
    public StabilityMode Mode { get; set; } = StabilityMode.Both;

    /// <summary>The seed of every workload's inputs. A failure found with one seed is repeated with the same seed; a new seed each run by default.</summary>
    [Parameter(ParameterSetName = WorkloadSet)]
    public int? Seed { get; set; }

    /// <summary>How many times a failure is run again on the same CPU with the same seed (3 by default; 0 turns retests off).</summary>
    [Parameter(ParameterSetName = WorkloadSet)]
    [ValidateRange(0, 100)]
    public int Retest { get; set; } = 3;

    /// <summary>The user's own job to replay: a script block, or the name or path of a program (its arguments in -ArgumentList).</summary>
    [Parameter(Mandatory = true, ParameterSetName = CommandSet)]
    [ValidateNotNull]
    public object Command { get; set; } = null!;

    /// <summary>Arguments for the program named by -Command, or for the script block.</summary>
    [Parameter(ParameterSetName = CommandSet)]
    [Alias("Args")]
    public object[] ArgumentList { get; set; } = Array.Empty<object>();

    /// <summary>How many times the command runs on each target (3 by default).</summary>
    [Parameter(ParameterSetName = CommandSet)]
    [ValidateRange(1, 100000)]
    public int Repeat { get; set; } = 3;

    /// <summary>Pin each run to one CPU instead of one core type.</summary>
    [Parameter(ParameterSetName = CommandSet)]
    public SwitchParameter PerCpu { get; set; }

    /// <summary>Return only $true when everything passed, else $false, like Test-Connection -Quiet.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    private readonly List<int> _piped = new();
    private readonly CancellationTokenSource _cancel = new();

    protected override void ProcessRecord()
    {
        if (Cpu is not null)
        {
            _piped.AddRange(Cpu);
        }
    }

    protected override void EndProcessing()
    {
        var root = MachineSelection.LiveLinux(this, "this machine's CPUs and runs work pinned to them");
        var selected = SelectCpus(root);
        if (selected.Count == 0)
        {
            return;
        }
        var launcher = WorkerLauncher.Find(out var problem);
        if (launcher is null)
        {
            ThrowTerminatingError(new ErrorRecord(new FileNotFoundException(problem), "WorkerNotFound", ErrorCategory.ResourceUnavailable, null)
            {
                ErrorDetails = new ErrorDetails(problem),
            });
            return;
        }
        WriteVerbose($"Workers start as: {launcher.Program} {string.Join(' ', launcher.Prefix)}");
        if (ParameterSetName == CommandSet)
        {
            ReplayCommand(launcher, selected);
        }
        else
        {
            RunWorkloads(launcher, root, selected);
        }
    }

    protected override void StopProcessing() => _cancel.Cancel();

    private List<CpuCoreInfo> SelectCpus(SystemRoot root)
    {
        var map = HybridCoreMap.Build(root);
        var known = map.Select(c => c.Cpu).ToList();
        var selected = CpuSelection.Select(map, _piped.Count > 0 ? _piped : null, CoreType, missing =>
            WriteProblem("CpuNotFound", ErrorCategory.ObjectNotFound,
                $"CPU {missing} is not on this machine (CPUs {CpuList.Format(known)}).", missing,
                "Pass CPU numbers the machine has (tab completion lists them)."));
        var result = new List<CpuCoreInfo>();
        var allowed = CpuAffinity.Get().ToHashSet();
        foreach (var c in selected)
        {
            if (!c.IsOnline)
            {
                WriteProblem("CpuOffline", ErrorCategory.ResourceUnavailable, $"CPU {c.Cpu} is offline; it is not tested.", c.Cpu,
                    $"Bring it online (echo 1 > /sys/devices/system/cpu/cpu{c.Cpu}/online, as root) to test it.");
            }
            else if (allowed.Count > 0 && !allowed.Contains(c.Cpu))
            {
                WriteProblem("CpuNotAllowed", ErrorCategory.PermissionDenied,
                    $"CPU {c.Cpu} is outside the CPUs this process may run on ({CpuList.Format(allowed)}); it is not tested.", c.Cpu,
                    "Run PowerShell without a CPU restriction (taskset, cgroup cpuset or a container's --cpuset-cpus).");
            }
            else
            {
                result.Add(c);
            }
        }
        if (result.Count == 0)
        {
            WriteProblem("NoCpuSelected", ErrorCategory.InvalidArgument, "No online CPU matches -Cpu and -CoreType; nothing was tested.", null,
                "Run Get-HybridCoreMap to see the CPUs and their core types.");
        }
        return result;
    }

    private void RunWorkloads(WorkerLauncher launcher, SystemRoot root, List<CpuCoreInfo> cpus)
    {
        var seed = Seed ?? Random.Shared.Next(1, int.MaxValue);
        var workloads = (Workload ?? Enum.GetValues<CpuWorkload>()).Distinct().ToList();
        int concurrent = Mode == StabilityMode.Cycle ? cpus.Max(c => Math.Max(1, c.ThreadSiblings?.Length ?? 1)) : cpus.Count;
        var environment = MachineMemory.WorkloadEnvironment(root, cpus[0].Cpu, concurrent);
        var options = new CpuStabilityOptions
        {
            Cpus = cpus,
            Workloads = workloads,
            Mode = Mode,
            Duration = Duration,
            Seed = seed,
            Retests = Retest,
            ComputerName = root.ComputerName,
            Environment = environment,
        };
        var run = new CpuStabilityRun(options, launcher, new CpuSensorReader(root, cpus), () => LiveHardwareErrors.Read(_cancel.Token));
        if (run.Planned > Duration + TimeSpan.FromSeconds(1))
        {
            WriteWarning($"Every workload runs at least {options.MinimumSlice.TotalMilliseconds:0} ms per phase, so this run takes about {run.Planned.TotalSeconds:0} s, not {Duration.TotalSeconds:0} s.");
        }
        WriteVerbose($"Seed {seed}; {run.Steps.Sum(s => s.Phases.Count)} phases; {run.SliceMilliseconds} ms per workload per phase; memory workload budget {environment.MemoryBudgetBytes >> 20} MiB per worker.");

        var progress = new ProgressRecord(1, "Test-CpuStability", "starting");
        bool passed = true;
        run.Progress = p =>
        {
            progress.StatusDescription = p.Status;
            progress.CurrentOperation = p.CurrentOperation;
            progress.PercentComplete = p.PercentComplete;
            progress.SecondsRemaining = p.SecondsRemaining;
            WriteProgress(progress);
        };
        run.Warning = WriteWarning;
        run.Verbose = WriteVerbose;
        run.Result = r =>
        {
            passed &= r.Passed;
            if (!Quiet)
            {
                WriteObject(r);
            }
        };
        try
        {
            run.Run(_cancel.Token);
        }
        finally
        {
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
        }
        if (Quiet && !_cancel.IsCancellationRequested)
        {
            WriteObject(passed);
        }
    }

    private void ReplayCommand(WorkerLauncher launcher, List<CpuCoreInfo> cpus)
    {
        var targets = CommandReplay.Targets(cpus, PerCpu);
        Func<ReplayTarget, ReplayOutcome> runOnce;
        string display;
        if (Command is ScriptBlock || Command is PSObject { BaseObject: ScriptBlock })
        {
            var script = Command as ScriptBlock ?? (ScriptBlock)((PSObject)Command).BaseObject;
            display = "{" + script + "}";
            runOnce = target => RunScript(script, target);
        }
        else
        {
            var name = LanguagePrimitives.ConvertTo<string>(Command);
            var application = InvokeCommand.GetCommand(name, CommandTypes.Application) as ApplicationInfo;
            if (application is null)
            {
                ThrowTerminatingError(new ErrorRecord(new FileNotFoundException($"No program '{name}' was found."), "CommandNotFound", ErrorCategory.ObjectNotFound, name)
                {
                    ErrorDetails = new ErrorDetails($"No program '{name}' was found.") { RecommendedAction = "Pass a program on PATH or its path, or a script block." },
                });
                return;
            }
            var args = ArgumentList.Select(a => LanguagePrimitives.ConvertTo<string>(a)).ToList();
            display = string.Join(' ', new[] { application.Path }.Concat(args));
            runOnce = target => CommandReplay.RunProgram(launcher, target, application.Path, args, _cancel.Token);
        }
        var progress = new ProgressRecord(2, "Test-CpuStability -Command", "starting");
        var results = CommandReplay.Run(targets, Repeat, runOnce, display, SystemRoot.Live.ComputerName, _cancel.Token, (done, total, target) =>
        {
            progress.StatusDescription = $"run {done + 1} of {total}: {target.Label}";
            progress.PercentComplete = (int)(100L * done / Math.Max(1, total));
            WriteProgress(progress);
        });
        progress.RecordType = ProgressRecordType.Completed;
        WriteProgress(progress);
        if (_cancel.IsCancellationRequested)
        {
            return;
        }
        if (Quiet)
        {
            WriteObject(results.All(r => r.Passed));
            return;
        }
        foreach (var r in results)
        {
            WriteObject(r);
        }
    }

    /// <summary>
    /// Runs the script block on this thread pinned to the target's CPUs: programs it starts inherit
    /// the pinning. It fails when it throws or leaves a non-zero $LASTEXITCODE.
    /// </summary>
    private ReplayOutcome RunScript(ScriptBlock script, ReplayTarget target)
    {
        var original = CpuAffinity.Get();
        var errno = CpuAffinity.Set(target.Cpus.ToArray());
        if (errno != 0)
        {
            return new ReplayOutcome(true, "not started", $"could not pin to {target.Label} (errno {errno})");
        }
        try
        {
            SessionState.PSVariable.Set("global:LASTEXITCODE", 0);
            script.Invoke(ArgumentList);
            var code = SessionState.PSVariable.GetValue("global:LASTEXITCODE") is { } v ? LanguagePrimitives.ConvertTo<int>(v) : 0;
            if (code == 0)
            {
                return new ReplayOutcome(false, "0", null);
            }
            var signal = SignalNames.FromExitCode(code);
            var status = signal is null ? code.ToString(CultureInfo.InvariantCulture) : $"{code} ({signal})";
            return new ReplayOutcome(true, status, $"$LASTEXITCODE {status} on {target.Label}");
        }
        catch (RuntimeException e) when (e is not PipelineStoppedException)
        {
            return new ReplayOutcome(true, "error", $"{e.Message} (on {target.Label})");
        }
        finally
        {
            if (original.Length > 0)
            {
                CpuAffinity.Set(original);
            }
        }
    }

    private void WriteProblem(string id, ErrorCategory category, string message, object? target, string recommendedAction)
    {
        WriteError(new ErrorRecord(new InvalidOperationException(message), id, category, target)
        {
            ErrorDetails = new ErrorDetails(message) { RecommendedAction = recommendedAction },
        });
    }
}
