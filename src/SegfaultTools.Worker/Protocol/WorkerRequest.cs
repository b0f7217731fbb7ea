using System.Globalization;

namespace SegfaultTools;

/// <summary>
/// What one worker process is asked to do: run these workloads on this CPU for this long each.
/// The parent turns it into the worker's command line and the worker parses it back, so both sides
/// share this one definition.
/// </summary>
public sealed record WorkerRequest
{
    public required int Cpu { get; init; }
    public required IReadOnlyList<CpuWorkload> Workloads { get; init; }

    /// <summary>Time each workload runs, idle gaps included.</summary>
    public required int SliceMilliseconds { get; init; }

    public required int Seed { get; init; }

    /// <summary>Length of one burst of load before an idle gap: load comes and goes, as the transitions matter.</summary>
    public int BurstMilliseconds { get; init; } = 250;

    /// <summary>Idle time between bursts.</summary>
    public int GapMilliseconds { get; init; } = 25;

    /// <summary>How often the worker reports its counts.</summary>
    public int ProgressMilliseconds { get; init; } = 250;

    public long LastLevelCacheBytes { get; init; } = WorkloadEnvironment.Default.LastLevelCacheBytes;
    public long MemoryBudgetBytes { get; init; } = WorkloadEnvironment.Default.MemoryBudgetBytes;

    public const string Verb = "run";

    public IReadOnlyList<string> ToArguments() => new[]
    {
        Verb,
        "--cpu", Cpu.ToString(CultureInfo.InvariantCulture),
        "--workloads", string.Join(',', Workloads),
        "--slice-ms", SliceMilliseconds.ToString(CultureInfo.InvariantCulture),
        "--seed", Seed.ToString(CultureInfo.InvariantCulture),
        "--burst-ms", BurstMilliseconds.ToString(CultureInfo.InvariantCulture),
        "--gap-ms", GapMilliseconds.ToString(CultureInfo.InvariantCulture),
        "--progress-ms", ProgressMilliseconds.ToString(CultureInfo.InvariantCulture),
        "--llc", LastLevelCacheBytes.ToString(CultureInfo.InvariantCulture),
        "--memory-budget", MemoryBudgetBytes.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Parses the arguments after the verb; throws FormatException naming what is wrong.</summary>
    public static WorkerRequest Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                throw new FormatException($"Expected '--name value' pairs, found '{args[i]}'.");
            }
            values[args[i][2..]] = args[++i];
        }
        string Need(string name) => values.TryGetValue(name, out var v) ? v : throw new FormatException($"--{name} is missing.");
        int Int(string name) => int.Parse(Need(name), NumberStyles.Integer, CultureInfo.InvariantCulture);
        int IntOr(string name, int fallback) => values.ContainsKey(name) ? Int(name) : fallback;
        long LongOr(string name, long fallback) =>
            values.TryGetValue(name, out var v) ? long.Parse(v, NumberStyles.Integer, CultureInfo.InvariantCulture) : fallback;

        var workloads = Need("workloads").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => Enum.TryParse<CpuWorkload>(w, ignoreCase: true, out var k) ? k : throw new FormatException($"Unknown workload '{w}'."))
            .ToArray();
        var defaults = new WorkerRequest { Cpu = 0, Workloads = workloads, SliceMilliseconds = 0, Seed = 0 };
        return new WorkerRequest
        {
            Cpu = Int("cpu"),
            Workloads = workloads,
            SliceMilliseconds = Int("slice-ms"),
            Seed = Int("seed"),
            BurstMilliseconds = IntOr("burst-ms", defaults.BurstMilliseconds),
            GapMilliseconds = IntOr("gap-ms", defaults.GapMilliseconds),
            ProgressMilliseconds = IntOr("progress-ms", defaults.ProgressMilliseconds),
            LastLevelCacheBytes = LongOr("llc", defaults.LastLevelCacheBytes),
            MemoryBudgetBytes = LongOr("memory-budget", defaults.MemoryBudgetBytes),
        };
    }
}
