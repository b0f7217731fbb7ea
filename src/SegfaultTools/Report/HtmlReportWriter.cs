using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace SegfaultTools;

/// <summary>How a report is made: when, for which window, and whether its text is redacted.</summary>
internal sealed class ReportOptions
{
    public DateTimeOffset Generated { get; init; } = DateTimeOffset.Now;

    public DateTimeOffset? Since { get; init; }

    public DateTimeOffset? Until { get; init; }

    /// <summary>Replaces host names, user names, home paths and addresses in every text (Export-SegfaultSnapshot's redactor); null keeps them.</summary>
    public Redactor? Redactor { get; init; }

    public string Version { get; init; } = typeof(ReportOptions).Assembly.GetName().Version?.ToString(3) ?? "";
}

/// <summary>
/// Writes the crash report: one self-contained HTML page with every chart drawn here as inline SVG,
/// an inline style sheet and script pinned by the page's Content-Security-Policy, and nothing that
/// fetches. Every text from the evidence (process and module names, log messages, file paths) is
/// untrusted and goes through <see cref="T"/>, which HTML-escapes it (and redacts it when asked).
/// </summary>
/// <remarks>
/// The page, per machine: the ranked findings, crashes per logical CPU as a grid coloured by core
/// type, crashes per module and per program as bar charts, a timeline of crashes with hardware
/// errors and package changes as markers, the package changes around the crashes, and the system
/// profile. Marks carry data- attributes (data-cpu, data-count, data-bars) that the page's own
/// self-check and the tests read.
/// </remarks>
internal sealed partial class HtmlReportWriter
{
    /// <summary>Bars per chart; the rest are summed into one "(n others)" bar.</summary>
    public const int MaxBars = 12;

    /// <summary>Package changes listed, the latest kept.</summary>
    public const int MaxPackageRows = 40;

    /// <summary>How far before the first crash package changes are listed.</summary>
    public static readonly TimeSpan PackageLookback = TimeSpan.FromDays(30);

    /// <summary>How far before the first record package changes are put on the timeline.</summary>
    public static readonly TimeSpan PackageLead = TimeSpan.FromDays(3);

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private readonly StringBuilder _b = new();
    private readonly ReportOptions _o;

    private HtmlReportWriter(ReportOptions options) => _o = options;

    public static string Render(IReadOnlyList<ReportMachine> machines, ReportOptions options)
    {
        var w = new HtmlReportWriter(options);
        if (options.Redactor is { } r)
        {
            // A first pass learns the user names that home paths show, so each is replaced in every text.
            foreach (var text in machines.SelectMany(Texts))
            {
                r.Redact(text ?? string.Empty);
            }
        }
        w.Page(machines);
        return w._b.ToString();
    }

    private static IEnumerable<string?> Texts(ReportMachine m)
    {
        yield return m.Evidence.Origin;
        foreach (var f in m.Findings)
        {
            yield return f.Summary;
            yield return f.NextTest;
            yield return f.Recommendation;
            foreach (var line in f.Evidence.Concat(f.AgainstIt))
            {
                yield return line;
            }
        }
        foreach (var row in m.Profile)
        {
            yield return row.Value;
        }
        foreach (var h in m.Evidence.Hardware)
        {
            yield return h.Message;
        }
        foreach (var key in m.Evidence.ByModule.Keys.Concat(m.Evidence.ByProgram.Keys))
        {
            yield return key;
        }
    }

    // ----- the page -----

    private void Page(IReadOnlyList<ReportMachine> machines)
    {
        var names = machines.Select(m => m.Evidence.ComputerName).ToList();
        _b.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        _b.Append("<meta http-equiv=\"Content-Security-Policy\" content=\"").Append(ReportTemplate.ContentSecurityPolicy).Append("\">\n");
        _b.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        _b.Append("<meta name=\"generator\" content=\"SegfaultTools ").Append(T(_o.Version)).Append("\">\n");
        _b.Append("<title>Segfault report: ").Append(T(names.Count == 1 ? names[0] : $"{names.Count} machines")).Append("</title>\n");
        _b.Append("<style>").Append(ReportTemplate.Css).Append("</style>\n</head>\n");
        _b.Append("<body data-machines=\"").Append(machines.Count).Append("\">\n");
        _b.Append("<header class=\"page\">\n<h1>Segfault report: ").Append(T(names.Count == 1 ? names[0] : $"{names.Count} machines")).Append("</h1>\n<p>");
        _b.Append("Made by SegfaultTools ").Append(T(_o.Version)).Append(" at ").Append(T(_o.Generated.ToString("yyyy-MM-dd HH:mm:ss zzz", Inv)));
        _b.Append(". Evidence ").Append(T(Window())).Append('.');
        if (_o.Redactor is not null)
        {
            _b.Append(" Host names, user names, home paths and addresses are redacted.");
        }
        _b.Append("</p>\n");
        if (machines.Count > 1)
        {
            _b.Append("<nav>");
            for (int i = 0; i < machines.Count; i++)
            {
                _b.Append("<a href=\"#machine-").Append(i + 1).Append("\">").Append(T(names[i])).Append("</a>");
            }
            _b.Append("</nav>\n");
        }
        _b.Append("</header>\n<main>\n");
        for (int i = 0; i < machines.Count; i++)
        {
            Machine(i + 1, machines[i]);
        }
        _b.Append("</main>\n<footer>Self-contained: this page loads nothing from the network. Source of each fact: the machine's kernel log, /proc, /sys and package history, as read by SegfaultTools.</footer>\n");
        _b.Append("<script>").Append(ReportTemplate.Script).Append("</script>\n</body>\n</html>\n");
    }

    private string Window() => (_o.Since, _o.Until) switch
    {
        (null, null) => "of all time the logs hold",
        ({ } s, null) => $"since {s.ToString("yyyy-MM-dd HH:mm zzz", Inv)}",
        (null, { } u) => $"up to {u.ToString("yyyy-MM-dd HH:mm zzz", Inv)}",
        ({ } s, { } u) => $"from {s.ToString("yyyy-MM-dd HH:mm zzz", Inv)} to {u.ToString("yyyy-MM-dd HH:mm zzz", Inv)}",
    };

    private void Machine(int index, ReportMachine rm)
    {
        var m = rm.Evidence;
        _b.Append("<section class=\"machine\" id=\"machine-").Append(index).Append("\" data-machine=\"").Append(T(m.ComputerName)).Append("\">\n");
        _b.Append("<h2>").Append(T(m.ComputerName)).Append("<small>evidence from ").Append(T(m.Origin)).Append("</small></h2>\n");
        Stats(m);
        Findings(rm.Findings);
        _b.Append("<div class=\"row\">\n");
        CpuGrid(m);
        _b.Append("<div>\n");
        Bars(m.ByModule, "modules", "Crashes per module", "No crash record named a module.", "the module the crash was in; (ip 0) counts jumps to address 0, (no module) anonymous or JIT code");
        Bars(m.ByProgram, "programs", "Crashes per program", "No crash record named a program.", "the process that crashed");
        _b.Append("</div>\n</div>\n");
        Timeline(m);
        Profile(rm);
        _b.Append("</section>\n");
    }

    private void Stats(MachineEvidence m)
    {
        _b.Append("<div class=\"stats\">\n");
        Stat(Num(m.Crashes) + (m.SuppressedRecords > 0 ? "+" : ""), m.SuppressedRecords > 0 ? $"crashes (the kernel suppressed {Num(m.SuppressedRecords)} more messages)" : "crashes");
        Stat(Num(m.ByProgram.Count), "programs");
        Stat(Num(m.ByModule.Count), "modules");
        Stat(Num(m.ByCpu.Count), "CPUs with crashes");
        Stat(Num(m.Hardware.Count + m.HardwareDropped), "hardware and kernel-fault records");
        Stat(m.FirstCrash is { } first && m.LastCrash is { } last ? Span(last - first) : "–",
            m.FirstCrash is { } f && m.LastCrash is { } l ? $"from {f.ToString("yyyy-MM-dd HH:mm", Inv)} to {l.ToString("yyyy-MM-dd HH:mm", Inv)}" : "no dated crash");
        _b.Append("</div>\n");
    }

    private void Stat(string value, string label) =>
        _b.Append("<div class=\"stat\"><b>").Append(T(value)).Append("</b><span>").Append(T(label)).Append("</span></div>\n");

    // ----- findings -----

    private static readonly Dictionary<DiagnosisCause, string> CauseNames = new()
    {
        [DiagnosisCause.CpuInstability] = "CPU instability",
        [DiagnosisCause.DefectiveCore] = "Defective core",
        [DiagnosisCause.MemoryInstability] = "Memory instability",
        [DiagnosisCause.GpuDriver] = "GPU driver bug",
        [DiagnosisCause.DriverVersionMismatch] = "Driver version mismatch",
        [DiagnosisCause.GpuHardwareOrPower] = "GPU hardware or power",
        [DiagnosisCause.LibraryBug] = "Library bug",
        [DiagnosisCause.ApplicationBug] = "Application bug",
        [DiagnosisCause.KernelRegression] = "Kernel regression",
        [DiagnosisCause.Inconclusive] = "Inconclusive",
    };

    private void Findings(IReadOnlyList<SegfaultFinding> findings)
    {
        _b.Append("<div class=\"card findings-card\">\n<button type=\"button\" class=\"toggle\" aria-pressed=\"false\">Show all evidence</button>\n<h3>Findings, most likely first</h3>\n");
        if (findings.Count == 0)
        {
            _b.Append("<p class=\"note\">No finding.</p>\n</div>\n");
            return;
        }
        _b.Append("<ol class=\"findings\">\n");
        foreach (var f in findings)
        {
            var level = f.Level.ToString().ToLowerInvariant();
            _b.Append("<li class=\"finding level-").Append(level).Append("\" data-rank=\"").Append(f.Rank).Append("\" data-cause=\"").Append(f.Cause).Append("\">\n");
            _b.Append("<div class=\"finding-head\"><span class=\"rank\">").Append(f.Rank).Append("</span><span class=\"cause\">").Append(T(CauseNames.GetValueOrDefault(f.Cause, f.Cause.ToString()))).Append("</span>");
            _b.Append("<span class=\"level\">").Append(f.Level).Append("</span>");
            var width = (int)Math.Round(Math.Clamp(f.Confidence, 0, 1) * 120);
            _b.Append("<svg class=\"meter\" width=\"120\" height=\"10\" viewBox=\"0 0 120 10\" aria-hidden=\"true\"><rect class=\"meter-bg\" width=\"120\" height=\"10\" rx=\"5\"/><rect class=\"meter-fill\" width=\"")
                .Append(width).Append("\" height=\"10\" rx=\"5\"/></svg>");
            _b.Append("<span class=\"conf\">").Append((f.Confidence * 100).ToString("0", Inv)).Append(" % confidence, score ").Append(f.Score.ToString("0.00", Inv)).Append("</span></div>\n");
            _b.Append("<p class=\"summary\">").Append(T(f.Summary)).Append("</p>\n");
            _b.Append(f.Rank == 1 ? "<details open>" : "<details>");
            _b.Append("<summary>").Append(f.Evidence.Count).Append(" for, ").Append(f.AgainstIt.Count).Append(" against")
                .Append(f.NextTest is null ? "" : ", the next test").Append(f.Recommendation is null ? "" : ", what to do").Append("</summary>\n");
            EvidenceLines("Evidence", "for", f.Evidence);
            EvidenceLines("Against it", "against", f.AgainstIt);
            if (!string.IsNullOrWhiteSpace(f.NextTest))
            {
                _b.Append("<p class=\"next\"><b>Next test:</b> <code class=\"next-test\">").Append(T(f.NextTest)).Append("</code></p>\n");
            }
            if (!string.IsNullOrWhiteSpace(f.Recommendation))
            {
                _b.Append("<p class=\"recommendation\"><b>Recommendation:</b> ").Append(T(f.Recommendation)).Append("</p>\n");
            }
            _b.Append("</details>\n</li>\n");
        }
        _b.Append("</ol>\n</div>\n");
    }

    private void EvidenceLines(string title, string cls, IReadOnlyList<string> lines)
    {
        if (lines.Count == 0)
        {
            return;
        }
        _b.Append("<h4>").Append(title).Append("</h4><ul class=\"").Append(cls).Append("\">\n");
        foreach (var line in lines)
        {
            _b.Append("<li>");
            var w = Weight().Match(line);
            if (w.Success)
            {
                var sign = w.Groups["w"].Value.StartsWith('-') ? "neg" : w.Groups["w"].Value.StartsWith('+') ? "pos" : "zero";
                _b.Append("<span class=\"w ").Append(sign).Append("\">").Append(T(w.Groups["w"].Value)).Append("</span> ").Append(T(w.Groups["text"].Value));
            }
            else
            {
                _b.Append(T(line));
            }
            _b.Append("</li>\n");
        }
        _b.Append("</ul>\n");
    }

    [GeneratedRegex(@"^(?<w>[+-]?\d+(?:\.\d+)?):\s+(?<text>.*)$", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex Weight();

    // ----- crashes per logical CPU -----

    internal static string CoreClass(CoreType t) => t switch
    {
        CoreType.Performance => "cpu-p",
        CoreType.Efficiency => "cpu-e",
        CoreType.LowPowerEfficiency => "cpu-lpe",
        CoreType.Uniform => "cpu-uniform",
        _ => "cpu-unknown",
    };

    private static string CoreName(CoreType t) => t switch
    {
        CoreType.Performance => "P-core",
        CoreType.Efficiency => "E-core",
        CoreType.LowPowerEfficiency => "LP E-core",
        CoreType.Uniform => "core",
        _ => "unknown core type",
    };

    /// <summary>
    /// The CPUs drawn: every CPU of the core map, plus any CPU a crash names that the map lacks.
    /// Without a core map, CPUs 0 to the highest a crash names, typed by what the records say.
    /// </summary>
    internal static SortedDictionary<int, CoreType> CpuCells(MachineEvidence m)
    {
        var cells = new SortedDictionary<int, CoreType>();
        foreach (var c in m.CoreMap ?? new List<CoreFact>())
        {
            cells[c.Cpu] = c.CoreType;
        }
        foreach (var (cpu, type) in m.CpuTypesFromEvents)
        {
            cells.TryAdd(cpu, type);
        }
        foreach (var cpu in m.ByCpu.Keys)
        {
            cells.TryAdd(cpu, CoreType.Unknown);
        }
        if (m.CoreMap is null && cells.Count > 0)
        {
            int highest = cells.Keys.Max();
            for (int cpu = 0; cpu < highest; cpu++)
            {
                cells.TryAdd(cpu, CoreType.Unknown);
            }
        }
        return cells;
    }

    private void CpuGrid(MachineEvidence m)
    {
        _b.Append("<div class=\"card\">\n<h3>Crashes per logical CPU</h3>\n");
        var cells = CpuCells(m);
        if (cells.Count == 0)
        {
            _b.Append("<p class=\"note\" data-empty=\"cpu-grid\">No crash record names its CPU (kernels before 6.1 do not print it) and no core map came with the evidence.</p>\n</div>\n");
            return;
        }
        var map = (m.CoreMap ?? new List<CoreFact>()).ToDictionary(c => c.Cpu);
        var failed = m.Stability.Where(s => s.Failed && s.Cpu is not null).Select(s => s.Cpu!.Value).ToHashSet();
        int n = cells.Count;
        int cols = n <= 8 ? n : n <= 64 ? 8 : n <= 128 ? 16 : 32;
        int w = cols <= 8 ? 62 : cols <= 16 ? 34 : 18;
        int h = cols <= 8 ? 46 : cols <= 16 ? 36 : 22;
        const int gap = 4;
        int rows = (n + cols - 1) / cols;
        int width = cols * (w + gap), height = rows * (h + gap);
        long max = Math.Max(1, cells.Keys.Select(c => m.ByCpu.GetValueOrDefault(c)).Max());
        _b.Append("<svg class=\"chart cpu-grid\" role=\"img\" aria-label=\"Crashes per logical CPU\" width=\"").Append(width).Append("\" height=\"").Append(height)
            .Append("\" viewBox=\"0 0 ").Append(width).Append(' ').Append(height).Append("\" data-cpus=\"").Append(n).Append("\">\n");
        int i = 0;
        foreach (var (cpu, type) in cells)
        {
            long count = m.ByCpu.GetValueOrDefault(cpu);
            double opacity = count == 0 ? 0.12 : 0.35 + 0.65 * count / max;
            int x = i % cols * (w + gap), y = i / cols * (h + gap);
            var where = map.TryGetValue(cpu, out var core) && (core.CoreId is not null || core.Cluster is not null)
                ? $" (core {core.CoreId?.ToString(Inv) ?? "?"}{(core.Cluster is { } cl ? $", L2 cluster {cl.ToString(Inv)}" : "")})"
                : "";
            var tip = $"CPU {cpu}, {CoreName(type)}{where}: {Plural(count, "crash", "crashes")}"
                + (failed.Contains(cpu) ? "; Test-CpuStability failed here" : "")
                + (map.TryGetValue(cpu, out var c2) && !c2.IsOnline ? "; offline" : "");
            _b.Append("<g class=\"cpu-cell\" data-tip=\"").Append(T(tip)).Append("\"><title>").Append(T(tip)).Append("</title>");
            _b.Append("<rect class=\"cpu ").Append(CoreClass(type)).Append(failed.Contains(cpu) ? " failed" : "").Append(map.TryGetValue(cpu, out var c3) && !c3.IsOnline ? " offline" : "")
                .Append("\" data-cpu=\"").Append(cpu).Append("\" data-count=\"").Append(count).Append("\" data-core-type=\"").Append(type)
                .Append("\" x=\"").Append(x).Append("\" y=\"").Append(y).Append("\" width=\"").Append(w).Append("\" height=\"").Append(h)
                .Append("\" rx=\"4\" fill-opacity=\"").Append(opacity.ToString("0.00", Inv)).Append("\"/>");
            var hot = opacity >= 0.6 ? " hot" : "";
            if (w >= 30)
            {
                _b.Append("<text class=\"cpu-label").Append(hot).Append("\" x=\"").Append(x + w / 2).Append("\" y=\"").Append(y + 11).Append("\">")
                    .Append(w >= 60 ? "CPU " : "").Append(cpu).Append("</text>");
            }
            _b.Append("<text class=\"cpu-count").Append(hot).Append("\" x=\"").Append(x + w / 2).Append("\" y=\"").Append(y + h - (w >= 30 ? 8 : 6)).Append("\">")
                .Append(count).Append("</text></g>\n");
            i++;
        }
        _b.Append("</svg>\n");
        // Per core type: crashes against how many CPUs of that type there are.
        var byType = cells.GroupBy(c => c.Value).OrderBy(g => g.Key)
            .Select(g => (Type: g.Key, Cpus: g.Count(), Crashes: g.Sum(c => m.ByCpu.GetValueOrDefault(c.Key))))
            .ToList();
        _b.Append("<div class=\"legend\">");
        foreach (var t in byType)
        {
            _b.Append("<span><i class=\"").Append(CoreClass(t.Type)[4..]).Append("\"></i>")
                .Append(T($"{CoreName(t.Type)}: {Plural(t.Crashes, "crash", "crashes")} on {t.Cpus} CPUs ({(t.Crashes / (double)t.Cpus).ToString("0.##", Inv)} per CPU)")).Append("</span>");
        }
        _b.Append("</div>\n");
        long unplaced = m.Crashes - m.ByCpu.Values.Sum();
        var notes = new List<string> { "Darker cells had more crashes." };
        if (unplaced > 0)
        {
            notes.Add($"{Plural(unplaced, "crash names", "crashes name")} no CPU.");
        }
        if (m.CoreMap is null)
        {
            notes.Add("No core map came with the evidence: the core types are those the crash records name, and CPUs that never crashed may be missing.");
        }
        if (failed.Count > 0)
        {
            notes.Add("A red outline marks a CPU where Test-CpuStability found a wrong answer.");
        }
        _b.Append("<p class=\"note\">").Append(T(string.Join(" ", notes))).Append("</p>\n<div class=\"readout\"></div>\n</div>\n");
    }

    // ----- bar charts -----

    private void Bars(Dictionary<string, long> counts, string chart, string title, string empty, string what)
    {
        _b.Append("<div class=\"card\">\n<h3>").Append(T(title)).Append("</h3>\n");
        if (counts.Count == 0)
        {
            _b.Append("<p class=\"note\" data-empty=\"").Append(chart).Append("\">").Append(T(empty)).Append("</p>\n</div>\n");
            return;
        }
        var ordered = counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        var shown = ordered.Take(ordered.Count > MaxBars ? MaxBars - 1 : MaxBars).Select(kv => (Label: kv.Key, Count: kv.Value, Other: false)).ToList();
        if (ordered.Count > shown.Count)
        {
            var rest = ordered.Skip(shown.Count).ToList();
            shown.Add(($"({rest.Count} others)", rest.Sum(kv => kv.Value), true));
        }
        const int width = 560, labelWidth = 220, rowHeight = 22, valueWidth = 46;
        int height = shown.Count * rowHeight + 4;
        long max = Math.Max(1, shown.Max(s => s.Count));
        _b.Append("<svg class=\"chart bars\" role=\"img\" aria-label=\"").Append(T(title)).Append("\" data-chart=\"").Append(chart).Append("\" data-bars=\"").Append(shown.Count)
            .Append("\" width=\"").Append(width).Append("\" height=\"").Append(height).Append("\" viewBox=\"0 0 ").Append(width).Append(' ').Append(height).Append("\">\n");
        for (int i = 0; i < shown.Count; i++)
        {
            var (label, count, other) = shown[i];
            int y = i * rowHeight + 2;
            double barWidth = Math.Max(2, (width - labelWidth - valueWidth) * (double)count / max);
            var tip = $"{label}: {Plural(count, "crash", "crashes")}";
            _b.Append("<g class=\"bar-row\" data-tip=\"").Append(T(tip)).Append("\"><title>").Append(T(tip)).Append("</title>");
            _b.Append("<text class=\"bar-label\" x=\"").Append(labelWidth - 6).Append("\" y=\"").Append(y + 15).Append("\" text-anchor=\"end\">").Append(T(label, 34)).Append("</text>");
            _b.Append("<rect class=\"bar").Append(other ? " other" : "").Append("\" data-count=\"").Append(count).Append("\" x=\"").Append(labelWidth).Append("\" y=\"").Append(y + 3)
                .Append("\" width=\"").Append(barWidth.ToString("0.#", Inv)).Append("\" height=\"").Append(rowHeight - 6).Append("\" rx=\"2\"/>");
            _b.Append("<text class=\"bar-value\" x=\"").Append((labelWidth + barWidth + 5).ToString("0.#", Inv)).Append("\" y=\"").Append(y + 15).Append("\">").Append(count).Append("</text></g>\n");
        }
        _b.Append("</svg>\n<p class=\"note\">").Append(T($"Bars: {what}.")).Append("</p>\n<div class=\"readout\"></div>\n</div>\n");
    }

    // ----- timeline -----

    private enum Unit
    {
        Hour,
        Day,
        Week,
    }

    /// <summary>The timeline's bins: crashes, hardware records and package changes per hour, day or week.</summary>
    internal sealed class TimelineBins
    {
        public required DateTimeOffset Start { get; init; }
        public required TimeSpan Step { get; init; }
        public required string UnitName { get; init; }
        public required long[] Crashes { get; init; }
        public required List<HardwareFact>[] Hardware { get; init; }
        public required List<PackageChange>[] Packages { get; init; }

        public int Count => Crashes.Length;

        public DateTimeOffset StartOf(int bin) => Start + Step * bin;
    }

    /// <summary>
    /// Bins the machine's dated records, and the package changes of the three days before the first:
    /// hourly over at most three days, daily up to half a year, weekly beyond. Times are shown in the
    /// crash records' own UTC offset. Null when nothing is dated.
    /// </summary>
    internal static TimelineBins? Bin(MachineEvidence m)
    {
        long dated = m.ByDay.Values.Sum();
        bool complete = m.CrashTimes.Count == dated;
        var offset = complete && m.CrashTimes.Count > 0 ? m.CrashTimes[0].Time.Offset
            : m.Hardware.FirstOrDefault(h => h.Time is not null)?.Time?.Offset ?? TimeSpan.Zero;
        if (!complete)
        {
            offset = TimeSpan.Zero; // ByDay counts UTC days
        }
        var crashTimes = complete
            ? m.CrashTimes.Select(c => c.Time.ToOffset(offset)).ToList()
            : m.ByDay.Keys.Select(d => new DateTimeOffset(d.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero)).ToList();
        var hardware = m.Hardware.Where(h => h.Time is not null).ToList();
        var all = crashTimes.Concat(hardware.Select(h => h.Time!.Value.ToOffset(offset))).ToList();
        if (all.Count == 0)
        {
            return null;
        }
        var min = all.Min();
        var max = all.Max();
        // What the package manager changed just before the first record is drawn too: the change
        // history rule looks that far back for a change the crashes followed.
        var lead = (m.Packages ?? Array.Empty<PackageChange>()).Where(p => p.Time < min && p.Time >= min - PackageLead).ToList();
        if (lead.Count > 0)
        {
            min = lead.Min(p => p.Time).ToOffset(offset);
        }
        var span = max - min;
        var unit = complete && span <= TimeSpan.FromDays(3) ? Unit.Hour : span <= TimeSpan.FromDays(183) ? Unit.Day : Unit.Week;
        var step = unit switch { Unit.Hour => TimeSpan.FromHours(1), Unit.Day => TimeSpan.FromDays(1), _ => TimeSpan.FromDays(7) };
        var start = unit switch
        {
            Unit.Hour => new DateTimeOffset(min.Year, min.Month, min.Day, min.Hour, 0, 0, offset),
            Unit.Day => new DateTimeOffset(min.Date, offset),
            _ => new DateTimeOffset(min.Date.AddDays(-(((int)min.DayOfWeek + 6) % 7)), offset),
        };
        int bins = (int)((max - start).Ticks / step.Ticks) + 1;
        int minimum = unit switch { Unit.Hour => 12, Unit.Day => 7, _ => 8 };
        if (bins < minimum)
        {
            start -= step * ((minimum - bins) / 2);
            bins = minimum;
        }
        var result = new TimelineBins
        {
            Start = start,
            Step = step,
            UnitName = unit.ToString().ToLowerInvariant(),
            Crashes = new long[bins],
            Hardware = Enumerable.Range(0, bins).Select(_ => new List<HardwareFact>()).ToArray(),
            Packages = Enumerable.Range(0, bins).Select(_ => new List<PackageChange>()).ToArray(),
        };
        int Index(DateTimeOffset t) => (int)Math.Floor((t - start).Ticks / (double)step.Ticks);
        if (complete)
        {
            foreach (var t in crashTimes)
            {
                result.Crashes[Index(t)]++;
            }
        }
        else
        {
            foreach (var (day, count) in m.ByDay)
            {
                result.Crashes[Index(new DateTimeOffset(day.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero))] += count;
            }
        }
        foreach (var h in hardware)
        {
            result.Hardware[Index(h.Time!.Value)].Add(h);
        }
        foreach (var p in m.Packages ?? Array.Empty<PackageChange>())
        {
            int i = Index(p.Time);
            if (i >= 0 && i < bins)
            {
                result.Packages[i].Add(p);
            }
        }
        return result;
    }

    private void Timeline(MachineEvidence m)
    {
        _b.Append("<div class=\"card\">\n<h3>Timeline: crashes, hardware errors and package changes</h3>\n");
        var bins = Bin(m);
        if (bins is null)
        {
            _b.Append("<p class=\"note\" data-empty=\"timeline\">No crash or hardware record carries a time.</p>\n");
            Packages(m, null);
            _b.Append("</div>\n");
            return;
        }
        const int width = 1180, height = 230, left = 44, right = 12, top = 30, bottom = 48;
        int plotW = width - left - right, plotH = height - top - bottom;
        int n = bins.Count;
        double bw = plotW / (double)n;
        long max = Math.Max(1, bins.Crashes.Max());
        int bars = bins.Crashes.Count(c => c > 0);
        var offset = bins.Start.Offset;
        var zone = offset == TimeSpan.Zero ? "UTC" : "UTC" + (offset < TimeSpan.Zero ? "-" : "+") + offset.ToString(@"hh\:mm", Inv);
        _b.Append("<svg class=\"chart timeline\" role=\"img\" aria-label=\"Crashes per ").Append(bins.UnitName).Append("\" data-unit=\"").Append(bins.UnitName)
            .Append("\" data-bins=\"").Append(n).Append("\" data-bars=\"").Append(bars)
            .Append("\" data-hardware=\"").Append(bins.Hardware.Sum(h => h.Count)).Append("\" data-packages=\"").Append(bins.Packages.Sum(p => p.Count))
            .Append("\" width=\"").Append(width).Append("\" height=\"").Append(height).Append("\" viewBox=\"0 0 ").Append(width).Append(' ').Append(height).Append("\">\n");
        // y axis: grid lines at 0, half and the maximum.
        foreach (var v in new[] { 0, max / 2, max }.Distinct())
        {
            double y = top + plotH - plotH * (double)v / max;
            _b.Append("<line class=\"grid\" x1=\"").Append(left).Append("\" x2=\"").Append(left + plotW).Append("\" y1=\"").Append(F(y)).Append("\" y2=\"").Append(F(y)).Append("\"/>");
            _b.Append("<text class=\"axis-label\" x=\"").Append(left - 6).Append("\" y=\"").Append(F(y + 4)).Append("\" text-anchor=\"end\">").Append(v).Append("</text>\n");
        }
        _b.Append("<line class=\"axis\" x1=\"").Append(left).Append("\" x2=\"").Append(left + plotW).Append("\" y1=\"").Append(top + plotH).Append("\" y2=\"").Append(top + plotH).Append("\"/>\n");
        // x axis: at most 12 labels.
        int every = Math.Max(1, (int)Math.Ceiling(n / 12.0));
        var format = bins.UnitName == "hour" ? "MM-dd HH:mm" : "yyyy-MM-dd";
        for (int i = 0; i < n; i += every)
        {
            double x = left + i * bw;
            _b.Append("<line class=\"tick\" x1=\"").Append(F(x)).Append("\" x2=\"").Append(F(x)).Append("\" y1=\"").Append(top + plotH).Append("\" y2=\"").Append(top + plotH + 4).Append("\"/>");
            _b.Append("<text class=\"axis-label\" x=\"").Append(F(x)).Append("\" y=\"").Append(top + plotH + 16).Append("\">").Append(T(bins.StartOf(i).ToString(format, Inv))).Append("</text>\n");
        }
        _b.Append("<text class=\"axis-label\" x=\"").Append(left + plotW).Append("\" y=\"").Append(height - 4).Append("\" text-anchor=\"end\">")
            .Append(T($"crashes per {bins.UnitName}, times in {zone}")).Append("</text>\n");
        // Crash bars.
        for (int i = 0; i < n; i++)
        {
            if (bins.Crashes[i] == 0)
            {
                continue;
            }
            double h = Math.Max(1.5, plotH * (double)bins.Crashes[i] / max);
            double x = left + i * bw + (bw > 4 ? 1 : 0);
            var tip = $"{When(bins, i)}: {Plural(bins.Crashes[i], "crash", "crashes")}";
            _b.Append("<g data-tip=\"").Append(T(tip)).Append("\"><title>").Append(T(tip)).Append("</title><rect class=\"tl-bar\" data-bin=\"").Append(i).Append("\" data-count=\"").Append(bins.Crashes[i])
                .Append("\" x=\"").Append(F(x)).Append("\" y=\"").Append(F(top + plotH - h)).Append("\" width=\"").Append(F(Math.Max(1, bw - (bw > 4 ? 2 : 0)))).Append("\" height=\"").Append(F(h)).Append("\"/></g>\n");
        }
        // Hardware markers along the top, one per bin, with a line down through the plot.
        for (int i = 0; i < n; i++)
        {
            var hw = bins.Hardware[i];
            if (hw.Count == 0)
            {
                continue;
            }
            double x = left + (i + 0.5) * bw;
            var tip = $"{When(bins, i)}: {Plural(hw.Count, "hardware record", "hardware records")}: "
                + string.Join("; ", hw.Take(5).Select(h => string.Join(" ", new[] { h.Kind.ToString(), h.Code, h.Meaning ?? h.Message }.Where(s => !string.IsNullOrEmpty(s)))))
                + (hw.Count > 5 ? $"; and {hw.Count - 5} more" : "");
            _b.Append("<g class=\"tl-hw\" data-bin=\"").Append(i).Append("\" data-count=\"").Append(hw.Count).Append("\" data-tip=\"").Append(T(tip)).Append("\"><title>").Append(T(tip)).Append("</title>");
            _b.Append("<line x1=\"").Append(F(x)).Append("\" x2=\"").Append(F(x)).Append("\" y1=\"").Append(top - 4).Append("\" y2=\"").Append(top + plotH).Append("\"/>");
            _b.Append("<path d=\"M").Append(F(x - 6)).Append(' ').Append(top - 18).Append(" L").Append(F(x + 6)).Append(' ').Append(top - 18).Append(" L").Append(F(x)).Append(' ').Append(top - 6).Append(" Z\"/>");
            if (hw.Count > 1)
            {
                _b.Append("<text x=\"").Append(F(x + 8)).Append("\" y=\"").Append(top - 9).Append("\">").Append(hw.Count).Append("</text>");
            }
            _b.Append("</g>\n");
        }
        // Package-change markers: a dashed line and a square on the axis.
        for (int i = 0; i < n; i++)
        {
            var pk = bins.Packages[i];
            if (pk.Count == 0)
            {
                continue;
            }
            double x = left + (i + 0.5) * bw;
            var tip = $"{When(bins, i)}: {Plural(pk.Count, "package change", "package changes")}: "
                + string.Join(", ", pk.Take(12).Select(p => $"{p.Action.ToString().ToLowerInvariant()} {p.Name} {p.ToVersion ?? p.FromVersion}".TrimEnd()))
                + (pk.Count > 12 ? $", and {pk.Count - 12} more" : "");
            _b.Append("<g class=\"tl-pkg\" data-bin=\"").Append(i).Append("\" data-count=\"").Append(pk.Count).Append("\" data-tip=\"").Append(T(tip)).Append("\"><title>").Append(T(tip)).Append("</title>");
            _b.Append("<line x1=\"").Append(F(x)).Append("\" x2=\"").Append(F(x)).Append("\" y1=\"").Append(top).Append("\" y2=\"").Append(top + plotH + 22).Append("\"/>");
            _b.Append("<rect x=\"").Append(F(x - 5)).Append("\" y=\"").Append(top + plotH + 20).Append("\" width=\"10\" height=\"10\"/>");
            if (pk.Count > 1)
            {
                _b.Append("<text x=\"").Append(F(x + 8)).Append("\" y=\"").Append(top + plotH + 29).Append("\">").Append(pk.Count).Append("</text>");
            }
            _b.Append("</g>\n");
        }
        _b.Append("</svg>\n");
        _b.Append("<div class=\"legend\"><span><i class=\"crash\"></i>crashes</span><span><i class=\"hw\"></i>hardware errors and kernel faults (triangles)</span><span><i class=\"pkg\"></i>package changes (squares)</span></div>\n");
        _b.Append("<div class=\"readout\"></div>\n");
        Packages(m, bins);
        _b.Append("</div>\n");
    }

    private static string When(TimelineBins bins, int i)
    {
        var s = bins.StartOf(i);
        return bins.UnitName switch
        {
            "hour" => $"{s.ToString("yyyy-MM-dd HH:mm", Inv)} to {s.AddHours(1).ToString("HH:mm", Inv)}",
            "day" => s.ToString("yyyy-MM-dd", Inv),
            _ => $"the week of {s.ToString("yyyy-MM-dd", Inv)}",
        };
    }

    /// <summary>The package changes from a month before the first crash to the end of the timeline.</summary>
    private void Packages(MachineEvidence m, TimelineBins? bins)
    {
        var changes = m.Packages ?? Array.Empty<PackageChange>();
        if (changes.Count == 0)
        {
            _b.Append("<p class=\"note\">").Append(T(m.Packages is null ? "No package history came with the evidence." : "The package history holds no change.")).Append("</p>\n");
            return;
        }
        var from = (m.FirstCrash ?? bins?.Start ?? DateTimeOffset.MaxValue) - PackageLookback;
        var to = bins is null ? DateTimeOffset.MaxValue : bins.StartOf(bins.Count);
        var near = changes.Where(p => p.Time >= from && p.Time < to).OrderBy(p => p.Time).ToList();
        if (bins is null)
        {
            near = changes.OrderBy(p => p.Time).ToList();
        }
        if (near.Count == 0)
        {
            var last = changes.Where(p => p.Time < to).OrderBy(p => p.Time).LastOrDefault();
            _b.Append("<p class=\"note\">").Append(T(last is null
                ? "No package changed before the last crash."
                : $"No package changed in the {PackageLookback.Days} days before the first crash; the last change before it was on {last.Time.ToString("yyyy-MM-dd", Inv)}.")).Append("</p>\n");
            return;
        }
        var shown = near.Skip(Math.Max(0, near.Count - MaxPackageRows)).ToList();
        var offset = bins?.Start.Offset ?? TimeSpan.Zero;
        _b.Append("<h3>").Append(T(bins is null ? "Package changes" : $"Package changes from {PackageLookback.Days} days before the first {(m.FirstCrash is null ? "record" : "crash")}")).Append("</h3>\n");
        _b.Append("<table class=\"packages\" data-rows=\"").Append(shown.Count).Append("\">\n<tr><th>When</th><th>Change</th><th>Package</th><th>Versions</th><th>Role</th></tr>\n");
        foreach (var p in shown)
        {
            var versions = p.FromVersion is not null && p.ToVersion is not null ? $"{p.FromVersion} → {p.ToVersion}" : p.ToVersion ?? p.FromVersion ?? "";
            _b.Append("<tr class=\"role-").Append(p.Role.ToString().ToLowerInvariant()).Append("\"><td>").Append(T(p.Time.ToOffset(offset).ToString("yyyy-MM-dd HH:mm", Inv)))
                .Append("</td><td>").Append(p.Action.ToString().ToLowerInvariant()).Append("</td><td>").Append(T(p.Name)).Append("</td><td>").Append(T(versions))
                .Append("</td><td>").Append(p.Role == PackageRole.Other ? "" : p.Role.ToString()).Append("</td></tr>\n");
        }
        _b.Append("</table>\n");
        if (near.Count > shown.Count)
        {
            _b.Append("<p class=\"note\">").Append(T($"The latest {shown.Count} of {near.Count} changes.")).Append("</p>\n");
        }
    }

    // ----- system profile -----

    private void Profile(ReportMachine rm)
    {
        var m = rm.Evidence;
        _b.Append("<div class=\"card\">\n<h3>System profile</h3>\n<dl class=\"profile\">\n");
        Row("Computer", m.ComputerName);
        Row("Evidence from", m.Origin);
        foreach (var row in rm.Profile)
        {
            Row(row.Label, row.Value);
        }
        if (m.Gpu is { } g && (g.DriverVersion is not null || g.UserSpaceDriverVersion is not null))
        {
            var text = $"kernel module {g.DriverVersion ?? "unknown"}{(g.Flavor is null or "Unknown" ? "" : $" ({g.Flavor})")}, libraries {g.UserSpaceDriverVersion ?? "unknown"}"
                + (g.VersionMismatch == true ? ": MISMATCH" : "");
            Row("NVIDIA driver", text);
        }
        if (m.CoreMap is { Count: > 0 } map)
        {
            Row("Core map", string.Join(", ", map.GroupBy(c => c.CoreType).OrderBy(t => t.Key).Select(t => $"{t.Count()} {CoreName(t.Key)} CPUs")));
        }
        _b.Append("</dl>\n");
        if (rm.Profile.Count == 0)
        {
            _b.Append("<p class=\"note\">No system profile came with the evidence: pipe Get-SystemProfile along, or report on a captured tree with -Root.</p>\n");
        }
        _b.Append("</div>\n");
    }

    private void Row(string label, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return;
        }
        _b.Append("<div class=\"kv\"><dt>").Append(T(label)).Append("</dt><dd>").Append(T(value)).Append("</dd></div>\n");
    }

    // ----- text -----

    /// <summary>Untrusted text, made safe for an element or a quoted attribute: control characters dropped, redacted when asked, HTML-escaped.</summary>
    private string T(string? text, int max = int.MaxValue)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }
        var clean = text.Any(c => char.IsControl(c) && c is not '\n' and not '\t')
            ? new string(text.Where(c => !char.IsControl(c) || c is '\n' or '\t').ToArray())
            : text;
        if (_o.Redactor is { } r)
        {
            clean = r.Redact(clean);
        }
        // Shortened after redaction, so a cut never leaves part of a name.
        return WebUtility.HtmlEncode(Shorten(clean, max));
    }

    private static string F(double v) => v.ToString("0.#", Inv);

    private static string Num(long n) => n.ToString("N0", Inv);

    private static string Plural(long n, string one, string many) => $"{n.ToString("N0", Inv)} {(n == 1 ? one : many)}";

    private static string Shorten(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";

    private static string Span(TimeSpan t) =>
        t.TotalHours < 1 ? $"{Math.Max(0, (int)t.TotalMinutes)} min" : t.TotalDays < 2 ? t.TotalHours.ToString("0.#", Inv) + " h" : $"{(int)t.TotalDays} days";
}
