using System.Text.Json;

namespace SegfaultTools.Tests;

/// <summary>
/// The kernel's Code: line against the module file: parsing, the comparison on a real crash of a
/// real binary (tests/fixtures/codebytes, see its README), altered copies of it, and the locator.
/// </summary>
public sealed class CodeBytesTests : IDisposable
{
    private static readonly string Fixtures = Path.Combine(RepoPaths.Fixtures, "codebytes");
    private static readonly string Binary = Path.Combine(Fixtures, "cb-nullread");
    private const ulong CrashOffset = 0x11d2;

    private readonly string _temp = Directory.CreateTempSubdirectory("codebytes-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    /// <summary>The crash of cb-nullread as the module's own parser reads it from the captured dmesg lines.</summary>
    private static SegfaultEvent RealCrash() =>
        KernelLogParser.ParseAll(File.ReadLines(Path.Combine(Fixtures, "kernel-lines.txt")), KernelFixtures.TestContext())
            .Single(e => e.ProcessName == "cb-nullread");

    private static CodeBytes RealCode() => CodeLine.Parse(RealCrash().Code)!;

    /// <summary>A copy of the binary with <paramref name="change"/> applied at file offsets relative to the crash's ip.</summary>
    private string AlteredCopy(params (int Relative, byte Value)[] change)
    {
        var bytes = File.ReadAllBytes(Binary);
        foreach (var (relative, value) in change)
        {
            bytes[(int)CrashOffset + relative] = value;
        }
        var path = Path.Combine(_temp, "cb-nullread");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    // A crash time after the temporary files were written: they are unchanged since it.
    private static DateTimeOffset Later => DateTimeOffset.Now.AddMinutes(10);

    // ----- parsing -----

    [Fact]
    public void ParsesTheRealLineWithOrWithoutItsPrefix()
    {
        var line = File.ReadLines(Path.Combine(Fixtures, "kernel-lines.txt")).First(l => l.Contains("Code: 48", StringComparison.Ordinal));
        var whole = CodeLine.Parse(line)!;
        Assert.Equal(64, whole.Bytes.Length);
        Assert.Equal(42, whole.IpIndex);
        Assert.Equal(0x8b, whole.Bytes[42]);
        Assert.Equal(0x48, whole.Bytes[0]);
        Assert.Equal(0x48, whole.Bytes[63]);

        var bare = CodeLine.Parse(RealCrash().Code)!;
        Assert.Equal(whole.Bytes, bare.Bytes);
        Assert.Equal(whole.IpIndex, bare.IpIndex);
    }

    [Fact]
    public void ParsesTheParenthesisedIpMarker()
    {
        var code = CodeLine.Parse("Code: 90 90 (0f) 0b c3")!;
        Assert.Equal(new byte[] { 0x90, 0x90, 0x0f, 0x0b, 0xc3 }, code.Bytes);
        Assert.Equal(2, code.IpIndex);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Code: Unable to access opcode bytes at 0xffffffffffffffd6.")]
    [InlineData("Code: Unable to access opcode bytes at RIP 0x7f3a2b1c0ffe.")]
    [InlineData("Code: Bad RIP value.")]
    [InlineData("Code: 48 8b 45 f8")] // no ip marker
    [InlineData("Code: 48 <8b> 45 <f8>")] // two markers
    [InlineData("Code: d503201f a9bf7bfd (910003fd)")] // instruction words (arm64), not bytes
    [InlineData("Code: 48 8b <zz> f8")]
    public void NoBytesToCompare(string? line)
    {
        Assert.Null(CodeLine.Parse(line));
    }

    [Fact]
    public void ParsesEveryCodeLineOfTheKernelLineFixtures()
    {
        int parsed = 0, without = 0;
        foreach (var json in File.ReadLines(Path.Combine(RepoPaths.KernelLines, "kernel-lines.jsonl")))
        {
            using var doc = JsonDocument.Parse(json);
            var text = doc.RootElement.GetProperty("text").GetString()!;
            if (!doc.RootElement.TryGetProperty("subkind", out var subkind) || subkind.GetString() != "Code: opcode-bytes line"
                || text.Contains("[Hardware Error]", StringComparison.Ordinal))
            {
                continue; // (the fixture also tags AMD "Ext. Error Code:" lines this way)
            }
            var code = CodeLine.Parse(text);
            if (text.Contains("Unable to access", StringComparison.Ordinal) || text.Contains("Bad RIP value", StringComparison.Ordinal))
            {
                Assert.Null(code);
                without++;
                continue;
            }
            Assert.True(code is not null, text);
            Assert.Equal(42, code.IpIndex);
            // Some quoted lines were cut short; none is longer than the kernel's 64 bytes.
            Assert.InRange(code.Bytes.Length, 43, 64);
            var marked = text[(text.IndexOf('<') + 1)..text.IndexOf('>')];
            Assert.Equal(Convert.ToByte(marked, 16), code.Bytes[42]);
            parsed++;
        }
        Assert.True(parsed >= 20, $"{parsed} Code: lines with bytes");
        Assert.True(without >= 8, $"{without} Code: lines without");
    }

    [Fact]
    public void LineCutShortKeepsItsWholeBytes()
    {
        var code = CodeLine.Parse("Code: 48 89 01 <c7> 04 25 0")!;
        Assert.Equal(new byte[] { 0x48, 0x89, 0x01, 0xc7, 0x04, 0x25 }, code.Bytes);
        Assert.Null(CodeLine.Parse("Code: 6"));
    }

    [Fact]
    public void IpZeroCrashHasNoBytes()
    {
        var events = KernelLogParser.ParseAll(File.ReadLines(Path.Combine(Fixtures, "kernel-lines.txt")), KernelFixtures.TestContext());
        var nullCall = events.Single(e => e.ProcessName == "cb-nullcall");
        Assert.Null(CodeLine.Parse(nullCall.Code));
    }

    // ----- comparing -----

    [Fact]
    public void RealCrashMatchesItsUnchangedBinary()
    {
        var crash = RealCrash();
        Assert.Equal(CrashOffset, crash.FileOffset);
        var v = CodeBytesCheck.Compare(RealCode(), Binary, crash.FileOffset!.Value, crash.TimeCreated, crash.ModuleOffset, crash.ModuleSize);
        Assert.Equal(CodeBytesOutcome.Match, v.Outcome);
        Assert.Equal((64, 0, -1), (v.Compared, v.Differing, v.FirstDifferenceAt));
        Assert.Equal("All 64 bytes of the Code: line (ip-42 to ip+21) match cb-nullread at file offset 0x11d2: the instructions in memory were the ones on disk.", v.Detail);
    }

    [Fact]
    public void OneDifferingByteIsCountedAndPlaced()
    {
        // ip-2 holds 0x00 in the file; memory said 0x00 too, so change the file's copy to 0x11 (two bits).
        var path = AlteredCopy((-2, 0x11));
        var v = CodeBytesCheck.Compare(RealCode(), path, CrashOffset, Later);
        Assert.Equal(CodeBytesOutcome.Differ, v.Outcome);
        Assert.Equal((64, 1, 40, 0), (v.Compared, v.Differing, v.FirstDifferenceAt, v.SingleBitDifferences));
        Assert.Equal("1 of 64 bytes (ip-42 to ip+21) differ from cb-nullread at file offset 0x11d2; first at ip-2: 0x11 in the file, 0x00 in memory.", v.Detail);
    }

    [Fact]
    public void OneFlippedBitIsNamed()
    {
        // The faulting instruction's opcode 0x8b with bit 2 set reads 0x8f.
        var path = AlteredCopy((0, 0x8f));
        var v = CodeBytesCheck.Compare(RealCode(), path, CrashOffset, crashTime: null);
        Assert.Equal(CodeBytesOutcome.Differ, v.Outcome);
        Assert.Equal((1, 42, 1), (v.Differing, v.FirstDifferenceAt, v.SingleBitDifferences));
        Assert.Contains("first at ip: 0x8f in the file, 0x8b in memory", v.Detail, StringComparison.Ordinal);
        Assert.Contains("One bit flipped: 0x8f vs 0x8b (bit 2).", v.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void TheBriefsExampleSentence()
    {
        // A synthetic module: 0x30000 bytes, and a Code: line that differs from it at ip-2, ip+1 and ip+5.
        var file = new byte[0x30000];
        new Random(11).NextBytes(file);
        const int offset = 0x2a1a3;
        file[offset - 2] = 0x8b;
        var memory = file.AsSpan(offset - 42, 64).ToArray();
        memory[40] = 0x0b;
        memory[43] ^= 0x01;
        memory[47] ^= 0xff;
        var path = Path.Combine(_temp, "libc.so.6");
        File.WriteAllBytes(path, file);
        var v = CodeBytesCheck.Compare(new CodeBytes(memory, 42), path, offset, Later);
        Assert.Equal(CodeBytesOutcome.Differ, v.Outcome);
        Assert.Equal((64, 3, 40, 2), (v.Compared, v.Differing, v.FirstDifferenceAt, v.SingleBitDifferences));
        Assert.Equal("3 of 64 bytes (ip-42 to ip+21) differ from libc.so.6 at file offset 0x2a1a3; first at ip-2: 0x8b in the file, 0x0b in memory. 2 of the 3 differing bytes differ in one bit only.", v.Detail);
    }

    [Fact]
    public void ManyDifferencesPointAtAnotherBuild()
    {
        var path = Path.Combine(_temp, "other-build");
        var bytes = File.ReadAllBytes(Binary);
        for (int i = -42; i <= 21; i++)
        {
            bytes[(int)CrashOffset + i] ^= 0x5a;
        }
        File.WriteAllBytes(path, bytes);
        var v = CodeBytesCheck.Compare(RealCode(), path, CrashOffset, Later);
        Assert.Equal(CodeBytesOutcome.Differ, v.Outcome);
        Assert.Equal(64, v.Differing);
        Assert.Contains("another build of the file", v.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void BreakpointInMemoryIsNamed()
    {
        var code = RealCode();
        var memory = (byte[])code.Bytes.Clone();
        memory[42] = 0xcc;
        var v = CodeBytesCheck.Compare(code with { Bytes = memory }, Binary, CrashOffset, crashTime: null);
        Assert.Equal(CodeBytesOutcome.Differ, v.Outcome);
        Assert.Contains("int3", v.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void FileChangedAfterTheCrashSaysNothing()
    {
        var path = AlteredCopy((-2, 0x11));
        var crashTime = DateTimeOffset.Now.AddDays(-1);
        var v = CodeBytesCheck.Compare(RealCode(), path, CrashOffset, crashTime);
        Assert.Equal(CodeBytesOutcome.FileChangedSinceCrash, v.Outcome);
        Assert.Equal((64, 1, 40), (v.Compared, v.Differing, v.FirstDifferenceAt));
        Assert.Contains("changed on disk at", v.Detail, StringComparison.Ordinal);
        Assert.Contains("after the crash at", v.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void ChangeTimeCountsEvenWhenTheModificationTimeIsOld()
    {
        // Package managers set mtime to the build time; the inode change time still shows the install.
        var path = AlteredCopy((-2, 0x11));
        File.SetLastWriteTimeUtc(path, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var v = CodeBytesCheck.Compare(RealCode(), path, CrashOffset, DateTimeOffset.Now.AddHours(-1));
        Assert.Equal(CodeBytesOutcome.FileChangedSinceCrash, v.Outcome);
        Assert.True(FileChangeTime.Of(path) > DateTimeOffset.Now.AddHours(-1));
    }

    [Fact]
    public void MatchingBytesStillMatchWhenTheFileChangedSince()
    {
        var path = AlteredCopy();
        var v = CodeBytesCheck.Compare(RealCode(), path, CrashOffset, DateTimeOffset.Now.AddDays(-1));
        Assert.Equal(CodeBytesOutcome.Match, v.Outcome);
        Assert.Contains("yet these bytes are the same", v.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void OffsetBeyondTheFile()
    {
        var length = new FileInfo(Binary).Length;
        var v = CodeBytesCheck.Compare(RealCode(), Binary, (ulong)length + 0x100, crashTime: null);
        Assert.Equal(CodeBytesOutcome.OffsetOutsideFile, v.Outcome);
        Assert.Equal(0, v.Compared);
        Assert.Contains($"beyond the end of cb-nullread ({length} bytes)", v.Detail, StringComparison.Ordinal);

        // A wrapped offset (ip outside every mapping) is beyond any file.
        Assert.Equal(CodeBytesOutcome.OffsetOutsideFile, CodeBytesCheck.Compare(RealCode(), Binary, ulong.MaxValue - 5, null).Outcome);

        var path = AlteredCopy();
        Assert.Equal(CodeBytesOutcome.FileChangedSinceCrash,
            CodeBytesCheck.Compare(RealCode(), path, (ulong)length + 0x100, DateTimeOffset.Now.AddDays(-1)).Outcome);
    }

    [Fact]
    public void IpOutsideItsMapping()
    {
        var v = CodeBytesCheck.Compare(RealCode(), Binary, CrashOffset, null, moduleOffset: 0x2000, moduleSize: 0x1000);
        Assert.Equal(CodeBytesOutcome.OffsetOutsideFile, v.Outcome);
        Assert.Contains("outside the mapping", v.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFileIsUnreadable()
    {
        var v = CodeBytesCheck.Compare(RealCode(), Path.Combine(_temp, "gone.so"), CrashOffset, null);
        Assert.Equal(CodeBytesOutcome.Unreadable, v.Outcome);
        Assert.Equal(0, v.Compared);
        Assert.Contains("does not exist", v.Detail, StringComparison.Ordinal);
        Assert.Equal(CodeBytesOutcome.Unreadable, CodeBytesCheck.Compare(RealCode(), _temp, CrashOffset, null).Outcome);
    }

    [Fact]
    public void BytesOutsideTheMappingOrTheFileAreNotCompared()
    {
        var code = RealCode();
        // ip 10 bytes into its mapping: the 32 bytes before that belong to the previous mapping.
        var v = CodeBytesCheck.Compare(code, Binary, CrashOffset, null, moduleOffset: 10, moduleSize: 0x1000);
        Assert.Equal(CodeBytesOutcome.Match, v.Outcome);
        Assert.Equal(32, v.Compared);
        Assert.Contains("The 32 bytes of the Code: line (ip-10 to ip+21) match", v.Detail, StringComparison.Ordinal);
        Assert.Contains("32 outside the file or the mapping were not compared", v.Detail, StringComparison.Ordinal);

        // ip 5 bytes before the mapping's end.
        v = CodeBytesCheck.Compare(code, Binary, CrashOffset, null, moduleOffset: 0xffb, moduleSize: 0x1000);
        Assert.Equal((CodeBytesOutcome.Match, 47), (v.Outcome, v.Compared));

        // A file that ends 3 bytes after ip, and one whose start is 7 bytes before it.
        var bytes = File.ReadAllBytes(Binary);
        var tail = Path.Combine(_temp, "short-tail");
        File.WriteAllBytes(tail, bytes.AsSpan(0, (int)CrashOffset + 4).ToArray());
        v = CodeBytesCheck.Compare(code, tail, CrashOffset, null);
        Assert.Equal((CodeBytesOutcome.Match, 46), (v.Outcome, v.Compared));
        var head = Path.Combine(_temp, "short-head");
        File.WriteAllBytes(head, bytes.AsSpan((int)CrashOffset - 7).ToArray());
        v = CodeBytesCheck.Compare(code, head, 7, null);
        Assert.Equal((CodeBytesOutcome.Match, 29), (v.Outcome, v.Compared));
    }

    // ----- finding the file -----

    /// <summary>
    /// A captured tree matching tests/fixtures/codebytes/ldconfig-p.txt: 32- and 64-bit libc, a
    /// versioned libcuda behind its link, a library behind an absolute folder link, a link that
    /// tries to leave the tree, and a program in usr/bin.
    /// </summary>
    private SystemRoot CapturedTree()
    {
        var root = Path.Combine(_temp, "tree");
        void Write(string relative, string text)
        {
            var path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }
        Write(".segfaulttools/ldconfig-p.txt", File.ReadAllText(Path.Combine(Fixtures, "ldconfig-p.txt")));
        Write("usr/lib/libc.so.6", "64-bit libc");
        Write("usr/lib32/libc.so.6", "32-bit libc");
        Write("usr/lib/libcuda.so.590.48.01", "libcuda");
        File.CreateSymbolicLink(Path.Combine(root, "usr/lib/libcuda.so.1"), "libcuda.so.590.48.01");
        Write("opt/foo-2.1/lib/libfoo.so.2", "libfoo");
        File.CreateSymbolicLink(Path.Combine(root, "opt/foo"), "/opt/foo-2.1");
        File.CreateSymbolicLink(Path.Combine(root, "usr/lib/libevil.so"), "/../../../../../../etc/hostname");
        Write("usr/bin/python3.11", "python");
        File.CreateSymbolicLink(Path.Combine(root, "lib64"), "/usr/lib");
        return new SystemRoot(root);
    }

    [Fact]
    public void FindsModulesOfACapturedTree()
    {
        var root = CapturedTree();
        string Under(string relative) => root.PathOf(relative);
        Assert.Equal(Under("usr/lib/libc.so.6"), ModuleFileLocator.Find("libc.so.6", root));
        Assert.Equal(Under("usr/lib/libcuda.so.590.48.01"), ModuleFileLocator.Find("libcuda.so.590.48.01", root));
        Assert.Equal(Under("opt/foo-2.1/lib/libfoo.so.2"), ModuleFileLocator.Find("libfoo.so.2", root));
        Assert.Equal(Under("usr/bin/python3.11"), ModuleFileLocator.Find("python3.11", root));
        Assert.Equal(Under("usr/lib/libc.so.6"), ModuleFileLocator.Find("libc.so.6 (deleted)", root));
        Assert.Null(ModuleFileLocator.Find("libnothere.so.1", root));
    }

    [Fact]
    public void LinksInACapturedTreeStayInsideIt()
    {
        var root = CapturedTree();
        // usr/lib/libevil.so points far above the root; inside the tree that is <root>/etc/hostname, which does not exist.
        Assert.Null(ModuleFileLocator.Find("libevil.so", root));
        Assert.Equal(root.PathOf("usr/lib/libc.so.6"), ModuleFileLocator.Resolve(root, "/lib64/libc.so.6"));
        Assert.Equal(root.PathOf("etc/hostname"), ModuleFileLocator.Resolve(root, "/usr/lib/libevil.so"));
    }

    [Fact]
    public void NamesThatAreNotFileNamesFindNothing()
    {
        var root = CapturedTree();
        Assert.Null(ModuleFileLocator.Find("../usr/lib/libc.so.6", root));
        Assert.Null(ModuleFileLocator.Find("..", root));
        Assert.Null(ModuleFileLocator.Find("", root));
        Assert.Null(ModuleFileLocator.Find("usr/bin/python3.11", root));
    }

    [Fact]
    public void CallersFoldersComeFirst()
    {
        var root = CapturedTree();
        var venv = Directory.CreateDirectory(Path.Combine(_temp, "venv")).FullName;
        File.WriteAllText(Path.Combine(venv, "libc.so.6"), "a private copy");
        File.WriteAllText(Path.Combine(venv, "onnxruntime_pybind11_state.so"), "extension");
        Assert.Equal(Path.Combine(venv, "libc.so.6"), ModuleFileLocator.Find("libc.so.6", root, new[] { venv }));
        Assert.Equal(Path.Combine(venv, "onnxruntime_pybind11_state.so"), ModuleFileLocator.Find("onnxruntime_pybind11_state.so", root, new[] { venv }));
    }

    [Fact]
    public void WithoutALinkerCacheTheStandardFoldersAreSearched()
    {
        var root = CapturedTree();
        File.Delete(root.PathOf(".segfaulttools/ldconfig-p.txt"));
        Assert.Null(ModuleFileLocator.LinkerCache(root));
        Assert.Equal(root.PathOf("usr/lib/libc.so.6"), ModuleFileLocator.Find("libc.so.6", root));
        Assert.Null(ModuleFileLocator.Find("libfoo.so.2", root)); // only the cache knew /opt/foo/lib
    }

    [SkippableFact]
    public void FindsThisMachinesLibcThroughLdconfig()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "not Linux");
        var cache = ModuleFileLocator.LinkerCache(SystemRoot.Live);
        Skip.If(cache is null, "ldconfig -p gives nothing here");
        var entry = cache.Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("libc.so.6 (", StringComparison.Ordinal) && l.Contains("x86-64", StringComparison.Ordinal));
        Skip.If(entry is null, "the linker cache lists no x86-64 libc.so.6");
        var expected = entry[(entry.IndexOf("=>", StringComparison.Ordinal) + 2)..].Trim();
        Assert.Equal(expected, ModuleFileLocator.Find("libc.so.6", SystemRoot.Live));
    }
}
