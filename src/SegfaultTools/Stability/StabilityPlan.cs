namespace SegfaultTools;

/// <summary>One set of CPUs loaded together for one stretch of the run.</summary>
/// <param name="Cpus">The CPUs that each get a worker.</param>
/// <param name="Label">For the progress bar: "core 4 alone (CPU 8)", "core 4, both threads", "all 32 CPUs".</param>
internal sealed record StabilityPhase(IReadOnlyList<int> Cpus, string Label);

/// <summary>
/// Phases whose results are reported together: one physical core's phases in Cycle mode, the
/// single all-CPU phase in AllCores mode. Retests run at the end of a step, then its results are written.
/// </summary>
internal sealed record StabilityStep(StabilityMode Mode, IReadOnlyList<int> Cpus, IReadOnlyList<StabilityPhase> Phases, string Label);

/// <summary>
/// The order of a run: in Cycle mode one physical core at a time, favoured cores first (highest
/// scheduler capacity or CPPC rank, then highest maximum clock), each thread alone so it can reach
/// its single-core boost, then both SMT threads together; in AllCores mode every selected CPU at once.
/// </summary>
internal static class StabilityPlan
{
    public static IReadOnlyList<StabilityStep> Build(IReadOnlyList<CpuCoreInfo> cpus, StabilityMode mode)
    {
        var steps = new List<StabilityStep>();
        if (mode is StabilityMode.Cycle or StabilityMode.Both)
        {
            steps.AddRange(CycleSteps(cpus));
        }
        if (mode is StabilityMode.AllCores or StabilityMode.Both)
        {
            var all = cpus.Select(c => c.Cpu).OrderBy(c => c).ToList();
            var label = $"all {all.Count} CPUs at once";
            steps.Add(new StabilityStep(StabilityMode.AllCores, all, new[] { new StabilityPhase(all, label) }, label));
        }
        return steps;
    }

    /// <summary>Favoured first: the scheduler's and firmware's own ranking, then the clock, then the core type, then the number.</summary>
    public static IEnumerable<CpuCoreInfo> FavouredFirst(IEnumerable<CpuCoreInfo> cpus) => cpus
        .OrderByDescending(c => c.Capacity ?? int.MinValue)
        .ThenByDescending(c => c.MaxFrequencyMHz ?? int.MinValue)
        .ThenBy(c => c.CoreType)
        .ThenBy(c => c.Cpu);

    private static IEnumerable<StabilityStep> CycleSteps(IReadOnlyList<CpuCoreInfo> cpus)
    {
        var selected = cpus.Select(c => c.Cpu).ToHashSet();
        var seen = new HashSet<int>();
        foreach (var cpu in FavouredFirst(cpus))
        {
            if (!seen.Add(cpu.Cpu))
            {
                continue;
            }
            // The core's other threads that were selected too, in number order after this one.
            var threads = new List<int> { cpu.Cpu };
            foreach (var sibling in (cpu.ThreadSiblings ?? Array.Empty<int>()).OrderBy(s => s))
            {
                if (sibling != cpu.Cpu && selected.Contains(sibling) && seen.Add(sibling))
                {
                    threads.Add(sibling);
                }
            }
            var core = cpu.CoreId is { } id ? $"core {id}" : $"CPU {cpu.Cpu}'s core";
            var phases = threads.Select(t => new StabilityPhase(new[] { t }, $"{core} alone on CPU {t}")).ToList();
            if (threads.Count > 1)
            {
                phases.Add(new StabilityPhase(threads, $"{core}, threads {string.Join(" and ", threads.Select(t => $"CPU {t}"))} together"));
            }
            yield return new StabilityStep(StabilityMode.Cycle, threads, phases, $"{core} ({cpu.CoreType})");
        }
    }
}
