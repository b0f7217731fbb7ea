namespace SegfaultTools;

/// <summary>The CPU itself: its model and microcode, the code bytes it executed, and what Test-CpuStability found.</summary>
internal static class CpuRules
{
    public static void Model(MachineEvidence m, Scoreboard s)
    {
        const string update = "Update the BIOS to one that carries microcode 0x12B or later (0x12F or newer preferred) and use Intel Default Settings; microcode stops further degradation but does not repair a part that already degraded, so crashes that continue afterwards mean a replacement (Intel's extended warranty covers these parts).";
        if (m.Profile is not { } p)
        {
            if (m.Crashes > 0)
            {
                s.Note(DiagnosisCause.CpuInstability, "no system profile (Get-SystemProfile): the CPU model and microcode were not weighed");
            }
            return;
        }
        // The model makes crashes more likely to be the CPU's; it is no evidence when nothing failed.
        bool somethingFailed = m.Crashes > 0 || m.Stability.Any(r => r.Failed) || m.Hardware.Count > 0;
        if (p.IsRaptorLakeAffected && !somethingFailed)
        {
            s.Note(DiagnosisCause.CpuInstability, $"{p.CpuModel} is one of the parts with Intel's Vmin-shift instability, but nothing has failed yet");
            s.Advise(DiagnosisCause.CpuInstability, "Test-CpuStability -Duration 00:30:00", update);
        }
        else if (p.IsRaptorLakeAffected)
        {
            var part = $"{p.CpuModel} (family {p.CpuFamily} model {p.CpuModelNumber} stepping {p.CpuStepping})";
            s.Add(DiagnosisCause.CpuInstability, 1.5, $"{part} is one of the 13th/14th-gen desktop parts with Intel's Vmin-shift instability");
            if (p.MicrocodeHasVminFix == false)
            {
                s.Add(DiagnosisCause.CpuInstability, 0.5, $"its running microcode {p.Microcode} predates Intel's fix (0x12B): the part may still be degrading");
            }
            else if (p.MicrocodeHasVminFix == true)
            {
                s.Add(DiagnosisCause.CpuInstability, 0.0, $"microcode {p.Microcode} carries Intel's fix, which stops further degradation but does not repair a part that already degraded");
            }
            s.Advise(DiagnosisCause.CpuInstability, "Test-CpuStability -Duration 00:30:00", update);
        }
        else
        {
            s.Advise(DiagnosisCause.CpuInstability, "Test-CpuStability -Duration 00:30:00",
                "Return the CPU and RAM to stock settings (no overclock, undervolt or XMP/EXPO) and see whether the crashes stop; a CPU that fails Test-CpuStability at stock is defective.");
        }
        if (p.IsVirtualMachine)
        {
            s.Note(DiagnosisCause.CpuInstability, "this is a virtual machine: its CPUs are the host's, and the host is where a hardware fault would have to be tested");
        }
        if (p.KernelTaintFlags is { } taint && taint.Contains('M', StringComparison.Ordinal))
        {
            s.Add(DiagnosisCause.CpuInstability, 0.5, "the kernel is tainted 'M': it has seen a machine check");
            s.Add(DiagnosisCause.MemoryInstability, 0.5, "the kernel is tainted 'M': it has seen a machine check");
        }
    }

    /// <summary>The Code: bytes the CPU executed against the module file's bytes at the same offset.</summary>
    public static void CodeBytes(MachineEvidence m, Scoreboard s)
    {
        if (m.Files is not { } root || m.CodeSamples.Count == 0)
        {
            return;
        }
        int matched = 0, differ = 0, changed = 0, otherCopy = 0;
        string? firstDiffer = null;
        var cache = ModuleFileLocator.LinkerCache(root);
        foreach (var c in m.CodeSamples)
        {
            if (CodeLine.Parse(c.Code) is not { } code || c.Module is null || c.FileOffset is not { } offset)
            {
                continue;
            }
            if (ModuleFileLocator.Find(c.Module, root, cache, null) is not { } path)
            {
                continue;
            }
            // A snapshot's extracted files all look new: it records when each file really last changed.
            var verdict = CodeBytesCheck.Compare(code, path, offset, c.Time, c.ModuleOffset, c.ModuleSize,
                SnapshotFileTimes.Recorded(root, path) ?? FileChangeTime.Of(path));
            switch (verdict.Outcome)
            {
                case CodeBytesOutcome.Match:
                    matched++;
                    break;
                // A few differing bytes are corruption; many mean the process mapped another copy of
                // the file (a container or runtime, or an upgrade the timestamps did not show).
                case CodeBytesOutcome.Differ when verdict.Differing <= 4 || verdict.SingleBitDifferences > 0:
                    differ++;
                    firstDiffer ??= $"{c.ProcessName} at {c.Time:u}: {verdict.Detail}";
                    break;
                case CodeBytesOutcome.Differ:
                    otherCopy++;
                    break;
                case CodeBytesOutcome.FileChangedSinceCrash:
                    changed++;
                    break;
            }
        }
        if (otherCopy > 0)
        {
            s.Note(DiagnosisCause.CpuInstability, $"{otherCopy} crash(es) executed code that differs widely from the module file on disk: another copy of the file (a container or bundled runtime), so they were not counted as corruption");
        }
        if (differ > 0)
        {
            var text = $"the code bytes the kernel printed differ from the module file on disk in {differ} of {differ + matched} crashes checked ({firstDiffer}): the CPU executed bytes the file does not hold, which no software bug explains";
            s.Add(DiagnosisCause.CpuInstability, 1.5, text);
            s.Add(DiagnosisCause.MemoryInstability, 1.0, text);
            s.Add(DiagnosisCause.LibraryBug, -0.5, text);
        }
        else if (matched > 0)
        {
            s.Note(DiagnosisCause.CpuInstability, $"the code bytes of {matched} crash(es) match the module files on disk: the instructions were read correctly (the fault may still be in the data)");
        }
        if (changed > 0)
        {
            s.Note(DiagnosisCause.CpuInstability, $"{changed} crash(es) could not be checked against their module file: the file changed after the crash");
        }
    }

    public static void Stability(MachineEvidence m, Scoreboard s)
    {
        var tests = m.Stability.Where(r => !r.IsReplay).ToList();
        if (tests.Count > 0)
        {
            var failed = tests.Where(r => r.Failed).ToList();
            var cpus = tests.Select(r => r.Cpu).Distinct().Count();
            if (failed.Count > 0)
            {
                var bad = failed.Select(r => r.Cpu).Distinct().OrderBy(c => c).ToList();
                var reproduced = failed.Where(r => r.Reproduced).ToList();
                var what = string.Join("; ", failed.Take(4).Select(r => $"CPU {r.Cpu} {r.Workload}: {(r.Crashed ? $"worker crashed ({r.Signal})" : $"{r.Errors} wrong answers")}{(r.Retests > 0 ? $", {r.RetestsFailed} of {r.Retests} retests failed" : "")}"));
                var weight = reproduced.Count > 0 ? 3.0 : 1.5;
                var text = $"Test-CpuStability: {bad.Count} of {cpus} CPUs failed ({what})";
                if (bad.Count <= 2 && cpus > bad.Count)
                {
                    s.Add(DiagnosisCause.DefectiveCore, weight, text);
                    s.Add(DiagnosisCause.CpuInstability, weight / 3, text);
                }
                else
                {
                    s.Add(DiagnosisCause.CpuInstability, weight, text);
                }
                s.Add(DiagnosisCause.LibraryBug, -1.0, "a CPU computed wrong answers in a known-answer test: software bugs do not explain that");
                s.Add(DiagnosisCause.ApplicationBug, -1.0, "a CPU computed wrong answers in a known-answer test: software bugs do not explain that");
            }
            else
            {
                var text = $"Test-CpuStability passed on {cpus} CPUs ({tests.Sum(r => r.Iterations)} checked iterations); an in-OS test at the clocks seen lowers but does not clear the CPU";
                s.Add(DiagnosisCause.DefectiveCore, -0.8, text);
                s.Add(DiagnosisCause.CpuInstability, -0.5, text);
            }
        }
        var replays = m.Stability.Where(r => r.IsReplay && r.Runs > 0).ToList();
        if (replays.Count >= 2)
        {
            var failing = replays.Where(r => r.Failures > 0).ToList();
            var text = $"the user's job replayed per target: {string.Join(", ", replays.Select(r => $"{r.Target} {r.Failures}/{r.Runs}"))}";
            if (failing.Count > 0 && failing.Count < replays.Count)
            {
                int failRuns = failing.Sum(r => r.Failures), failTotal = failing.Sum(r => r.Runs);
                int okRuns = replays.Except(failing).Sum(r => r.Runs);
                // If every target failed alike, the chance that all the failures land on these targets'
                // runs (hypergeometric: drawing the failures without replacement from all runs).
                double p = 1.0;
                for (int i = 0; i < failRuns; i++)
                {
                    p *= (double)(failTotal - i) / (failTotal + okRuns - i);
                }
                if (p < 0.05)
                {
                    s.Add(failing.Count == 1 && failing[0].Cpu is not null ? DiagnosisCause.DefectiveCore : DiagnosisCause.CpuInstability, 2.0,
                        $"{text}: the failures follow where the job ran ({PlacementTest.Describe(p)})");
                }
                else
                {
                    s.Add(DiagnosisCause.DefectiveCore, 0.5, $"{text}: failures differ by target, but too few runs to be sure ({PlacementTest.Describe(p)}); run more with -Repeat");
                }
            }
            else if (failing.Count == replays.Count)
            {
                s.Add(DiagnosisCause.ApplicationBug, 0.5, $"{text}: it fails wherever it runs");
                s.Add(DiagnosisCause.DefectiveCore, -0.8, $"{text}: it fails wherever it runs");
            }
        }
    }
}
