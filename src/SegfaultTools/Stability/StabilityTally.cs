namespace SegfaultTools;

/// <summary>What one CPU did with one workload in one mode, summed over the phases; becomes a <see cref="CpuStabilityResult"/>.</summary>
internal sealed class StabilityTally
{
    public long Iterations;
    public long Errors;
    public TimeSpan? FirstErrorAt;
    public string? Expected;
    public string? Actual;
    public bool Crashed;
    public string? Signal;
    public double WallMilliseconds;
    public double BusyMilliseconds;
    public double CpuMilliseconds;
    public double Operations;
    public long Discarded;
    public string? Variant;
    public string? Unit;
    public int Retests;
    public int RetestsFailed;
    public int HardwareErrors;
    public int? MaxFrequencyMHz;
    public double? MaxTemperatureC;
    public readonly List<string> Notes = new();

    public bool Failed => Errors > 0 || Crashed;

    public void AddNote(string note)
    {
        if (!Notes.Contains(note))
        {
            Notes.Add(note);
        }
    }

    /// <summary>Adds a finished slice's totals.</summary>
    public void Add(WorkerMessage result)
    {
        if (result.Errors > 0 && FirstErrorAt is null)
        {
            FirstErrorAt = TimeSpan.FromMilliseconds(WallMilliseconds + Math.Max(0, result.FirstErrorMilliseconds));
            Expected = result.Expected;
            Actual = result.Actual;
        }
        Iterations += result.Iterations;
        Errors += result.Errors;
        WallMilliseconds += result.WallMilliseconds;
        BusyMilliseconds += result.BusyMilliseconds;
        CpuMilliseconds += result.CpuMilliseconds;
        Operations += result.Operations;
        Discarded += result.Discarded;
    }

    /// <summary>Adds what is known of a slice its worker did not finish: the last counts it reported.</summary>
    public void AddUnfinished(WorkerMessage? lastProgress, double wallMilliseconds)
    {
        if (lastProgress is not null)
        {
            if (lastProgress.Errors > 0 && FirstErrorAt is null)
            {
                FirstErrorAt = TimeSpan.FromMilliseconds(WallMilliseconds);
            }
            Iterations += lastProgress.Iterations;
            Errors += lastProgress.Errors;
        }
        WallMilliseconds += wallMilliseconds;
    }

    public void SeeFrequency(int mhz) => MaxFrequencyMHz = Math.Max(MaxFrequencyMHz ?? 0, mhz);

    public void SeeTemperature(double celsius) => MaxTemperatureC = Math.Max(MaxTemperatureC ?? double.MinValue, celsius);

    public CpuStabilityResult ToResult(string computerName, CpuCoreInfo? cpu, int cpuNumber, CpuWorkload workload, StabilityMode mode, int seed)
    {
        var notes = new List<string>(Notes);
        if (Discarded > 0)
        {
            notes.Add($"{Discarded} iterations discarded: the thread was not on CPU {cpuNumber} before or after them");
        }
        if (Iterations == 0 && !Crashed && notes.Count == 0)
        {
            notes.Add("no iteration was checked");
        }
        return new CpuStabilityResult
        {
            ComputerName = computerName,
            Cpu = cpuNumber,
            CoreId = cpu?.CoreId,
            CoreType = cpu?.CoreType ?? CoreType.Unknown,
            Workload = workload,
            Mode = mode,
            Duration = TimeSpan.FromMilliseconds(Math.Round(WallMilliseconds)),
            Iterations = Iterations,
            Errors = Errors,
            FirstErrorAt = FirstErrorAt,
            Expected = Expected,
            Actual = Actual,
            Crashed = Crashed,
            Signal = Signal,
            Retests = Retests,
            RetestsFailed = RetestsFailed,
            HardwareErrors = HardwareErrors,
            MaxFrequencyMHzSeen = MaxFrequencyMHz,
            MaxTemperatureC = MaxTemperatureC,
            OpsPerSecond = BusyMilliseconds > 0 ? Operations / (BusyMilliseconds / 1000.0) : 0,
            OperationUnit = Unit,
            CpuUtilizationPercent = WallMilliseconds > 0 ? Math.Round(100.0 * CpuMilliseconds / WallMilliseconds, 1) : 0,
            Variant = Variant,
            Seed = seed,
            Passed = !Failed && HardwareErrors == 0 && Iterations > 0,
            Note = notes.Count > 0 ? string.Join("; ", notes) : null,
        };
    }
}
