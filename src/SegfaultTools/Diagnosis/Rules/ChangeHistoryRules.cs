using System.Globalization;

namespace SegfaultTools;

/// <summary>When crashes began against what the package manager changed just before, and whether they survived updates.</summary>
internal static class ChangeHistoryRules
{
    private static readonly TimeSpan Before = TimeSpan.FromDays(3);

    public static void Apply(MachineEvidence m, Scoreboard s)
    {
        if (m.Packages is not { Count: > 0 } packages || m.FirstCrash is not { } first || m.LastCrash is not { } last)
        {
            return;
        }
        var relevant = packages.Where(p => p.Action is PackageAction.Upgraded or PackageAction.Installed or PackageAction.Downgraded)
            .Select(p => (Change: p, Role: PackageHistoryReader.Classify(p.Name)))
            .Where(p => p.Role is not PackageRole.Other)
            .ToList();
        var justBefore = relevant.Where(p => p.Change.Time <= first && first - p.Change.Time <= Before).OrderBy(p => p.Change.Time).ToList();
        if (justBefore.Count > 0)
        {
            var names = string.Join(", ", justBefore.Select(p => $"{p.Change.Name} {p.Change.ToVersion}".TrimEnd()).Distinct().Take(6));
            var hours = (first - justBefore[0].Change.Time).TotalHours;
            var text = $"the first crash in the log ({first.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)}) came {hours:0} h after {names} were installed";
            if (justBefore.Any(p => p.Role == PackageRole.Kernel))
            {
                s.Add(DiagnosisCause.KernelRegression, 0.6, text);
            }
            if (justBefore.Any(p => p.Role == PackageRole.GpuDriver))
            {
                s.Add(DiagnosisCause.GpuDriver, 0.6, text);
            }
            if (justBefore.Any(p => p.Role is PackageRole.CLibrary or PackageRole.CxxLibrary or PackageRole.Compiler or PackageRole.Python))
            {
                s.Add(DiagnosisCause.LibraryBug, 0.4, text);
            }
            if (justBefore.Any(p => p.Role is PackageRole.Microcode or PackageRole.Firmware))
            {
                s.Add(DiagnosisCause.CpuInstability, 0.2, text);
            }
        }
        // Updates that came and went while the crashes went on: the crashes do not follow that software.
        var kernelsDuring = relevant.Where(p => p.Role == PackageRole.Kernel && p.Change.Time > first && p.Change.Time < last).ToList();
        if (kernelsDuring.Count >= 2 && m.ByDay.Count >= 3)
        {
            var text = $"crashes continued across {kernelsDuring.Count} kernel updates ({string.Join(", ", kernelsDuring.Select(p => p.Change.ToVersion).Distinct().Take(4))})";
            s.Add(DiagnosisCause.KernelRegression, -0.8, text);
            s.Add(DiagnosisCause.CpuInstability, 0.3, text);
        }
        var driversDuring = relevant.Where(p => p.Role == PackageRole.GpuDriver && p.Change.Time > first && p.Change.Time < last).ToList();
        if (driversDuring.Count >= 2 && m.ByDay.Count >= 3)
        {
            s.Add(DiagnosisCause.GpuDriver, -0.5, $"crashes continued across {driversDuring.Count} NVIDIA driver updates");
        }
    }
}
