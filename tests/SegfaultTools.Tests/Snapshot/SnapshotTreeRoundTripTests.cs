using System.Text.Json;

namespace SegfaultTools.Tests;

/// <summary>
/// A snapshot taken of each captured fixture tree (the seed's machine, the resolved public cases,
/// the contrasts), extracted, gives the same diagnosis, profile, core map and GPU facts as the tree
/// itself: the snapshot keeps everything the readers use.
/// </summary>
public sealed class SnapshotTreeRoundTripTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("snapshot-trees-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    public static IEnumerable<object[]> Trees() => SnapshotTestSupport.FixtureTreeNames().Select(n => new object[] { n });

    private (string Tree, string Extracted, SnapshotContent Content, List<ReadProblem> Problems) RoundTrip(string name, SnapshotOptions? options = null)
    {
        var tree = SnapshotTestSupport.CopyFixtureTree(name, Path.Combine(_temp, "trees"));
        var (archive, content, problems) = SnapshotTestSupport.Snapshot(new SystemRoot(tree), Path.Combine(_temp, name + ".tar.gz"), options);
        var extracted = Path.Combine(_temp, "snapshots", name);
        SnapshotTestSupport.Extract(archive, extracted);
        return (tree, extracted, content, problems);
    }

    [Theory]
    [MemberData(nameof(Trees))]
    public void TheSnapshotDiagnosesLikeTheTree(string name)
    {
        var (tree, extracted, _, problems) = RoundTrip(name);
        Assert.Empty(problems);
        Assert.Equal(SnapshotTestSupport.Diagnose(tree), SnapshotTestSupport.Diagnose(extracted));
    }

    [Theory]
    [MemberData(nameof(Trees))]
    public void TheSnapshotHasTheTreesProfileCoreMapAndGpuFacts(string name)
    {
        var (tree, extracted, _, _) = RoundTrip(name);
        string Json(object o, string root) => JsonSerializer.Serialize(o).Replace(JsonEncodedText.Encode(root).ToString(), "<tree>", StringComparison.Ordinal);
        var a = new SystemRoot(tree);
        var b = new SystemRoot(extracted);
        Assert.Equal(Json(SystemProfileReader.ReadCaptured(a), tree), Json(SystemProfileReader.ReadCaptured(b), extracted));
        Assert.Equal(Json(HybridCoreMap.Build(a), tree), Json(HybridCoreMap.Build(b), extracted));
        Assert.Equal(Json(new GpuDriverReader(a, new CapturedGpuTools(a)).Read(), tree), Json(new GpuDriverReader(b, new CapturedGpuTools(b)).Read(), extracted));
    }

    [Fact]
    public void TheSeedsSnapshotKeepsOnlyTheRecordsAndTheFilesTheReadersUse()
    {
        var (tree, extracted, content, _) = RoundTrip("seed-13900ks");
        var kern = File.ReadAllLines(Path.Combine(extracted, "var/log/kern.log"));
        var original = File.ReadAllLines(Path.Combine(tree, "var/log/kern.log"));
        Assert.True(kern.Length < original.Length, $"{kern.Length} lines kept of {original.Length}");
        // Every line is an RFC 3339 stamp with its zone, the host and the kernel tag (or a boot line without a time).
        Assert.All(kern, l => Assert.Matches(@"^(?:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}[+-]\d\d:\d\d \S+ )?kernel: ", l));
        // The Code: lines survive, so the code-bytes check still has its bytes.
        Assert.Contains(kern, l => l.Contains(" Code: ", StringComparison.Ordinal));
        // The program outputs, but never the whole ring buffer.
        Assert.True(File.Exists(Path.Combine(extracted, ".segfaulttools/nvidia-smi-q-x.xml")));
        Assert.False(File.Exists(Path.Combine(extracted, ".segfaulttools/dmesg.txt")));
        // libstdc++ and the NVIDIA libraries as their links and stand-ins.
        Assert.Equal("libcuda.so.590.48.01", new FileInfo(Path.Combine(extracted, "usr/lib/libcuda.so.1")).LinkTarget);
        Assert.Equal(new FileInfo(Path.Combine(tree, "usr/lib/libstdc++.so.6.0.34")).Length, new FileInfo(Path.Combine(extracted, "usr/lib/libstdc++.so.6.0.34")).Length);
        // Every file in the archive is in the manifest with its size.
        var manifest = File.ReadAllText(Path.Combine(extracted, SnapshotManifest.FileName));
        foreach (var e in content.Entries.Where(e => e.Kind is SnapshotEntryKind.File or SnapshotEntryKind.StandIn && e.Path != SnapshotManifest.FileName))
        {
            Assert.Matches($@"\n +{e.Size}(?: \(stores \d+\))?  {System.Text.RegularExpressions.Regex.Escape(e.Path)}\n +from ", manifest);
        }
    }

    [Fact]
    public void ARedactedSnapshotStillDiagnosesAndNamesNeitherHostNorUser()
    {
        var (tree, extracted, _, _) = RoundTrip("seed-13900ks", new SnapshotOptions { Redact = true });
        var host = File.ReadAllText(Path.Combine(tree, "etc/hostname")).Trim();
        Assert.Equal("host-1", File.ReadAllText(Path.Combine(extracted, "etc/hostname")).Trim());
        foreach (var file in Directory.EnumerateFiles(extracted, "*", SearchOption.AllDirectories).Where(f => new FileInfo(f).LinkTarget is null))
        {
            var bytes = File.ReadAllBytes(file);
            if (!SnapshotBuilder.LooksLikeText(bytes))
            {
                continue;
            }
            Assert.DoesNotMatch($@"(?i)(?<![A-Za-z0-9_-]){System.Text.RegularExpressions.Regex.Escape(host)}(?![A-Za-z0-9_-])", File.ReadAllText(file));
        }
        var causes = SnapshotTestSupport.Diagnose(tree).Where(l => !l.StartsWith(' ')).Select(l => l.Split(' ')[2]).ToList();
        var redactedCauses = SnapshotTestSupport.Diagnose(extracted).Where(l => !l.StartsWith(' ')).Select(l => l.Split(' ')[2]).ToList();
        Assert.Equal(causes, redactedCauses);
    }

    [Fact]
    public void ATimeWindowKeepsOnlyTheRecordsInIt()
    {
        var tree = SnapshotTestSupport.CopyFixtureTree("seed-13900ks", Path.Combine(_temp, "trees"));
        var events = new CrashEventReader(_ => { }, _ => { }, CancellationToken.None).ReadRoot(new SystemRoot(tree), false, s => s)!.ToList();
        Assert.True(events.Count >= 6);
        var since = events[2].TimeCreated!.Value;
        var until = events[^2].TimeCreated!.Value;
        var (archive, _, _) = SnapshotTestSupport.Snapshot(new SystemRoot(tree), Path.Combine(_temp, "window.tar.gz"), new SnapshotOptions { Since = since, Until = until });
        var extracted = Path.Combine(_temp, "window");
        SnapshotTestSupport.Extract(archive, extracted);
        var kept = new CrashEventReader(_ => { }, _ => { }, CancellationToken.None).ReadRoot(new SystemRoot(extracted), false, s => s)!.ToList();
        var expected = events.Where(e => e.TimeCreated >= since && e.TimeCreated <= until).ToList();
        Assert.Equal(expected.Select(e => (e.TimeCreated, e.ProcessName, e.ProcessId, e.Module, e.FileOffset, e.Code, e.Cpu)),
            kept.Select(e => (e.TimeCreated, e.ProcessName, e.ProcessId, e.Module, e.FileOffset, e.Code, e.Cpu)));
    }

    /// <summary>sysfs links cpuN/cpufreq to ../cpufreq/policyN: the link is kept as a link and the policy's files beside it.</summary>
    [Fact]
    public void CpufreqLinksStayLinks()
    {
        var tree = Path.Combine(_temp, "cpufreq");
        var cpu = Path.Combine(tree, "sys/devices/system/cpu");
        foreach (var n in new[] { 0, 1 })
        {
            Directory.CreateDirectory(Path.Combine(cpu, $"cpu{n}/topology"));
            File.WriteAllText(Path.Combine(cpu, $"cpu{n}/topology/core_id"), $"{n}\n");
            Directory.CreateDirectory(Path.Combine(cpu, $"cpufreq/policy{n}"));
            File.WriteAllText(Path.Combine(cpu, $"cpufreq/policy{n}/cpuinfo_max_freq"), n == 0 ? "5800000\n" : "4300000\n");
            Directory.CreateDirectory(Path.Combine(cpu, $"cpufreq/policy{n}/stats"));
            File.WriteAllText(Path.Combine(cpu, $"cpufreq/policy{n}/stats/trans_table"), "too big\n");
            File.CreateSymbolicLink(Path.Combine(cpu, $"cpu{n}/cpufreq"), $"../cpufreq/policy{n}");
            Directory.CreateDirectory(Path.Combine(cpu, $"cpu{n}/power"));
            File.WriteAllText(Path.Combine(cpu, $"cpu{n}/power/runtime_status"), "unsupported\n");
        }
        File.WriteAllText(Path.Combine(cpu, "online"), "0-1\n");
        Directory.CreateDirectory(Path.Combine(cpu, "vulnerabilities"));
        File.WriteAllText(Path.Combine(cpu, "vulnerabilities/spectre_v2"), "Mitigation\n");

        var (archive, content, _) = SnapshotTestSupport.Snapshot(new SystemRoot(tree), Path.Combine(_temp, "cpufreq.tar.gz"));
        var extracted = Path.Combine(_temp, "cpufreq-extracted");
        SnapshotTestSupport.Extract(archive, extracted);
        Assert.Equal("../cpufreq/policy1", new FileInfo(Path.Combine(extracted, "sys/devices/system/cpu/cpu1/cpufreq")).LinkTarget);
        Assert.Equal(new int?[] { 5800, 4300 }, HybridCoreMap.Build(new SystemRoot(extracted)).Select(c => c.MaxFrequencyMHz).ToArray());
        var paths = content.Entries.Select(e => e.Path).ToList();
        Assert.DoesNotContain(paths, p => p.Contains("/stats/", StringComparison.Ordinal) || p.Contains("/power/", StringComparison.Ordinal) || p.Contains("vulnerabilities", StringComparison.Ordinal));
    }
}
