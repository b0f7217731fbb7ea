using System.Globalization;
using System.Text;

namespace SegfaultTools.Tests;

/// <summary>
/// Stand-ins of big files: a crash module's bytes around the faulting offset (the code-bytes check
/// finds the same file and bytes in the extracted tree), the module's build id, and libstdc++'s
/// version names for the profile.
/// </summary>
public sealed class SnapshotStandInTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("snapshot-standin-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    /// <summary>An ELF program of this machine to stand in for a crash module.</summary>
    private static string? SomeElf() =>
        new[] { "/usr/bin/ls", "/bin/ls", "/usr/bin/tar", Environment.ProcessPath }.FirstOrDefault(p => p is not null && File.Exists(p) && new FileInfo(p).Length > 0x6000);

    [SkippableFact]
    public void BuildIdIsTheOneReadelfShows()
    {
        var elf = SomeElf();
        Skip.If(elf is null, "no ELF program found to read");
        var readelf = SnapshotTestSupport.Run("readelf", "-n", elf!);
        Skip.If(readelf is null, "readelf (binutils) is not installed");
        var line = readelf!.Value.Output.Split('\n').FirstOrDefault(l => l.Contains("Build ID:", StringComparison.Ordinal));
        Skip.If(line is null, $"{elf} has no build id");
        Assert.Equal(line![(line.IndexOf("Build ID:", StringComparison.Ordinal) + 9)..].Trim(), ElfFile.BuildId(elf!));
        Assert.Null(ElfFile.BuildId(Path.Combine(RepoPaths.Fixtures, "diagnosis/expectations.json")));
    }

    [Fact]
    public void LibstdcxxStandInGivesTheProfileTheSameVersionNames()
    {
        var original = Path.Combine(RepoPaths.Fixtures, "diagnosis/seed-13900ks/usr/lib/libstdc++.so.6.0.34");
        var regions = ElfFile.VersionDefinitionRegions(original);
        Assert.NotNull(regions);
        var copy = WriteStandIn(original, regions!);
        var expected = Toolchain.GlibcxxVersions(original, out var fromElf);
        var got = Toolchain.GlibcxxVersions(copy, out var copyFromElf);
        Assert.True(fromElf);
        Assert.True(copyFromElf);
        Assert.Equal(expected, got);
        Assert.True(regions!.Sum(r => r.Data.Length) < new FileInfo(original).Length);
    }

    [SkippableFact]
    public void ThisMachinesLibstdcxxToo()
    {
        var file = Toolchain.StandardLibstdcxxPaths.Select(p => Toolchain.ResolveInRoot(SystemRoot.Live, "/" + p)).FirstOrDefault(p => p is not null);
        Skip.If(file is null, "no libstdc++.so.6 in the standard folders");
        var regions = ElfFile.VersionDefinitionRegions(file!) ?? ElfFile.StringRegions(file!, "GLIBCXX_3.4");
        var copy = WriteStandIn(file!, regions);
        Assert.Equal(Toolchain.Newest(Toolchain.GlibcxxVersions(file!, out _)), Toolchain.Newest(Toolchain.GlibcxxVersions(copy, out _)));
    }

    private string WriteStandIn(string original, IEnumerable<ByteRegion> regions)
    {
        var entry = SnapshotEntry.StandInFile("lib/" + Path.GetFileName(original), new FileInfo(original).Length, regions, "t", null, false);
        var archive = Path.Combine(_temp, Guid.NewGuid().ToString("N") + ".tar.gz");
        using (var s = File.Create(archive))
        {
            SnapshotArchive.Write(s, new[] { entry }, DateTimeOffset.Now);
        }
        var into = Path.Combine(_temp, Path.GetFileNameWithoutExtension(archive));
        SnapshotTestSupport.Extract(archive, into);
        return Path.Combine(into, entry.Path);
    }

    /// <summary>
    /// A tree whose kern.log holds a crash in usr/bin/prog with one bit of its Code: bytes flipped:
    /// the check on the tree says Differ. Snapshot and extract it: the stand-in is found where the
    /// module was, with the same bytes; with the change time the snapshot recorded the check still
    /// says Differ, while the extracted file's own (new) ctime would make it "changed since the crash".
    /// </summary>
    [SkippableFact]
    public void TheCodeBytesCheckFindsTheSameBytesInTheSnapshot()
    {
        var elf = SomeElf();
        Skip.If(elf is null, "no ELF program found to copy");
        var tree = Path.Combine(_temp, "tree");
        Directory.CreateDirectory(Path.Combine(tree, "usr/bin"));
        Directory.CreateDirectory(Path.Combine(tree, "var/log"));
        Directory.CreateDirectory(Path.Combine(tree, "etc"));
        File.WriteAllText(Path.Combine(tree, "etc/hostname"), "box\n");
        var prog = Path.Combine(tree, "usr/bin/prog");
        File.Copy(elf!, prog);

        const long fileOffset = 0x4321;
        var bytes = new byte[64];
        using (var f = File.OpenRead(prog))
        {
            f.Position = fileOffset - 42;
            f.ReadExactly(bytes);
        }
        bytes[40] ^= 0x08; // one flipped bit, two bytes before ip
        var code = string.Join(' ', bytes.Select((b, i) => i == 42 ? $"<{b:x2}>" : b.ToString("x2", CultureInfo.InvariantCulture)));
        // The crash happens after the file was put in place, and the snapshot is extracted after the crash.
        Thread.Sleep(1100);
        var crash = DateTimeOffset.Now.AddMilliseconds(-500);
        const ulong Base = 0x55d77c771000;
        var stamp = crash.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture);
        File.WriteAllLines(Path.Combine(tree, "var/log/kern.log"), new[]
        {
            $"{stamp} box kernel: [  100.000000] prog[77]: segfault at 0 ip {Base + 0x3321:x16} sp 00007ffddde0c720 error 4 in prog[{fileOffset:x},{Base:x}+5000] likely on CPU 1 (core 1, socket 0)",
            $"{stamp} box kernel: [  100.000010] Code: {code}",
        });
        Thread.Sleep(1100);

        var root = new SystemRoot(tree);
        var (archive, content, _) = SnapshotTestSupport.Snapshot(root, Path.Combine(_temp, "prog.tar.gz"));
        var extracted = Path.Combine(_temp, "extracted");
        SnapshotTestSupport.Extract(archive, extracted);
        var snapshot = new SystemRoot(extracted);

        var e = new CrashEventReader(_ => { }, _ => { }, CancellationToken.None).ReadRoot(snapshot, false, s => s)!.Single();
        Assert.Equal((ulong)fileOffset, e.FileOffset);
        var parsed = CodeLine.Parse(e.Code)!;
        var inTree = ModuleFileLocator.Find("prog", root)!;
        var inSnapshot = ModuleFileLocator.Find("prog", snapshot);
        Assert.Equal(Path.Combine(extracted, "usr/bin/prog"), inSnapshot);
        Assert.Equal(new FileInfo(prog).Length, new FileInfo(inSnapshot!).Length);

        var live = CodeBytesCheck.Compare(parsed, inTree, fileOffset, e.TimeCreated, e.ModuleOffset, e.ModuleSize);
        Assert.Equal(CodeBytesOutcome.Differ, live.Outcome);
        Assert.Equal(1, live.SingleBitDifferences);

        var recorded = SnapshotFileTimes.Recorded(snapshot, inSnapshot!);
        Assert.NotNull(recorded);
        Assert.True(recorded < e.TimeCreated);
        var fromSnapshot = CodeBytesCheck.Compare(parsed, inSnapshot!, fileOffset, e.TimeCreated, e.ModuleOffset, e.ModuleSize, recorded);
        Assert.Equal(live, fromSnapshot);
        // Without the recorded time the extracted copy looks changed after the crash: why the times are kept.
        Assert.Equal(CodeBytesOutcome.FileChangedSinceCrash, CodeBytesCheck.Compare(parsed, inSnapshot!, fileOffset, e.TimeCreated, e.ModuleOffset, e.ModuleSize).Outcome);

        // The window and its description.
        var window = content.Entries.Single(x => x.Path == $"{SnapshotBuilder.ModulesFolder}/prog@{fileOffset:x}.bin");
        Assert.Equal(128, window.Content.Length);
        using (var f = File.OpenRead(prog))
        {
            Assert.Equal(ElfFile.Read(f, fileOffset - 64, 128), window.Content);
        }
        var text = Encoding.UTF8.GetString(content.Entries.Single(x => x.Path == $"{SnapshotBuilder.ModulesFolder}/prog@{fileOffset:x}.txt").Content);
        Assert.Contains("Path: /usr/bin/prog", text, StringComparison.Ordinal);
        Assert.Contains($"Size: {new FileInfo(prog).Length}", text, StringComparison.Ordinal);
        Assert.Contains($"Build ID: {ElfFile.BuildId(prog) ?? "(none)"}", text, StringComparison.Ordinal);
        Assert.Contains("Code bytes at capture: Differ: 1 of 64 bytes", text, StringComparison.Ordinal);
    }

    /// <summary>
    /// A module under a person's home: with -Redact its path becomes /home/user-1/... in the archive,
    /// in ldconfig's list and in the manifest alike, so the code-bytes check still finds it, and the
    /// person's name is nowhere.
    /// </summary>
    [SkippableFact]
    public void ARedactedModulePathIsStillFoundWhereTheRedactedListSaysItIs()
    {
        var elf = SomeElf();
        Skip.If(elf is null, "no ELF program found to copy");
        var tree = Path.Combine(_temp, "home-tree");
        foreach (var d in new[] { "home/alice/lib", "var/log", "etc", ".segfaulttools" })
        {
            Directory.CreateDirectory(Path.Combine(tree, d));
        }
        File.WriteAllText(Path.Combine(tree, "etc/hostname"), "tower\n");
        File.WriteAllText(Path.Combine(tree, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\n");
        File.WriteAllText(Path.Combine(tree, ".segfaulttools/ldconfig-p.txt"),
            "2 libs found in cache `/etc/ld.so.cache'\n\tlibfoo.so.1 (libc6,x86-64) => /home/alice/lib/libfoo.so.1\n\tlibc.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libc.so.6\n");
        File.Copy(elf!, Path.Combine(tree, "home/alice/lib/libfoo.so.1"));
        File.WriteAllLines(Path.Combine(tree, "var/log/kern.log"), new[]
        {
            "2026-01-03T10:05:00.000000+00:00 tower kernel: [  300.000000] app[9]: segfault at 8 ip 000055d77c774321 sp 00007ffddde0c720 error 4 in libfoo.so.1[4321,55d77c771000+5000] likely on CPU 0 (core 0, socket 0)",
            "2026-01-03T10:05:00.000010+00:00 tower kernel: [  300.000010] Code: Unable to access opcode bytes at 0x55d77c7742f7.",
        });
        var (archive, content, _) = SnapshotTestSupport.Snapshot(new SystemRoot(tree), Path.Combine(_temp, "home.tar.gz"), new SnapshotOptions { Redact = true });
        var extracted = Path.Combine(_temp, "home-extracted");
        SnapshotTestSupport.Extract(archive, extracted);

        var found = ModuleFileLocator.Find("libfoo.so.1", new SystemRoot(extracted));
        Assert.Equal(Path.Combine(extracted, "home/user-1/lib/libfoo.so.1"), found);
        Assert.Equal(new FileInfo(elf!).Length, new FileInfo(found!).Length);
        Assert.Contains("/home/user-1/lib/libfoo.so.1", File.ReadAllText(Path.Combine(extracted, ".segfaulttools/ldconfig-p.txt")), StringComparison.Ordinal);
        Assert.Contains(content.Entries, e => e.Path == "home/user-1/lib/libfoo.so.1" && e.Kind == SnapshotEntryKind.StandIn);
        foreach (var e in content.Entries)
        {
            Assert.DoesNotContain("alice", e.Path, StringComparison.Ordinal);
            Assert.DoesNotContain("alice", e.Source, StringComparison.Ordinal);
            Assert.DoesNotContain("tower", e.Source, StringComparison.Ordinal);
            if (e.IsText)
            {
                var text = Encoding.UTF8.GetString(e.Content);
                Assert.DoesNotContain("alice", text, StringComparison.Ordinal);
                Assert.DoesNotMatch(@"\btower\b", text);
            }
        }
        Assert.Matches(@"user names +1 different", Encoding.UTF8.GetString(content.Entries.Single(e => e.Path == SnapshotManifest.FileName).Content));
    }
}
