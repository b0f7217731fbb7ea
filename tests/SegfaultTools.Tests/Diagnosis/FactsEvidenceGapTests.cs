namespace SegfaultTools.Tests;

/// <summary>
/// EvidenceGapReader over small captured trees written by each test: what each rule reports, what
/// silences it, and that a part of the machine missing from the tree is no evidence of a gap.
/// The file contents follow the real formats (journald.conf, /proc/1/limits, sysctl.d).
/// </summary>
public sealed class FactsEvidenceGapTests : IDisposable
{
    private const string Limits0 =
        "Limit                     Soft Limit           Hard Limit           Units     \n" +
        "Max cpu time              unlimited            unlimited            seconds   \n" +
        "Max file size             unlimited            unlimited            bytes     \n" +
        "Max data size             unlimited            unlimited            bytes     \n" +
        "Max stack size            8388608              unlimited            bytes     \n" +
        "Max core file size        0                    unlimited            bytes     \n" +
        "Max resident set          unlimited            unlimited            bytes     \n";

    private const string Coredump = "|/usr/lib/systemd/systemd-coredump %P %u %g %s %t %c %h %d %F";

    private readonly string _dir = Directory.CreateTempSubdirectory("segfaulttools-gaps-").FullName;
    private int _trees;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A tree holding the given files (a path ending in '/' is an empty folder).</summary>
    private SystemRoot Tree(params (string Path, string Text)[] files)
    {
        var root = Path.Combine(_dir, $"tree{_trees++}");
        Directory.CreateDirectory(root);
        foreach (var (path, text) in files)
        {
            var full = Path.Combine(root, path);
            if (path.EndsWith('/'))
            {
                Directory.CreateDirectory(full);
                continue;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, text);
        }
        return new SystemRoot(root);
    }

    private static EvidenceGap Only(SystemRoot root, string id)
    {
        var gaps = EvidenceGapReader.Read(root);
        Assert.True(gaps.Count == 1, string.Join("; ", gaps.Select(g => g.Id)));
        Assert.Equal(id, gaps[0].Id);
        return gaps[0];
    }

    // ----- VolatileJournal -----

    [Fact]
    public void StorageVolatileLosesTheJournalAtReboot()
    {
        var gap = Only(Tree(
            ("etc/systemd/journald.conf", "[Journal]\nStorage=volatile\n#Compress=yes\n"),
            ("var/log/kern.log", "Jan  3 18:39:13 host kernel: Linux version 6.18.2-zen2-1-zen\n")), "VolatileJournal");
        Assert.Equal("The journal is kept in memory only (Storage=volatile in /etc/systemd/journald.conf): every boot's crash records are lost at the next reboot (the text logs in /var/log still keep kernel lines).", gap.Problem);
        Assert.Equal("Set Storage=persistent in /etc/systemd/journald.conf and run `sudo systemctl restart systemd-journald`.", gap.Fix);
    }

    [Fact]
    public void TheLastDropInDecides()
    {
        // A drop-in makes the journal persistent again.
        Assert.Empty(EvidenceGapReader.Read(Tree(
            ("etc/systemd/journald.conf", "[Journal]\nStorage=volatile\n"),
            ("etc/systemd/journald.conf.d/10-persistent.conf", "[Journal]\nStorage=persistent\n"),
            ("var/log/journal/", ""))));

        // A drop-in makes it volatile: the finding names that file. /etc's 50-x.conf hides /usr/lib's,
        // and drop-ins apply in file-name order across folders.
        var gap = Only(Tree(
            ("etc/systemd/journald.conf", "[Journal]\n#Storage=auto\n"),
            ("usr/lib/systemd/journald.conf.d/50-x.conf", "[Journal]\nStorage=volatile\n"),
            ("etc/systemd/journald.conf.d/50-x.conf", "[Journal]\nStorage=persistent\n"),
            ("run/systemd/journald.conf.d/90-tmp.conf", "[Journal]\nStorage=volatile\n"),
            ("var/log/journal/", "")), "VolatileJournal");
        Assert.Contains("Storage=volatile in /run/systemd/journald.conf.d/90-tmp.conf", gap.Problem, StringComparison.Ordinal);
        Assert.Equal(("volatile", "/run/systemd/journald.conf.d/90-tmp.conf"), EvidenceGapReader.JournalStorage(new SystemRoot(Path.Combine(_dir, "tree1"))));
    }

    [Fact]
    public void StorageInAnotherSectionDoesNotCount()
    {
        Assert.Empty(EvidenceGapReader.Read(Tree(
            ("etc/systemd/journald.conf", "[Journal]\nStorage=persistent\n[Other]\nStorage=volatile\n"))));
    }

    [Fact]
    public void AutoWithoutVarLogJournalIsVolatile()
    {
        var gap = Only(Tree(
            ("etc/systemd/journald.conf", "[Journal]\n#Storage=auto\n"),
            ("var/log/syslog", "Jan  3 18:39:13 host kernel: Linux version 6.18.2-zen2-1-zen\n")), "VolatileJournal");
        Assert.StartsWith("The journal is kept in memory only: Storage= is not set, so it is auto, and /var/log/journal does not exist", gap.Problem, StringComparison.Ordinal);
        Assert.Equal("Run `sudo mkdir -p /var/log/journal && sudo systemctl restart systemd-journald`, or set Storage=persistent in /etc/systemd/journald.conf.", gap.Fix);

        Assert.Contains("Storage=auto in /etc/systemd/journald.conf", Only(Tree(
            ("etc/systemd/journald.conf", "[Journal]\nStorage=auto\n"),
            ("var/log/kern.log", "")), "VolatileJournal").Problem, StringComparison.Ordinal);

        // With the folder, auto keeps the journal on disk.
        Assert.Empty(EvidenceGapReader.Read(Tree(("etc/systemd/journald.conf", "[Journal]\n"), ("var/log/journal/", ""))));
    }

    [Fact]
    public void StorageNoneKeepsNothing()
    {
        var gap = Only(Tree(("etc/systemd/journald.conf", "[Journal]\nStorage=none\n"), ("var/log/journal/", "")), "VolatileJournal");
        Assert.StartsWith("The journal keeps nothing (Storage=none in /etc/systemd/journald.conf)", gap.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void AJournalSettingNotCapturedIsNoGap()
    {
        // No etc/systemd in the tree (not captured, or no systemd): nothing is said about the journal,
        // even though var/log/journal is missing.
        Assert.Empty(EvidenceGapReader.Read(Tree(("etc/hostname", "box\n"), ("var/log/kern.log", ""))));
        // Nor without var/log, where the journal folder could not have been captured.
        Assert.Empty(EvidenceGapReader.Read(Tree(("etc/systemd/journald.conf", "[Journal]\n"))));
    }

    // ----- ExceptionTraceOff -----

    [Fact]
    public void ExceptionTraceOffSilencesSegfaultLines()
    {
        var gap = Only(Tree(("proc/sys/debug/exception-trace", "0\n")), "ExceptionTraceOff");
        Assert.Equal("debug.exception-trace is 0 (/proc/sys/debug/exception-trace): the kernel prints no segfault or trap lines, so crashing programs leave nothing in the kernel log.", gap.Problem);
        Assert.StartsWith("Run `sudo sysctl -w debug.exception-trace=1`", gap.Fix, StringComparison.Ordinal);
        Assert.Contains("/etc/sysctl.d/", gap.Fix, StringComparison.Ordinal);

        Assert.Empty(EvidenceGapReader.Read(Tree(("proc/sys/debug/exception-trace", "1\n"))));
        Assert.Empty(EvidenceGapReader.Read(Tree(("proc/sys/debug/", ""))));
    }

    // ----- CoreDumpsDisabled -----

    [Fact]
    public void ACorePatternThatDiscardsDumps()
    {
        var gap = Only(Tree(
            ("proc/sys/kernel/core_pattern", "|/bin/false\n"),
            ("etc/sysctl.d/50-coredump.conf", "# off\nkernel.core_pattern=|/bin/false\n")), "CoreDumpsDisabled");
        Assert.Equal("kernel.core_pattern is `|/bin/false` (set in /etc/sysctl.d/50-coredump.conf): every core dump is thrown away.", gap.Problem);
        Assert.Contains("systemd-coredump", gap.Fix, StringComparison.Ordinal);
        Assert.Contains("coredumpctl", gap.Fix, StringComparison.Ordinal);

        Assert.Equal("kernel.core_pattern is empty: crashing programs leave no core dump.",
            Only(Tree(("proc/sys/kernel/core_pattern", "\n")), "CoreDumpsDisabled").Problem);
    }

    [Fact]
    public void ACoreLimitOfZeroWithoutAHandler()
    {
        var gap = Only(Tree(("proc/sys/kernel/core_pattern", "core\n"), ("proc/1/limits", Limits0)), "CoreDumpsDisabled");
        Assert.StartsWith("The core file size limit is 0 (/proc/1/limits: Max core file size 0)", gap.Problem, StringComparison.Ordinal);
        Assert.Contains("ulimit -c unlimited", gap.Fix, StringComparison.Ordinal);
        Assert.Contains("systemd-coredump", gap.Fix, StringComparison.Ordinal);

        // systemd-coredump takes the dumps through its pipe: no gap.
        Assert.Empty(EvidenceGapReader.Read(Tree(("proc/sys/kernel/core_pattern", Coredump + "\n"), ("proc/1/limits", Limits0))));
        // A limit above zero: no gap.
        Assert.Empty(EvidenceGapReader.Read(Tree(("proc/sys/kernel/core_pattern", "core\n"), ("proc/1/limits", Limits0.Replace("Max core file size        0   ", "Max core file size        unlimited", StringComparison.Ordinal)))));
        // Without core_pattern the tree cannot show that no handler takes the dumps.
        Assert.Empty(EvidenceGapReader.Read(Tree(("proc/1/limits", Limits0))));
        // Neither file captured: nothing said.
        Assert.Empty(EvidenceGapReader.Read(Tree(("proc/cpuinfo", "processor\t: 0\n"))));
    }

    // ----- NoKernelLog -----

    [Fact]
    public void NoKernelLogAtAll()
    {
        var gap = Only(Tree(("var/log/pacman.log", "[2025-12-18T10:12:31+0100] [ALPM] upgraded linux-zen (6.18.1.zen1-1 -> 6.18.2.zen2-1)\n")), "NoKernelLog");
        Assert.Equal("No kernel log is kept: no kern.log, syslog or messages file and no systemd journal in /var/log; crash lines from before this boot are gone.", gap.Problem);
        Assert.StartsWith("Keep a persistent journal", gap.Fix, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("var/log/kern.log.1")]
    [InlineData("var/log/syslog")]
    [InlineData("var/log/messages-20250104.gz")]
    [InlineData("var/log/journal/")]
    [InlineData("run/log/journal/")]
    [InlineData(".segfaulttools/dmesg.txt")]
    public void AnyKernelLogIsEnough(string log)
    {
        Assert.Empty(EvidenceGapReader.Read(Tree(("var/log/pacman.log", ""), (log, ""))));
    }

    [Fact]
    public void ATreeWithoutVarLogSaysNothingAboutLogs()
    {
        Assert.Empty(EvidenceGapReader.Read(Tree(("etc/hostname", "box\n"), ("proc/cpuinfo", "processor\t: 0\n"))));
    }

    // ----- together -----

    [Fact]
    public void EveryGapOfOneMachineInAFixedOrder()
    {
        var gaps = EvidenceGapReader.Read(Tree(
            ("etc/systemd/journald.conf", "[Journal]\nStorage=volatile\n"),
            ("proc/sys/debug/exception-trace", "0\n"),
            ("proc/sys/kernel/core_pattern", "|/bin/false\n"),
            ("var/log/Xorg.0.log", "")));
        Assert.Equal(new[] { "VolatileJournal", "ExceptionTraceOff", "CoreDumpsDisabled", "NoKernelLog" }, gaps.Select(g => g.Id));
        Assert.Equal(new[] { EvidenceGapReader.VolatileJournal, EvidenceGapReader.ExceptionTraceOff, EvidenceGapReader.CoreDumpsDisabled, EvidenceGapReader.NoKernelLog }, gaps.Select(g => g.Id));
        Assert.All(gaps, g => Assert.False(string.IsNullOrWhiteSpace(g.Fix)));
    }

    [Fact]
    public void AWellKeptMachineHasNoGaps()
    {
        Assert.Empty(EvidenceGapReader.Read(Tree(
            ("etc/systemd/journald.conf", "[Journal]\n#Storage=auto\n"),
            ("var/log/journal/", ""),
            ("proc/sys/debug/exception-trace", "1\n"),
            ("proc/sys/kernel/core_pattern", Coredump + "\n"),
            ("proc/1/limits", Limits0))));
    }

    [Fact]
    public void TheLiveMachineIsReadWithoutErrors()
    {
        var ids = new[] { "VolatileJournal", "ExceptionTraceOff", "CoreDumpsDisabled", "NoKernelLog" };
        Assert.All(EvidenceGapReader.Read(SystemRoot.Live), g => Assert.Contains(g.Id, ids));
    }
}
