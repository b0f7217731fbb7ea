using System.Globalization;

namespace SegfaultTools;

/// <summary>
/// Weighs each machine's evidence into ranked findings. Deterministic: the rules run in a fixed
/// order, each adds signed weights with the fact behind them, and ties break by cause order.
/// </summary>
internal static class DiagnosisEngine
{
    public static List<SegfaultFinding> Diagnose(IReadOnlyList<MachineEvidence> machines)
    {
        var shared = SharedSignatures(machines);
        var findings = new List<SegfaultFinding>();
        foreach (var m in machines.OrderBy(m => m.ComputerName, StringComparer.Ordinal))
        {
            findings.AddRange(Diagnose(m, shared));
        }
        return findings;
    }

    public static List<SegfaultFinding> Diagnose(MachineEvidence m, IReadOnlyDictionary<(string Module, ulong Offset), int>? sharedSignatures = null)
    {
        var s = new Scoreboard();
        CrashPatternRules.Spread(m, s);
        CrashPatternRules.NullPointers(m, s);
        CrashPatternRules.Placement(m, s);
        CpuRules.Model(m, s);
        CpuRules.CodeBytes(m, s);
        CpuRules.Stability(m, s);
        HardwareRules.Apply(m, s);
        GpuRules.Apply(m, s);
        ChangeHistoryRules.Apply(m, s);
        Fleet(m, sharedSignatures, s);
        Advice(s);

        var ranked = s.Touched
            .Select(t => (t.Cause, t.Score, Confidence: Scoreboard.Confidence(t.Score.Score)))
            .OrderByDescending(t => t.Score.Score).ThenBy(t => t.Cause)
            .ToList();
        var findings = new List<SegfaultFinding>();
        var best = ranked.Count > 0 ? ranked[0].Confidence : 0;
        if (best < 0.45 || ranked.Count == 0)
        {
            findings.Add(Inconclusive(m, best));
        }
        bool first = true;
        foreach (var (cause, score, confidence) in ranked)
        {
            var leads = first && findings.Count == 0;
            first = false;
            findings.Add(new SegfaultFinding
            {
                ComputerName = m.ComputerName,
                Cause = cause,
                Confidence = confidence,
                Level = Scoreboard.LevelOf(confidence),
                Score = Math.Round(score.Score, 2),
                Summary = Summary(cause, score, leads),
                Evidence = new EvidenceList(score.For),
                AgainstIt = new EvidenceList(score.Against),
                NextTest = score.NextTest,
                Recommendation = score.Recommendation,
            });
        }
        // When nothing reached Medium, Inconclusive leads: a Low guess is not presented as the answer.
        findings.AddRange(Gaps(m));
        return findings.Select((f, i) => Ranked(f, i + 1)).ToList();
    }

    private static SegfaultFinding Ranked(SegfaultFinding f, int rank) => new()
    {
        ComputerName = f.ComputerName, Rank = rank, Cause = f.Cause, Confidence = f.Confidence, Level = f.Level, Summary = f.Summary,
        Evidence = f.Evidence, AgainstIt = f.AgainstIt, NextTest = f.NextTest, Recommendation = f.Recommendation, Score = f.Score,
    };

    /// <summary>(module, offset) signatures that crashed on two or more machines.</summary>
    private static Dictionary<(string Module, ulong Offset), int> SharedSignatures(IReadOnlyList<MachineEvidence> machines)
    {
        var count = new Dictionary<(string, ulong), int>();
        if (machines.Count < 2)
        {
            return count;
        }
        foreach (var m in machines)
        {
            foreach (var key in m.Signatures.Keys)
            {
                count[key] = count.GetValueOrDefault(key) + 1;
            }
        }
        return count.Where(kv => kv.Value >= 2).ToDictionary(kv => kv.Key, kv => kv.Value);
    }

    private static void Fleet(MachineEvidence m, IReadOnlyDictionary<(string Module, ulong Offset), int>? shared, Scoreboard s)
    {
        if (shared is null || shared.Count == 0)
        {
            return;
        }
        // A signature that crashed only once here may share its offset with another machine by
        // chance (a hot function in a common library); a repeated one is the same bug.
        var mine = m.Signatures.Where(kv => kv.Value >= 2 && shared.ContainsKey(kv.Key)).OrderByDescending(kv => kv.Value).ToList();
        if (mine.Count == 0)
        {
            return;
        }
        long crashes = mine.Sum(kv => kv.Value);
        var top = mine[0].Key;
        var text = $"{crashes} of this machine's crashes are at instructions that also crashed on other machines ({top.Module}+0x{top.Offset:x} on {shared[top]} machines): the same code failing the same way elsewhere is a software or driver bug, not this machine's hardware";
        var gpu = ModuleNames.IsGpuDriver(top.Module);
        s.Add(gpu ? DiagnosisCause.GpuDriver : DiagnosisCause.LibraryBug, crashes * 2 >= m.Crashes ? 1.5 : 0.7, text);
        s.Add(DiagnosisCause.CpuInstability, crashes * 2 >= m.Crashes ? -1.0 : -0.4, text);
        s.Add(DiagnosisCause.DefectiveCore, crashes * 2 >= m.Crashes ? -1.0 : -0.4, text);
    }

    /// <summary>The default next test and advice of causes no rule advised on.</summary>
    private static void Advice(Scoreboard s)
    {
        s.Advise(DiagnosisCause.CpuInstability, "Test-CpuStability -Duration 00:30:00",
            "Return the CPU to stock settings; on an affected Raptor Lake part update the BIOS (microcode 0x12B or later) and, if crashes continue, seek a replacement.");
        s.Advise(DiagnosisCause.DefectiveCore, "Test-CpuStability -Mode Cycle -Duration 00:30:00", "Confirm the core with a pinned test; a confirmed bad core is a replacement.");
        s.Advise(DiagnosisCause.MemoryInstability, "memtest86+ for several passes (boot it from the distribution's package)",
            "Return RAM to JEDEC speed (disable XMP/EXPO) and retest; replace a DIMM that fails alone.");
        s.Advise(DiagnosisCause.LibraryBug, "coredumpctl gdb <pid> on the next crash, then bt: the faulting function names the bug",
            "Look for the library's bug reports at the crashing version; try the previous or next release.");
        s.Advise(DiagnosisCause.ApplicationBug, "run the program under gdb or with its debug build and reproduce",
            "Report the crash to the program's maintainers with the kernel line and a core dump.");
        s.Advise(DiagnosisCause.KernelRegression, "boot the previous kernel (or the distribution's LTS kernel) and compare",
            "Stay on the last good kernel and report the regression upstream.");
        s.Advise(DiagnosisCause.GpuHardwareOrPower, "Get-HardwareErrorEvent -Kind Xid, PcieAer", "Check the GPU's power delivery, seating and cooling.");
    }

    private static SegfaultFinding Inconclusive(MachineEvidence m, double best)
    {
        var facts = new List<string>
        {
            $"{m.Crashes} crash record(s), {m.Hardware.Count} hardware-error record(s), {m.Stability.Count} stability result(s) from {m.Origin}",
        };
        if (m.Crashes > 0 && m.Crashes < 3)
        {
            facts.Add("fewer than three crashes: no pattern can be told from chance");
        }
        if (m.Profile is null)
        {
            facts.Add("no system profile (CPU model, microcode)");
        }
        if (m.CoreMap is null && m.Crashes > 0)
        {
            facts.Add("no core map (which CPU is which core)");
        }
        if (m.Gpu is null && m.ByModule.Keys.Any(ModuleNames.IsGpuDriver))
        {
            facts.Add("no GPU driver facts although NVIDIA libraries crashed");
        }
        var summary = m.Crashes == 0 && m.Hardware.Count == 0 && m.Stability.Count == 0
            ? "No crash, hardware-error or stability record was found: there is nothing to diagnose yet."
            : $"The evidence does not decide between causes: the strongest reaches only {best:P0}.";
        return new SegfaultFinding
        {
            ComputerName = m.ComputerName,
            Cause = DiagnosisCause.Inconclusive,
            Confidence = Math.Round(1 - best, 3),
            Level = ConfidenceLevel.Low,
            Summary = summary,
            Evidence = new EvidenceList(facts),
            NextTest = "Test-CpuStability -Duration 00:30:00",
            Recommendation = "Collect more evidence: keep the journal persistent, let the next crashes be logged (Get-SegfaultEvent -Wait), pipe Get-SystemProfile, Get-HybridCoreMap and Get-GpuDriverInfo along with the events, and run Test-CpuStability.",
        };
    }

    private static IEnumerable<SegfaultFinding> Gaps(MachineEvidence m)
    {
        var gaps = new List<(string Problem, string Fix)>();
        foreach (var g in m.Gaps ?? Array.Empty<EvidenceGap>())
        {
            gaps.Add((g.Problem, g.Fix));
        }
        if (m.SuppressedRecords > 0)
        {
            gaps.Add(($"the kernel's rate limit dropped {m.SuppressedRecords} message(s) (\"callbacks suppressed\"): the crash counts are lower bounds",
                "Nothing to change for the count itself; core dumps (systemd-coredump) record every crash regardless of the kernel's rate limit."));
        }
        foreach (var (problem, fix) in gaps)
        {
            yield return new SegfaultFinding
            {
                ComputerName = m.ComputerName,
                Cause = DiagnosisCause.Inconclusive,
                Confidence = 0,
                Level = ConfidenceLevel.Low,
                Summary = $"Evidence gap: {problem.TrimEnd('.')}.",
                Evidence = new EvidenceList(new[] { problem }),
                Recommendation = fix,
            };
        }
    }

    private static string Summary(DiagnosisCause cause, Scoreboard.CauseScore score, bool leads)
    {
        var noun = cause switch
        {
            DiagnosisCause.CpuInstability => "CPU instability (wrong answers under load)",
            DiagnosisCause.DefectiveCore => "A defective core or core cluster",
            DiagnosisCause.MemoryInstability => "Memory corruption",
            DiagnosisCause.GpuDriver => "An NVIDIA driver bug",
            DiagnosisCause.DriverVersionMismatch => "A version mismatch between the NVIDIA kernel module and its libraries",
            DiagnosisCause.GpuHardwareOrPower => "A failing GPU, PCIe link or power supply",
            DiagnosisCause.LibraryBug => "A bug in one library",
            DiagnosisCause.ApplicationBug => "A bug in one program",
            DiagnosisCause.KernelRegression => "A kernel regression",
            _ => "Nothing",
        };
        var level = Scoreboard.LevelOf(Scoreboard.Confidence(score.Score));
        var verdict = leads && level != ConfidenceLevel.Low ? "is the likeliest cause"
            : level == ConfidenceLevel.Low ? (score.For.Count > 0 ? "is possible but weakly supported" : "is argued against")
            : "is also supported";
        // The heaviest fact, without its weight prefix.
        var strongest = score.For.OrderByDescending(Weight).FirstOrDefault() ?? score.Against.FirstOrDefault();
        var fact = strongest is null ? "" : strongest[(strongest.IndexOf(':') + 2)..];
        return fact.Length > 0 ? $"{noun} {verdict}: {Trim(fact)}." : $"{noun} {verdict}.";
    }

    private static double Weight(string line) =>
        double.TryParse(line.AsSpan(0, line.IndexOf(':')), NumberStyles.Float, CultureInfo.InvariantCulture, out var w) ? w : 0;

    private static string Trim(string text) => text.Length <= 220 ? text.TrimEnd('.') : text[..217].TrimEnd() + "...";
}
