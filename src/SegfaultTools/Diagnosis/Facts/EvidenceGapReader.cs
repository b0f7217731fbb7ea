using System.Text.RegularExpressions;

namespace SegfaultTools;

/// <summary>
/// A setting of the machine that keeps the next crash from leaving evidence. <paramref name="Id"/>
/// is stable (VolatileJournal, ExceptionTraceOff, CoreDumpsDisabled, NoKernelLog);
/// <paramref name="Problem"/> says what is lost and which file shows it; <paramref name="Fix"/> says what to run or change.
/// </summary>
internal sealed record EvidenceGap(string Id, string Problem, string Fix);

/// <summary>
/// Finds the settings that lose crash evidence, from what the system root shows. A captured tree
/// often holds only part of a machine: a file missing from it is no evidence of a gap, so each rule
/// first asks that the part it judges was captured (etc/systemd for the journal settings, the
/// proc files for the kernel switches, var/log for the logs).
/// </summary>
internal static partial class EvidenceGapReader
{
    public const string VolatileJournal = nameof(VolatileJournal);
    public const string ExceptionTraceOff = nameof(ExceptionTraceOff);
    public const string CoreDumpsDisabled = nameof(CoreDumpsDisabled);
    public const string NoKernelLog = nameof(NoKernelLog);

    public static IReadOnlyList<EvidenceGap> Read(SystemRoot root)
    {
        var gaps = new List<EvidenceGap>();
        bool kernelLog = HasKernelLog(root);
        if (Journal(root, kernelLog) is { } journal)
        {
            gaps.Add(journal);
        }
        if (ExceptionTrace(root) is { } trace)
        {
            gaps.Add(trace);
        }
        if (CoreDumps(root) is { } cores)
        {
            gaps.Add(cores);
        }
        if (NoLog(root, kernelLog) is { } none)
        {
            gaps.Add(none);
        }
        return gaps;
    }

    // ----- the journal -----

    private static EvidenceGap? Journal(SystemRoot root, bool textLogs)
    {
        if (!Directory.Exists(root.PathOf("etc/systemd")))
        {
            return null; // no systemd, or its configuration was not captured
        }
        var (storage, file) = JournalStorage(root);
        var also = textLogs ? " (the text logs in /var/log still keep kernel lines)" : string.Empty;
        switch (storage)
        {
            case "volatile":
                return new EvidenceGap(VolatileJournal,
                    $"The journal is kept in memory only (Storage=volatile in {file}): every boot's crash records are lost at the next reboot{also}.",
                    $"Set Storage=persistent in {file} and run `sudo systemctl restart systemd-journald`.");
            case "none":
                return new EvidenceGap(VolatileJournal,
                    $"The journal keeps nothing (Storage=none in {file}): crash records are not stored at all{also}.",
                    $"Set Storage=persistent in {file} and run `sudo systemctl restart systemd-journald`.");
            case "auto" or null when !Directory.Exists(root.PathOf("var/log/journal")) && Directory.Exists(root.PathOf("var/log")):
                var setting = storage is null ? "Storage= is not set, so it is auto" : $"Storage=auto in {file}";
                return new EvidenceGap(VolatileJournal,
                    $"The journal is kept in memory only: {setting}, and /var/log/journal does not exist; every boot's crash records are lost at the next reboot{also}.",
                    "Run `sudo mkdir -p /var/log/journal && sudo systemctl restart systemd-journald`, or set Storage=persistent in /etc/systemd/journald.conf.");
            default:
                return null;
        }
    }

    /// <summary>
    /// Storage= as journald reads it: journald.conf, then the drop-ins of every journald.conf.d in
    /// file-name order (a name in /etc hides the same name in /run and /usr/lib); the last setting wins.
    /// </summary>
    internal static (string? Value, string? File) JournalStorage(SystemRoot root)
    {
        string? value = null, from = null;
        var main = new[] { "etc/systemd/journald.conf", "usr/lib/systemd/journald.conf" }.FirstOrDefault(f => File.Exists(root.PathOf(f)));
        var files = new List<string>();
        if (main is not null)
        {
            files.Add(main);
        }
        var dropIns = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var dir in new[] { "usr/lib/systemd/journald.conf.d", "usr/local/lib/systemd/journald.conf.d", "run/systemd/journald.conf.d", "etc/systemd/journald.conf.d" })
        {
            foreach (var path in SafeFiles(root.PathOf(dir), "*.conf"))
            {
                dropIns[Path.GetFileName(path)] = $"{dir}/{Path.GetFileName(path)}";
            }
        }
        files.AddRange(dropIns.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => d.Value));
        foreach (var file in files)
        {
            bool journal = false;
            foreach (var raw in SafeLines(root.PathOf(file)))
            {
                var line = raw.Trim();
                if (line.StartsWith('['))
                {
                    journal = line == "[Journal]";
                    continue;
                }
                var m = StorageLine().Match(line);
                if (journal && m.Success)
                {
                    value = m.Groups["v"].Value.Trim().ToLowerInvariant();
                    from = "/" + file;
                    if (value.Length == 0)
                    {
                        value = null; // an empty assignment resets to the default
                    }
                }
            }
        }
        return (value, from ?? "/etc/systemd/journald.conf");
    }

    // ----- the kernel's switches -----

    private static EvidenceGap? ExceptionTrace(SystemRoot root)
    {
        var value = root.ReadFirstLine("proc/sys/debug/exception-trace")?.Trim();
        if (value != "0")
        {
            return null;
        }
        return new EvidenceGap(ExceptionTraceOff,
            "debug.exception-trace is 0 (/proc/sys/debug/exception-trace): the kernel prints no segfault or trap lines, so crashing programs leave nothing in the kernel log.",
            "Run `sudo sysctl -w debug.exception-trace=1`, and keep it across reboots with `echo 'debug.exception-trace = 1' | sudo tee /etc/sysctl.d/60-exception-trace.conf`.");
    }

    private static EvidenceGap? CoreDumps(SystemRoot root)
    {
        var patternPath = root.PathOf("proc/sys/kernel/core_pattern");
        string? pattern = File.Exists(patternPath) ? (SafeLines(patternPath).FirstOrDefault() ?? string.Empty).Trim() : null;
        var where = SysctlSource(root, "kernel.core_pattern");
        var set = where is not null ? $" (set in {where})" : string.Empty;
        const string Restore = "Let systemd-coredump keep them: remove the override and run `sudo sysctl -w kernel.core_pattern='|/usr/lib/systemd/systemd-coredump %P %u %g %s %t %c %h'` (the path is /lib/systemd/systemd-coredump on Debian); `coredumpctl list` then shows each crash.";
        if (pattern is { Length: 0 })
        {
            return new EvidenceGap(CoreDumpsDisabled,
                $"kernel.core_pattern is empty{set}: crashing programs leave no core dump.",
                Restore);
        }
        if (pattern is not null && DiscardingPipe().IsMatch(pattern))
        {
            return new EvidenceGap(CoreDumpsDisabled,
                $"kernel.core_pattern is `{pattern}`{set}: every core dump is thrown away.",
                Restore);
        }
        // A limit of 0 matters only where no pipe handler takes the dump, which only a captured core_pattern shows.
        var limits = root.PathOf("proc/1/limits");
        if (pattern is not null && !pattern.StartsWith('|') && File.Exists(limits))
        {
            var m = SafeLines(limits).Select(l => CoreLimit().Match(l)).FirstOrDefault(x => x.Success);
            if (m is not null && m.Groups["soft"].Value == "0")
            {
                return new EvidenceGap(CoreDumpsDisabled,
                    $"The core file size limit is 0 (/proc/1/limits: Max core file size {m.Groups["soft"].Value}) and no crash handler such as systemd-coredump takes the dumps: crashing programs leave no core dump.",
                    "Run `ulimit -c unlimited` in the shell that starts the crashing program (DefaultLimitCORE=infinity in /etc/systemd/system.conf for services), or install systemd-coredump so crashes are caught whatever the limit.");
            }
        }
        return null;
    }

    /// <summary>The sysctl.d file that sets <paramref name="key"/> last, as systemd-sysctl applies them.</summary>
    private static string? SysctlSource(SystemRoot root, string key)
    {
        var byName = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var dir in new[] { "usr/lib/sysctl.d", "lib/sysctl.d", "usr/local/lib/sysctl.d", "run/sysctl.d", "etc/sysctl.d" })
        {
            foreach (var path in SafeFiles(root.PathOf(dir), "*.conf"))
            {
                byName[Path.GetFileName(path)] = $"{dir}/{Path.GetFileName(path)}";
            }
        }
        var files = byName.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => f.Value).Append("etc/sysctl.conf");
        string? last = null;
        foreach (var file in files)
        {
            foreach (var line in SafeLines(root.PathOf(file)))
            {
                var t = line.TrimStart('-').Trim();
                int eq = t.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0 && t[..eq].Trim().Replace('/', '.') == key)
                {
                    last = "/" + file;
                }
            }
        }
        return last;
    }

    // ----- the logs -----

    private static bool HasKernelLog(SystemRoot root) =>
        root.KernelTextLogs().Count > 0
        || Directory.Exists(root.PathOf("var/log/journal"))
        || Directory.Exists(root.PathOf("run/log/journal"))
        || (!root.IsLive && File.Exists(root.PathOf(".segfaulttools/dmesg.txt")));

    private static EvidenceGap? NoLog(SystemRoot root, bool kernelLog)
    {
        if (kernelLog || !Directory.Exists(root.PathOf("var/log")))
        {
            return null;
        }
        if (root.IsLive && KmsgReadable())
        {
            return null;
        }
        var ring = root.IsLive ? ", and /dev/kmsg cannot be read" : string.Empty;
        return new EvidenceGap(NoKernelLog,
            $"No kernel log is kept: no kern.log, syslog or messages file and no systemd journal in /var/log{ring}; crash lines from before this boot are gone.",
            "Keep a persistent journal (`sudo mkdir -p /var/log/journal && sudo systemctl restart systemd-journald`) or install a syslog daemon such as rsyslog that writes /var/log/kern.log"
            + (root.IsLive ? "; read the kernel ring buffer as root (sudo) or set `kernel.dmesg_restrict = 0`." : "."));
    }

    private static bool KmsgReadable()
    {
        try
        {
            using var kmsg = new FileStream("/dev/kmsg", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }
    }

    // ----- small helpers -----

    private static IEnumerable<string> SafeFiles(string dir, string pattern)
    {
        try
        {
            return Directory.Exists(dir) ? Directory.GetFiles(dir, pattern) : Array.Empty<string>();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Array.Empty<string>();
        }
    }

    private static IEnumerable<string> SafeLines(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllLines(path) : Array.Empty<string>();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Array.Empty<string>();
        }
    }

    [GeneratedRegex(@"^Storage\s*=(?<v>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex StorageLine();

    // "|/bin/false", "|/usr/bin/false", "|/bin/true": a handler that reads nothing.
    [GeneratedRegex(@"^\|\s*(?:/usr)?/bin/(?:false|true)(?:\s|$)", RegexOptions.CultureInvariant)]
    private static partial Regex DiscardingPipe();

    // "Max core file size        0                    unlimited            bytes"
    [GeneratedRegex(@"^Max core file size\s+(?<soft>\S+)\s+(?<hard>\S+)", RegexOptions.CultureInvariant)]
    private static partial Regex CoreLimit();
}
