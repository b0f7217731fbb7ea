using System.IO.Compression;

namespace SegfaultTools.Tests;

/// <summary>
/// PackageHistoryReader over the captured-tree fragments of tests/fixtures/packages (see its
/// SOURCES.md): every format, rotations and gzip, time zones, the since filter, skipped lines,
/// and the package roles. Expectations written by hand from the fixture lines.
/// </summary>
public sealed class FactsPackageHistoryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("segfaulttools-pkg-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A copy of one fixture tree, with each "*.gz.txt" gzipped into the rotation it stands for.</summary>
    private SystemRoot Tree(string distro)
    {
        var from = Path.Combine(RepoPaths.Fixtures, "packages", distro);
        var to = Path.Combine(_dir, distro);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (target.EndsWith(".gz.txt", StringComparison.Ordinal))
            {
                using var output = new GZipStream(File.Create(target[..^4]), CompressionLevel.Optimal);
                output.Write(File.ReadAllBytes(file));
            }
            else
            {
                File.Copy(file, target);
            }
        }
        return new SystemRoot(to);
    }

    private static string Describe(PackageChange c) =>
        $"{c.Time:yyyy-MM-ddTHH:mm:sszzz}|{c.Name}|{c.Action}|{c.FromVersion}|{c.ToVersion}|{Path.GetFileName(c.Source)}";

    [Fact]
    public void PacmanLogOfEveryPacmanGeneration()
    {
        var changes = PackageHistoryReader.Read(Tree("arch"));
        Assert.Equal(new[]
        {
            "2013-04-01T09:15:00+02:00|pacman|Upgraded|4.0.3-7|4.1.0-2|pacman.log",
            "2020-08-24T11:38:32+08:00|libwacom-surface|Upgraded|1.4.1-1|1.4.1-2|pacman.log",
            "2020-08-24T11:38:32+08:00|surface-control|Upgraded|0.2.6-1|0.2.7-1|pacman.log",
            "2020-08-24T11:38:32+08:00|nnn-git|Upgraded|3.4.r0.g9c20f43-1|3.4.r7.gdf264fa-1|pacman.log",
            "2020-08-24T16:56:31+08:00|archlinux-keyring|Upgraded|20200817-1|20200820-1|pacman.log",
            "2020-08-24T16:56:33+08:00|linux-api-headers|Upgraded|5.6.11-1|5.7-1|pacman.log",
            "2025-12-18T10:12:31+01:00|linux-zen|Upgraded|6.18.1.zen1-1|6.18.2.zen2-1|pacman.log",
            "2025-12-18T10:12:31+01:00|linux-zen-headers|Upgraded|6.18.1.zen1-1|6.18.2.zen2-1|pacman.log",
            "2025-12-18T10:12:32+01:00|nvidia-utils|Upgraded|590.44.01-2|590.48.01-1|pacman.log",
            "2025-12-18T10:12:32+01:00|nvidia-open-dkms|Upgraded|590.44.01-2|590.48.01-1|pacman.log",
            "2025-12-18T10:12:33+01:00|glibc|Upgraded|2.42+r17+gd7274d718e6f-1|2.42+r33+gde1fe81f4714-1|pacman.log",
            "2025-12-18T10:12:33+01:00|gcc-libs|Upgraded|15.2.1+r22+gc4e96a094636-1|15.2.1+r301+gf24307422d1d-1|pacman.log",
            "2025-12-18T10:12:34+01:00|python-onnxruntime-cuda|Installed||1.23.2-1|pacman.log",
            "2025-12-20T21:40:11+01:00|intel-ucode|Reinstalled|20251111-1|20251111-1|pacman.log",
            "2025-12-20T21:40:11+01:00|python-onnxruntime-cuda|Removed|1.23.2-1||pacman.log",
            "2026-01-02T08:00:10+01:00|nvidia-open-dkms|Downgraded|590.48.01-1|590.44.01-2|pacman.log",
            "2026-01-02T08:00:10+01:00|firefox|Upgraded|146.0-1|146.0.1-1|pacman.log",
        }, changes.Select(Describe));
        Assert.Equal(new[] { PackageRole.Kernel, PackageRole.Other, PackageRole.GpuDriver, PackageRole.GpuDriver, PackageRole.CLibrary, PackageRole.CxxLibrary },
            changes.Skip(6).Take(6).Select(c => c.Role));
    }

    [Fact]
    public void DpkgLogAndItsRotationsGzipIncluded()
    {
        var changes = PackageHistoryReader.Read(Tree("debian"));
        Assert.Equal(new[]
        {
            "2016-08-06T17:35:39+02:00|base-passwd|Installed||3.5.33|dpkg.log.2.gz",
            "2024-04-28T09:00:02+02:00|linux-image-6.1.0-21-amd64|Installed||6.1.90-1|dpkg.log.1",
            "2024-04-28T09:00:10+02:00|nvidia-driver|Upgraded|525.147.05-4~deb12u1|535.161.08-1~deb12u1|dpkg.log.1",
            "2024-04-28T09:00:11+02:00|libnvidia-glcore|Upgraded|525.147.05-4~deb12u1|535.161.08-1~deb12u1|dpkg.log.1",
            "2024-05-02T10:11:12+02:00|libc6|Upgraded|2.36-9|2.36-9+deb12u7|dpkg.log",
            "2024-05-02T10:11:13+02:00|libstdc++6|Upgraded|12.2.0-14|12.2.0-14+deb12u1|dpkg.log",
            // dpkg says "upgrade" for a replacement by an older version, too.
            "2024-05-02T10:11:14+02:00|nvidia-driver|Downgraded|535.161.08-1~deb12u1|535.161.07-1~deb12u1|dpkg.log",
            "2024-05-02T10:11:15+02:00|firefox-esr|Reinstalled|115.10.0esr-1~deb12u1|115.10.0esr-1~deb12u1|dpkg.log",
            // "remove" then "purge" of one package is one removal; a purge alone is one too.
            "2024-05-02T10:11:16+02:00|python3-numpy|Removed|1:1.24.2-1||dpkg.log",
            "2024-05-02T10:11:18+02:00|intel-microcode|Removed|3.20231114.1~deb12u1||dpkg.log",
        }, changes.Select(Describe));
        // apt's history.log repeats dpkg.log and is not read beside it.
        Assert.DoesNotContain(changes, c => c.Source.Contains("history", StringComparison.Ordinal));
    }

    [Fact]
    public void AptHistoryWhereDpkgLogIsGone()
    {
        var changes = PackageHistoryReader.Read(Tree("debian-apt"));
        Assert.Equal(16, changes.Count);
        Assert.All(changes.Take(8), c => Assert.Equal("history.log.1.gz", Path.GetFileName(c.Source)));
        Assert.Equal("2019-07-10T16:38:08+00:00|libdns-export162|Upgraded|1:9.10.3.dfsg.P4-12.3+deb9u4|1:9.10.3.dfsg.P4-12.3+deb9u5|history.log.1.gz", Describe(changes[0]));
        Assert.Equal("2019-07-10T16:38:08+00:00|libssl1.0.2|Upgraded|1.0.2r-1~deb9u1|1.0.2s-1~deb9u1|history.log.1.gz", Describe(changes[7]));
        Assert.Equal(new[]
        {
            "2024-05-02T10:11:05+00:00|linux-image-6.1.0-21-amd64|Installed||6.1.90-1|history.log",
            "2024-05-02T10:11:05+00:00|linux-image-amd64|Installed||6.1.90-1|history.log",
            "2024-05-02T10:11:05+00:00|libc6|Upgraded|2.36-9|2.36-9+deb12u7|history.log",
            "2024-05-02T10:11:05+00:00|libstdc++6|Upgraded|12.2.0-14|12.2.0-14+deb12u1|history.log",
            "2024-05-03T18:00:00+00:00|python3-numpy|Removed|1:1.24.2-1||history.log",
            "2024-05-04T07:30:00+00:00|nvidia-driver|Downgraded|535.161.08-1~deb12u1|535.161.07-1~deb12u1|history.log",
            "2024-05-04T07:30:00+00:00|firefox-esr|Reinstalled|115.10.0esr-1~deb12u1|115.10.0esr-1~deb12u1|history.log",
            "2024-05-04T07:30:00+00:00|intel-microcode|Removed|3.20231114.1~deb12u1||history.log",
        }, changes.Skip(8).Select(Describe));
    }

    [Fact]
    public void DnfRpmLogPairsBothSidesOfAnUpgrade()
    {
        var changes = PackageHistoryReader.Read(Tree("fedora"));
        Assert.Equal(new[]
        {
            "2024-01-05T10:00:02+00:00|kernel-core|Installed||6.6.9-200.fc39|dnf.rpm.log",
            "2024-01-05T10:00:03+00:00|kernel|Installed||6.6.9-200.fc39|dnf.rpm.log",
            "2024-01-05T10:00:04+00:00|glibc|Upgraded|2.38-11.fc39|2.38-14.fc39|dnf.rpm.log",
            "2024-01-05T10:00:05+00:00|openssl-libs|Upgraded|1:3.1.1-2.fc39|1:3.1.1-4.fc39|dnf.rpm.log",
            "2024-01-05T10:00:08+00:00|kernel-core|Removed|6.5.12-300.fc39||dnf.rpm.log",
            "2024-01-06T09:00:00+00:00|akmod-nvidia|Downgraded|3:545.29.06-2.fc39|3:545.29.06-1.fc39|dnf.rpm.log",
            "2024-01-06T09:00:02+00:00|microcode_ctl|Reinstalled|2:2.1-58.fc39|2:2.1-58.fc39|dnf.rpm.log",
            // A stamp without a zone is in the tree's zone (America/New_York, EST in January).
            "2024-01-06T09:00:04-05:00|python3-numpy|Installed||1:1.24.4-2.fc39|dnf.rpm.log",
        }, changes.Select(Describe));
        Assert.Equal(new[] { PackageRole.Kernel, PackageRole.Kernel, PackageRole.CLibrary, PackageRole.Other, PackageRole.Kernel, PackageRole.GpuDriver, PackageRole.Microcode, PackageRole.Python },
            changes.Select(c => c.Role));
    }

    [Fact]
    public void YumLogTakesItsYearsFromEachFilesLastWrite()
    {
        var root = Tree("rhel7");
        File.SetLastWriteTimeUtc(root.PathOf("var/log/yum.log-20240101"), new DateTime(2024, 1, 1, 3, 0, 0, DateTimeKind.Utc));
        File.SetLastWriteTimeUtc(root.PathOf("var/log/yum.log"), new DateTime(2024, 1, 6, 0, 0, 0, DateTimeKind.Utc));
        var changes = PackageHistoryReader.Read(root);
        Assert.Equal(new[]
        {
            "2023-12-30T23:10:00-05:00|kernel|Installed||3.10.0-1160.105.1.el7|yum.log-20240101",
            "2023-12-30T23:10:05-05:00|glibc|Upgraded||2.17-326.el7_9|yum.log-20240101",
            "2024-01-05T10:00:00-05:00|glibc|Upgraded||2.17-326.el7_9.3|yum.log",
            "2024-01-05T10:00:01-05:00|openssl-libs|Upgraded||1:1.0.2k-26.el7_9|yum.log",
            "2024-01-05T10:00:02-05:00|python3|Installed||3.6.8-21.el7_9|yum.log",
            "2024-01-05T10:00:03-05:00|perl-Net-Daemon|Removed|||yum.log",
            "2024-01-05T10:00:04-05:00|kernel|Removed|3.10.0-1160.99.1.el7||yum.log",
        }, changes.Select(Describe));
    }

    [Fact]
    public void SinceKeepsTheChangesFromThatMomentOn()
    {
        var since = new DateTimeOffset(2025, 12, 20, 21, 40, 11, TimeSpan.FromHours(1));
        var changes = PackageHistoryReader.Read(Tree("arch"), since);
        Assert.Equal(new[] { "intel-ucode", "python-onnxruntime-cuda", "nvidia-open-dkms", "firefox" }, changes.Select(c => c.Name));
    }

    [Fact]
    public void LinesThatAreNotChangesAreSkipped()
    {
        var zone = TimeZoneInfo.Utc;
        Assert.Empty(PackageHistoryReader.ReadPacman(new[]
        {
            "[2025-12-18T10:12:01+0100] [PACMAN] Running 'pacman -Syu'",
            "[2025-12-18T10:12:35+0100] [ALPM-SCRIPTLET] ==> dkms install --no-depmod nvidia/590.48.01 -k 6.18.2-zen2-1-zen",
            "[2025-12-18T10:12:59+0100] [ALPM] warning: /etc/pacman.conf installed as /etc/pacman.conf.pacnew",
            "[2025-12-2 garbage line that pacman never wrote",
            "[not a time] [ALPM] upgraded foo (1-1 -> 2-1)",
            "[2025-12-18T10:12:31+0100] [ALPM] upgraded foo (1-1 ->",
            string.Empty,
        }, "pacman.log", zone));
        Assert.Empty(PackageHistoryReader.ReadDpkg(new[]
        {
            "2024-05-02 10:11:12 status half-configured libc6:amd64 2.36-9",
            "2024-04-28 09:00:22 trigproc libc-bin:amd64 2.36-9+deb12u4 <none>",
            "2024-04-28 09:00:21 configure linux-image-6.1.0-21-amd64:amd64 6.1.90-1 <none>",
            "2024-05-02 10:11:19 upgrade broken line",
            "2024-13-02 10:11:12 upgrade libc6:amd64 2.36-9 2.36-9+deb12u7",
        }, "dpkg.log", zone));
        Assert.Empty(PackageHistoryReader.ReadDnf(new[]
        {
            "2024-01-05T10:00:00+0000 INFO --- logging initialized ---",
            "2024-01-06T09:00:05Z SUBDEBUG Upgrade: notapackage",
        }, "dnf.rpm.log", zone));
    }

    [Fact]
    public void ADamagedRotationDoesNotHideTheOthers()
    {
        var root = Tree("debian");
        File.WriteAllBytes(root.PathOf("var/log/dpkg.log.2.gz"), new byte[] { 0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03, 0xff, 0xff, 0xff });
        var changes = PackageHistoryReader.Read(root);
        Assert.Equal(9, changes.Count);
        Assert.DoesNotContain(changes, c => c.Name == "base-passwd");
    }

    [Fact]
    public void ATreeWithoutLogsHasNoHistory()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "empty", "etc"));
        Assert.Empty(PackageHistoryReader.Read(new SystemRoot(Path.Combine(_dir, "empty"))));
    }

    [Theory]
    [InlineData("linux", nameof(PackageRole.Kernel))]
    [InlineData("linux-zen", nameof(PackageRole.Kernel))]
    [InlineData("linux-lts", nameof(PackageRole.Kernel))]
    [InlineData("linux-image-6.1.0-21-amd64", nameof(PackageRole.Kernel))]
    [InlineData("linux-image-amd64:amd64", nameof(PackageRole.Kernel))]
    [InlineData("linux-modules-6.8.0-31-generic", nameof(PackageRole.Kernel))]
    [InlineData("kernel", nameof(PackageRole.Kernel))]
    [InlineData("kernel-core", nameof(PackageRole.Kernel))]
    [InlineData("linux-zen-headers", nameof(PackageRole.Other))]
    [InlineData("linux-api-headers", nameof(PackageRole.Other))]
    [InlineData("kernel-headers", nameof(PackageRole.Other))]
    [InlineData("nvidia", nameof(PackageRole.GpuDriver))]
    [InlineData("nvidia-open-dkms", nameof(PackageRole.GpuDriver))]
    [InlineData("nvidia-utils", nameof(PackageRole.GpuDriver))]
    [InlineData("lib32-nvidia-utils", nameof(PackageRole.GpuDriver))]
    [InlineData("libnvidia-glcore", nameof(PackageRole.GpuDriver))]
    [InlineData("xserver-xorg-video-nvidia", nameof(PackageRole.GpuDriver))]
    [InlineData("akmod-nvidia", nameof(PackageRole.GpuDriver))]
    [InlineData("mesa", nameof(PackageRole.GpuDriver))]
    [InlineData("glibc", nameof(PackageRole.CLibrary))]
    [InlineData("lib32-glibc", nameof(PackageRole.CLibrary))]
    [InlineData("libc6", nameof(PackageRole.CLibrary))]
    [InlineData("libc6:i386", nameof(PackageRole.CLibrary))]
    [InlineData("libc6-dev", nameof(PackageRole.Other))]
    [InlineData("gcc-libs", nameof(PackageRole.CxxLibrary))]
    [InlineData("libstdc++6", nameof(PackageRole.CxxLibrary))]
    [InlineData("libstdc++", nameof(PackageRole.CxxLibrary))]
    [InlineData("gcc", nameof(PackageRole.Compiler))]
    [InlineData("gcc-12", nameof(PackageRole.Compiler))]
    [InlineData("clang", nameof(PackageRole.Compiler))]
    [InlineData("python", nameof(PackageRole.Python))]
    [InlineData("python3", nameof(PackageRole.Python))]
    [InlineData("python3.12", nameof(PackageRole.Python))]
    [InlineData("python-numpy", nameof(PackageRole.Python))]
    [InlineData("libpython3.11", nameof(PackageRole.Python))]
    [InlineData("intel-ucode", nameof(PackageRole.Microcode))]
    [InlineData("amd-ucode", nameof(PackageRole.Microcode))]
    [InlineData("microcode_ctl", nameof(PackageRole.Microcode))]
    [InlineData("intel-microcode", nameof(PackageRole.Microcode))]
    [InlineData("amd64-microcode", nameof(PackageRole.Microcode))]
    [InlineData("linux-firmware", nameof(PackageRole.Firmware))]
    [InlineData("linux-firmware-nvidia", nameof(PackageRole.Firmware))]
    [InlineData("firmware-misc-nonfree", nameof(PackageRole.Firmware))]
    [InlineData("nvidia-gpu-firmware", nameof(PackageRole.Firmware))]
    [InlineData("firefox", nameof(PackageRole.Browser))]
    [InlineData("firefox-esr", nameof(PackageRole.Browser))]
    [InlineData("chromium", nameof(PackageRole.Browser))]
    [InlineData("google-chrome-stable", nameof(PackageRole.Browser))]
    [InlineData("bash", nameof(PackageRole.Other))]
    [InlineData("archlinux-keyring", nameof(PackageRole.Other))]
    public void PackagesAreClassifiedByTheirRole(string name, string role) => Assert.Equal(Enum.Parse<PackageRole>(role), PackageHistoryReader.Classify(name));

    [Theory]
    [InlineData("2.36-9", "2.36-9+deb12u7", -1)]
    [InlineData("535.161.08-1~deb12u1", "535.161.07-1~deb12u1", 1)]
    [InlineData("1.0~rc1-1", "1.0-1", -1)]
    [InlineData("1:1.0-1", "2.0-1", 1)]
    [InlineData("1.0a", "1.0", 1)]
    [InlineData("1.0", "1.0-0", 0)]
    [InlineData("1.10", "1.9", 1)]
    [InlineData("1.01", "1.1", 0)]
    [InlineData("12.2.0-14", "12.2.0-14+deb12u1", -1)]
    public void DebianVersionOrder(string a, string b, int sign)
    {
        Assert.Equal(sign, Math.Sign(DebianVersion.Compare(a, b)));
        Assert.Equal(-sign, Math.Sign(DebianVersion.Compare(b, a)));
    }

    [Theory]
    [InlineData("kernel-core-6.6.9-200.fc39.x86_64", "kernel-core", "6.6.9-200.fc39")]
    [InlineData("openssl-libs-1:3.2.2-6.el9.x86_64", "openssl-libs", "1:3.2.2-6.el9")]
    [InlineData("1:openssl-libs-1.0.2k-26.el7_9.x86_64", "openssl-libs", "1:1.0.2k-26.el7_9")]
    [InlineData("crudini-0.9-11.el8ost.1", "crudini", "0.9-11.el8ost.1")]
    [InlineData("glibc-2.17-326.el7_9.3.x86_64", "glibc", "2.17-326.el7_9.3")]
    public void RpmPackageNamesSplitIntoNameAndVersion(string text, string name, string version) =>
        Assert.Equal((name, version), PackageHistoryReader.ParseNevra(text));
}
