using System.Globalization;
using System.Text.RegularExpressions;

namespace SegfaultTools;

/// <summary>The /proc, /sys and /etc facts and the package history: the files the cmdlets read, and no others.</summary>
internal sealed partial class SnapshotBuilder
{
    /// <summary>Facts files read as they are (each only where present).</summary>
    internal static readonly string[] FactFiles =
    {
        "proc/cpuinfo", "proc/meminfo", "proc/version", "proc/cmdline",
        "proc/sys/kernel/tainted", "proc/sys/kernel/osrelease", "proc/sys/kernel/version", "proc/sys/kernel/core_pattern",
        "proc/sys/debug/exception-trace", "proc/1/limits",
        "proc/driver/nvidia/version", "sys/module/nvidia/version", "sys/module/nvidia/taint",
        "sys/devices/cpu_core/cpus", "sys/devices/cpu_atom/cpus", "sys/devices/cpu_lowpower/cpus",
        "etc/systemd/journald.conf", "usr/lib/systemd/journald.conf",
    };

    /// <summary>The DMI fields Get-SystemProfile shows: firmware and board names, never serial numbers, UUIDs or asset tags.</summary>
    internal static readonly string[] DmiFields =
    {
        "bios_vendor", "bios_version", "bios_date", "bios_release", "sys_vendor", "product_name", "product_version", "product_family",
        "board_vendor", "board_name", "board_version",
    };

    /// <summary>Package-manager logs and their rotations (name, name.N, name.N.gz, name-YYYYMMDD(.gz)), as the package-history reader finds them.</summary>
    internal static readonly (string Folder, string Name)[] PackageLogs =
    {
        ("var/log", "pacman.log"), ("var/log", "dpkg.log"), ("var/log/apt", "history.log"), ("var/log", "dnf.rpm.log"), ("var/log", "yum.log"),
    };

    internal static readonly string[] JournaldDropInFolders =
    {
        "usr/lib/systemd/journald.conf.d", "usr/local/lib/systemd/journald.conf.d", "run/systemd/journald.conf.d", "etc/systemd/journald.conf.d",
    };

    internal static readonly string[] SysctlFolders = { "usr/lib/sysctl.d", "lib/sysctl.d", "usr/local/lib/sysctl.d", "run/sysctl.d", "etc/sysctl.d" };

    private const int MaxFactSize = 4 << 20;
    private const int MaxLogSize = 64 << 20;

    private int _skippedSysfs;

    private void CaptureFacts()
    {
        foreach (var rel in FactFiles)
        {
            CopyFile(rel);
        }
        // The kernel's configuration, where the profile finds it first.
        var release = ReadText("proc/sys/kernel/osrelease")?.Trim();
        var configs = new List<string> { "proc/config.gz" };
        if (release is not null)
        {
            configs.AddRange(new[] { $"boot/config-{release}", $"usr/lib/modules/{release}/build/.config", $"lib/modules/{release}/build/.config" });
        }
        foreach (var rel in configs)
        {
            if (CopyFile(rel, maxSize: MaxFactSize))
            {
                break;
            }
        }
        CopyFile("sys/kernel/debug/sched/preempt", quiet: true); // root only, and only where debugfs is mounted
        if (!CopyFile("etc/os-release"))
        {
            CopyFile("usr/lib/os-release");
        }
        foreach (var field in DmiFields)
        {
            CopyFile("sys/class/dmi/id/" + field, quiet: true);
        }

        Walk(TopologyReader.CpuDir, CpuFileWanted, CpuLinkWanted);
        Walk("sys/devices/system/edac/mc", rel => !rel.Split('/').Contains("power"), _ => false);
        if (Directory.Exists(_root.PathOf(GpuDriverReader.ProcGpus)))
        {
            foreach (var gpu in SafeEntries(_root.PathOf(GpuDriverReader.ProcGpus)))
            {
                CopyFile($"{GpuDriverReader.ProcGpus}/{Path.GetFileName(gpu)}/information");
            }
        }
        CaptureGpuDevices();

        // What decides whether a crash leaves evidence: journald's storage, the sysctl files that set core_pattern.
        foreach (var dir in JournaldDropInFolders)
        {
            foreach (var file in SafeEntries(_root.PathOf(dir)).Where(f => f.EndsWith(".conf", StringComparison.Ordinal)))
            {
                CopyFile($"{dir}/{Path.GetFileName(file)}");
            }
        }
        foreach (var dir in SysctlFolders)
        {
            foreach (var file in SafeEntries(_root.PathOf(dir)).Where(f => f.EndsWith(".conf", StringComparison.Ordinal)))
            {
                CopyIfMentions($"{dir}/{Path.GetFileName(file)}", "core_pattern");
            }
        }
        CopyIfMentions("etc/sysctl.conf", "core_pattern");
        foreach (var dir in new[] { "etc/systemd", "var/log/journal", "run/log/journal" })
        {
            if (Directory.Exists(_root.PathOf(dir)))
            {
                Add(SnapshotEntry.Folder(dir, $"{MachinePath(dir)} exists on the machine"));
            }
        }

        foreach (var (folder, name) in PackageLogs)
        {
            foreach (var file in SafeEntries(_root.PathOf(folder)).Where(f => IsRotationOf(Path.GetFileName(f), name)).Order(StringComparer.Ordinal))
            {
                CopyFile($"{folder}/{Path.GetFileName(file)}", maxSize: MaxLogSize);
            }
        }

        // Who the machine is: the name its records carry, and the zone of stamps without one (package logs).
        Add(SnapshotEntry.Text("etc/hostname", MachineName + "\n",
            _root.IsLive ? "the host name this machine's cmdlets give (uname's node name)" : "the tree's host name"));
        var zone = _root.TimeZone;
        if (IsZoneId(zone.Id))
        {
            Add(SnapshotEntry.Text("etc/timezone", zone.Id + "\n",
                _root.IsLive ? "this machine's time zone (TZ, /etc/timezone or the /etc/localtime link)" : "the tree's time zone"));
        }
        else
        {
            _notes.Add($"The time zone ({zone.DisplayName}) has no name this module can look up elsewhere: etc/timezone is left out, and times without a zone in the package logs are read in the reading machine's zone.");
        }
        if (_skippedSysfs > 0)
        {
            _notes.Add(string.Create(CultureInfo.InvariantCulture, $"{_skippedSysfs} file(s) under /sys could not be read (write-only or refused) and were skipped."));
        }
    }

    private static bool IsZoneId(string id)
    {
        try
        {
            return id != "Local" && TimeZoneInfo.FindSystemTimeZoneById(id) is not null;
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return false;
        }
    }

    /// <summary>"dpkg.log", "dpkg.log.1", "dpkg.log.2.gz", "dpkg.log-20250104.gz".</summary>
    internal static bool IsRotationOf(string file, string name) =>
        file.StartsWith(name, StringComparison.Ordinal) && Regex.IsMatch(file[name.Length..], @"^(?:[.\-][0-9]+)?(?:\.gz)?$", RegexOptions.CultureInvariant);

    /// <summary>Which files under sys/devices/system/cpu the topology reader uses: online lists, per-CPU topology, cache, cpufreq, capacity and CPPC.</summary>
    internal static bool CpuFileWanted(string rel)
    {
        var parts = rel.Split('/');
        if (parts.Length == 1)
        {
            return parts[0] is "online" or "present" or "possible" or "offline" or "kernel_max" or "isolated" or "nohz_full" or "cpufreq" || IsCpuFolder(parts[0]);
        }
        if (parts[0] == "cpufreq")
        {
            return parts.Length >= 2 && !parts.Contains("stats");
        }
        if (!IsCpuFolder(parts[0]))
        {
            return false;
        }
        return parts.Length == 2
            ? parts[1] is "online" or "cpu_capacity" or "topology" or "cache" or "cpufreq" or "acpi_cppc"
            : parts[1] is "topology" or "cache" or "cpufreq" or "acpi_cppc" && !parts.Contains("power") && !parts.Contains("stats");
    }

    /// <summary>cpuN/cpufreq is a link to ../cpufreq/policyN: kept as the link, with policyN captured.</summary>
    private static bool CpuLinkWanted(string rel)
    {
        var parts = rel.Split('/');
        return parts.Length == 2 && IsCpuFolder(parts[0]) && parts[1] == "cpufreq";
    }

    private static bool IsCpuFolder(string name) => name.Length > 3 && name.StartsWith("cpu", StringComparison.Ordinal) && name[3..].All(char.IsAsciiDigit);

    /// <summary>
    /// Copies small files under <paramref name="dir"/> that <paramref name="wanted"/> names (folders
    /// too: a folder not wanted is not entered), never following links; links
    /// <paramref name="keepLink"/> names are kept as links. Unreadable files are skipped and counted.
    /// </summary>
    private void Walk(string dir, Func<string, bool> wanted, Func<string, bool> keepLink)
    {
        var top = _root.PathOf(dir);
        if (!Directory.Exists(top))
        {
            return;
        }
        var pending = new Stack<string>();
        pending.Push("");
        int files = 0;
        while (pending.Count > 0 && files < 20000)
        {
            var rel = pending.Pop();
            foreach (var entry in SafeEntries(rel.Length == 0 ? top : Path.Combine(top, rel)))
            {
                var name = Path.GetFileName(entry);
                var childRel = rel.Length == 0 ? name : rel + "/" + name;
                FileSystemInfo info = new FileInfo(entry);
                string? link;
                try
                {
                    link = info.LinkTarget;
                }
                catch (IOException)
                {
                    continue;
                }
                if (link is not null)
                {
                    if (keepLink(childRel))
                    {
                        Add(SnapshotEntry.Symlink($"{dir}/{childRel}", link, $"the link {MachinePath($"{dir}/{childRel}")}"));
                    }
                    continue;
                }
                if (!wanted(childRel))
                {
                    continue;
                }
                if (Directory.Exists(entry))
                {
                    pending.Push(childRel);
                    continue;
                }
                files++;
                if (!CopyFile($"{dir}/{childRel}", quiet: true, maxSize: 64 << 10))
                {
                    _skippedSysfs++;
                }
            }
        }
    }

    /// <summary>
    /// Copies one file (following links) to the same place in the tree. Absent: false, nothing said.
    /// Present but unreadable: false, with an UnreadableSource error unless <paramref name="quiet"/>.
    /// </summary>
    private bool CopyFile(string rel, bool quiet = false, int maxSize = MaxFactSize)
    {
        var path = _root.PathOf(rel);
        if (!File.Exists(path))
        {
            return false;
        }
        try
        {
            var bytes = ReadAll(path, maxSize);
            if (bytes is null)
            {
                if (!quiet)
                {
                    _missing.Add((MachinePath(rel), $"larger than {maxSize / (1 << 20)} MiB"));
                }
                return false;
            }
            bool gz = rel.EndsWith(".gz", StringComparison.Ordinal);
            bool text = !gz && LooksLikeText(bytes);
            bool gzText = gz && GzipHoldsText(bytes);
            Add(SnapshotEntry.Bytes(rel, bytes, MachinePath(rel), text, ModifiedAt(path), gzText));
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            if (!quiet)
            {
                Unreadable(MachinePath(rel), ex.Message, ex);
            }
            return false;
        }
    }

    /// <summary>A config file kept only where it mentions what the readers look for in it.</summary>
    private void CopyIfMentions(string rel, string word)
    {
        if (ReadText(rel) is { } text && text.Contains(word, StringComparison.Ordinal))
        {
            CopyFile(rel);
        }
    }

    private string? ReadText(string rel)
    {
        try
        {
            var path = _root.PathOf(rel);
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool GzipHoldsText(byte[] bytes)
    {
        try
        {
            return !Gunzip(bytes).Contains('\0');
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    /// <summary>
    /// The whole file, read to its end (proc and sys files report sizes that are not theirs); null
    /// where it holds more than <paramref name="maxSize"/> bytes.
    /// </summary>
    internal static byte[]? ReadAll(string path, int maxSize)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
        using var buffer = new MemoryStream();
        var chunk = new byte[64 << 10];
        int n;
        while ((n = f.Read(chunk, 0, chunk.Length)) > 0)
        {
            buffer.Write(chunk, 0, n);
            if (buffer.Length > maxSize)
            {
                return null;
            }
        }
        return buffer.ToArray();
    }

    private static DateTimeOffset? ModifiedAt(string path)
    {
        try
        {
            return new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static IEnumerable<string> SafeEntries(string dir)
    {
        try
        {
            return Directory.Exists(dir) ? Directory.GetFileSystemEntries(dir).Order(StringComparer.Ordinal).ToArray() : Array.Empty<string>();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Array.Empty<string>();
        }
    }

    // ----- GPUs on the PCI bus -----

    private static readonly string[] PciDeviceFiles =
    {
        "uevent", "vendor", "device", "class", "subsystem_vendor", "subsystem_device", "revision", "boot_vga",
        "mem_info_vram_total", "mem_info_vram_used", "product_name",
    };

    /// <summary>
    /// The GPU facts the driver reader takes from sysfs: each /sys/class/drm/cardN/device and each
    /// display-class PCI device, as folders of their small files (sysfs's links between them are not
    /// needed), the bound driver as a link, and the GPUs' lines of pci.ids.
    /// </summary>
    private void CaptureGpuDevices()
    {
        var ids = new HashSet<(string Vendor, string Device)>();
        foreach (var card in SafeEntries(_root.PathOf(PciGpuDevices.DrmDir)).Where(c => Regex.IsMatch(Path.GetFileName(c), @"^card\d+$")))
        {
            CaptureDevice($"{PciGpuDevices.DrmDir}/{Path.GetFileName(card)}/device", ids);
        }
        foreach (var device in SafeEntries(_root.PathOf(PciGpuDevices.PciDevicesDir)))
        {
            var rel = $"{PciGpuDevices.PciDevicesDir}/{Path.GetFileName(device)}";
            if (_root.ReadFirstLine(rel + "/class")?.Trim() is { } cls && cls.StartsWith("0x03", StringComparison.OrdinalIgnoreCase))
            {
                CaptureDevice(rel, ids);
            }
        }
        if (ids.Count == 0)
        {
            return;
        }
        foreach (var rel in PciGpuDevices.PciIdsFiles)
        {
            var path = _root.PathOf(rel);
            if (!File.Exists(path))
            {
                continue;
            }
            var kept = new List<string> { $"# The lines of {MachinePath(rel)} that name this machine's GPUs." };
            try
            {
                string? vendor = null;
                foreach (var line in File.ReadLines(path))
                {
                    if (line.Length == 0 || line[0] == '#')
                    {
                        continue;
                    }
                    if (line[0] != '\t')
                    {
                        if (line.StartsWith("C ", StringComparison.Ordinal))
                        {
                            break;
                        }
                        vendor = ids.Any(i => line.StartsWith(i.Vendor + "  ", StringComparison.Ordinal)) ? line[..4] : null;
                        if (vendor is not null)
                        {
                            kept.Add(line);
                        }
                        continue;
                    }
                    if (vendor is not null && line.Length > 1 && line[1] != '\t' && ids.Any(i => i.Vendor == vendor && line.AsSpan(1).StartsWith(i.Device + "  ", StringComparison.Ordinal)))
                    {
                        kept.Add(line);
                    }
                }
                Add(SnapshotEntry.Text(rel, string.Join('\n', kept) + "\n", $"{MachinePath(rel)}: only the GPUs' vendor and device lines"));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Unreadable(MachinePath(rel), ex.Message, ex);
            }
            break;
        }
    }

    private void CaptureDevice(string rel, HashSet<(string, string)> ids)
    {
        foreach (var file in PciDeviceFiles)
        {
            CopyFile($"{rel}/{file}", quiet: true, maxSize: 64 << 10);
        }
        try
        {
            if (new FileInfo(_root.PathOf(rel + "/driver")).LinkTarget is { } driver)
            {
                Add(SnapshotEntry.Symlink(rel + "/driver", driver, $"the link {MachinePath(rel + "/driver")} (the bound driver's name)"));
            }
        }
        catch (IOException)
        {
        }
        var vendor = _root.ReadFirstLine(rel + "/vendor")?.Trim().ToLowerInvariant().Replace("0x", "", StringComparison.Ordinal);
        var device = _root.ReadFirstLine(rel + "/device")?.Trim().ToLowerInvariant().Replace("0x", "", StringComparison.Ordinal);
        if (vendor is { Length: 4 } && device is { Length: 4 })
        {
            ids.Add((vendor, device));
        }
    }
}
