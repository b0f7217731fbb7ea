namespace SegfaultTools;

/// <summary>The CPUs of a core map that -Cpu and -CoreType select, the same way for every cmdlet.</summary>
internal static class CpuSelection
{
    /// <param name="missing">Called once for each asked-for CPU the map does not have.</param>
    public static IEnumerable<CpuCoreInfo> Select(IReadOnlyList<CpuCoreInfo> map, IEnumerable<int>? cpus, IEnumerable<CoreType>? types, Action<int> missing)
    {
        IEnumerable<CpuCoreInfo> selected = map;
        if (cpus is not null)
        {
            var wanted = cpus.ToHashSet();
            var known = map.Select(c => c.Cpu).ToHashSet();
            foreach (var cpu in wanted.Where(c => !known.Contains(c)).OrderBy(c => c))
            {
                missing(cpu);
            }
            selected = selected.Where(c => wanted.Contains(c.Cpu));
        }
        if (types is not null)
        {
            var kinds = types.ToHashSet();
            selected = selected.Where(c => kinds.Contains(c.CoreType));
        }
        return selected;
    }
}
