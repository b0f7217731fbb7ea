namespace SegfaultTools;

/// <summary>Builds the per-CPU core map of a machine: read the topology, read CPUID where it helps, classify.</summary>
internal static class HybridCoreMap
{
    /// <param name="root">The live "/" or a captured tree.</param>
    /// <param name="cpuid">CPUID source for the live machine; null uses <see cref="CpuIdReader"/> there. Never used for a captured tree.</param>
    public static List<CpuCoreInfo> Build(SystemRoot root, ICpuIdSource? cpuid = null)
    {
        var snapshot = TopologyReader.Read(root);
        IReadOnlyDictionary<int, CpuIdCoreType>? ids = null;
        // CPUID describes the CPU this process runs on, so only the live machine; and only when the
        // PMUs have not already answered, and the part may be a hybrid Intel one.
        if (root.IsLive && !snapshot.HasHybridPmu && snapshot.Vendor is CpuVendor.Intel or CpuVendor.Unknown)
        {
            var online = snapshot.Cpus.Where(t => t.IsOnline).Select(t => t.Cpu).ToList();
            ids = (cpuid ?? CpuIdReader.Instance).Read(online);
        }
        var decisions = CoreTypeClassifier.Classify(snapshot, ids);
        return snapshot.Cpus
            .Select(t => decisions.TryGetValue(t.Cpu, out var d)
                ? new CpuCoreInfo(snapshot.ComputerName, t, d.Type, d.Evidence)
                : new CpuCoreInfo(snapshot.ComputerName, t, CoreType.Unknown, "no evidence for this CPU"))
            .ToList();
    }
}
