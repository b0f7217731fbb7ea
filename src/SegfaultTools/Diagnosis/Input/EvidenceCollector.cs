namespace SegfaultTools;

/// <summary>
/// Gathers the evidence of every machine: from the live machine, a captured tree, log files, or
/// piped objects. Crash records are folded into counts as they are read, never held.
/// </summary>
internal sealed class EvidenceCollector
{
    private readonly Dictionary<string, MachineEvidence> _machines = new(StringComparer.OrdinalIgnoreCase);
    private readonly Action<ReadProblem> _problem;
    private readonly Action<string> _verbose;
    private readonly CancellationToken _cancel;

    public EvidenceCollector(Action<ReadProblem> problem, Action<string> verbose, CancellationToken cancel)
    {
        _problem = problem;
        _verbose = verbose;
        _cancel = cancel;
    }

    public DateTimeOffset? Since { get; set; }
    public DateTimeOffset? Until { get; init; }

    public IReadOnlyList<MachineEvidence> Machines => _machines.Values.OrderBy(m => m.ComputerName, StringComparer.Ordinal).ToList();

    /// <summary>Warnings for the user (a tree without a kernel log, facts that could not be read).</summary>
    public List<string> Warnings { get; } = new();

    public MachineEvidence Machine(string? name)
    {
        var key = string.IsNullOrEmpty(name) ? SystemRoot.Live.ComputerName : name;
        if (!_machines.TryGetValue(key, out var m))
        {
            _machines[key] = m = new MachineEvidence(key);
        }
        return m;
    }

    private bool InWindow(DateTimeOffset? t) => t is not { } v || ((Since is null || v >= Since) && (Until is null || v <= Until));

    /// <summary>One piped object; false when it carries nothing the diagnosis can use.</summary>
    public bool AddPiped(System.Management.Automation.PSObject input)
    {
        var (fact, computer) = PipedEvidence.Classify(input);
        switch (fact)
        {
            case CrashFact c:
                if (InWindow(c.Time))
                {
                    Machine(computer).Add(c);
                }
                return true;
            case HardwareFact h:
                if (InWindow(h.Time))
                {
                    Machine(computer).Add(h);
                }
                return true;
            case StabilityFact s:
                Machine(computer).Add(s);
                return true;
            case CoreFact core:
                var m = Machine(computer);
                m.CoreMap ??= new List<CoreFact>();
                if (!m.CoreMap.Any(x => x.Cpu == core.Cpu))
                {
                    m.CoreMap.Add(core);
                }
                return true;
            case ProfileFact p:
                Machine(computer).Profile ??= p;
                return true;
            case GpuFact g:
                Machine(computer).Gpu ??= g;
                return true;
            default:
                return false;
        }
    }

    /// <summary>This machine: its kernel log (journal or ring buffer), hardware records, and every fact.</summary>
    public void CollectLive()
    {
        var root = SystemRoot.Live;
        var m = Machine(root.ComputerName);
        m.Origin = "this machine";
        var crashes = new CrashEventReader(_problem, _verbose, _cancel);
        var hardware = new HardwareEventReader(_problem, _verbose, _cancel);
        bool journal = crashes.JournalHasKernelEntries();
        _verbose(journal ? "Reading the systemd journal's kernel messages." : "Reading the kernel ring buffer (/dev/kmsg).");
        var selector = new List<string>();
        if (Since is { } s)
        {
            selector.Add("--since");
            selector.Add(s.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture));
        }
        foreach (var e in journal
            ? crashes.ReadJournal(selector, KernelEventReader<SegfaultEvent>.LiveJournalContext(), newestFirst: false, follow: false)
            : crashes.ReadKernelRing(KernelEventReader<SegfaultEvent>.LiveKernelContext(), newestFirst: false, follow: false))
        {
            if (InWindow(e.TimeCreated))
            {
                m.Add(CrashFact.From(e));
            }
        }
        foreach (var h in journal
            ? hardware.ReadJournal(selector, KernelEventReader<HardwareErrorEvent>.LiveJournalContext(), newestFirst: false, follow: false)
            : hardware.ReadKernelRing(KernelEventReader<HardwareErrorEvent>.LiveKernelContext(), newestFirst: false, follow: false))
        {
            if (InWindow(h.TimeCreated))
            {
                m.Add(HardwareFact.From(h));
            }
        }
        m.SuppressedRecords += crashes.SuppressedRecords;
        Facts(m, root, SystemProfileReader.ReadLive(_cancel), new LiveGpuTools(cancel: _cancel));
    }

    /// <summary>A captured tree: its var/log and its facts, all as one machine (the tree's).</summary>
    public void CollectRoot(SystemRoot root)
    {
        var m = Machine(root.ComputerName);
        m.Origin = $"the captured tree {root.Root}";
        var crashes = new CrashEventReader(_problem, _verbose, _cancel);
        var hardware = new HardwareEventReader(_problem, _verbose, _cancel);
        var events = crashes.ReadRoot(root, newestFirst: false, s => s);
        if (events is null)
        {
            Warnings.Add($"No kernel log was found under '{root.PathOf("var/log")}' (kern.log*, syslog*, messages* or journal/); only the tree's facts were weighed.");
        }
        else
        {
            foreach (var e in events)
            {
                if (InWindow(e.TimeCreated))
                {
                    m.Add(CrashFact.From(e));
                }
            }
            foreach (var h in hardware.ReadRoot(root, newestFirst: false, s => s) ?? Array.Empty<HardwareErrorEvent>())
            {
                if (InWindow(h.TimeCreated))
                {
                    m.Add(HardwareFact.From(h));
                }
            }
        }
        m.SuppressedRecords += crashes.SuppressedRecords;
        Facts(m, root, SystemProfileReader.ReadCaptured(root), new CapturedGpuTools(root));
    }

    /// <summary>Log files: one machine per host named in them; no host facts (those come from a tree or piped objects).</summary>
    public void CollectFiles(IReadOnlyList<string> files)
    {
        var crashes = new CrashEventReader(_problem, _verbose, _cancel);
        var hardware = new HardwareEventReader(_problem, _verbose, _cancel);
        var here = SystemRoot.Live;
        foreach (var e in crashes.ReadFiles(files, here, newestFirst: false, s => s))
        {
            if (InWindow(e.TimeCreated))
            {
                var m = Machine(e.ComputerName);
                m.Origin = "log files";
                m.Add(CrashFact.From(e));
            }
        }
        foreach (var h in hardware.ReadFiles(files, here, newestFirst: false, s => s))
        {
            if (InWindow(h.TimeCreated))
            {
                Machine(h.ComputerName).Add(HardwareFact.From(h));
            }
        }
        if (_machines.Count == 1)
        {
            _machines.Values.First().SuppressedRecords += crashes.SuppressedRecords;
        }
    }

    private void Facts(MachineEvidence m, SystemRoot root, SystemProfile profile, IGpuTools tools)
    {
        m.Files = root;
        try
        {
            m.CoreMap = HybridCoreMap.Build(root).Select(CoreFact.From).ToList();
            if (m.CoreMap.Count == 0)
            {
                m.CoreMap = null;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Warnings.Add($"The core map of {m.ComputerName} could not be read: {e.Message}");
        }
        m.Profile = ProfileFact.From(profile);
        var gpu = new GpuDriverReader(root, tools);
        var nvidia = gpu.Read().FirstOrDefault(g => g.Vendor.Contains("NVIDIA", StringComparison.OrdinalIgnoreCase) || g.DriverVersion is not null);
        if (nvidia is not null)
        {
            m.Gpu = GpuFact.From(nvidia);
        }
        m.Packages = PackageHistoryReader.Read(root);
        m.Gaps = EvidenceGapReader.Read(root);
    }
}
