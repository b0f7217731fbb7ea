namespace SegfaultTools;

/// <summary>
/// Where /proc, /sys, /etc and /var/log are read from: "/" on the live machine, or a captured tree.
/// Every cmdlet reads a captured tree through this one layout:
/// <list type="bullet">
/// <item><c>&lt;root&gt;/proc/...</c>, <c>&lt;root&gt;/sys/...</c>: as on the machine (cpuinfo, topology, cpufreq, driver versions).</item>
/// <item><c>&lt;root&gt;/etc/hostname</c>, <c>etc/os-release</c>, <c>etc/timezone</c> or the <c>etc/localtime</c> link: the machine's name and zone.</item>
/// <item><c>&lt;root&gt;/var/log/kern.log*</c>, <c>syslog*</c>, <c>messages*</c> (rotated and .gz too): text kernel logs.</item>
/// <item><c>&lt;root&gt;/var/log/journal/</c>: binary journals, read with <c>journalctl --directory</c>.</item>
/// <item><c>&lt;root&gt;/var/log/pacman.log</c>, <c>dpkg.log</c>, ...: package history.</item>
/// <item><c>&lt;root&gt;/.segfaulttools/</c>: captured output of programs a live run calls, one file each:
/// <c>nvidia-smi-q-x.xml</c> (<c>nvidia-smi -q -x</c>, or its error text), <c>ldconfig-p.txt</c> (<c>ldconfig -p</c>),
/// <c>dkms-status.txt</c> (<c>dkms status</c>), <c>modinfo-nvidia.txt</c> (<c>modinfo nvidia</c>),
/// <c>gcc-version.txt</c> (<c>gcc --version</c>), <c>python3-version.txt</c> (<c>python3 --version</c>),
/// <c>ldd-version.txt</c> (<c>ldd --version</c>) and <c>dmesg.txt</c> (<c>dmesg</c>, any time format).</item>
/// </list>
/// </summary>
internal sealed class SystemRoot
{
    /// <summary>Text kernel-log families in order of preference: kern.log holds only kernel lines.</summary>
    internal static readonly string[] TextLogFamilies = { "kern.log", "syslog", "messages" };

    public SystemRoot(string root) => Root = System.IO.Path.GetFullPath(root);

    public static SystemRoot Live { get; } = new("/");

    public string Root { get; }

    public bool IsLive => Root == "/";

    public string PathOf(string relative) => System.IO.Path.Combine(Root, relative.TrimStart('/'));

    public string ComputerName
    {
        get
        {
            if (IsLive)
            {
                return Environment.MachineName;
            }
            var name = ReadFirstLine("etc/hostname");
            return string.IsNullOrWhiteSpace(name) ? System.IO.Path.GetFileName(Root.TrimEnd('/')) : name.Trim();
        }
    }

    /// <summary>The zone stamps without one are in: the machine's, or the captured tree's where it names one.</summary>
    public TimeZoneInfo TimeZone
    {
        get
        {
            if (IsLive)
            {
                return TimeZoneInfo.Local;
            }
            var id = ReadFirstLine("etc/timezone")?.Trim();
            if (string.IsNullOrEmpty(id))
            {
                try
                {
                    var target = new FileInfo(PathOf("etc/localtime")).LinkTarget;
                    var at = target?.IndexOf("zoneinfo/", StringComparison.Ordinal) ?? -1;
                    id = at >= 0 ? target![(at + "zoneinfo/".Length)..] : null;
                }
                catch (IOException)
                {
                }
            }
            if (!string.IsNullOrEmpty(id))
            {
                try
                {
                    return TimeZoneInfo.FindSystemTimeZoneById(id);
                }
                catch (TimeZoneNotFoundException)
                {
                }
                catch (InvalidTimeZoneException)
                {
                }
            }
            return TimeZoneInfo.Local;
        }
    }

    public string? ReadFirstLine(string relative)
    {
        try
        {
            using var reader = new StreamReader(PathOf(relative));
            return reader.ReadLine();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The text kernel logs of the first family present (kern.log, else syslog, else messages),
    /// since rsyslog writes the same kernel lines to several of them.
    /// </summary>
    public IReadOnlyList<string> KernelTextLogs()
    {
        var dir = PathOf("var/log");
        if (!Directory.Exists(dir))
        {
            return Array.Empty<string>();
        }
        foreach (var family in TextLogFamilies)
        {
            var files = Directory.EnumerateFiles(dir, family + "*")
                .Where(f => IsFamilyMember(System.IO.Path.GetFileName(f), family))
                .OrderBy(f => f, StringComparer.Ordinal)
                .ToList();
            if (files.Count > 0)
            {
                return files;
            }
        }
        return Array.Empty<string>();
    }

    private static bool IsFamilyMember(string name, string family)
    {
        // kern.log, kern.log.1, kern.log.2.gz, kern.log-20250104(.gz); not kern.log.bak-notes.txt.
        var rest = name[family.Length..];
        if (rest.Length == 0)
        {
            return true;
        }
        if (rest[0] is not ('.' or '-'))
        {
            return false;
        }
        rest = rest[1..];
        if (rest.EndsWith(".gz", StringComparison.Ordinal))
        {
            rest = rest[..^3];
        }
        return rest.Length > 0 && rest.All(char.IsAsciiDigit);
    }

    /// <summary>
    /// The binary journal files of a captured tree (var/log/journal and run/log/journal, machine-id
    /// folders or not; archived "*.journal~" too), for journalctl --file.
    /// </summary>
    public IReadOnlyList<string> JournalFiles()
    {
        var files = new List<string>();
        foreach (var rel in new[] { "var/log/journal", "run/log/journal" })
        {
            var dir = PathOf(rel);
            if (Directory.Exists(dir))
            {
                files.AddRange(Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
                    .Where(f => f.EndsWith(".journal", StringComparison.Ordinal) || f.EndsWith(".journal~", StringComparison.Ordinal)));
            }
        }
        files.Sort(StringComparer.Ordinal);
        return files;
    }
}
