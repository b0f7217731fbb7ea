namespace SegfaultTools;

/// <summary>
/// The core type of a CPU of one machine (the live one, or a captured tree), for joining crash events
/// to the core map. The map is built once, on first use. Events from another machine get nothing: a core
/// type borrowed from this machine would be a guess.
/// </summary>
internal sealed class CoreTypeLookup
{
    private readonly Lazy<Dictionary<int, CoreType>> _map;

    public CoreTypeLookup(SystemRoot root, ICpuIdSource? cpuid = null)
    {
        ComputerName = root.ComputerName;
        _map = new Lazy<Dictionary<int, CoreType>>(() =>
            TopologyReader.HasCpuDirectory(root)
                ? HybridCoreMap.Build(root, cpuid).ToDictionary(c => c.Cpu, c => c.CoreType)
                : new Dictionary<int, CoreType>());
    }

    /// <summary>The machine the map describes (SystemRoot.ComputerName).</summary>
    public string ComputerName { get; }

    /// <summary>The core type of a CPU of this machine; null when the CPU is not in its map.</summary>
    public CoreType? For(int cpu) => _map.Value.TryGetValue(cpu, out var type) ? type : null;

    /// <summary>
    /// The core type for an event: null unless the event names a CPU and comes from this machine
    /// (<see cref="IsSameMachine"/>).
    /// </summary>
    public CoreType? For(string? computerName, int? cpu) =>
        cpu is int c && IsSameMachine(computerName) ? For(c) : null;

    /// <summary>
    /// Whether a host name is this map's machine: equal ignoring case, or one is the other's short name
    /// ("ws" and "ws.example.org"; a log may carry either form).
    /// </summary>
    public bool IsSameMachine(string? computerName)
    {
        if (string.IsNullOrEmpty(computerName))
        {
            return false;
        }
        if (string.Equals(computerName, ComputerName, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        return IsShortNameOf(computerName, ComputerName) || IsShortNameOf(ComputerName, computerName);
    }

    private static bool IsShortNameOf(string shortName, string fullName) =>
        !shortName.Contains('.', StringComparison.Ordinal)
        && fullName.Length > shortName.Length
        && fullName[shortName.Length] == '.'
        && fullName.StartsWith(shortName, StringComparison.OrdinalIgnoreCase);
}
