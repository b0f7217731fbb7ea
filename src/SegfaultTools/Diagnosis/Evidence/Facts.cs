namespace SegfaultTools;

/// <summary>What the diagnosis needs of one crash, whether it came as a SegfaultEvent, from a CSV file or over remoting.</summary>
internal sealed record CrashFact
{
    public string? ComputerName { get; init; }
    public DateTimeOffset? Time { get; init; }
    public string? ProcessName { get; init; }
    public string? Module { get; init; }
    public int? Cpu { get; init; }
    public CoreType? CoreType { get; init; }
    public SegfaultKind Kind { get; init; }
    public bool IsNullPointer { get; init; }
    public ulong? InstructionPointer { get; init; }
    public ulong? FaultAddress { get; init; }
    public ulong? ErrorCode { get; init; }
    public ulong? FileOffset { get; init; }
    public ulong? ModuleOffset { get; init; }
    public ulong? ModuleSize { get; init; }
    public string? Code { get; init; }
    public string? BootId { get; init; }

    public static CrashFact From(SegfaultEvent e) => new()
    {
        ComputerName = e.ComputerName,
        Time = e.TimeCreated,
        ProcessName = e.ProcessName,
        Module = e.Module,
        Cpu = e.Cpu,
        CoreType = e.CoreType,
        Kind = e.Kind,
        IsNullPointer = e.IsNullPointer,
        InstructionPointer = e.InstructionPointer,
        FaultAddress = e.FaultAddress,
        ErrorCode = e.ErrorCode,
        FileOffset = e.FileOffset,
        ModuleOffset = e.ModuleOffset,
        ModuleSize = e.ModuleSize,
        Code = e.Code,
        BootId = e.BootId,
    };

    /// <summary>Where in its module the crash was: the file offset the kernel printed, else the offset in the mapping.</summary>
    public ulong? Offset => FileOffset ?? ModuleOffset;
}

/// <summary>What the diagnosis needs of one hardware-error or kernel-fault record.</summary>
internal sealed record HardwareFact
{
    public string? ComputerName { get; init; }
    public DateTimeOffset? Time { get; init; }
    public HardwareErrorKind Kind { get; init; }
    public HardwareErrorSeverity? Severity { get; init; }
    public int? Cpu { get; init; }
    public string? Component { get; init; }
    public string? PciBusId { get; init; }
    public string? Code { get; init; }
    public string? Meaning { get; init; }
    public string? Message { get; init; }
    public string? BootId { get; init; }

    public static HardwareFact From(HardwareErrorEvent e) => new()
    {
        ComputerName = e.ComputerName,
        Time = e.TimeCreated,
        Kind = e.Kind,
        Severity = e.Severity,
        Cpu = e.Cpu,
        Component = e.Component,
        PciBusId = e.PciBusId,
        Code = e.Code,
        Meaning = e.Meaning,
        Message = e.Message,
        BootId = e.BootId,
    };

    /// <summary>The Xid number of an Xid record ("Xid 79" → 79).</summary>
    public int? XidCode
    {
        get
        {
            if (Kind != HardwareErrorKind.Xid || Code is null)
            {
                return null;
            }
            var digits = new string(Code.SkipWhile(c => !char.IsDigit(c)).TakeWhile(char.IsDigit).ToArray());
            return int.TryParse(digits, out var n) ? n : null;
        }
    }
}

/// <summary>One Test-CpuStability result (or a -Command replay target), however it arrived.</summary>
internal sealed record StabilityFact
{
    public string? ComputerName { get; init; }
    public int? Cpu { get; init; }
    public CoreType? CoreType { get; init; }
    public string? Workload { get; init; }
    public bool Passed { get; init; }
    public long Errors { get; init; }
    public bool Crashed { get; init; }
    public string? Signal { get; init; }
    public int Retests { get; init; }
    public int RetestsFailed { get; init; }
    public long Iterations { get; init; }

    /// <summary>For a -Command replay: runs and failures on a target (a CPU or a core type).</summary>
    public bool IsReplay { get; init; }
    public string? Target { get; init; }
    public int Runs { get; init; }
    public int Failures { get; init; }

    public bool Failed => IsReplay ? Failures > 0 : !Passed && (Errors > 0 || Crashed);

    /// <summary>A failure that came back on retest (or had no chance to be retested).</summary>
    public bool Reproduced => Failed && (IsReplay || Retests == 0 || RetestsFailed > 0);

    public static StabilityFact From(CpuStabilityResult r) => new()
    {
        ComputerName = r.ComputerName, Cpu = r.Cpu, CoreType = r.CoreType, Workload = r.Workload.ToString(), Passed = r.Passed,
        Errors = r.Errors, Crashed = r.Crashed, Signal = r.Signal, Retests = r.Retests, RetestsFailed = r.RetestsFailed, Iterations = r.Iterations,
    };

    public static StabilityFact From(CommandStabilityResult r) => new()
    {
        ComputerName = r.ComputerName, Cpu = r.Cpu, CoreType = r.CoreType, Passed = r.Passed, IsReplay = true, Target = r.Target,
        Runs = r.Runs, Failures = r.Failures, Workload = "Command",
    };
}

/// <summary>One CPU of the core map.</summary>
internal sealed record CoreFact(int Cpu, CoreType CoreType, int? CoreId, int? Cluster, int? Capacity, int? MaxFrequencyMHz, bool IsOnline)
{
    public static CoreFact From(CpuCoreInfo c) => new(c.Cpu, c.CoreType, c.CoreId, c.Cluster, c.Capacity, c.MaxFrequencyMHz, c.IsOnline);
}

/// <summary>The machine facts the rules use, from a SystemProfile.</summary>
internal sealed record ProfileFact
{
    public string? CpuModel { get; init; }
    public string? CpuVendor { get; init; }
    public int? CpuFamily { get; init; }
    public int? CpuModelNumber { get; init; }
    public int? CpuStepping { get; init; }
    public string? Microcode { get; init; }
    public long? MicrocodeRevision { get; init; }
    public bool IsRaptorLakeAffected { get; init; }
    public bool? MicrocodeHasVminFix { get; init; }
    public string? KernelRelease { get; init; }
    public string? KernelTaintFlags { get; init; }
    public bool? EccMemory { get; init; }
    public bool IsVirtualMachine { get; init; }
    public string? GpuDriverVersion { get; init; }
    public string? Distribution { get; init; }

    public static ProfileFact From(SystemProfile p) => new()
    {
        CpuModel = p.CpuModel, CpuVendor = p.CpuVendor, CpuFamily = p.CpuFamily, CpuModelNumber = p.CpuModelNumber, CpuStepping = p.CpuStepping,
        Microcode = p.Microcode, MicrocodeRevision = p.MicrocodeRevision, IsRaptorLakeAffected = p.IsRaptorLakeAffected,
        MicrocodeHasVminFix = p.MicrocodeHasVminFix, KernelRelease = p.KernelRelease, KernelTaintFlags = p.KernelTaintFlags,
        EccMemory = p.EccMemory, IsVirtualMachine = p.IsVirtualMachine, GpuDriverVersion = p.GpuDriverVersion, Distribution = p.Distribution,
    };
}

/// <summary>The NVIDIA facts the rules use, from a GpuDriverInfo.</summary>
internal sealed record GpuFact
{
    public string? Name { get; init; }
    public string? DriverVersion { get; init; }
    public string? UserSpaceDriverVersion { get; init; }
    public bool? VersionMismatch { get; init; }
    public string? Flavor { get; init; }
    public string? Notes { get; init; }

    public static GpuFact From(GpuDriverInfo g) => new()
    {
        Name = g.Name, DriverVersion = g.DriverVersion, UserSpaceDriverVersion = g.UserSpaceDriverVersion, VersionMismatch = g.VersionMismatch,
        Flavor = g.KernelModuleFlavor.ToString(), Notes = g.Notes,
    };
}
