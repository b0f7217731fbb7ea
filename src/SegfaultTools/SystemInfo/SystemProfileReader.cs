using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;

namespace SegfaultTools;

/// <summary>
/// Collects a <see cref="SystemProfile"/> from the live machine or a captured tree. Every read is
/// through <see cref="SystemRoot"/>; every program through <see cref="IProgramOutputs"/> (with a time
/// limit live, from &lt;root&gt;/.segfaulttools/ for a tree). Nothing here throws for a missing fact:
/// the property stays null and a note says why.
/// </summary>
internal sealed class SystemProfileReader
{
    /// <summary>How long the kernel ring buffer is read for the boot's microcode lines.</summary>
    internal static readonly TimeSpan KernelLogBudget = TimeSpan.FromSeconds(3);

    private readonly SystemRoot _root;
    private readonly IProgramOutputs _programs;
    private readonly List<string> _notes = new();

    public SystemProfileReader(SystemRoot root, IProgramOutputs programs)
    {
        _root = root;
        _programs = programs;
    }

    /// <summary>/dev/kmsg for the live machine (tests point it elsewhere).</summary>
    internal string KmsgPath { get; init; } = KmsgReader.DevicePath;

    /// <summary>The live CPUID source for the hybrid map (tests pass a fake).</summary>
    internal ICpuIdSource? CpuId { get; init; }

    /// <summary>Where the GPU summary comes from: Get-GpuDriverInfo's sources; null leaves it empty.</summary>
    internal IGpuTools? GpuTools { get; init; }

    public static SystemProfile ReadLive(CancellationToken cancel) =>
        new SystemProfileReader(SystemRoot.Live, new LivePrograms(TimeSpan.FromSeconds(5), cancel))
        {
            GpuTools = new LiveGpuTools(TimeSpan.FromSeconds(10), cancel),
        }.Read();

    public static SystemProfile ReadCaptured(SystemRoot root) =>
        new SystemProfileReader(root, new CapturedPrograms(root)) { GpuTools = new CapturedGpuTools(root) }.Read();

    public SystemProfile Read()
    {
        var cpuinfo = TopologyReader.ReadCpuInfo(_root);
        if (cpuinfo.Count == 0)
        {
            Note($"{Display("proc/cpuinfo")} could not be read: no CPU facts.");
        }
        var cpu = CpuIdentity.From(cpuinfo);
        if (cpu.MicrocodeVariants.Count > 1)
        {
            Note($"The CPUs run different microcode revisions ({string.Join(", ", cpu.MicrocodeVariants)}): an update reached only some of them (a late load, or a CPU offline during it). Microcode is the first CPU's.");
        }
        else if (cpuinfo.Count > 0 && cpu.Microcode is null && cpu.Vendor is "GenuineIntel" or "AuthenticAMD")
        {
            Note($"{Display("proc/cpuinfo")} has no microcode line.");
        }

        var (source, biosRevision) = ReadMicrocodeSource(cpu);
        var topology = ReadTopology(cpu);
        var (memTotal, swapTotal) = ReadMemInfo();
        var os = ReadOsRelease();
        var gpu = ReadGpu();

        var release = ReadText("proc/sys/kernel/osrelease");
        var version = ReadText("proc/sys/kernel/version");
        if (release is null || version is null)
        {
            Note($"{Display("proc/sys/kernel/osrelease")} or {Display("proc/sys/kernel/version")} could not be read.");
        }
        var procVersion = ReadText("proc/version");
        var config = ReadKernelConfig(release);
        var model = KernelFacts.PreemptionModel(version, config);
        if (model is null && version is not null)
        {
            Note("The kernel version carries no PREEMPT tag and no kernel config was found: the preemption model is none or voluntary, which only the config tells apart.");
        }
        var active = ReadActivePreemption(model, config);
        var flavor = KernelFacts.Flavor(release, version);
        if (flavor is null && release is not null)
        {
            Note($"No known flavour suffix (zen, lts, rt, generic, ...) in the kernel release '{release}'.");
        }
        long? tainted = long.TryParse(ReadText("proc/sys/kernel/tainted"), NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : null;
        var taint = tainted is long mask ? KernelFacts.DecodeTaint(mask) : default;
        if (tainted is null)
        {
            Note($"{Display("proc/sys/kernel/tainted")} could not be read.");
        }

        var (libstdcxx, libPath) = ReadLibstdcxx();
        // The object initializer runs in order: the readers below add their notes before Notes is taken.
        var profile = new SystemProfile
        {
            ComputerName = _root.ComputerName,
            CpuModel = cpu.ModelName,
            CpuVendor = cpu.Vendor,
            CpuFamily = cpu.Family,
            CpuModelNumber = cpu.Model,
            CpuStepping = cpu.Stepping,
            CpuSignature = cpu.Signature,
            Microcode = cpu.Microcode,
            MicrocodeRevision = cpu.MicrocodeRevision,
            MicrocodeSource = source,
            BiosMicrocode = biosRevision is long b ? CpuIdentity.FormatRevision(b) : null,
            BiosVendor = ReadDmi("bios_vendor"),
            BiosVersion = ReadDmi("bios_version"),
            BiosDate = ReadDmi("bios_date"),
            Sockets = topology.Sockets,
            PhysicalCores = topology.PhysicalCores,
            LogicalCpus = topology.LogicalCpus,
            IsHybrid = topology.IsHybrid,
            PerformanceCores = topology.PerformanceCores,
            EfficiencyCores = topology.EfficiencyCores,
            MaxFrequencyMHz = topology.MaxFrequencyMHz,
            Virtualization = cpu.HasVmx ? "VT-x" : cpu.HasSvm ? "AMD-V" : null,
            IsVirtualMachine = cpu.HasHypervisorFlag,
            IsRaptorLakeAffected = RaptorLakeRules.IsAffected(cpu),
            MicrocodeHasVminFix = RaptorLakeRules.HasVminFix(cpu),
            RaptorLakeAdvice = RaptorLakeRules.Advice(cpu, source, biosRevision),
            MemoryTotal = memTotal,
            SwapTotal = swapTotal,
            EccMemory = ReadEcc(),
            Distribution = os.GetValueOrDefault("PRETTY_NAME") ?? os.GetValueOrDefault("NAME"),
            DistributionId = os.GetValueOrDefault("ID"),
            DistributionVersion = os.GetValueOrDefault("VERSION_ID") ?? os.GetValueOrDefault("BUILD_ID"),
            KernelRelease = release,
            KernelVersion = version,
            KernelBuildDate = KernelFacts.BuildDate(version),
            KernelCompiler = KernelFacts.Compiler(procVersion),
            KernelFlavor = flavor,
            PreemptionModel = model,
            ActivePreemption = active,
            KernelTainted = tainted,
            KernelTaintFlags = tainted is null ? null : taint.Letters,
            KernelTaint = tainted is null ? null : taint.Text,
            GlibcVersion = ReadGlibc(),
            GccVersion = ReadVersion(ProgramCapture.Gcc, Toolchain.GccVersion, "gcc"),
            PythonVersion = ReadVersion(ProgramCapture.Python, Toolchain.PythonVersion, "python3"),
            LibstdcxxVersion = libstdcxx,
            LibstdcxxPath = libPath,
            GpuName = gpu?.Name,
            GpuMemoryMiB = gpu?.MemoryTotalMiB,
            GpuDriverVersion = gpu?.DriverVersion,
            CudaVersion = gpu?.CudaDriverVersion,
            Notes = _notes.ToArray(),
        };
        return profile;
    }

    private void Note(string text) => _notes.Add(text);

    /// <summary>
    /// The GPU summary: Get-GpuDriverInfo's first record with a name, NVIDIA's first (the seed's
    /// machine has its display on the iGPU and its work on the NVIDIA card).
    /// </summary>
    private GpuDriverInfo? ReadGpu()
    {
        if (GpuTools is null)
        {
            Note("GPU: not read (no GPU source given), so GpuName, GpuMemoryMiB, GpuDriverVersion and CudaVersion are empty.");
            return null;
        }
        var reader = new GpuDriverReader(_root, GpuTools);
        var records = reader.Read();
        foreach (var warning in reader.Warnings)
        {
            Note("GPU: " + warning);
        }
        var gpu = records.Where(r => r.Name is not null).OrderBy(r => r.Vendor == "NVIDIA" ? 0 : 1).FirstOrDefault() ?? records.FirstOrDefault();
        if (gpu is null)
        {
            Note("GPU: none found (no NVIDIA driver, and no GPU in /sys/class/drm).");
        }
        return gpu;
    }

    /// <summary>A path as the user knows it: "/proc/cpuinfo" live, the full path in a captured tree.</summary>
    private string Display(string relative) => _root.IsLive ? "/" + relative : _root.PathOf(relative);

    private string? ReadText(string relative)
    {
        try
        {
            var text = File.ReadAllText(_root.PathOf(relative)).Trim();
            return text.Length == 0 ? null : text;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // ----- DMI -----

    private bool _dmiNoted;

    private string? ReadDmi(string name)
    {
        var value = ReadText("sys/class/dmi/id/" + name);
        if (value is null && !_dmiNoted)
        {
            _dmiNoted = true;
            Note(Directory.Exists(_root.PathOf("sys/class/dmi/id"))
                ? $"{Display("sys/class/dmi/id/" + name)} is missing or unreadable: the firmware did not fill that DMI field."
                : $"There is no {Display("sys/class/dmi/id")}: no DMI/SMBIOS tables (a virtual machine without them, a non-x86 board, or a tree captured without them), so the BIOS version is unknown.");
        }
        return value;
    }

    // ----- topology -----

    private sealed record Topology(int? Sockets, int? PhysicalCores, int? LogicalCpus, bool IsHybrid, int? PerformanceCores, int? EfficiencyCores, int? MaxFrequencyMHz);

    private Topology ReadTopology(CpuIdentity cpu)
    {
        if (!TopologyReader.HasCpuDirectory(_root))
        {
            Note($"There is no {Display(TopologyReader.CpuDir)}: core counts come from /proc/cpuinfo, without core types or frequencies.");
            return new Topology(cpu.Sockets, cpu.PhysicalCores, cpu.LogicalCpus > 0 ? cpu.LogicalCpus : null, false, null, null, null);
        }
        var map = HybridCoreMap.Build(_root, CpuId);
        var online = map.Where(c => c.IsOnline).ToList();
        // A physical core is the set of its SMT siblings; where sysfs lacks them, socket, die and core_id.
        string CoreKey(CpuCoreInfo c) => c.ThreadSiblingList ?? $"{c.Socket}/{c.Die}/{c.CoreId}/{(c.CoreId is null ? c.Cpu : -1)}";
        int Cores(Func<CpuCoreInfo, bool> which) => online.Where(which).Select(CoreKey).Distinct(StringComparer.Ordinal).Count();

        bool hybrid = map.Any(c => c.CoreType is CoreType.Performance or CoreType.Efficiency or CoreType.LowPowerEfficiency);
        if (map.Count > online.Count)
        {
            Note($"{map.Count - online.Count} of {map.Count} logical CPUs are offline: core counts cover the online ones.");
        }
        if (online.Any(c => c.CoreType == CoreType.Unknown))
        {
            Note("Some online CPUs could not be classified as P- or E-cores (Get-HybridCoreMap's Evidence says why).");
        }
        var sockets = online.Select(c => c.Socket).OfType<int>().Distinct().Count();
        var maxFreq = map.Select(c => c.MaxFrequencyMHz).Max();
        if (maxFreq is null)
        {
            Note("No cpufreq cpuinfo_max_freq: the maximum frequency is unknown (no cpufreq driver, as in most virtual machines).");
        }
        return new Topology(
            sockets > 0 ? sockets : cpu.Sockets,
            online.Count > 0 ? Cores(_ => true) : cpu.PhysicalCores,
            map.Count,
            hybrid,
            hybrid ? Cores(c => c.CoreType == CoreType.Performance) : null,
            hybrid ? Cores(c => c.CoreType is CoreType.Efficiency or CoreType.LowPowerEfficiency) : null,
            maxFreq);
    }

    // ----- memory -----

    private (long? Total, long? Swap) ReadMemInfo()
    {
        long? total = null, swap = null;
        try
        {
            foreach (var line in File.ReadLines(_root.PathOf("proc/meminfo")))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length < 2 || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var v))
                {
                    continue;
                }
                long bytes = parts.Length > 2 && parts[2] == "kB" ? v * 1024 : v;
                if (parts[0] == "MemTotal:")
                {
                    total = bytes;
                }
                else if (parts[0] == "SwapTotal:")
                {
                    swap = bytes;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Note($"{Display("proc/meminfo")} could not be read: {ex.Message}");
        }
        return (total, swap);
    }

    private bool? ReadEcc()
    {
        var dir = _root.PathOf("sys/devices/system/edac/mc");
        var controllers = Directory.Exists(dir) ? Directory.GetDirectories(dir, "mc*") : Array.Empty<string>();
        if (controllers.Length == 0)
        {
            Note("No EDAC memory controller is registered: whether the memory has ECC is unknown, and memory errors are not observable from Linux (usual on desktop boards with non-ECC memory).");
            return null;
        }
        var modes = controllers
            .SelectMany(mc => Directory.GetDirectories(mc, "dimm*").Concat(Directory.GetDirectories(mc, "rank*")))
            .Select(d => ReadFile(Path.Combine(d, "dimm_edac_mode")))
            .OfType<string>().ToList();
        // An EDAC driver registers a controller only where ECC is on; the per-DIMM mode can still say None.
        return modes.Count == 0 || modes.Any(m => m is not ("None" or "Unknown"));
    }

    private static string? ReadFile(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // ----- OS -----

    private Dictionary<string, string> ReadOsRelease()
    {
        foreach (var rel in new[] { "etc/os-release", "usr/lib/os-release" })
        {
            var path = _root.PathOf(rel);
            if (File.Exists(path))
            {
                try
                {
                    return ParseOsRelease(File.ReadAllLines(path));
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    Note($"{Display(rel)} could not be read: {ex.Message}");
                }
            }
        }
        Note($"Neither {Display("etc/os-release")} nor {Display("usr/lib/os-release")} exists: the distribution is unknown.");
        return new Dictionary<string, string>();
    }

    /// <summary>os-release(5): KEY=value lines, values optionally in single or double quotes with backslash escapes.</summary>
    internal static Dictionary<string, string> ParseOsRelease(IEnumerable<string> lines)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (line.StartsWith('#') || eq <= 0)
            {
                continue;
            }
            var value = line[(eq + 1)..].Trim();
            if (value.Length >= 2 && (value[0] is '"' or '\'') && value[^1] == value[0])
            {
                value = value[1..^1];
                if (raw.Contains('\\'))
                {
                    value = value.Replace("\\\"", "\"").Replace("\\$", "$").Replace("\\`", "`").Replace("\\\\", "\\");
                }
            }
            result[line[..eq]] = value;
        }
        return result;
    }

    // ----- kernel -----

    private Dictionary<string, string>? ReadKernelConfig(string? release)
    {
        var candidates = new List<string> { "proc/config.gz" };
        if (release is not null)
        {
            candidates.Add($"boot/config-{release}");
            candidates.Add($"usr/lib/modules/{release}/build/.config");
            candidates.Add($"lib/modules/{release}/build/.config");
        }
        foreach (var rel in candidates)
        {
            var path = _root.PathOf(rel);
            if (File.Exists(path) && KernelFacts.ReadConfig(path) is { Count: > 0 } config)
            {
                return config;
            }
        }
        return null;
    }

    private string? ReadActivePreemption(string? model, IReadOnlyDictionary<string, string>? config)
    {
        switch (model)
        {
            case null:
                return null;
            case "dynamic":
                break;
            default:
                return model; // fixed at build time
        }
        var debugfs = "sys/kernel/debug/sched/preempt";
        string? text = null;
        try
        {
            text = File.ReadAllText(_root.PathOf(debugfs));
        }
        catch (UnauthorizedAccessException)
        {
            Note($"{Display(debugfs)} is readable by root only.");
        }
        catch (IOException)
        {
        }
        if (KernelFacts.ActiveFromDebugfs(text) is { } fromDebugfs)
        {
            return fromDebugfs;
        }
        if (KernelFacts.PreemptParameter(ReadText("proc/cmdline")) is { } fromCmdline)
        {
            Note($"Active preemption mode from the preempt={fromCmdline} boot parameter ({Display(debugfs)} not readable; a later change through debugfs would not show).");
            return fromCmdline;
        }
        if (KernelFacts.ConfigDefault(config) is { } fromConfig)
        {
            Note($"Active preemption mode inferred from the kernel config's default ({fromConfig}): no preempt= boot parameter, and {Display(debugfs)} not readable.");
            return fromConfig;
        }
        Note($"PREEMPT_DYNAMIC kernel: the active mode is not known ({Display(debugfs)} not readable, no preempt= boot parameter, no kernel config).");
        return null;
    }

    // ----- microcode -----

    private (MicrocodeSource Source, long? BiosRevision) ReadMicrocodeSource(CpuIdentity cpu)
    {
        var log = new MicrocodeLog();
        string? problem = _root.IsLive ? ReadLiveKernelLog(log) : ReadCapturedKernelLog(log);
        var (source, bios) = log.Decide(cpu.MicrocodeRevision);
        if (cpu.HasHypervisorFlag && source is MicrocodeSource.Bios or MicrocodeSource.Unknown)
        {
            Note("A virtual machine: its microcode revision is whatever the hypervisor reports, and the host's BIOS decides the real one.");
            return (MicrocodeSource.Hypervisor, null);
        }
        if (problem is not null)
        {
            Note(problem);
        }
        else if (source == MicrocodeSource.Unknown)
        {
            Note("The kernel log read no longer holds this boot's first lines, where the kernel says whether it updated the microcode: MicrocodeSource is unknown.");
        }
        else if (source == MicrocodeSource.EarlyUpdate && bios is null)
        {
            Note("The kernel's early-update line (an older kernel's format) does not name the revision the BIOS had.");
        }
        return (source, bios);
    }

    /// <summary>/dev/kmsg, else `dmesg --raw`; returns why neither could be read.</summary>
    private string? ReadLiveKernelLog(MicrocodeLog log)
    {
        var framer = new LineFramer(new LogReadContext { Source = "kernel" });
        var clock = Stopwatch.StartNew();
        KmsgReader? kmsg = null;
        string? kmsgProblem = null;
        try
        {
            kmsg = KmsgReader.Open(KmsgPath);
        }
        catch (Exception ex) when (ex is KernelLogAccessException or IOException)
        {
            kmsgProblem = ex.Message;
        }
        if (kmsg is not null)
        {
            using (kmsg)
            {
                try
                {
                    string? record;
                    while (clock.Elapsed < KernelLogBudget && (record = kmsg.ReadRecord()) is not null)
                    {
                        if (framer.TryFrame(record, out var framed))
                        {
                            log.Feed(framed.Message);
                        }
                    }
                    return null;
                }
                catch (Exception ex) when (ex is KernelLogAccessException or IOException)
                {
                    kmsgProblem = ex.Message;
                }
            }
        }
        var lines = _programs.Read(ProgramCapture.Dmesg, out var dmesgProblem);
        if (lines is null)
        {
            return $"The kernel log could not be read, so where the microcode came from is unknown: {kmsgProblem} {dmesgProblem}".TrimEnd();
        }
        FeedAll(log, lines, framer);
        return null;
    }

    /// <summary>.segfaulttools/dmesg.txt, else var/log/kern.log* (oldest first, so the last boot wins).</summary>
    private string? ReadCapturedKernelLog(MicrocodeLog log)
    {
        var lines = _programs.Read(ProgramCapture.Dmesg, out var dmesgProblem);
        if (lines is not null)
        {
            FeedAll(log, lines, new LineFramer(new LogReadContext { TimeZone = _root.TimeZone }));
            return null;
        }
        var files = _root.KernelTextLogs();
        if (files.Count == 0)
        {
            return $"{dmesgProblem} Nor are there text kernel logs under {Display("var/log")} (kern.log, syslog, messages), so where the microcode came from is unknown.";
        }
        foreach (var file in files.OrderBy(RotationOrder))
        {
            try
            {
                using var stream = File.OpenRead(file);
                using var reader = new StreamReader(file.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(stream, CompressionMode.Decompress) : stream);
                var framer = new LineFramer(new LogReadContext { TimeZone = _root.TimeZone, ReferenceTime = File.GetLastWriteTime(file) });
                string? line;
                while ((line = reader.ReadLine()) is not null)
                {
                    if (framer.TryFrame(line, out var framed) && framed.IsKernel)
                    {
                        log.Feed(framed.Message);
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                Note($"{file} could not be read: {ex.Message}");
            }
        }
        return null;
    }

    /// <summary>Oldest first: kern.log.N by falling N, then dated kern.log-YYYYMMDD by date, then kern.log itself.</summary>
    private static (int Group, long Value) RotationOrder(string file)
    {
        var name = Path.GetFileName(file);
        if (name.EndsWith(".gz", StringComparison.Ordinal))
        {
            name = name[..^3];
        }
        var cut = name.LastIndexOfAny(new[] { '.', '-' });
        var suffix = cut >= 0 ? name[(cut + 1)..] : "";
        if (!long.TryParse(suffix, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return (2, 0);
        }
        return name[cut] == '-' || suffix.Length >= 8 ? (1, n) : (0, -n);
    }

    private static void FeedAll(MicrocodeLog log, IEnumerable<string> lines, LineFramer framer)
    {
        foreach (var line in lines)
        {
            if (framer.TryFrame(line, out var framed) && framed.IsKernel)
            {
                log.Feed(framed.Message);
            }
        }
    }

    // ----- toolchain -----

    private string? ReadGlibc()
    {
        if (_root.IsLive)
        {
            var v = Toolchain.LiveGlibcVersion(out var problem);
            if (v is null)
            {
                Note($"glibc version: {problem}");
            }
            return v;
        }
        var lines = _programs.Read(ProgramCapture.Ldd, out var captureProblem);
        var version = lines is null ? null : Toolchain.GlibcFromLdd(lines);
        if (version is null)
        {
            Note("glibc version: " + (captureProblem ?? $"the captured {CapturedPrograms.Folder}/{ProgramCapture.Ldd.FileName} does not start with an `ldd --version` line."));
        }
        return version;
    }

    private string? ReadVersion(ProgramCapture capture, Func<IReadOnlyList<string>, string?> parse, string what)
    {
        var lines = _programs.Read(capture, out var problem);
        if (lines is null)
        {
            Note($"{what} version: {problem}");
            return null;
        }
        var version = parse(lines);
        if (version is null)
        {
            Note($"{what} version: `{capture.Display}` printed no version line ({lines.FirstOrDefault()?.Trim() ?? "nothing"}).");
        }
        return version;
    }

    private (string? Version, string? Path) ReadLibstdcxx()
    {
        var candidates = new List<string>();
        var ldconfig = _programs.Read(ProgramCapture.Ldconfig, out var ldconfigProblem);
        if (ldconfig is not null)
        {
            candidates.AddRange(Toolchain.LibstdcxxFromLdconfig(ldconfig));
        }
        if (candidates.Count == 0)
        {
            candidates.AddRange(Toolchain.StandardLibstdcxxPaths.Select(p => "/" + p));
        }
        foreach (var candidate in candidates)
        {
            var file = Toolchain.ResolveInRoot(_root, candidate);
            if (file is null)
            {
                continue;
            }
            try
            {
                var names = Toolchain.GlibcxxVersions(file, out var fromElf);
                var newest = Toolchain.Newest(names);
                if (newest is null)
                {
                    continue;
                }
                if (!fromElf)
                {
                    Note($"{Toolchain.MachinePath(_root, file)} has no ELF version-definition section this module can read: the GLIBCXX versions come from a scan of its bytes.");
                }
                return (newest, Toolchain.MachinePath(_root, file));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Note($"{Toolchain.MachinePath(_root, file)} could not be read: {ex.Message}");
            }
        }
        var why = ldconfig is null ? $" ({ldconfigProblem})" : "";
        Note($"libstdc++: no libstdc++.so.6 with GLIBCXX versions was found through ldconfig's cache{why} or in the standard library folders.");
        return (null, null);
    }
}
