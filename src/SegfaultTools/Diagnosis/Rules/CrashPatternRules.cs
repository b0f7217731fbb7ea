using System.Globalization;

namespace SegfaultTools;

/// <summary>
/// What the crashes themselves say: how many unrelated modules and programs, whether one module or
/// one instruction dominates, null pointers, and where on the CPU they happened.
/// </summary>
internal static class CrashPatternRules
{
    private static string Pct(double share) => share.ToString("P0", CultureInfo.InvariantCulture);

    public static void Spread(MachineEvidence m, Scoreboard s)
    {
        if (m.Crashes < 3)
        {
            return;
        }
        var real = m.ByModule.Where(kv => ModuleNames.IsReal(kv.Key)).OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        long realTotal = real.Sum(kv => kv.Value);
        int programs = m.ByProgram.Count;
        if (real.Count == 0)
        {
            return;
        }
        var (top, topCount) = (real[0].Key, real[0].Value);
        double share = (double)topCount / realTotal;
        var listed = string.Join(", ", real.Take(6).Select(kv => $"{kv.Key} {kv.Value}"));
        if (real.Count >= 4 && programs >= 3 && share < 0.5)
        {
            var text = $"{m.Crashes} crashes in {real.Count} different modules across {programs} programs ({listed}); the most frequent holds only {Pct(share)}";
            s.Add(DiagnosisCause.CpuInstability, 1.0, text);
            s.Add(DiagnosisCause.MemoryInstability, 0.8, text);
            s.Add(DiagnosisCause.LibraryBug, -1.0, $"no library dominates: {text}");
            s.Add(DiagnosisCause.ApplicationBug, -1.0, $"the crashes are not one program's: {programs} programs crashed");
        }
        else if (real.Count >= 3 && programs >= 2 && share < 0.7)
        {
            var text = $"crashes in {real.Count} modules across {programs} programs ({listed})";
            s.Add(DiagnosisCause.CpuInstability, 0.5, text);
            s.Add(DiagnosisCause.MemoryInstability, 0.4, text);
        }
        if (share >= 0.7 && topCount >= 3)
        {
            var users = m.ProgramsByModule.TryGetValue(top, out var p) ? p : new HashSet<string>();
            var text = $"{top} holds {topCount} of {realTotal} crashes with a module ({Pct(share)}), in {users.Count} program(s)";
            if (ModuleNames.IsGpuDriver(top))
            {
                s.Add(DiagnosisCause.GpuDriver, 1.0, text);
                s.Add(DiagnosisCause.CpuInstability, -0.5, $"one module dominates: {text}");
            }
            else if (ModuleNames.IsProgramItself(top, users) && users.Count == 1)
            {
                s.Add(DiagnosisCause.ApplicationBug, 1.5, text + "; the module is the program's own executable");
                s.Add(DiagnosisCause.CpuInstability, -0.7, $"one program's own code dominates: {text}");
                s.Add(DiagnosisCause.MemoryInstability, -0.5, $"one program's own code dominates: {text}");
            }
            else if (users.Count >= 2)
            {
                s.Add(DiagnosisCause.LibraryBug, ModuleNames.IsCoreRuntime(top) ? 0.8 : 1.2, text);
                s.Add(DiagnosisCause.CpuInstability, -0.7, $"one library dominates: {text}");
                s.Add(DiagnosisCause.MemoryInstability, -0.5, $"one library dominates: {text}");
            }
            else
            {
                s.Add(DiagnosisCause.ApplicationBug, 1.0, text);
                s.Add(DiagnosisCause.LibraryBug, 0.5, text);
                s.Add(DiagnosisCause.CpuInstability, -0.7, $"one program and one module dominate: {text}");
            }
        }
        Signatures(m, s);
    }

    private static void Signatures(MachineEvidence m, Scoreboard s)
    {
        if (m.Signatures.Count == 0)
        {
            return;
        }
        long withOffset = m.Signatures.Values.Sum();
        var top = m.Signatures.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key.Module, StringComparer.Ordinal).First();
        if (top.Value >= 3 && (double)top.Value / withOffset >= 0.5)
        {
            var users = m.ProgramsByModule.TryGetValue(top.Key.Module, out var p) ? p.Count : 1;
            var text = $"the same instruction, {top.Key.Module}+0x{top.Key.Offset:x}, faulted {top.Value} times ({Pct((double)top.Value / withOffset)} of crashes with an offset): a bug at one place in the code, which a flaky CPU would not choose so consistently";
            s.Add(ModuleNames.IsGpuDriver(top.Key.Module) ? DiagnosisCause.GpuDriver : users >= 2 ? DiagnosisCause.LibraryBug : DiagnosisCause.ApplicationBug, 0.8, text);
            s.Add(DiagnosisCause.CpuInstability, -0.8, text);
            s.Add(DiagnosisCause.MemoryInstability, -0.5, text);
        }
        else if (withOffset >= 5 && top.Value == 1)
        {
            var text = $"all {withOffset} crashes with an offset faulted at different instructions";
            s.Add(DiagnosisCause.CpuInstability, 0.5, text);
            s.Add(DiagnosisCause.MemoryInstability, 0.3, text);
        }
    }

    public static void NullPointers(MachineEvidence m, Scoreboard s)
    {
        if (m.NullPointer < 3)
        {
            return;
        }
        var programs = m.NullByProgram.OrderByDescending(kv => kv.Value).ToList();
        var ipZero = m.NullInstructionPointer > 0 ? $", {m.NullInstructionPointer} with ip 0 (a call or return through a pointer that became 0)" : "";
        var text = $"{m.NullPointer} of {m.Crashes} crashes are null-pointer faults (first page){ipZero}, in {programs.Count} program(s): {string.Join(", ", programs.Take(5).Select(kv => $"{kv.Key} {kv.Value}"))}";
        if (programs.Count >= 3)
        {
            s.Add(DiagnosisCause.MemoryInstability, 0.3, text + "; one bug would not reach that many programs");
            s.Add(DiagnosisCause.CpuInstability, 0.3, text);
        }
        else if (programs.Count == 1)
        {
            s.Add(DiagnosisCause.ApplicationBug, 0.5, text);
        }
    }

    /// <summary>Crashes per CPU, core, L2 cluster and core type against what chance and the scheduler would give.</summary>
    public static void Placement(MachineEvidence m, Scoreboard s)
    {
        long withCpu = m.ByCpu.Values.Sum();
        if (withCpu == 0)
        {
            return;
        }
        if (m.CoreMap is not { Count: > 1 } map)
        {
            s.Note(DiagnosisCause.DefectiveCore, $"{withCpu} crashes name their CPU, but without the machine's core map (Get-HybridCoreMap) the placement cannot be tested");
            return;
        }
        if (withCpu < 8)
        {
            s.Note(DiagnosisCause.DefectiveCore, $"only {withCpu} crashes name their CPU: too few to test where they cluster");
            return;
        }
        var cpus = map.Where(c => c.IsOnline).OrderBy(c => c.Cpu).ToList();
        // The scheduler puts work on the biggest, fastest cores first: chance is weighted by capacity (or clock).
        double Weight(CoreFact c) => c.Capacity ?? c.MaxFrequencyMHz ?? 1;
        var weights = cpus.Select(Weight).ToList();
        var observed = cpus.Select(c => m.ByCpu.GetValueOrDefault(c.Cpu)).ToList();
        var fit = PlacementTest.GoodnessOfFit(observed, weights);
        if (PlacementTest.MostOverrepresented(observed, weights) is not { } outlier)
        {
            return;
        }
        var top = cpus[outlier.Index];
        var distribution = string.Join(", ", m.ByCpu.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).Take(6).Select(kv => $"CPU {kv.Key}: {kv.Value}"));
        var fitText = $"crashes per CPU against chance weighted by each CPU's capacity: chi-square {fit.Statistic:0.0} on {fit.DegreesOfFreedom} df, {PlacementTest.Describe(fit.PValue)}{(fit.SmallExpectedCounts ? " (few crashes per CPU: approximate)" : "")} ({distribution})";

        // Per core type and per L2 cluster: the groups a bad E-core module or a core type would show up in.
        var typeText = GroupTest(cpus, observed, weights, c => c.CoreType.ToString(), "core type", out var typeOutlier);
        var clusterText = GroupTest(cpus, observed, weights, c => c.Cluster is { } k ? $"L2 cluster of CPU {k}" : $"CPU {c.Cpu}", "L2 cluster", out var clusterOutlier);
        // SMT siblings share one physical core: a bad core shows on both of its threads.
        var coreText = cpus.Any(c => c.CoreId is not null) && cpus.Select(c => c.CoreId).Distinct().Count() < cpus.Count
            ? GroupTest(cpus, observed, weights, c => c.CoreId is { } id ? $"core {id}" : $"CPU {c.Cpu}", "physical core", out var coreOutlier)
            : "";

        if (fit.PValue < 0.001 && outlier.CorrectedPValue < 0.001 && outlier.Ratio >= 3)
        {
            var text = $"CPU {top.Cpu} ({top.CoreType}{(top.CoreId is { } id ? $", core {id}" : "")}) had {outlier.Observed} crashes where {outlier.Expected:0.0} were expected ({outlier.Ratio:0.0}x, corrected {PlacementTest.Describe(outlier.CorrectedPValue)}); {fitText}";
            // Crashes from one burst of one program are not independent samples: clustering alone is weak evidence.
            s.Add(DiagnosisCause.DefectiveCore, 1.0, text + ". Placement alone is weak: crashes of one program burst are not independent, and a pinning test is what confirms a core");
            s.Add(DiagnosisCause.CpuInstability, 0.3, text);
        }
        else if (fit.PValue < 0.01)
        {
            s.Add(DiagnosisCause.DefectiveCore, 0.4, $"crashes are unevenly spread ({fitText}), but no single CPU stands out strongly (CPU {top.Cpu}: {outlier.Observed} vs {outlier.Expected:0.0} expected, corrected {PlacementTest.Describe(outlier.CorrectedPValue)})");
        }
        else
        {
            s.Add(DiagnosisCause.DefectiveCore, -0.5, $"crashes are spread over the CPUs as chance would give ({fitText})");
        }
        if (typeOutlier is { } t)
        {
            s.Add(DiagnosisCause.DefectiveCore, 0.3, typeText);
            s.Add(DiagnosisCause.CpuInstability, 0.2, typeText);
        }
        else if (typeText.Length > 0)
        {
            s.Note(DiagnosisCause.DefectiveCore, typeText);
        }
        if (clusterOutlier is not null && cpus.Select(c => c.Cluster).Distinct().Count() > 1)
        {
            s.Add(DiagnosisCause.DefectiveCore, 0.3, clusterText);
        }
        if (coreText.StartsWith("core ", StringComparison.Ordinal) && coreText.Contains(" stands out ", StringComparison.Ordinal))
        {
            s.Add(DiagnosisCause.DefectiveCore, 0.3, coreText);
        }
        // The CPUs to pin a test to: those with at least twice their expected share, else the busiest four.
        double total = weights.Sum();
        var suspects = cpus.Select((c, i) => (c.Cpu, Observed: observed[i], Expected: withCpu * weights[i] / total))
            .Where(x => x.Observed >= 2 * x.Expected && x.Observed >= 2).OrderByDescending(x => x.Observed).Take(4).Select(x => x.Cpu).ToList();
        if (suspects.Count == 0)
        {
            suspects = m.ByCpu.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).Take(4).Select(kv => kv.Key).ToList();
        }
        s.Advise(DiagnosisCause.DefectiveCore,
            $"Test-CpuStability -Cpu {string.Join(",", suspects.OrderBy(c => c))} -Duration 00:30:00",
            "Confirm the core with a pinned test (Test-CpuStability, or your own job with Test-CpuStability -Command ... -PerCpu). A confirmed bad core on a warranty part is an RMA; meanwhile the BIOS can disable that core or its E-core module.");
    }

    /// <summary>Observed vs expected per group (core type, L2 cluster); the sentence, and the group that stands out, if any.</summary>
    private static string GroupTest(List<CoreFact> cpus, List<long> observed, List<double> weights, Func<CoreFact, string> key, string what, out string? outlier)
    {
        outlier = null;
        var groups = cpus.Select((c, i) => (Key: key(c), i)).GroupBy(g => g.Key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        if (groups.Count < 2)
        {
            return "";
        }
        var obs = groups.Select(g => g.Sum(x => observed[x.i])).ToList();
        var w = groups.Select(g => g.Sum(x => weights[x.i])).ToList();
        var fit = PlacementTest.GoodnessOfFit(obs, w);
        if (PlacementTest.MostOverrepresented(obs, w) is not { } top)
        {
            return "";
        }
        var text = $"per {what}: {string.Join(", ", groups.Select((g, i) => $"{g.Key} {obs[i]} ({obs.Sum() * w[i] / w.Sum():0.0} expected)"))}; {PlacementTest.Describe(fit.PValue)}";
        if (fit.PValue < 0.001 && top.CorrectedPValue < 0.001 && top.Ratio >= 2)
        {
            outlier = groups[top.Index].Key;
            return $"{groups[top.Index].Key} stands out {top.Ratio:0.0}x ({text})";
        }
        return text;
    }
}
