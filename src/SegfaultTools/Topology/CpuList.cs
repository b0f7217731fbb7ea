using System.Globalization;
using System.Text;

namespace SegfaultTools;

/// <summary>The kernel's CPU-list syntax (<c>0-15,17,20-31</c>): cpulist_parse / "%*pbl".</summary>
internal static class CpuList
{
    /// <summary>The sorted, distinct CPU numbers of a list; null when the text is not a CPU list.</summary>
    public static int[]? Parse(string? text)
    {
        if (text is null)
        {
            return null;
        }
        text = text.Trim();
        var cpus = new SortedSet<int>();
        if (text.Length == 0)
        {
            return Array.Empty<int>();
        }
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            if (dash < 0)
            {
                if (!TryCpu(part, out var one))
                {
                    return null;
                }
                cpus.Add(one);
                continue;
            }
            // The kernel also accepts "a-b:used/group"; sysfs never prints it, so it is rejected here.
            if (!TryCpu(part[..dash], out var first) || !TryCpu(part[(dash + 1)..], out var last) || last < first || last - first > 65535)
            {
                return null;
            }
            for (var c = first; c <= last; c++)
            {
                cpus.Add(c);
            }
        }
        return cpus.ToArray();
    }

    /// <summary>Formats sorted CPU numbers the way sysfs prints them: runs as <c>a-b</c>, joined by commas.</summary>
    public static string Format(IEnumerable<int> cpus)
    {
        var sorted = cpus.Distinct().OrderBy(c => c).ToArray();
        var sb = new StringBuilder();
        for (var i = 0; i < sorted.Length; i++)
        {
            var start = sorted[i];
            while (i + 1 < sorted.Length && sorted[i + 1] == sorted[i] + 1)
            {
                i++;
            }
            if (sb.Length > 0)
            {
                sb.Append(',');
            }
            sb.Append(start.ToString(CultureInfo.InvariantCulture));
            if (sorted[i] != start)
            {
                sb.Append('-').Append(sorted[i].ToString(CultureInfo.InvariantCulture));
            }
        }
        return sb.ToString();
    }

    private static bool TryCpu(string s, out int cpu) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out cpu) && cpu <= 1 << 20;
}
