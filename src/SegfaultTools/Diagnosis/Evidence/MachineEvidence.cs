namespace SegfaultTools;

/// <summary>
/// Everything known about one machine's crashes, aggregated as records arrive: counts and small
/// bounded samples, never the records themselves, so a million crashes cost a few dictionaries.
/// </summary>
internal sealed class MachineEvidence
{
    public const int MaxSignatures = 50_000;
    public const int MaxCodeSamples = 64;
    public const int MaxTimes = 100_000;
    public const int MaxHardware = 20_000;

    public const string IpZero = "(ip 0)";
    public const string NoModule = "(no module)";

    public MachineEvidence(string computerName) => ComputerName = computerName;

    public string ComputerName { get; }

    // Crashes
    public long Crashes { get; private set; }
    public Dictionary<int, long> ByCpu { get; } = new();
    public Dictionary<string, long> ByModule { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, long> ByProgram { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, HashSet<string>> ProgramsByModule { get; } = new(StringComparer.Ordinal);
    public Dictionary<SegfaultKind, long> ByKind { get; } = new();
    public Dictionary<CoreType, long> ByCoreType { get; } = new();
    public Dictionary<int, CoreType> CpuTypesFromEvents { get; } = new();
    public long NullPointer { get; private set; }
    public long NullInstructionPointer { get; private set; }
    public Dictionary<string, long> NullByProgram { get; } = new(StringComparer.Ordinal);
    public DateTimeOffset? FirstCrash { get; private set; }
    public DateTimeOffset? LastCrash { get; private set; }
    public Dictionary<DateOnly, long> ByDay { get; } = new();
    public Dictionary<(string Module, ulong Offset), long> Signatures { get; } = new();
    public HashSet<string> Boots { get; } = new(StringComparer.Ordinal);
    public List<CrashFact> CodeSamples { get; } = new();
    public List<(DateTimeOffset Time, string? Module)> CrashTimes { get; } = new();
    public bool SignaturesTruncated { get; private set; }

    // Other records and facts
    public List<HardwareFact> Hardware { get; } = new();
    public long HardwareDropped { get; private set; }
    public List<StabilityFact> Stability { get; } = new();
    public List<CoreFact>? CoreMap { get; set; }
    public ProfileFact? Profile { get; set; }
    public GpuFact? Gpu { get; set; }
    public IReadOnlyList<PackageChange>? Packages { get; set; }
    public IReadOnlyList<EvidenceGap>? Gaps { get; set; }

    /// <summary>Kernel "callbacks suppressed" notices: the crash count is a lower bound.</summary>
    public long SuppressedRecords { get; set; }

    /// <summary>Where the facts came from, for the report ("the live machine", "captured tree ./evidence", "piped objects").</summary>
    public string Origin { get; set; } = "piped objects";

    /// <summary>The crashes' modules' files on disk can be read (the live machine or a captured tree).</summary>
    public SystemRoot? Files { get; set; }

    public void Add(CrashFact c)
    {
        Crashes++;
        if (c.Cpu is { } cpu)
        {
            ByCpu[cpu] = ByCpu.GetValueOrDefault(cpu) + 1;
            if (c.CoreType is { } t)
            {
                CpuTypesFromEvents[cpu] = t;
            }
        }
        if (c.CoreType is { } type)
        {
            ByCoreType[type] = ByCoreType.GetValueOrDefault(type) + 1;
        }
        // For ip 0 the kernel names the mapping above the ip, not the culprit: count such crashes by process only.
        // One string per distinct name: the samples and signatures below would otherwise keep a copy per crash.
        var module = c.InstructionPointer == 0 ? IpZero : Intern(c.Module ?? NoModule);
        ByModule[module] = ByModule.GetValueOrDefault(module) + 1;
        var program = Intern(c.ProcessName ?? "(unknown)");
        ByProgram[program] = ByProgram.GetValueOrDefault(program) + 1;
        if (!ProgramsByModule.TryGetValue(module, out var programs))
        {
            ProgramsByModule[module] = programs = new HashSet<string>(StringComparer.Ordinal);
        }
        if (programs.Count < 1000)
        {
            programs.Add(program);
        }
        ByKind[c.Kind] = ByKind.GetValueOrDefault(c.Kind) + 1;
        if (c.IsNullPointer)
        {
            NullPointer++;
            NullByProgram[program] = NullByProgram.GetValueOrDefault(program) + 1;
        }
        if (c.InstructionPointer == 0)
        {
            NullInstructionPointer++;
        }
        if (c.Time is { } time)
        {
            if (FirstCrash is null || time < FirstCrash)
            {
                FirstCrash = time;
            }
            if (LastCrash is null || time > LastCrash)
            {
                LastCrash = time;
            }
            var day = DateOnly.FromDateTime(time.UtcDateTime);
            ByDay[day] = ByDay.GetValueOrDefault(day) + 1;
            if (CrashTimes.Count < MaxTimes)
            {
                CrashTimes.Add((time, c.Module is null ? null : module));
            }
        }
        if (c.Module is not null && c.InstructionPointer != 0 && c.Offset is { } offset)
        {
            var key = (module, offset);
            if (Signatures.TryGetValue(key, out var n))
            {
                Signatures[key] = n + 1;
            }
            else if (Signatures.Count < MaxSignatures)
            {
                Signatures[key] = 1;
                if (c.Code is not null && c.FileOffset is not null && CodeSamples.Count < MaxCodeSamples)
                {
                    CodeSamples.Add(c);
                }
            }
            else
            {
                SignaturesTruncated = true;
            }
        }
        if (c.BootId is not null && Boots.Count < 10_000)
        {
            Boots.Add(c.BootId);
        }
    }

    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);

    private string Intern(string name)
    {
        if (_names.TryGetValue(name, out var known))
        {
            return known;
        }
        if (_names.Count < 100_000)
        {
            _names[name] = name;
        }
        return name;
    }

    public void Add(HardwareFact h)
    {
        if (Hardware.Count < MaxHardware)
        {
            Hardware.Add(h);
        }
        else
        {
            HardwareDropped++;
        }
    }

    public void Add(StabilityFact s) => Stability.Add(s);

    public bool HasAnyFact => Crashes > 0 || Hardware.Count > 0 || Stability.Count > 0 || Profile is not null || Gpu is not null || CoreMap is not null;
}
