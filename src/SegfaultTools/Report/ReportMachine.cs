using System.Collections;
using System.Globalization;
using System.Management.Automation;

namespace SegfaultTools;

/// <summary>One row of a report's system-profile table.</summary>
internal sealed record ProfileRow(string Label, string Value);

/// <summary>What the report shows of one machine: its evidence, its ranked findings, its system profile.</summary>
internal sealed record ReportMachine(MachineEvidence Evidence, IReadOnlyList<SegfaultFinding> Findings, IReadOnlyList<ProfileRow> Profile)
{
    /// <summary>
    /// Pairs each machine with its findings (by ComputerName) and its profile rows: those given for
    /// it, else the few facts the diagnosis kept (<see cref="ProfileRows.From(ProfileFact?, GpuFact?)"/>).
    /// </summary>
    public static List<ReportMachine> From(IReadOnlyList<MachineEvidence> machines, IReadOnlyList<SegfaultFinding> findings,
        IReadOnlyDictionary<string, IReadOnlyList<ProfileRow>>? profiles = null) =>
        machines
            .OrderBy(m => m.ComputerName, StringComparer.Ordinal)
            .Select(m => new ReportMachine(
                m,
                findings.Where(f => string.Equals(f.ComputerName, m.ComputerName, StringComparison.OrdinalIgnoreCase)).OrderBy(f => f.Rank).ToList(),
                profiles is not null && profiles.TryGetValue(m.ComputerName, out var rows) && rows.Count > 0 ? rows : ProfileRows.From(m.Profile, m.Gpu)))
            .ToList();
}

/// <summary>
/// The system profile as table rows, labelled as Get-SystemProfile's list view labels them: from a
/// SystemProfile, the same after Export-Csv/Import-Csv or remoting (by property name), or from the
/// facts the diagnosis keeps when nothing more is at hand.
/// </summary>
internal static class ProfileRows
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static IReadOnlyList<ProfileRow> From(SystemProfile profile) => From(PSObject.AsPSObject(profile));

    public static IReadOnlyList<ProfileRow> From(PSObject o)
    {
        var p = new Props(o);
        var rows = new List<ProfileRow>();
        void Add(string label, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                rows.Add(new ProfileRow(label, value.Trim()));
            }
        }

        Add("CPU", p.S("CpuModel"));
        if (p.L("CpuFamily") is { } family)
        {
            var model = p.L("CpuModelNumber");
            Add("CPU ID", string.Create(Inv, $"{p.S("CpuVendor")} family {family} model {model} (0x{model ?? 0:X2}) stepping {p.S("CpuStepping")} [{p.S("CpuSignature")}]"));
        }
        if (p.L("PhysicalCores") is { } cores)
        {
            var text = string.Create(Inv, $"{cores} cores, {p.S("LogicalCpus")} threads");
            if (p.B("IsHybrid") == true)
            {
                text += string.Create(Inv, $" ({p.S("PerformanceCores")} P + {p.S("EfficiencyCores")} E)");
            }
            if (p.L("Sockets") is > 1 and var sockets)
            {
                text += string.Create(Inv, $", {sockets} sockets");
            }
            Add("Cores", text);
        }
        if (p.L("MaxFrequencyMHz") is { } mhz)
        {
            Add("Max frequency", (mhz / 1000.0).ToString("0.0##", Inv) + " GHz");
        }
        if (p.S("Microcode") is { } microcode)
        {
            Add("Microcode", microcode + p.S("MicrocodeSource") switch
            {
                "EarlyUpdate" => p.S("BiosMicrocode") is { } bios ? $" (loaded early by the OS; the BIOS had {bios})" : " (loaded early by the OS)",
                "LateUpdate" => " (loaded late by the OS)",
                "Bios" => " (from the BIOS)",
                "Hypervisor" => " (as the hypervisor reports it)",
                _ => " (source unknown)",
            });
        }
        Add("BIOS", string.Join(' ', new[] { p.S("BiosVendor"), p.S("BiosVersion"), p.S("BiosDate") }.Where(s => !string.IsNullOrEmpty(s))));
        if (p.S("CpuModel") is not null)
        {
            Add("Raptor Lake", RaptorLake(p.B("IsRaptorLakeAffected") == true, p.B("MicrocodeHasVminFix")));
        }
        Add("Advice", p.S("RaptorLakeAdvice"));
        if (p.S("GpuName") is { } gpu)
        {
            Add("GPU", p.S("GpuMemoryMiB") is { } mib ? $"{gpu}, {mib} MiB" : gpu);
        }
        if (p.S("GpuDriverVersion") is { } driver)
        {
            Add("GPU driver", p.S("CudaVersion") is { } cuda ? $"{driver} (CUDA {cuda})" : driver);
        }
        if (p.L("MemoryTotal") is { } ram)
        {
            Add("Total RAM", (ram / 1073741824.0).ToString("0.0", Inv) + " GiB" + p.B("EccMemory") switch { true => " (ECC)", false => " (no ECC)", _ => "" });
        }
        if (p.L("SwapTotal") is { } swap)
        {
            Add("Swap", (swap / 1073741824.0).ToString("0.0", Inv) + " GiB");
        }
        if (p.S("Distribution") is { } distro)
        {
            var id = string.Join(' ', new[] { p.S("DistributionId"), p.S("DistributionVersion") }.Where(s => !string.IsNullOrEmpty(s)));
            Add("Distribution", id.Length > 0 ? $"{distro} ({id})" : distro);
        }
        if (p.S("KernelRelease") is { } kernel)
        {
            var bits = new List<string>();
            if (p.S("KernelFlavor") is { } flavor)
            {
                bits.Add($"{flavor} kernel");
            }
            if (p.S("PreemptionModel") is { } preempt)
            {
                var active = p.S("ActivePreemption");
                bits.Add("preemption " + preempt + (active is not null && active != preempt ? $" ({active} active)" : ""));
            }
            Add("Kernel", bits.Count > 0 ? $"{kernel} ({string.Join(", ", bits)})" : kernel);
        }
        Add("Kernel compiler", p.S("KernelCompiler"));
        if (p.L("KernelTainted") is { } taint)
        {
            Add("Tainted", taint == 0 ? "no" : string.Create(Inv, $"{taint} ({p.S("KernelTaintFlags")}): {p.S("KernelTaint")}"));
        }
        Add("glibc", p.S("GlibcVersion"));
        if (p.S("LibstdcxxVersion") is { } cxx)
        {
            Add("libstdc++", p.S("LibstdcxxPath") is { } path ? $"{cxx} ({path})" : cxx);
        }
        Add("GCC", p.S("GccVersion"));
        Add("Python", p.S("PythonVersion"));
        if (p.B("IsVirtualMachine") == true)
        {
            Add("Virtual machine", "yes");
        }
        Add("Notes", p.S("Notes"));
        return rows;
    }

    /// <summary>The facts the diagnosis kept: what is left when no SystemProfile came with the evidence.</summary>
    public static IReadOnlyList<ProfileRow> From(ProfileFact? p, GpuFact? g)
    {
        var rows = new List<ProfileRow>();
        void Add(string label, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                rows.Add(new ProfileRow(label, value));
            }
        }
        if (p is not null)
        {
            Add("CPU", p.CpuModel);
            if (p.CpuFamily is { } family)
            {
                Add("CPU ID", string.Create(Inv, $"{p.CpuVendor} family {family} model {p.CpuModelNumber} (0x{p.CpuModelNumber ?? 0:X2}) stepping {p.CpuStepping}"));
            }
            Add("Microcode", p.Microcode);
            if (p.CpuModel is not null)
            {
                Add("Raptor Lake", RaptorLake(p.IsRaptorLakeAffected, p.MicrocodeHasVminFix));
            }
            Add("Total RAM", p.EccMemory switch { true => "ECC", false => "no ECC", _ => null });
            Add("Distribution", p.Distribution);
            Add("Kernel", p.KernelRelease);
            Add("Tainted", p.KernelTaintFlags);
            Add("GPU driver", p.GpuDriverVersion);
            if (p.IsVirtualMachine)
            {
                Add("Virtual machine", "yes");
            }
        }
        if (g is not null && rows.All(r => r.Label != "GPU"))
        {
            Add("GPU", g.Name);
        }
        return rows;
    }

    private static string RaptorLake(bool affected, bool? fix) => !affected
        ? "not affected"
        : fix switch
        {
            true => "affected part; Vmin-shift fix present",
            false => "affected part; Vmin-shift fix MISSING",
            null => "affected part; microcode unknown",
        };

    /// <summary>Property values by name, whether typed, deserialized or a CSV string.</summary>
    private readonly struct Props
    {
        private readonly PSObject _o;

        public Props(PSObject o) => _o = o;

        public string? S(string name)
        {
            object? v = _o.Properties[name]?.Value;
            if (v is PSObject wrapped)
            {
                // A deserialized enum is its number with the name in ToString.
                if (wrapped.BaseObject is IConvertible and not string && wrapped.TypeNames.Count > 0 && wrapped.TypeNames[0].StartsWith("Deserialized.", StringComparison.Ordinal))
                {
                    return wrapped.ToString();
                }
                v = wrapped.BaseObject;
            }
            switch (v)
            {
                case null:
                    return null;
                case string s:
                    // Export-Csv writes an array as its type name.
                    return s.Length == 0 || (s.StartsWith("System.", StringComparison.Ordinal) && s.EndsWith("[]", StringComparison.Ordinal)) ? null : s;
                case DateTimeOffset t:
                    return t.ToString("ddd, dd MMM yyyy", Inv);
                case IEnumerable items:
                    var lines = items.Cast<object?>().Select(i => (i is PSObject po ? po.BaseObject : i)?.ToString()).Where(i => !string.IsNullOrEmpty(i)).ToList();
                    return lines.Count == 0 ? null : string.Join("\n", lines);
                case IFormattable f:
                    return f.ToString(null, Inv);
                default:
                    return v.ToString();
            }
        }

        public long? L(string name) => long.TryParse(S(name), NumberStyles.Integer, Inv, out var n) ? n : null;

        public bool? B(string name) => bool.TryParse(S(name), out var b) ? b : null;
    }
}
