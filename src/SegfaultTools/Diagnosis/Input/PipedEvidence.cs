using System.Globalization;
using System.Management.Automation;

namespace SegfaultTools;

/// <summary>
/// Turns what arrives on Get-SegfaultDiagnosis's pipeline into facts: the module's own objects as
/// they are, and the same objects after Export-Csv/Import-Csv or PowerShell remoting, where only
/// their property names and string values survive.
/// </summary>
internal static class PipedEvidence
{
    /// <summary>The fact one piped object carries, and the machine it belongs to; null fact for something the diagnosis cannot use.</summary>
    public static (object? Fact, string? ComputerName) Classify(PSObject input)
    {
        switch (input.BaseObject)
        {
            case SegfaultEvent e:
                return (CrashFact.From(e), e.ComputerName);
            case HardwareErrorEvent h:
                return (HardwareFact.From(h), h.ComputerName);
            case CpuStabilityResult r:
                return (StabilityFact.From(r), r.ComputerName);
            case CommandStabilityResult c:
                return (StabilityFact.From(c), c.ComputerName);
            case CpuCoreInfo c:
                return (CoreFact.From(c), c.ComputerName);
            case SystemProfile p:
                return (ProfileFact.From(p), p.ComputerName);
            case GpuDriverInfo g:
                return (GpuFact.From(g), g.ComputerName);
        }
        var o = new Bag(input);
        var computer = o.String("ComputerName") ?? o.String("PSComputerName");
        if (o.Has("Workload") && o.Has("Iterations"))
        {
            return (new StabilityFact
            {
                ComputerName = computer, Cpu = o.Int("Cpu"), CoreType = o.Enum<CoreType>("CoreType"), Workload = o.String("Workload"),
                Passed = o.Bool("Passed") ?? false, Errors = o.Long("Errors") ?? 0, Crashed = o.Bool("Crashed") ?? false, Signal = o.String("Signal"),
                Retests = o.Int("Retests") ?? 0, RetestsFailed = o.Int("RetestsFailed") ?? 0, Iterations = o.Long("Iterations") ?? 0,
            }, computer);
        }
        if (o.Has("FailureRate") && o.Has("Runs"))
        {
            return (new StabilityFact
            {
                ComputerName = computer, Cpu = o.Int("Cpu"), CoreType = o.Enum<CoreType>("CoreType"), Workload = "Command", IsReplay = true,
                Target = o.String("Target"), Runs = o.Int("Runs") ?? 0, Failures = o.Int("Failures") ?? 0, Passed = o.Bool("Passed") ?? false,
            }, computer);
        }
        if (o.Has("InstructionPointer") || (o.Has("FaultAddress") && o.Has("ProcessName")))
        {
            var ip = o.ULong("InstructionPointer");
            var address = o.ULong("FaultAddress");
            return (new CrashFact
            {
                ComputerName = computer, Time = o.Time("TimeCreated"), ProcessName = o.String("ProcessName"), Module = o.String("Module"),
                Cpu = o.Int("Cpu"), CoreType = o.Enum<CoreType>("CoreType"), Kind = o.Enum<SegfaultKind>("Kind") ?? SegfaultKind.Segfault,
                IsNullPointer = o.Bool("IsNullPointer") ?? ((address is { } a && a < 4096) || ip == 0),
                InstructionPointer = ip, FaultAddress = address, ErrorCode = o.ULong("ErrorCode"), FileOffset = o.ULong("FileOffset"),
                ModuleOffset = o.ULong("ModuleOffset"), ModuleSize = o.ULong("ModuleSize"), Code = o.String("Code"), BootId = o.String("BootId"),
            }, computer);
        }
        if (o.Has("Severity") && o.Has("Kind") && o.Has("Component"))
        {
            if (o.Enum<HardwareErrorKind>("Kind") is not { } kind)
            {
                return (null, computer);
            }
            return (new HardwareFact
            {
                ComputerName = computer, Time = o.Time("TimeCreated"), Kind = kind, Severity = o.Enum<HardwareErrorSeverity>("Severity"),
                Cpu = o.Int("Cpu"), Component = o.String("Component"), PciBusId = o.String("PciBusId"), Code = o.String("Code"),
                Meaning = o.String("Meaning"), Message = o.String("Message"), BootId = o.String("BootId"),
            }, computer);
        }
        if (o.Has("CoreType") && o.Has("Cpu") && (o.Has("ThreadSiblingList") || o.Has("Evidence")) && o.Int("Cpu") is { } cpu)
        {
            return (new CoreFact(cpu, o.Enum<CoreType>("CoreType") ?? CoreType.Unknown, o.Int("CoreId"), o.Int("Cluster"), o.Int("Capacity"),
                o.Int("MaxFrequencyMHz"), o.Bool("IsOnline") ?? true), computer);
        }
        if (o.Has("KernelRelease") && o.Has("CpuModel"))
        {
            return (new ProfileFact
            {
                CpuModel = o.String("CpuModel"), CpuVendor = o.String("CpuVendor"), CpuFamily = o.Int("CpuFamily"), CpuModelNumber = o.Int("CpuModelNumber"),
                CpuStepping = o.Int("CpuStepping"), Microcode = o.String("Microcode"), MicrocodeRevision = o.Long("MicrocodeRevision"),
                IsRaptorLakeAffected = o.Bool("IsRaptorLakeAffected") ?? false, MicrocodeHasVminFix = o.Bool("MicrocodeHasVminFix"),
                KernelRelease = o.String("KernelRelease"), KernelTaintFlags = o.String("KernelTaintFlags"), EccMemory = o.Bool("EccMemory"),
                IsVirtualMachine = o.Bool("IsVirtualMachine") ?? false, GpuDriverVersion = o.String("GpuDriverVersion"), Distribution = o.String("Distribution"),
            }, computer);
        }
        if (o.Has("UserSpaceDriverVersion") || o.Has("KernelModuleFlavor"))
        {
            return (new GpuFact
            {
                Name = o.String("Name"), DriverVersion = o.String("DriverVersion"), UserSpaceDriverVersion = o.String("UserSpaceDriverVersion"),
                VersionMismatch = o.Bool("VersionMismatch"), Flavor = o.String("KernelModuleFlavor"), Notes = o.String("Notes"),
            }, computer);
        }
        return (null, computer);
    }

    /// <summary>Property access by name with the string forms Export-Csv and remoting leave.</summary>
    private readonly struct Bag
    {
        private readonly PSObject _o;

        public Bag(PSObject o) => _o = o;

        public bool Has(string name) => _o.Properties[name] is not null;

        private object? Raw(string name)
        {
            var v = _o.Properties[name]?.Value;
            return v is PSObject p ? p.BaseObject : v;
        }

        public string? String(string name) => Raw(name) switch
        {
            null => null,
            string s => s.Length == 0 ? null : s,
            var v => Convert.ToString(v, CultureInfo.InvariantCulture),
        };

        public long? Long(string name) => Raw(name) switch
        {
            long l => l,
            int i => i,
            _ => long.TryParse(String(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null,
        };

        public int? Int(string name) => Long(name) is { } l && l >= int.MinValue && l <= int.MaxValue ? (int)l : null;

        public ulong? ULong(string name)
        {
            var raw = Raw(name);
            if (raw is ulong u)
            {
                return u;
            }
            var s = String(name);
            if (s is null)
            {
                return null;
            }
            if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            {
                return ulong.TryParse(s.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var h) ? h : null;
            }
            return ulong.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var d) ? d : null;
        }

        public bool? Bool(string name) => Raw(name) switch
        {
            bool b => b,
            _ => bool.TryParse(String(name), out var v) ? v : null,
        };

        public T? Enum<T>(string name) where T : struct, System.Enum =>
            Raw(name) is T t ? t : System.Enum.TryParse<T>(String(name), ignoreCase: true, out var v) ? v : null;

        public DateTimeOffset? Time(string name)
        {
            switch (Raw(name))
            {
                case DateTimeOffset d:
                    return d;
                case DateTime dt:
                    return new DateTimeOffset(dt);
            }
            var s = String(name);
            if (s is null)
            {
                return null;
            }
            // Export-Csv writes the invariant form; a file edited elsewhere may use the current culture.
            if (DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var v)
                || DateTimeOffset.TryParse(s, CultureInfo.CurrentCulture, DateTimeStyles.AssumeLocal, out v))
            {
                return v;
            }
            return null;
        }
    }
}
