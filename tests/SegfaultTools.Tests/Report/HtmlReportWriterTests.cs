using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace SegfaultTools.Tests;

/// <summary>
/// The report page as HtmlReportWriter writes it from evidence built in the test: escaping of
/// hostile log text, every section, nothing that fetches, the CPU grid, the bar charts and the
/// timeline's bins and markers.
/// </summary>
public class HtmlReportWriterTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 3, 18, 10, 0, TimeSpan.FromHours(1));

    private static CrashFact Crash(string program, string module, int? cpu, int minutes, ulong offset = 0x1000, CoreType? type = null) => new()
    {
        ComputerName = "m", Time = T0.AddMinutes(minutes), ProcessName = program, Module = module, Cpu = cpu, CoreType = type,
        InstructionPointer = 0x7f0000001000, FaultAddress = 0x7f00dead0000, FileOffset = offset, Kind = SegfaultKind.Segfault,
    };

    /// <summary>A 13900KS-like core map: CPUs 0-15 P-cores (two threads per core), 16-31 E-cores.</summary>
    private static List<CoreFact> HybridMap() => Enumerable.Range(0, 32)
        .Select(c => c < 16
            ? new CoreFact(c, CoreType.Performance, c / 2 * 4, c / 2, 1024, 6000, true)
            : new CoreFact(c, CoreType.Efficiency, 32 + c - 16, 8 + (c - 16) / 4, 600, 4300, true))
        .ToList();

    private static MachineEvidence Seedlike(string name = "m")
    {
        var m = new MachineEvidence(name) { CoreMap = HybridMap(), Origin = "a test" };
        string[] modules = { "libcuda.so.590.48.01", "libc.so.6", "libstdc++.so.6.0.34", "python3.11" };
        int[] cpus = { 16, 20, 20, 8, 9, 10, 16, 20, 11, 16, 21 };
        for (int i = 0; i < cpus.Length; i++)
        {
            m.Add(Crash(i % 3 == 0 ? "python" : "WebExtensions", modules[i % modules.Length], cpus[i], i * 40, (ulong)(0x1000 + i * 0x10)));
        }
        m.Profile = new ProfileFact { CpuModel = "13th Gen Intel(R) Core(TM) i9-13900KS", CpuVendor = "GenuineIntel", CpuFamily = 6, CpuModelNumber = 183, CpuStepping = 1, Microcode = "0x119", MicrocodeRevision = 0x119, IsRaptorLakeAffected = true, MicrocodeHasVminFix = false };
        return m;
    }

    private static string Render(params MachineEvidence[] machines) => Render(new ReportOptions { Generated = T0 }, machines);

    private static string Render(ReportOptions options, params MachineEvidence[] machines) =>
        HtmlReportWriter.Render(ReportMachine.From(machines, DiagnosisEngine.Diagnose(machines)), options);

    private static int Count(string html, string pattern) => Regex.Matches(html, pattern).Count;

    [Fact]
    public void HostileTextFromTheLogIsEscapedEverywhere()
    {
        const string script = "<script>alert(1)</script>";
        const string img = "\"><img src=x onerror=alert(2)>";
        var m = Seedlike();
        m.Add(Crash(script, img, 3, 5));
        m.Add(Crash(script, "lib'quote&amp.so", 3, 6));
        m.Add(new HardwareFact { Time = T0.AddMinutes(7), Kind = HardwareErrorKind.Xid, Code = "Xid 79", Message = "</title><script>alert(3)</script>" });
        m.Packages = new List<PackageChange> { new(T0.AddMinutes(-30), "<b>evil</b>", PackageAction.Upgraded, "1", "2<script>", "pacman.log") };
        var html = Render(m);

        // The page's own script is the only one; no injected element survives.
        Assert.Equal(1, Count(html, "<script"));
        Assert.DoesNotContain("<script>alert", html);
        Assert.DoesNotContain("<img", html);
        Assert.DoesNotContain("<b>evil", html);
        Assert.DoesNotContain("</title><script>", html);
        // The text is still there, escaped, in the bar label, the tooltips and the timeline marker.
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
        Assert.Contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;", html);
        Assert.Contains("lib&#39;quote&amp;amp.so", html);
        Assert.Contains("&lt;/title&gt;&lt;script&gt;alert(3)&lt;/script&gt;", html);
        Assert.Contains("&lt;b&gt;evil&lt;/b&gt;", html);
        // No attribute was closed early: every data-tip value is one quoted string.
        Assert.DoesNotMatch("data-tip=\"[^\"]*\"[^ >/]", html);
    }

    [Fact]
    public void ControlCharactersInNamesAreDropped()
    {
        var m = Seedlike();
        m.Add(Crash("evil\u001b[31mname", "libc.so.6", 1, 3));
        var html = Render(m);
        Assert.DoesNotContain(html, c => c == (char)0x1b);
        Assert.Contains("evil[31mname", html);
    }

    [Fact]
    public void EverySectionIsThere()
    {
        var m = Seedlike();
        m.Add(new HardwareFact { Time = T0.AddMinutes(100), Kind = HardwareErrorKind.MachineCheck, Code = "MCE bank 0", Message = "mce: CPU 16: Machine Check" });
        m.Packages = new List<PackageChange> { new(T0.AddMinutes(61), "linux-zen", PackageAction.Upgraded, "6.18.1", "6.18.2", "pacman.log") };
        var findings = DiagnosisEngine.Diagnose(new[] { m });
        var html = HtmlReportWriter.Render(ReportMachine.From(new[] { m }, findings), new ReportOptions { Generated = T0 });

        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Contains("<meta charset=\"utf-8\">", html);
        Assert.Equal(1, Count(html, "<section class=\"machine\""));
        // Findings: one list item per finding, ranked, with evidence, what speaks against, the next test and the advice.
        Assert.Equal(findings.Count, Count(html, "<li class=\"finding "));
        for (int rank = 1; rank <= findings.Count; rank++)
        {
            Assert.Contains($"data-rank=\"{rank}\" data-cause=\"{findings[rank - 1].Cause}\"", html);
        }
        Assert.Contains("<ul class=\"for\">", html);
        Assert.Contains("<ul class=\"against\">", html);
        var top = findings[0];
        Assert.Equal(DiagnosisCause.CpuInstability, top.Cause);
        Assert.Contains("<code class=\"next-test\">" + System.Net.WebUtility.HtmlEncode(top.NextTest!) + "</code>", html);
        Assert.Contains("<b>Recommendation:</b> " + System.Net.WebUtility.HtmlEncode(top.Recommendation!), html);
        Assert.Matches("<span class=\"w pos\">\\+\\d\\.\\d+</span>", html);
        // The charts.
        Assert.Contains("<svg class=\"chart cpu-grid\"", html);
        Assert.Contains("data-chart=\"modules\"", html);
        Assert.Contains("data-chart=\"programs\"", html);
        Assert.Contains("<svg class=\"chart timeline\"", html);
        Assert.Equal(1, Count(html, "<g class=\"tl-hw\""));
        Assert.Equal(1, Count(html, "<g class=\"tl-pkg\""));
        // The package table and the profile.
        Assert.Contains("<table class=\"packages\" data-rows=\"1\">", html);
        Assert.Contains("<tr class=\"role-kernel\">", html);
        Assert.Contains("<dl class=\"profile\">", html);
        Assert.Contains("<dt>CPU</dt><dd>13th Gen Intel(R) Core(TM) i9-13900KS</dd>", html);
        Assert.Contains("<dt>Raptor Lake</dt><dd>affected part; Vmin-shift fix MISSING</dd>", html);
        Assert.Contains("<dt>Core map</dt><dd>16 P-core CPUs, 16 E-core CPUs</dd>", html);
        Assert.EndsWith("</html>\n", html);
    }

    [Fact]
    public void NothingOnThePageFetches()
    {
        var m = Seedlike();
        // Log text with URLs stays text: it is never an attribute that loads.
        m.Add(Crash("https://evil.example/x.js", "http://evil.example/lib.so", 2, 3));
        m.Add(new HardwareFact { Time = T0, Kind = HardwareErrorKind.KernelOops, Message = "see <a href=\"https://evil.example\">here</a>" });
        var html = Render(m);

        Assert.DoesNotMatch(@"(?i)\b(src|href|action|poster|data|xlink:href)\s*=\s*[""']?\s*(https?:)?//", html);
        Assert.DoesNotMatch(@"(?i)\bsrc\s*=", html);
        Assert.DoesNotMatch(@"(?i)url\(", html);
        Assert.DoesNotMatch(@"(?i)@import", html);
        Assert.DoesNotMatch(@"(?i)<(link|iframe|object|embed|img|image|use|audio|video|source|base)\b", html);
        // Links are only the page's own anchors (none with one machine).
        Assert.DoesNotMatch(@"href=""[^#]", html);
        // The policy forbids every fetch and pins the inline style and script by their hashes.
        var csp = Regex.Match(html, "<meta http-equiv=\"Content-Security-Policy\" content=\"([^\"]+)\">").Groups[1].Value;
        Assert.StartsWith("default-src 'none';", csp);
        var style = Regex.Match(html, "<style>(.*?)</style>", RegexOptions.Singleline).Groups[1].Value;
        var script = Regex.Match(html, "<script>(.*?)</script>", RegexOptions.Singleline).Groups[1].Value;
        Assert.Contains($"style-src 'sha256-{Sha256(style)}'", csp);
        Assert.Contains($"script-src 'sha256-{Sha256(script)}'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        // No inline style attribute (the policy would block it) and no inline event handler.
        Assert.DoesNotMatch(@"\sstyle=""", html);
        Assert.DoesNotMatch(@"(?i)\son[a-z]+=", html);
        // The script ends by telling a headless browser it rendered.
        Assert.Contains("body.dataset.rendered = 'ok'", script);
    }

    private static string Sha256(string text) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void TheCpuGridHasOneCellPerCpuColouredByItsCoreType()
    {
        var m = Seedlike();
        var html = Render(m);
        var grid = Regex.Match(html, "<svg class=\"chart cpu-grid\".*?</svg>", RegexOptions.Singleline).Value;
        Assert.Contains("data-cpus=\"32\"", grid);
        var cells = Regex.Matches(grid, "<rect class=\"cpu (?<cls>cpu-[a-z]+)[^\"]*\" data-cpu=\"(?<cpu>\\d+)\" data-count=\"(?<count>\\d+)\" data-core-type=\"(?<type>\\w+)\"")
            .Select(x => (Class: x.Groups["cls"].Value, Cpu: int.Parse(x.Groups["cpu"].Value), Count: long.Parse(x.Groups["count"].Value), Type: x.Groups["type"].Value))
            .ToList();
        Assert.Equal(Enumerable.Range(0, 32), cells.Select(c => c.Cpu));
        Assert.All(cells.Where(c => c.Cpu < 16), c => Assert.Equal(("cpu-p", "Performance"), (c.Class, c.Type)));
        Assert.All(cells.Where(c => c.Cpu >= 16), c => Assert.Equal(("cpu-e", "Efficiency"), (c.Class, c.Type)));
        Assert.All(cells, c => Assert.Equal(m.ByCpu.GetValueOrDefault(c.Cpu), c.Count));
        Assert.Equal(3, cells.Single(c => c.Cpu == 20).Count);
        // The count is written in the cell, and the busiest cell is the most opaque.
        Assert.Matches("data-cpu=\"20\"[^>]*fill-opacity=\"1.00\"", grid);
        Assert.Matches("data-cpu=\"0\"[^>]*fill-opacity=\"0.12\"", grid);
        Assert.Contains(">3</text>", grid);
        Assert.Contains("E-core: 7 crashes on 16 CPUs (0.44 per CPU)", html);
        Assert.Contains("P-core: 4 crashes on 16 CPUs (0.25 per CPU)", html);
    }

    [Fact]
    public void WithoutACoreMapTheGridRunsToTheHighestCpuACrashNames()
    {
        var m = new MachineEvidence("m");
        m.Add(Crash("a", "libc.so.6", 5, 0, type: CoreType.Efficiency));
        m.Add(Crash("a", "libc.so.6", 2, 1));
        m.Add(Crash("a", "libc.so.6", null, 2));
        var html = Render(m);
        var cells = Regex.Matches(html, "<rect class=\"cpu (cpu-[a-z]+)\" data-cpu=\"(\\d+)\"").Select(x => (x.Groups[2].Value, x.Groups[1].Value)).ToList();
        Assert.Equal(new[] { ("0", "cpu-unknown"), ("1", "cpu-unknown"), ("2", "cpu-unknown"), ("3", "cpu-unknown"), ("4", "cpu-unknown"), ("5", "cpu-e") }, cells);
        Assert.Contains("1 crash names no CPU.", html);
        Assert.Contains("No core map came with the evidence", html);
    }

    [Fact]
    public void AUniformMachineAndAFailedStabilityTestAreDrawn()
    {
        var m = new MachineEvidence("m") { CoreMap = Enumerable.Range(0, 8).Select(c => new CoreFact(c, CoreType.Uniform, c, null, 1024, 5000, c != 7)).ToList() };
        m.Add(Crash("a", "libc.so.6", 3, 0));
        m.Add(new StabilityFact { Cpu = 3, Passed = false, Errors = 2, Workload = "Mixed" });
        var html = Render(m);
        Assert.Equal(8, Count(html, "<rect class=\"cpu cpu-uniform"));
        Assert.Contains("<rect class=\"cpu cpu-uniform failed\" data-cpu=\"3\"", html);
        Assert.Contains("<rect class=\"cpu cpu-uniform offline\" data-cpu=\"7\"", html);
    }

    [Fact]
    public void NoCpuNumbersAndNoMapSaySoInsteadOfAnEmptyGrid()
    {
        var m = new MachineEvidence("m");
        m.Add(Crash("a", "libc.so.6", null, 0));
        var html = Render(m);
        Assert.DoesNotContain("chart cpu-grid", html);
        Assert.Contains("data-empty=\"cpu-grid\"", html);
    }

    [Fact]
    public void BarChartsShowTheTopModulesAndSumTheRest()
    {
        var m = new MachineEvidence("m");
        for (int i = 0; i < 20; i++)
        {
            for (int k = 0; k <= i; k++)
            {
                m.Add(Crash($"prog{i % 3}", $"lib{i:00}.so", k % 4, i * 30 + k, (ulong)(0x100 * i + k)));
            }
        }
        var html = Render(m);
        var modules = Regex.Match(html, "<svg class=\"chart bars\"[^>]*data-chart=\"modules\".*?</svg>", RegexOptions.Singleline).Value;
        Assert.Contains($"data-bars=\"{HtmlReportWriter.MaxBars}\"", modules);
        var bars = Regex.Matches(modules, "<text class=\"bar-label\"[^>]*>([^<]*)</text><rect class=\"bar( other)?\" data-count=\"(\\d+)\"")
            .Select(x => (Label: x.Groups[1].Value, Other: x.Groups[2].Success, Count: long.Parse(x.Groups[3].Value))).ToList();
        Assert.Equal(HtmlReportWriter.MaxBars, bars.Count);
        Assert.Equal(("lib19.so", 20L), (bars[0].Label, bars[0].Count));
        Assert.Equal(("lib09.so", 10L), (bars[10].Label, bars[10].Count));
        Assert.Equal(("(9 others)", true, 45L), bars[11]);
        Assert.Equal(m.Crashes, bars.Sum(b => b.Count));
        var programs = Regex.Match(html, "<svg class=\"chart bars\"[^>]*data-chart=\"programs\".*?</svg>", RegexOptions.Singleline).Value;
        Assert.Contains("data-bars=\"3\"", programs);
    }

    [Fact]
    public void TheTimelineBinsByHourWithHardwareAndPackageMarkers()
    {
        var m = new MachineEvidence("m");
        m.Add(Crash("a", "libc.so.6", 1, 0));     // 18:10
        m.Add(Crash("a", "libc.so.6", 1, 5));     // 18:15
        m.Add(Crash("a", "libc.so.6", 1, 185));   // 21:15
        m.Add(new HardwareFact { Time = T0.AddMinutes(60), Kind = HardwareErrorKind.Xid, Code = "Xid 79", Meaning = "GPU has fallen off the bus" });
        m.Packages = new List<PackageChange>
        {
            new(T0.AddMinutes(120), "nvidia-utils", PackageAction.Upgraded, "580", "590", "pacman.log"),
            new(T0.AddMinutes(121), "linux-zen", PackageAction.Upgraded, "6.18.1", "6.18.2", "pacman.log"),
            new(T0.AddDays(-40), "bash", PackageAction.Upgraded, "5.2", "5.3", "pacman.log"),
        };
        var bins = HtmlReportWriter.Bin(m)!;
        Assert.Equal("hour", bins.UnitName);
        Assert.Equal(TimeSpan.FromHours(1), bins.Step);
        Assert.Equal(TimeSpan.FromHours(1), bins.Start.Offset);
        Assert.Equal(12, bins.Count); // at least 12 hours, the records in the middle
        int first = Array.FindIndex(bins.Crashes, c => c > 0);
        Assert.Equal(new DateTimeOffset(2026, 1, 3, 18, 0, 0, TimeSpan.FromHours(1)), bins.StartOf(first));
        Assert.Equal(2, bins.Crashes[first]);
        Assert.Equal(1, bins.Crashes[first + 3]);
        Assert.Equal(3, bins.Crashes.Sum());
        Assert.Single(bins.Hardware[first + 1]);
        Assert.Equal(2, bins.Packages[first + 2].Count);
        Assert.Equal(2, bins.Packages.Sum(p => p.Count)); // bash was upgraded long before: not on the axis

        var html = Render(m);
        var svg = Regex.Match(html, "<svg class=\"chart timeline\".*?</svg>", RegexOptions.Singleline).Value;
        Assert.Contains("data-unit=\"hour\" data-bins=\"12\" data-bars=\"2\" data-hardware=\"1\" data-packages=\"2\"", svg);
        Assert.Equal(2, Count(svg, "<rect class=\"tl-bar\""));
        Assert.Contains($"<g class=\"tl-hw\" data-bin=\"{first + 1}\" data-count=\"1\"", svg);
        Assert.Contains("Xid Xid 79 GPU has fallen off the bus", svg);
        Assert.Contains($"<g class=\"tl-pkg\" data-bin=\"{first + 2}\" data-count=\"2\"", svg);
        Assert.Contains("upgraded nvidia-utils 590, upgraded linux-zen 6.18.2", svg);
        Assert.Contains("times in UTC+01:00", svg);
        // The table lists the changes from a month before the first crash: not bash, 40 days before.
        Assert.Contains("<table class=\"packages\" data-rows=\"2\">", html);
        Assert.DoesNotContain(">bash<", html);
    }

    [Fact]
    public void TheTimelineReachesBackToAPackageChangeOfTheThreeDaysBefore()
    {
        var m = new MachineEvidence("m");
        m.Add(Crash("a", "libgnutls.so.30", 1, 0));
        m.Add(Crash("b", "libgnutls.so.30", 1, 120));
        m.Packages = new List<PackageChange>
        {
            new(T0.AddHours(-13), "linux-image-surface", PackageAction.Upgraded, "6.9.3", "6.10.3", "dpkg.log"),
            new(T0.AddDays(-7), "bash", PackageAction.Upgraded, "5.2", "5.3", "dpkg.log"),
        };
        var bins = HtmlReportWriter.Bin(m)!;
        Assert.Equal("hour", bins.UnitName);
        Assert.Equal(T0.AddHours(-13).AddMinutes(-10), bins.Start);
        Assert.Equal("linux-image-surface", Assert.Single(bins.Packages[0]).Name);
        Assert.Equal(1, bins.Packages.Sum(p => p.Count));
        Assert.Equal(2, bins.Crashes.Sum());
    }

    [Fact]
    public void ALongHistoryIsBinnedByDayOrWeek()
    {
        var m = new MachineEvidence("m");
        m.Add(Crash("a", "libc.so.6", 1, 0));
        m.Add(Crash("a", "libc.so.6", 1, 60 * 24 * 20));
        Assert.Equal("day", HtmlReportWriter.Bin(m)!.UnitName);
        Assert.Equal(21, HtmlReportWriter.Bin(m)!.Count);
        m.Add(Crash("a", "libc.so.6", 1, 60 * 24 * 400));
        var weeks = HtmlReportWriter.Bin(m)!;
        Assert.Equal("week", weeks.UnitName);
        Assert.Equal(DayOfWeek.Monday, weeks.Start.DayOfWeek);
        Assert.Equal(3, weeks.Crashes.Sum());
    }

    [Fact]
    public void NothingDatedLeavesTheTimelineOutWithANote()
    {
        var m = new MachineEvidence("m");
        m.Add(new CrashFact { ProcessName = "a", Module = "libc.so.6", InstructionPointer = 0x1000, FileOffset = 0x10 });
        Assert.Null(HtmlReportWriter.Bin(m));
        var html = Render(m);
        Assert.Contains("data-empty=\"timeline\"", html);
        Assert.DoesNotContain("chart timeline", html);
    }

    [Fact]
    public void SeveralMachinesGetOneSectionEachWithTheirOwnFindings()
    {
        var a = Seedlike("alpha");
        var b = new MachineEvidence("beta");
        for (int i = 0; i < 30; i++)
        {
            b.Add(Crash(i % 2 == 0 ? "gimp" : "inkscape", "libfoo.so.1", i % 16, i * 60, 0x4a2b1));
        }
        var html = Render(b, a);
        Assert.Equal(2, Count(html, "<section class=\"machine\""));
        Assert.True(html.IndexOf("data-machine=\"alpha\"", StringComparison.Ordinal) < html.IndexOf("data-machine=\"beta\"", StringComparison.Ordinal));
        Assert.Contains("<a href=\"#machine-1\">alpha</a><a href=\"#machine-2\">beta</a>", html);
        var beta = html[html.IndexOf("data-machine=\"beta\"", StringComparison.Ordinal)..];
        Assert.Contains("data-rank=\"1\" data-cause=\"LibraryBug\"", beta);
        Assert.Equal(2, Count(html, "<svg class=\"chart cpu-grid\""));
        Assert.Equal(2, Count(html, "<svg class=\"chart timeline\""));
    }

    [Fact]
    public void RedactionReplacesHostsUsersAndAddressesConsistently()
    {
        var m = Seedlike("garuda-13900ks");
        m.Origin = "the captured tree /home/alice/evidence";
        // The user name comes before the home path that shows it: the first pass has learnt it.
        m.Add(Crash("alice", "/home/alice/bin/libx.so", 4, 2));
        m.Add(new HardwareFact { Time = T0, Kind = HardwareErrorKind.PcieAer, Message = "garuda-13900ks: link to 192.168.1.20 from 10:7b:44:aa:bb:cc via fe80::1c2b:3cff:fe4d:5e6f, again 192.168.1.20; PCI 0000:01:00.0 at 05:31:02" });
        var redactor = new Redactor();
        redactor.AddHost("garuda-13900ks");
        var html = Render(new ReportOptions { Generated = T0, Redactor = redactor }, m);

        Assert.DoesNotContain("garuda", html);
        Assert.DoesNotContain("alice", html);
        Assert.DoesNotContain("192.168.1.20", html);
        Assert.DoesNotContain("10:7b:44:aa:bb:cc", html);
        Assert.DoesNotContain("fe80:", html);
        Assert.Contains("data-machine=\"host-1\"", html);
        Assert.Contains("<title>Segfault report: host-1</title>", html);
        Assert.Contains("evidence from the captured tree /home/user-1/evidence", html);
        Assert.Contains(">user-1</text>", html); // the program's bar label
        Assert.Contains("/home/user-1/bin/libx.so", html);
        // The same address gets the same token (whatever the redactor's spelling of it); PCI addresses and times stay.
        Assert.Matches(@"host-1: link to (?<ip>[a-z0-9]+-\d+) from mac-\d+ via [a-z0-9]+-\d+, again \k<ip>; PCI 0000:01:00\.0 at 05:31:02", html);
        Assert.Contains("are redacted", html);
        // Ordinary text is left alone.
        Assert.Contains("libcuda.so.590.48.01", html);
        Assert.Contains("13th Gen Intel(R) Core(TM) i9-13900KS", html);
    }
}
