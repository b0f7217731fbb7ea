using System.Globalization;

namespace SegfaultTools;

/// <summary>Sizes the memory workload: beyond the last-level cache, within what free memory allows for every worker at once.</summary>
internal static class MachineMemory
{
    private const long Floor = 4L << 20;
    private const long Ceiling = 256L << 20;

    public static WorkloadEnvironment WorkloadEnvironment(SystemRoot root, int cpu, int concurrentWorkers)
    {
        var llc = LastLevelCacheBytes(root, cpu) ?? SegfaultTools.WorkloadEnvironment.Default.LastLevelCacheBytes;
        var available = AvailableBytes(root) ?? 1L << 30;
        // A quarter of free memory shared by the workers at once: the test must never push the
        // machine into swapping or the OOM killer.
        var budget = Math.Clamp(available / 4 / Math.Max(1, concurrentWorkers), Floor, Ceiling);
        return new WorkloadEnvironment(llc, budget);
    }

    /// <summary>The size of the highest-level cache <paramref name="cpu"/> uses (sysfs cache/indexN).</summary>
    public static long? LastLevelCacheBytes(SystemRoot root, int cpu)
    {
        var dir = root.PathOf($"sys/devices/system/cpu/cpu{cpu}/cache");
        if (!Directory.Exists(dir))
        {
            return null;
        }
        long? best = null;
        int bestLevel = -1;
        foreach (var index in Directory.EnumerateDirectories(dir, "index*"))
        {
            var level = Read(Path.Combine(index, "level"));
            var size = Read(Path.Combine(index, "size"));
            if (level is null || size is null || !int.TryParse(level, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) || ParseSize(size) is not { } bytes)
            {
                continue;
            }
            if (l > bestLevel || (l == bestLevel && bytes > best))
            {
                bestLevel = l;
                best = bytes;
            }
        }
        return best;
    }

    /// <summary>"36864K", "2048K", "36M" → bytes.</summary>
    public static long? ParseSize(string text)
    {
        text = text.Trim();
        long unit = 1;
        if (text.EndsWith('K'))
        {
            unit = 1L << 10;
        }
        else if (text.EndsWith('M'))
        {
            unit = 1L << 20;
        }
        else if (text.EndsWith('G'))
        {
            unit = 1L << 30;
        }
        var digits = unit == 1 ? text : text[..^1];
        return long.TryParse(digits, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n * unit : null;
    }

    /// <summary>MemAvailable from /proc/meminfo.</summary>
    public static long? AvailableBytes(SystemRoot root)
    {
        var text = Read(root.PathOf("proc/meminfo"));
        foreach (var line in (text ?? "").Split('\n'))
        {
            if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kb))
                {
                    return kb * 1024;
                }
            }
        }
        return null;
    }

    private static string? Read(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
