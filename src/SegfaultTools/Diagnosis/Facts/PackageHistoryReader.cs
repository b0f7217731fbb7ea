using System.Globalization;
using System.IO.Compression;
using System.Text.RegularExpressions;

namespace SegfaultTools;

/// <summary>
/// What the package manager installed, upgraded and removed, from its own logs in a system root:
/// pacman.log (Arch), dpkg.log and its rotations (Debian, Ubuntu; apt's history.log where dpkg.log
/// is gone), dnf.rpm.log (Fedora, RHEL 8+) and yum.log (RHEL 7). Lines that are not package
/// changes (commands, scriptlet output, dpkg's status lines) and lines that do not parse are skipped.
/// </summary>
internal static partial class PackageHistoryReader
{
    public static IReadOnlyList<PackageChange> Read(SystemRoot root, DateTimeOffset? since = null)
    {
        var zone = root.TimeZone;
        var changes = new List<PackageChange>();
        foreach (var file in Family(root, "var/log", "pacman.log"))
        {
            changes.AddRange(ReadPacman(ReadLines(file), file, zone));
        }
        var dpkg = Family(root, "var/log", "dpkg.log");
        foreach (var file in dpkg)
        {
            changes.AddRange(ReadDpkg(ReadLines(file), file, zone));
        }
        if (dpkg.Count == 0)
        {
            // apt's own log repeats what dpkg.log says; it is read only where dpkg.log was rotated away.
            foreach (var file in Family(root, "var/log/apt", "history.log"))
            {
                changes.AddRange(ReadAptHistory(ReadLines(file), file, zone));
            }
        }
        foreach (var file in Family(root, "var/log", "dnf.rpm.log"))
        {
            changes.AddRange(ReadDnf(ReadLines(file), file, zone));
        }
        foreach (var file in Family(root, "var/log", "yum.log"))
        {
            changes.AddRange(ReadYum(ReadLines(file), file, zone, LastWrite(file)));
        }
        return changes
            .Where(c => since is null || c.Time >= since.Value)
            .OrderBy(c => c.Time)
            .ToList();
    }

    // ----- pacman -----

    // [2025-12-18T10:12:31+0100] [ALPM] upgraded linux-zen (6.18.1.zen1-1 -> 6.18.2.zen2-1); before pacman 5.1: [2017-03-04 12:34] [ALPM] ...
    internal static IEnumerable<PackageChange> ReadPacman(IEnumerable<string> lines, string source, TimeZoneInfo zone)
    {
        foreach (var line in lines)
        {
            var m = PacmanLine().Match(line);
            if (!m.Success || ParsePacmanTime(m.Groups["time"].Value, zone) is not { } time)
            {
                continue;
            }
            var v1 = m.Groups["v1"].Value;
            var v2 = m.Groups["v2"].Success ? m.Groups["v2"].Value : null;
            var name = m.Groups["name"].Value;
            var change = m.Groups["act"].Value switch
            {
                "installed" => new PackageChange(time, name, PackageAction.Installed, null, v1, source),
                "removed" => new PackageChange(time, name, PackageAction.Removed, v1, null, source),
                "reinstalled" => new PackageChange(time, name, PackageAction.Reinstalled, v1, v2 ?? v1, source),
                "upgraded" when v2 is not null => new PackageChange(time, name, PackageAction.Upgraded, v1, v2, source),
                "downgraded" when v2 is not null => new PackageChange(time, name, PackageAction.Downgraded, v1, v2, source),
                _ => null,
            };
            if (change is not null)
            {
                yield return change;
            }
        }
    }

    private static DateTimeOffset? ParsePacmanTime(string text, TimeZoneInfo zone)
    {
        if (text.Contains('T', StringComparison.Ordinal))
        {
            return ParseIsoTime(text, zone);
        }
        return DateTime.TryParseExact(text, new[] { "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss" }, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)
            ? InZone(local, zone)
            : null;
    }

    // ----- dpkg and apt -----

    // 2024-05-02 10:11:12 upgrade libc6:amd64 2.36-9 2.36-9+deb12u7 (also install, remove, purge; status, configure and trigproc lines are not changes)
    internal static IEnumerable<PackageChange> ReadDpkg(IEnumerable<string> lines, string source, TimeZoneInfo zone)
    {
        // "remove" then "purge" of one package is one removal.
        var removed = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var m = DpkgLine().Match(line);
            if (!m.Success || !DateTime.TryParseExact(m.Groups["time"].Value, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            {
                continue;
            }
            var time = InZone(local, zone);
            var name = WithoutArchitecture(m.Groups["name"].Value);
            var from = NoneIsNull(m.Groups["from"].Value);
            var to = NoneIsNull(m.Groups["to"].Value);
            PackageChange? change;
            switch (m.Groups["act"].Value)
            {
                case "install":
                    change = from is not null && from == to
                        ? new PackageChange(time, name, PackageAction.Reinstalled, from, to, source)
                        : new PackageChange(time, name, PackageAction.Installed, null, to, source);
                    break;
                case "upgrade" when from is not null && to is not null:
                    int order = DebianVersion.Compare(from, to);
                    var action = order < 0 ? PackageAction.Upgraded : order > 0 ? PackageAction.Downgraded : PackageAction.Reinstalled;
                    change = new PackageChange(time, name, action, from, to, source);
                    break;
                case "remove":
                    change = new PackageChange(time, name, PackageAction.Removed, from, null, source);
                    removed[name] = from;
                    break;
                case "purge":
                    change = removed.TryGetValue(name, out var was) && was == from ? null : new PackageChange(time, name, PackageAction.Removed, from, null, source);
                    removed.Remove(name);
                    break;
                default:
                    change = null;
                    break;
            }
            if (m.Groups["act"].Value is "install" or "upgrade")
            {
                removed.Remove(name);
            }
            if (change is not null)
            {
                yield return change;
            }
        }
    }

    // Start-Date: 2024-05-02  10:11:05
    // Upgrade: libc6:amd64 (2.36-9, 2.36-9+deb12u7), libc-bin:amd64 (2.36-9, 2.36-9+deb12u7)
    // Install: foo:amd64 (1.0-1, automatic)    Remove: / Purge: bar:amd64 (1.2)    Downgrade: x (2.0, 1.0)    Reinstall: y (1.0)
    internal static IEnumerable<PackageChange> ReadAptHistory(IEnumerable<string> lines, string source, TimeZoneInfo zone)
    {
        DateTimeOffset? start = null;
        foreach (var line in lines)
        {
            if (line.StartsWith("Start-Date:", StringComparison.Ordinal))
            {
                var text = Regex.Replace(line["Start-Date:".Length..].Trim(), @"\s+", " ");
                start = DateTime.TryParseExact(text, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local) ? InZone(local, zone) : null;
                continue;
            }
            var m = AptAction().Match(line);
            if (!m.Success || start is not { } time)
            {
                continue;
            }
            var verb = m.Groups["act"].Value;
            foreach (Match item in AptItem().Matches(m.Groups["items"].Value))
            {
                var name = WithoutArchitecture(item.Groups["name"].Value);
                var versions = item.Groups["v"].Value.Split(", ").Where(v => v != "automatic").ToArray();
                if (versions.Length == 0)
                {
                    continue;
                }
                yield return verb switch
                {
                    "Install" => new PackageChange(time, name, PackageAction.Installed, null, versions[0], source),
                    "Upgrade" when versions.Length > 1 => new PackageChange(time, name, PackageAction.Upgraded, versions[0], versions[1], source),
                    "Downgrade" when versions.Length > 1 => new PackageChange(time, name, PackageAction.Downgraded, versions[0], versions[1], source),
                    "Reinstall" => new PackageChange(time, name, PackageAction.Reinstalled, versions[0], versions[0], source),
                    _ => new PackageChange(time, name, PackageAction.Removed, versions[0], null, source),
                };
            }
        }
    }

    // ----- dnf and yum -----

    // 2024-01-05T10:00:00+0000 SUBDEBUG Upgrade: kernel-6.6.9-200.fc39.x86_64, then "Upgraded:" with the version it replaced.
    internal static IEnumerable<PackageChange> ReadDnf(IEnumerable<string> lines, string source, TimeZoneInfo zone)
    {
        var changes = new List<PackageChange>();
        // The new side of an upgrade or downgrade waiting for its old side, and the other way round.
        var newSide = new Dictionary<(string, PackageAction), int>();
        var oldSide = new Dictionary<(string, PackageAction), (int Index, string Version)>();
        foreach (var line in lines)
        {
            var m = DnfLine().Match(line);
            if (!m.Success || ParseIsoTime(m.Groups["time"].Value, zone) is not { } time || ParseNevra(m.Groups["pkg"].Value) is not { } pkg)
            {
                continue;
            }
            switch (m.Groups["act"].Value)
            {
                case "Install" or "Installed" or "Obsolete":
                    changes.Add(new PackageChange(time, pkg.Name, PackageAction.Installed, null, pkg.Version, source));
                    break;
                case "Erase" or "Erased" or "Removed" or "Remove" or "Obsoleted":
                    changes.Add(new PackageChange(time, pkg.Name, PackageAction.Removed, pkg.Version, null, source));
                    break;
                case "Reinstall" or "Reinstalled" when !changes.Any(c => c.Name == pkg.Name && c.Action == PackageAction.Reinstalled && c.ToVersion == pkg.Version && (time - c.Time).Duration() < PairWindow):
                    changes.Add(new PackageChange(time, pkg.Name, PackageAction.Reinstalled, pkg.Version, pkg.Version, source));
                    break;
                case "Upgrade" or "Downgrade":
                {
                    var action = m.Groups["act"].Value == "Upgrade" ? PackageAction.Upgraded : PackageAction.Downgraded;
                    if (oldSide.Remove((pkg.Name, action), out var old) && (time - changes[old.Index].Time).Duration() < PairWindow)
                    {
                        changes[old.Index] = changes[old.Index] with { ToVersion = pkg.Version, Time = time };
                    }
                    else
                    {
                        newSide[(pkg.Name, action)] = changes.Count;
                        changes.Add(new PackageChange(time, pkg.Name, action, null, pkg.Version, source));
                    }
                    break;
                }
                case "Upgraded" or "Downgraded":
                {
                    var action = m.Groups["act"].Value == "Upgraded" ? PackageAction.Upgraded : PackageAction.Downgraded;
                    if (newSide.Remove((pkg.Name, action), out var index) && (time - changes[index].Time).Duration() < PairWindow)
                    {
                        changes[index] = changes[index] with { FromVersion = pkg.Version };
                    }
                    else
                    {
                        oldSide[(pkg.Name, action)] = (changes.Count, pkg.Version);
                        changes.Add(new PackageChange(time, pkg.Name, action, pkg.Version, null, source));
                    }
                    break;
                }
            }
        }
        return changes;
    }

    /// <summary>The two sides of one dnf upgrade are logged within one transaction.</summary>
    private static readonly TimeSpan PairWindow = TimeSpan.FromHours(1);

    // Jan 05 10:00:00 Updated: glibc-2.17-326.el7_9.x86_64 (also Installed:, Erased:; an epoch goes first: "1:openssl-libs-...")
    internal static IEnumerable<PackageChange> ReadYum(IEnumerable<string> lines, string source, TimeZoneInfo zone, DateTimeOffset reference)
    {
        foreach (var line in lines)
        {
            var m = YumLine().Match(line);
            if (!m.Success)
            {
                continue;
            }
            int month = MonthNames.Parse(m.Groups["mon"].ValueSpan);
            if (month == 0 || !TimeSpan.TryParseExact(m.Groups["tod"].Value, @"hh\:mm\:ss", CultureInfo.InvariantCulture, out var tod)
                || InferYear(month, int.Parse(m.Groups["day"].Value, CultureInfo.InvariantCulture), tod, zone, reference) is not { } time)
            {
                continue;
            }
            var pkg = ParseNevra(m.Groups["pkg"].Value);
            // "Erased:" names the package alone on older yum.
            var name = pkg?.Name ?? m.Groups["pkg"].Value;
            yield return m.Groups["act"].Value switch
            {
                "Installed" or "Dep-Installed" => new PackageChange(time, name, PackageAction.Installed, null, pkg?.Version, source),
                "Updated" or "Dep-Updated" => new PackageChange(time, name, PackageAction.Upgraded, null, pkg?.Version, source),
                _ => new PackageChange(time, name, PackageAction.Removed, pkg?.Version, null, source),
            };
        }
    }

    /// <summary>The latest year that does not put the stamp after the file's last write (a day allowed for zones).</summary>
    private static DateTimeOffset? InferYear(int month, int day, TimeSpan tod, TimeZoneInfo zone, DateTimeOffset reference)
    {
        var limit = reference.AddDays(1);
        var local = TimeZoneInfo.ConvertTime(reference, zone);
        for (int year = local.Year; year >= local.Year - 8; year--)
        {
            if (day < 1 || day > DateTime.DaysInMonth(year, month))
            {
                continue;
            }
            var candidate = InZone(new DateTime(year, month, day) + tod, zone);
            if (candidate <= limit)
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>
    /// "kernel-core-6.6.9-200.fc39.x86_64", "openssl-libs-1:3.2.2-6.el9.x86_64" (dnf), "1:openssl-libs-1.0.2k-26.el7_9.x86_64" (yum)
    /// → the name and "[epoch:]version-release".
    /// </summary>
    internal static (string Name, string Version)? ParseNevra(string text)
    {
        var m = Nevra().Match(text.Trim());
        if (!m.Success)
        {
            return null;
        }
        var epoch = m.Groups["e1"].Success ? m.Groups["e1"].Value : m.Groups["e2"].Success ? m.Groups["e2"].Value : null;
        var version = $"{m.Groups["v"].Value}-{m.Groups["r"].Value}";
        return (m.Groups["n"].Value, epoch is null ? version : $"{epoch}:{version}");
    }

    // ----- package roles -----

    /// <summary>What a package is, by the names Arch, Debian/Ubuntu and Fedora/RHEL give it.</summary>
    public static PackageRole Classify(string name)
    {
        var n = WithoutArchitecture(name).ToLowerInvariant();
        if (Microcode().IsMatch(n))
        {
            return PackageRole.Microcode;
        }
        if (Firmware().IsMatch(n))
        {
            return PackageRole.Firmware;
        }
        if (Kernel().IsMatch(n))
        {
            return PackageRole.Kernel;
        }
        if (GpuDriver().IsMatch(n))
        {
            return PackageRole.GpuDriver;
        }
        if (CLibrary().IsMatch(n))
        {
            return PackageRole.CLibrary;
        }
        if (CxxLibrary().IsMatch(n))
        {
            return PackageRole.CxxLibrary;
        }
        if (Compiler().IsMatch(n))
        {
            return PackageRole.Compiler;
        }
        if (n.StartsWith("python", StringComparison.Ordinal) || n.StartsWith("libpython", StringComparison.Ordinal))
        {
            return PackageRole.Python;
        }
        return Browser().IsMatch(n) ? PackageRole.Browser : PackageRole.Other;
    }

    // ----- files -----

    /// <summary>A log and its rotations (name, name.1, name.2.gz, name-20250104(.gz)), oldest first.</summary>
    private static List<string> Family(SystemRoot root, string folder, string name)
    {
        var dir = root.PathOf(folder);
        if (!Directory.Exists(dir))
        {
            return new List<string>();
        }
        try
        {
            return Directory.EnumerateFiles(dir, name + "*")
                .Where(f => Rotation(Path.GetFileName(f), name) is not null)
                .OrderByDescending(f => Rotation(Path.GetFileName(f), name))
                .ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new List<string>();
        }
    }

    /// <summary>
    /// How old a rotation is, larger for older: 0 for the live file, N for name.N(.gz), and for
    /// name-YYYYMMDD(.gz) a number that is larger the earlier the date; null for other files.
    /// </summary>
    private static long? Rotation(string file, string name)
    {
        var rest = file[name.Length..];
        if (rest.EndsWith(".gz", StringComparison.Ordinal))
        {
            rest = rest[..^3];
        }
        if (rest.Length == 0)
        {
            return 0;
        }
        if (rest.Length < 2 || rest[0] is not ('.' or '-') || !long.TryParse(rest.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return null;
        }
        return rest[0] == '-' ? 100_000_000 - n : n;
    }

    private static IEnumerable<string> ReadLines(string path)
    {
        var lines = new List<string>();
        try
        {
            using var file = File.OpenRead(path);
            Stream stream = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
            using var reader = new StreamReader(stream);
            string? line;
            while ((line = reader.ReadLine()) is not null)
            {
                lines.Add(line);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            // An unreadable or damaged rotation: keep what came out of it.
        }
        return lines;
    }

    private static DateTimeOffset LastWrite(string path)
    {
        // A file stamped ahead of the clock is not believed.
        var written = new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero);
        return written < DateTimeOffset.UtcNow ? written : DateTimeOffset.UtcNow;
    }

    // ----- small helpers -----

    private static DateTimeOffset InZone(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            local = local.AddHours(1); // inside a spring-forward gap
        }
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    private static DateTimeOffset? ParseIsoTime(string text, TimeZoneInfo zone)
    {
        if (text.EndsWith('Z'))
        {
            text = text[..^1] + "+00:00";
        }
        var m = IsoZone().Match(text);
        if (m.Success)
        {
            // "+0000" and "+00" → "+00:00".
            var digits = m.Groups["d"].Value;
            text = text[..m.Index] + m.Groups["s"].Value + digits[..2] + ":" + (digits.Length == 4 ? digits[2..] : "00");
        }
        if (DateTimeOffset.TryParseExact(text, "yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out var t))
        {
            return t;
        }
        return DateTime.TryParseExact(text, "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local) ? InZone(local, zone) : null;
    }

    private static string? NoneIsNull(string v) => v.Length == 0 || v == "<none>" ? null : v;

    /// <summary>"libc6:amd64" → "libc6": Debian's multi-arch qualifier is not part of the name.</summary>
    private static string WithoutArchitecture(string name)
    {
        int colon = name.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 ? name[..colon] : name;
    }

    [GeneratedRegex(@"^\[(?<time>[^\]]+)\] (?:\[ALPM\] )?(?<act>installed|upgraded|downgraded|removed|reinstalled) (?<name>\S+) \((?<v1>[^()\s]+)(?: -> (?<v2>[^()\s]+))?\)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex PacmanLine();

    [GeneratedRegex(@"^(?<time>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (?<act>install|upgrade|remove|purge) (?<name>\S+) (?<from>\S+) (?<to>\S+)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex DpkgLine();

    [GeneratedRegex(@"^(?<act>Install|Upgrade|Downgrade|Remove|Purge|Reinstall): (?<items>.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex AptAction();

    [GeneratedRegex(@"(?<name>[^\s(),]+) \((?<v>[^)]*)\)", RegexOptions.CultureInvariant)]
    private static partial Regex AptItem();

    [GeneratedRegex(@"^(?<time>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}(?::?\d{2})?)?) \S+ (?<act>Install|Installed|Upgrade|Upgraded|Downgrade|Downgraded|Erase|Erased|Remove|Removed|Reinstall|Reinstalled|Obsolete|Obsoleted): (?<pkg>\S+)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex DnfLine();

    [GeneratedRegex(@"(?<s>[+-])(?<d>\d{4}|\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoZone();

    [GeneratedRegex(@"^(?<mon>\p{L}{3,})\s+(?<day>\d{1,2}) (?<tod>\d{2}:\d{2}:\d{2}) (?<act>Installed|Dep-Installed|Updated|Dep-Updated|Erased): (?<pkg>\S+)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex YumLine();

    // [e1:]name-[e2:]version-release[.arch]
    [GeneratedRegex(@"^(?:(?<e1>\d+):)?(?<n>.+?)-(?:(?<e2>\d+):)?(?<v>\d[^-:]*)-(?<r>[^-:]+?)(?:\.(?:x86_64|noarch|i[3-6]86|aarch64|ppc64le|ppc64|s390x|armv7hl|armhfp|riscv64|src))?$", RegexOptions.CultureInvariant)]
    private static partial Regex Nevra();

    [GeneratedRegex(@"^(?:intel-ucode|amd-ucode|ucode-intel|ucode-amd|intel-microcode|amd64-microcode|microcode_ctl|linux-firmware-(?:intel|amd)-ucode|amd-ucode-firmware)$", RegexOptions.CultureInvariant)]
    private static partial Regex Microcode();

    [GeneratedRegex(@"^(?:linux-firmware(?:-.+)?|firmware-.+|.+-firmware|kernel-firmware(?:-.+)?)$", RegexOptions.CultureInvariant)]
    private static partial Regex Firmware();

    // Arch: linux, linux-zen, linux-lts, linux-hardened, linux-rt(-lts), linux-cachyos..., not linux-headers/-docs/-api-headers/-tools.
    // Debian/Ubuntu: linux-image-*, linux-modules-*. Fedora/SUSE: kernel, kernel-core, kernel-modules(-core|-extra), kernel-default.
    [GeneratedRegex(@"^(?:linux(?:-(?:zen|lts|hardened|rt|rt-lts|mainline|git|lqx|xanmod[\w-]*|cachyos[\w-]*|tkg[\w-]*|ck|clear|surface|g14|asahi|rpi[\w-]*|aarch64|armv7|lts\d+))?|linux-image-.+|linux-modules-.+|linux-signed-image-.+|kernel(?:-(?:core|modules|modules-core|modules-extra|default|rt|lt|ml|uek|64k|zen))?)$", RegexOptions.CultureInvariant)]
    private static partial Regex Kernel();

    [GeneratedRegex(@"^(?:(?:lib32-)?nvidia.*|libnvidia-.+|(?:lib32-)?opencl-nvidia.*|xserver-xorg-video-.+|xorg-x11-drv-nvidia.*|xf86-video-.+|akmod-nvidia.*|kmod-nvidia.*|cuda-drivers.*|(?:lib32-)?mesa(?:-.+)?|libgl1-mesa-dri|mesa-libgl|mesa-dri-drivers|(?:lib32-)?vulkan-(?:radeon|intel|nouveau)|mesa-vulkan-drivers)$", RegexOptions.CultureInvariant)]
    private static partial Regex GpuDriver();

    [GeneratedRegex(@"^(?:(?:lib32-)?glibc|glibc-32bit|libc6|libc6-i386|libc6-amd64|musl)$", RegexOptions.CultureInvariant)]
    private static partial Regex CLibrary();

    [GeneratedRegex(@"^(?:(?:lib32-)?gcc-libs|libstdc\+\+6?|libstdc\+\+6-.+|libgcc|libgcc-s1|libgcc1|libgcc_s1)$", RegexOptions.CultureInvariant)]
    private static partial Regex CxxLibrary();

    [GeneratedRegex(@"^(?:gcc(?:-\d+)?|g\+\+(?:-\d+)?|gcc-c\+\+|clang(?:-\d+)?|llvm(?:-\d+)?)$", RegexOptions.CultureInvariant)]
    private static partial Regex Compiler();

    [GeneratedRegex(@"^(?:firefox.*|chromium.*|google-chrome.*|brave.*|vivaldi.*|microsoft-edge.*|opera.*|librewolf.*|epiphany(?:-browser)?|falkon|ungoogled-chromium.*|zen-browser.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex Browser();
}
