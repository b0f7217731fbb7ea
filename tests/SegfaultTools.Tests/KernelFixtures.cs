using System.Globalization;
using System.Text.Json;

namespace SegfaultTools.Tests;

/// <summary>One record of tests/fixtures/kernel-lines/kernel-lines.jsonl.</summary>
internal sealed record FixtureRecord(int Group, int Seq, string Kind, string Text, string? Subkind, string Prefix)
{
    /// <summary>The record as a log reader would hand it over: one string per physical line.</summary>
    public IEnumerable<string> Lines => Text.Split('\n');

    public bool IsCodeLine =>
        (Subkind?.StartsWith("Code:", StringComparison.Ordinal) ?? false) ||
        System.Text.RegularExpressions.Regex.IsMatch(Text, @"(^|[\]\s:])Code: ");

    /// <summary>
    /// A crash head counted independently of the parser: a segfault/trap record that is not a Code:
    /// line, a pr_cont fragment or a rate-limit notice.
    /// </summary>
    public bool IsCrashHead =>
        (Kind == "segfault" || Kind == "trap") &&
        !IsCodeLine &&
        Subkind != "pr_cont fragment emitted as separate record" &&
        Subkind != "printk ratelimit notice";
}

internal static class KernelFixtures
{
    private static readonly Lazy<IReadOnlyList<FixtureRecord>> s_records = new(LoadRecords);
    private static readonly Lazy<JsonDocument> s_expected = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.KernelLines, "expected.json"))));

    public static IReadOnlyList<FixtureRecord> Records => s_records.Value;

    public static IEnumerable<IGrouping<int, FixtureRecord>> Groups =>
        Records.GroupBy(r => r.Group).OrderBy(g => g.Key);

    public static IReadOnlyList<FixtureRecord> Group(int group) =>
        Records.Where(r => r.Group == group).OrderBy(r => r.Seq).ToList();

    public static JsonElement ExpectedRoot => s_expected.Value.RootElement;

    public static IEnumerable<JsonElement> ExpectedCases => ExpectedRoot.GetProperty("cases").EnumerateArray();

    public static JsonElement ExpectedCase(string name) =>
        ExpectedCases.Single(c => c.GetProperty("name").GetString() == name);

    /// <summary>The context every table case runs under (see make_expected.py).</summary>
    public static LogReadContext TestContext() => new()
    {
        Source = "test",
        ComputerName = "testhost",
        TimeZone = TimeZoneInfo.Utc,
        ReferenceTime = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero),
        BootTime = null,
    };

    /// <summary>The input lines of an expectation case, in published order.</summary>
    public static List<string> InputLines(JsonElement c)
    {
        if (c.TryGetProperty("lines", out var lines))
        {
            return lines.EnumerateArray().Select(l => l.GetString()!).ToList();
        }

        var group = c.GetProperty("group").GetInt32();
        IEnumerable<FixtureRecord> recs = Group(group);
        if (c.TryGetProperty("seq", out var seq))
        {
            var lo = seq[0].GetInt32();
            var hi = seq[1].GetInt32();
            recs = recs.Where(r => r.Seq >= lo && r.Seq <= hi);
        }

        return recs.SelectMany(r => r.Lines).ToList();
    }

    private static IReadOnlyList<FixtureRecord> LoadRecords()
    {
        var list = new List<FixtureRecord>();
        foreach (var line in File.ReadLines(Path.Combine(RepoPaths.KernelLines, "kernel-lines.jsonl")))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            using var doc = JsonDocument.Parse(line);
            var o = doc.RootElement;
            list.Add(new FixtureRecord(
                o.GetProperty("group").GetInt32(),
                o.GetProperty("seq").GetInt32(),
                o.GetProperty("kind").GetString()!,
                o.GetProperty("text").GetString()!,
                o.TryGetProperty("subkind", out var sk) ? sk.GetString() : null,
                o.GetProperty("prefix").GetString()!));
        }

        return list;
    }

    public static ulong? Hex(JsonElement e) =>
        e.ValueKind == JsonValueKind.Null
            ? null
            : ulong.Parse(e.GetString()!.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
