namespace SegfaultTools.Tests;

/// <summary>
/// Every record of kernel-lines.jsonl: nothing throws, and crash events come only from crash heads
/// (heads counted from the fixture's own kind/subkind labels, not by the parser).
/// </summary>
public sealed class KernelLogParserSweepTests
{
    public static TheoryData<int> GroupIds()
    {
        var data = new TheoryData<int>();
        foreach (var g in KernelFixtures.Groups)
        {
            data.Add(g.Key);
        }

        return data;
    }

    public static TheoryData<int, int> NonHeadRecords()
    {
        var data = new TheoryData<int, int>();
        foreach (var r in KernelFixtures.Records.Where(r => !r.IsCrashHead))
        {
            data.Add(r.Group, r.Seq);
        }

        return data;
    }

    public static TheoryData<int, int> HeadRecords()
    {
        var data = new TheoryData<int, int>();
        foreach (var r in KernelFixtures.Records.Where(r => r.IsCrashHead))
        {
            data.Add(r.Group, r.Seq);
        }

        return data;
    }

    [Fact]
    public void FixtureHasAllRecords()
    {
        Assert.Equal(491, KernelFixtures.Records.Count);
        Assert.True(KernelFixtures.Records.Count(r => r.IsCrashHead) > 100);
    }

    /// <summary>A whole group in published order yields exactly one event per crash head.</summary>
    [Theory]
    [MemberData(nameof(GroupIds))]
    public void GroupYieldsOneEventPerCrashHead(int group)
    {
        var records = KernelFixtures.Group(group);
        var heads = records.Count(r => r.IsCrashHead);

        var events = KernelLogParser.ParseAll(records.SelectMany(r => r.Lines), KernelFixtures.TestContext());

        Assert.True(heads == events.Count,
            $"group {group}: {heads} crash heads but {events.Count} events:\n" +
            string.Join("\n", events.Select(e => $"  {e.ProcessName}[{e.ProcessId}] {e.Kind} | {e.Message}")));
    }

    /// <summary>
    /// Context lines (kind other/mce/xid/oops/coredump), Code: lines, pr_cont fragments and rate-limit
    /// notices produce no event on their own.
    /// </summary>
    [Theory]
    [MemberData(nameof(NonHeadRecords))]
    public void NonHeadRecordAloneYieldsNoEvent(int group, int seq)
    {
        var r = KernelFixtures.Group(group).Single(x => x.Seq == seq);
        var events = KernelLogParser.ParseAll(r.Lines, KernelFixtures.TestContext());
        Assert.True(events.Count == 0,
            $"{r.Kind} record {group}/{seq} produced {events.Count} event(s): {r.Text}\n" +
            string.Join("\n", events.Select(e => $"  {e.ProcessName}[{e.ProcessId}] {e.Kind}")));
    }

    /// <summary>A crash head on its own (even one whose tail never comes) is one event.</summary>
    [Theory]
    [MemberData(nameof(HeadRecords))]
    public void HeadRecordAloneYieldsOneEvent(int group, int seq)
    {
        var r = KernelFixtures.Group(group).Single(x => x.Seq == seq);
        var events = KernelLogParser.ParseAll(r.Lines, KernelFixtures.TestContext());
        Assert.True(events.Count == 1, $"head {group}/{seq} produced {events.Count} event(s): {r.Text}");
        Assert.Equal("test", events[0].Source);
    }

    /// <summary>The whole file fed as one stream: no exception and one event per head overall.</summary>
    [Fact]
    public void WholeFileInOneStream()
    {
        var records = KernelFixtures.Groups.SelectMany(g => g.OrderBy(r => r.Seq)).ToList();
        var events = KernelLogParser.ParseAll(records.SelectMany(r => r.Lines), KernelFixtures.TestContext());
        Assert.Equal(records.Count(r => r.IsCrashHead), events.Count);
    }
}
