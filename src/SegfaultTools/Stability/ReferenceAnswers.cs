namespace SegfaultTools;

/// <summary>
/// The right answer of each workload for a seed, computed in this process before any worker runs,
/// on two different CPUs (a third where they disagree): a CPU that computes a wrong reference and
/// then agrees with itself is caught by comparing its reference with these.
/// </summary>
internal static class ReferenceAnswers
{
    /// <param name="onCpus">CPUs to compute on, in order of preference; empty computes wherever this thread runs.</param>
    /// <param name="problem">Receives a note when the references computed on two CPUs disagreed.</param>
    public static Dictionary<CpuWorkload, string> Compute(IReadOnlyList<CpuWorkload> workloads, int seed, WorkloadEnvironment environment,
        IReadOnlyList<int> onCpus, Action<string>? problem = null)
    {
        var result = new Dictionary<CpuWorkload, string>();
        var original = OperatingSystem.IsLinux() ? CpuAffinity.Get() : Array.Empty<int>();
        try
        {
            foreach (var kind in workloads)
            {
                var answers = new List<(int Cpu, string Digest)>();
                foreach (var cpu in onCpus.Count > 0 ? onCpus.Take(3) : new[] { -1 })
                {
                    if (cpu >= 0 && CpuAffinity.Set(new[] { cpu }) != 0)
                    {
                        continue;
                    }
                    answers.Add((cpu, Digest(kind, seed, environment)));
                    if (answers.Count == 2 && answers[0].Digest == answers[1].Digest)
                    {
                        break;
                    }
                }
                if (answers.Count == 0)
                {
                    answers.Add((-1, Digest(kind, seed, environment)));
                }
                var best = answers.GroupBy(a => a.Digest).OrderByDescending(g => g.Count()).First();
                if (best.Count() < answers.Count)
                {
                    problem?.Invoke($"{kind}: the reference answers computed on CPUs {string.Join(", ", answers.Select(a => a.Cpu))} disagreed; using the one CPUs {string.Join(", ", best.Select(a => a.Cpu))} gave");
                }
                result[kind] = best.Key;
            }
        }
        finally
        {
            if (original.Length > 0)
            {
                CpuAffinity.Set(original);
            }
        }
        return result;
    }

    private static string Digest(CpuWorkload kind, int seed, WorkloadEnvironment environment)
    {
        var workload = StabilityWorkload.Create(kind);
        try
        {
            workload.Prepare(seed, environment);
            return workload.ReferenceDigest;
        }
        finally
        {
            (workload as IDisposable)?.Dispose();
        }
    }
}
