using System.Globalization;

namespace SegfaultTools;

/// <summary>A core type and the evidence it rests on.</summary>
internal readonly record struct CoreDecision(CoreType Type, string Evidence);

/// <summary>
/// Decides each CPU's core type from the strongest evidence present, in this order, and says which:
/// <list type="number">
/// <item>the hybrid perf PMUs (/sys/devices/cpu_core/cpus, cpu_atom/cpus, and cpu_lowpower/cpus where it exists);</item>
/// <item>CPUID leaf 0x1A read on each CPU (live machine, x86 only);</item>
/// <item>classes of cpu_capacity, max frequency, ACPI CPPC highest_perf or base frequency, with rules per vendor:
///   Intel's E-core layout (no SMT sibling, an L2 shared by several cores), AMD's two core sizes, Arm's capacities;</item>
/// <item>otherwise Uniform.</item>
/// </list>
/// Where the evidence does not settle it (offline CPUs, CPUs missing from sysfs, a frequency spread that
/// fits no known layout) the answer is Unknown, with the reason in the evidence.
/// </summary>
internal static class CoreTypeClassifier
{
    /// <summary>
    /// Values at least this ratio apart start a new class. Favoured (turbo) cores sit within a few percent of
    /// their siblings (13900KS: 5600-5900 MHz), hybrid kinds further apart (4300 vs 5600 MHz, 414 vs 1024).
    /// </summary>
    internal const double ClassRatio = 1.15;

    private const int IntelAtom = 0x20;
    private const int IntelCore = 0x40;

    private sealed record Metric(string Name, string Unit, Func<CpuTopology, int?> Value);

    private static readonly Metric[] Metrics =
    {
        new("cpu_capacity", "", t => t.CpuCapacity),
        new("max frequency", " MHz", t => t.MaxFrequencyMHz),
        new("ACPI CPPC highest_perf", "", t => t.HighestPerf),
        new("base frequency", " MHz", t => t.BaseFrequencyMHz),
    };

    /// <summary>One class of close values, highest first in a class list.</summary>
    internal sealed record ValueClass(int Min, int Max, IReadOnlyList<CpuTopology> Cpus)
    {
        public string Range => Min == Max ? Min.ToString(CultureInfo.InvariantCulture) : $"{Min.ToString(CultureInfo.InvariantCulture)}-{Max.ToString(CultureInfo.InvariantCulture)}";
    }

    public static Dictionary<int, CoreDecision> Classify(TopologySnapshot s, IReadOnlyDictionary<int, CpuIdCoreType>? cpuid)
    {
        var decisions = new Dictionary<int, CoreDecision>();

        // 1. The perf PMUs the kernel registers from CPUID on hybrid Intel parts.
        if (s.HasHybridPmu)
        {
            var atom = new List<CpuTopology>();
            foreach (var t in s.Cpus)
            {
                var offline = t.IsOnline ? "" : " (CPU offline)";
                if (s.PmuLowPower?.Contains(t.Cpu) == true)
                {
                    decisions[t.Cpu] = new(CoreType.LowPowerEfficiency, "perf PMU cpu_lowpower lists this CPU" + offline);
                }
                else if (s.PmuCore?.Contains(t.Cpu) == true)
                {
                    decisions[t.Cpu] = new(CoreType.Performance, "perf PMU cpu_core lists this CPU" + offline);
                }
                else if (s.PmuAtom?.Contains(t.Cpu) == true)
                {
                    decisions[t.Cpu] = new(CoreType.Efficiency, "perf PMU cpu_atom lists this CPU" + offline);
                    atom.Add(t);
                }
            }
            if (s.PmuLowPower is null)
            {
                RefineLowPower(s, atom, decisions);
            }
            FillUnknown(s, decisions, t => $"{OfflineOrMissing(t)}; the perf PMUs cpu_core/cpu_atom do not list it");
            return decisions;
        }

        // 2. CPUID leaf 0x1A, read on each CPU (live machine only).
        if (cpuid is { Count: > 0 })
        {
            var atom = new List<CpuTopology>();
            foreach (var t in s.Cpus)
            {
                if (!cpuid.TryGetValue(t.Cpu, out var id) || !id.Hybrid || id.CoreTypeId is not int type)
                {
                    continue;
                }
                var hex = "0x" + type.ToString("x2", CultureInfo.InvariantCulture);
                if (type == IntelCore)
                {
                    decisions[t.Cpu] = new(CoreType.Performance, $"CPUID 0x1A core type {hex} (Core)");
                }
                else if (type == IntelAtom)
                {
                    decisions[t.Cpu] = new(CoreType.Efficiency, $"CPUID 0x1A core type {hex} (Atom)");
                    atom.Add(t);
                }
                else
                {
                    decisions[t.Cpu] = new(CoreType.Unknown, $"CPUID 0x1A core type {hex}: not a core type this module knows");
                }
            }
            if (decisions.Count > 0)
            {
                RefineLowPower(s, atom, decisions);
                FillUnknown(s, decisions, t => $"{OfflineOrMissing(t)}; CPUID could not be read on it (not online, or outside this process's CPU set)");
                return decisions;
            }
            if (s.Vendor == CpuVendor.Intel && cpuid.Values.All(v => !v.Hybrid))
            {
                // The hybrid flag describes the part, so it holds for the CPUs CPUID could not run on too.
                var read = cpuid.Count;
                foreach (var t in s.Cpus)
                {
                    decisions[t.Cpu] = IsConsidered(t)
                        ? new(CoreType.Uniform, $"no hybrid evidence: all cores alike (CPUID 07H EDX[15] hybrid flag clear on the {read.ToString(CultureInfo.InvariantCulture)} CPUs read)")
                        : new(CoreType.Unknown, OfflineOrMissing(t));
                }
                return decisions;
            }
        }

        // 3. Classes of capacity or frequency, with the vendor's topology rules; 4. otherwise Uniform.
        var online = s.Cpus.Where(IsConsidered).ToList();
        foreach (var t in s.Cpus.Where(t => !IsConsidered(t)))
        {
            decisions[t.Cpu] = new(CoreType.Unknown, OfflineOrMissing(t));
        }
        if (online.Count == 0)
        {
            return decisions;
        }

        var complete = Metrics.Where(m => online.All(t => m.Value(t) is not null)).ToList();
        var chosen = complete.FirstOrDefault(m => online.Select(t => m.Value(t)).Distinct().Count() > 1);
        if (chosen is null)
        {
            var detail = complete.Count == 0
                ? "no capacity or frequency files to compare"
                : string.Join("; ", complete.Select(m => $"{m.Name} {m.Value(online[0])!.Value.ToString(CultureInfo.InvariantCulture)}{m.Unit}"));
            SetAll(online, decisions, new(CoreType.Uniform, $"no hybrid evidence: all cores alike ({detail})"));
            return decisions;
        }

        var classes = Classes(online, chosen.Value);
        var list = $"{string.Join(", ", classes.Select(c => c.Range))}{chosen.Unit}";
        if (classes.Count == 1)
        {
            SetAll(online, decisions, new(CoreType.Uniform,
                $"no hybrid evidence: all cores alike (one {chosen.Name} class, {list})"));
            return decisions;
        }

        switch (s.Vendor)
        {
            case CpuVendor.Intel:
                ClassifyIntel(online, classes, chosen, list, decisions);
                break;
            case CpuVendor.Amd:
                ClassifyAmd(classes, chosen, list, decisions);
                break;
            case CpuVendor.Arm:
                ClassifyByCapacity(classes, chosen, list, decisions, "big core", "LITTLE core");
                break;
            default:
                SetAll(online, decisions, new(CoreType.Unknown,
                    $"{classes.Count} {chosen.Name} classes ({list}), but no core-type rule is known for this {(s.Vendor == CpuVendor.OtherX86 ? "x86 vendor" : "machine (no /proc/cpuinfo vendor)")}"));
                break;
        }
        return decisions;
    }

    /// <summary>Groups the CPUs by a metric: sorted high to low, a gap of <see cref="ClassRatio"/> starts a new class.</summary>
    internal static List<ValueClass> Classes(IReadOnlyList<CpuTopology> cpus, Func<CpuTopology, int?> metric)
    {
        var sorted = cpus.Where(t => metric(t) is not null).OrderByDescending(t => metric(t)!.Value).ThenBy(t => t.Cpu).ToList();
        var classes = new List<ValueClass>();
        var members = new List<CpuTopology>();
        int max = 0, min = 0;
        foreach (var t in sorted)
        {
            var v = metric(t)!.Value;
            if (members.Count > 0 && (double)min / Math.Max(v, 1) >= ClassRatio)
            {
                classes.Add(new ValueClass(min, max, members.OrderBy(m => m.Cpu).ToList()));
                members = new List<CpuTopology>();
            }
            if (members.Count == 0)
            {
                max = v;
            }
            min = v;
            members.Add(t);
        }
        if (members.Count > 0)
        {
            classes.Add(new ValueClass(min, max, members.OrderBy(m => m.Cpu).ToList()));
        }
        return classes;
    }

    /// <summary>
    /// Intel without PMU or CPUID evidence: E-cores have no SMT sibling and share an L2 with other cores
    /// (four Gracemont cores to a module; two LP E-cores on Meteor Lake); P-cores have an L2 of their own.
    /// The lowest classes must look like E-cores and all higher ones like P-cores; a spread of frequency
    /// between cores that all look alike is favoured (turbo) cores, not core types.
    /// </summary>
    private static void ClassifyIntel(List<CpuTopology> online, List<ValueClass> classes, Metric metric, string list, Dictionary<int, CoreDecision> decisions)
    {
        var l2Known = online.All(t => t.L2Cpus is not null && t.ThreadSiblings is not null);
        bool ELike(CpuTopology t) => t.ThreadSiblings is { Length: 1 } && (!l2Known || t.L2Cpus!.Length > 1);
        bool PLike(CpuTopology t) => l2Known
            ? t.L2Cpus!.All(c => t.ThreadSiblings!.Contains(c))
            : t.ThreadSiblings is { Length: > 1 };

        var eClasses = 0;
        for (var i = classes.Count - 1; i >= 0 && classes[i].Cpus.All(ELike); i--)
        {
            eClasses++;
        }
        var pClasses = classes.Count - eClasses;
        var layoutFits = eClasses > 0 && pClasses > 0 && classes.Take(pClasses).All(c => c.Cpus.All(PLike));
        if (!layoutFits)
        {
            if (classes.All(c => c.Cpus.All(PLike)) || classes.All(c => c.Cpus.All(ELike)))
            {
                SetAll(online, decisions, new(CoreType.Uniform,
                    $"no hybrid evidence: all cores alike in topology; the {metric.Name} differs ({list}) as favoured (turbo) cores do"));
            }
            else
            {
                SetAll(online, decisions, new(CoreType.Unknown,
                    $"{classes.Count} {metric.Name} classes ({list}), but the topology does not match a P-core/E-core layout (E-cores: no SMT sibling, an L2 shared by several cores)"));
            }
            return;
        }

        for (var i = 0; i < classes.Count; i++)
        {
            var c = classes[i];
            var type = i < pClasses ? CoreType.Performance
                : eClasses >= 2 && i == classes.Count - 1 ? CoreType.LowPowerEfficiency
                : CoreType.Efficiency;
            foreach (var t in c.Cpus)
            {
                var shape = type == CoreType.Performance
                    ? (t.ThreadSiblings!.Length > 1 ? "SMT sibling present" : "no SMT sibling") + (l2Known ? "; L2 of its own" : "")
                    : "no SMT sibling" + (l2Known ? $"; L2 shared by {t.L2Cpus!.Length} cores" : "");
                var lowest = type == CoreType.LowPowerEfficiency ? $"; the lowest of {classes.Count} classes: low-power E-core" : "";
                decisions[t.Cpu] = new(type, $"{metric.Name} class {c.Range}{metric.Unit} of {classes.Count} classes ({list}); {shape}{lowest}");
            }
        }
    }

    /// <summary>
    /// AMD parts that mix full-size and compact cores (Zen 5 + Zen 5c, Zen 4 + Zen 4c) have two classes of
    /// maximum frequency; the compact cores keep SMT and an L2 per core, so Intel's E-core rules do not apply,
    /// and this CPUID-less path cannot name the core, only its class.
    /// </summary>
    private static void ClassifyAmd(List<ValueClass> classes, Metric metric, string list, Dictionary<int, CoreDecision> decisions)
    {
        if (classes.Count != 2)
        {
            foreach (var t in classes.SelectMany(c => c.Cpus))
            {
                decisions[t.Cpu] = new(CoreType.Unknown, $"{classes.Count} {metric.Name} classes ({list}): no AMD part with that many core kinds is known");
            }
            return;
        }
        foreach (var t in classes[0].Cpus)
        {
            decisions[t.Cpu] = new(CoreType.Performance, $"{metric.Name} class {classes[0].Range}{metric.Unit} of 2 classes ({list}): full-size cores");
        }
        foreach (var t in classes[1].Cpus)
        {
            decisions[t.Cpu] = new(CoreType.Efficiency, $"{metric.Name} class {classes[1].Range}{metric.Unit} of 2 classes ({list}): compact cores (Zen 5c/4c kind), judged by {metric.Name} alone");
        }
    }

    /// <summary>Arm big.LITTLE (and DynamIQ): the lowest capacity class is LITTLE, every higher class big.</summary>
    private static void ClassifyByCapacity(List<ValueClass> classes, Metric metric, string list, Dictionary<int, CoreDecision> decisions, string big, string little)
    {
        for (var i = 0; i < classes.Count; i++)
        {
            var isLittle = i == classes.Count - 1;
            foreach (var t in classes[i].Cpus)
            {
                decisions[t.Cpu] = new(isLittle ? CoreType.Efficiency : CoreType.Performance,
                    $"{metric.Name} class {classes[i].Range}{metric.Unit} of {classes.Count} classes ({list}): {(isLittle ? little : big)}");
            }
        }
    }

    /// <summary>
    /// Meteor Lake lists its low-power E-cores with the other E-cores (cpu_atom; CPUID type Atom): among those,
    /// a lower frequency class whose L2 holds only its own cores is the low-power island.
    /// </summary>
    private static void RefineLowPower(TopologySnapshot s, List<CpuTopology> atom, Dictionary<int, CoreDecision> decisions)
    {
        var online = atom.Where(t => t.IsOnline && t.MaxFrequencyMHz is not null).ToList();
        var classes = Classes(online, t => t.MaxFrequencyMHz);
        if (classes.Count != 2)
        {
            return;
        }
        var low = classes[1];
        var lowSet = low.Cpus.Select(t => t.Cpu).ToHashSet();
        if (!low.Cpus.All(t => t.L2Cpus is { Length: > 0 } l2 && l2.All(lowSet.Contains)))
        {
            return;
        }
        var all = Classes(s.Cpus.Where(t => t.IsOnline && t.MaxFrequencyMHz is not null).ToList(), t => t.MaxFrequencyMHz);
        var list = string.Join(", ", all.Select(c => c.Range)) + " MHz";
        foreach (var t in low.Cpus)
        {
            decisions[t.Cpu] = new(CoreType.LowPowerEfficiency,
                $"{decisions[t.Cpu].Evidence}; max frequency class {low.Range} MHz, the lowest of {all.Count} classes ({list}), in an L2 of its own: low-power E-core");
        }
    }

    private static bool IsConsidered(CpuTopology t) => t.IsOnline && t.HasTopology;

    private static string OfflineOrMissing(CpuTopology t) =>
        !t.HasSysfsDir ? $"not in sysfs (no /sys/devices/system/cpu/cpu{t.Cpu.ToString(CultureInfo.InvariantCulture)}): no topology to classify"
        : !t.IsOnline ? "offline: no topology or frequency files to classify it by"
        : !t.HasTopology ? "no topology files for this CPU"
        : "no evidence for this CPU";

    private static void FillUnknown(TopologySnapshot s, Dictionary<int, CoreDecision> decisions, Func<CpuTopology, string> reason)
    {
        foreach (var t in s.Cpus)
        {
            if (!decisions.ContainsKey(t.Cpu))
            {
                decisions[t.Cpu] = new(CoreType.Unknown, reason(t));
            }
        }
    }

    private static void SetAll(IEnumerable<CpuTopology> cpus, Dictionary<int, CoreDecision> decisions, CoreDecision d)
    {
        foreach (var t in cpus)
        {
            decisions[t.Cpu] = d;
        }
    }
}
