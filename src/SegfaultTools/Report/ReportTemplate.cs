using System.Security.Cryptography;
using System.Text;

namespace SegfaultTools;

/// <summary>
/// The report page's style sheet and script, inlined into every report so the file needs nothing
/// from the network. The Content-Security-Policy pins both by their SHA-256 hash: a browser runs no
/// other script and loads nothing else, whatever a log line smuggled into the page.
/// </summary>
internal static class ReportTemplate
{
    public const string Css = """

:root {
  --ink: #1d2430; --muted: #5b6475; --line: #d9dee7; --card: #ffffff; --page: #f3f5f9;
  --p: #2f6fdf; --e: #1f9d74; --lpe: #8a5cd1; --uniform: #56657f; --unknown: #9aa3b2;
  --crash: #d5473a; --hw: #b3261e; --pkg: #b7791f; --good: #2e7d32;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--page); color: var(--ink); font: 14px/1.45 "DejaVu Sans", "Segoe UI", system-ui, sans-serif; }
header.page { background: #1d2430; color: #fff; padding: 18px 32px; }
header.page h1 { margin: 0 0 4px; font-size: 22px; font-weight: 600; }
header.page p { margin: 0; color: #c9d1de; font-size: 13px; }
header.page nav a { color: #fff; margin-right: 14px; }
main { max-width: 1240px; margin: 0 auto; padding: 16px 20px 40px; }
section.machine { margin-bottom: 36px; }
section.machine > h2 { font-size: 20px; margin: 8px 0 12px; }
section.machine > h2 small { color: var(--muted); font-weight: normal; font-size: 13px; margin-left: 8px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin-bottom: 14px; }
.card h3 { margin: 0 0 10px; font-size: 15px; }
.card p.note { color: var(--muted); font-size: 12.5px; margin: 6px 0 0; }
.row { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
.row > .card { min-width: 0; }
.stats { display: grid; grid-template-columns: repeat(6, 1fr); gap: 10px; margin-bottom: 14px; }
.stat { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; }
.stat b { display: block; font-size: 19px; }
.stat span { color: var(--muted); font-size: 12px; }
ol.findings { list-style: none; margin: 0; padding: 0; }
li.finding { border-top: 1px solid var(--line); padding: 6px 0; }
li.finding:first-child { border-top: 0; }
.finding-head { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; }
.rank { display: inline-block; width: 24px; height: 24px; line-height: 24px; text-align: center; border-radius: 12px; background: #e6eaf1; font-weight: 600; }
.cause { font-weight: 600; font-size: 15px; }
.level { font-size: 11.5px; padding: 1px 8px; border-radius: 10px; color: #fff; background: var(--uniform); }
.level-high .level { background: var(--crash); }
.level-medium .level { background: var(--pkg); }
.level-low .level { background: var(--unknown); }
.conf { color: var(--muted); font-size: 12.5px; }
svg.meter .meter-bg { fill: #e6eaf1; }
svg.meter .meter-fill { fill: var(--uniform); }
.level-high svg.meter .meter-fill { fill: var(--crash); }
.level-medium svg.meter .meter-fill { fill: var(--pkg); }
.summary { margin: 2px 0 0 34px; }
.finding details { margin: 2px 0 0 34px; }
.finding summary { cursor: pointer; color: var(--muted); font-size: 12.5px; }
.finding ul { margin: 4px 0 6px; padding-left: 18px; }
.finding ul.for li::marker { color: var(--good); }
.finding ul.against li::marker { color: var(--crash); }
.finding h4 { margin: 4px 0 0; font-size: 12.5px; color: var(--muted); font-weight: 600; }
.finding p.next, .finding p.recommendation { margin: 4px 0; }
.finding p.next b, .finding p.recommendation b { color: var(--muted); font-size: 12.5px; }
.w { display: inline-block; min-width: 40px; font-family: "DejaVu Sans Mono", monospace; font-size: 12px; }
.w.pos { color: var(--good); } .w.neg { color: var(--crash); } .w.zero { color: var(--muted); }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 12.5px; background: #eef1f6; padding: 1px 4px; border-radius: 3px; word-break: break-all; }
button.toggle { float: right; font: inherit; font-size: 12px; border: 1px solid var(--line); background: #fff; border-radius: 4px; padding: 2px 8px; cursor: pointer; }
svg.chart { display: block; max-width: 100%; height: auto; }
svg.chart text { font-family: "DejaVu Sans", sans-serif; font-size: 11px; fill: var(--ink); }
.cpu-p { fill: var(--p); } .cpu-e { fill: var(--e); } .cpu-lpe { fill: var(--lpe); } .cpu-uniform { fill: var(--uniform); } .cpu-unknown { fill: var(--unknown); }
rect.cpu { stroke: #fff; stroke-width: 1; }
rect.cpu.failed { stroke: var(--hw); stroke-width: 3; }
rect.cpu.offline { stroke: var(--unknown); stroke-dasharray: 3 2; }
svg.cpu-grid text.cpu-count { font-size: 15px; font-weight: 600; text-anchor: middle; }
svg.cpu-grid text.cpu-label { font-size: 9.5px; text-anchor: middle; fill: var(--muted); }
svg.cpu-grid text.hot { fill: #fff; }
.legend { display: flex; flex-wrap: wrap; gap: 12px; font-size: 12px; color: var(--muted); margin-top: 6px; }
.legend i { display: inline-block; width: 12px; height: 12px; border-radius: 2px; vertical-align: -2px; margin-right: 4px; }
.legend i.p { background: var(--p); } .legend i.e { background: var(--e); } .legend i.lpe { background: var(--lpe); }
.legend i.uniform { background: var(--uniform); } .legend i.unknown { background: var(--unknown); }
.legend i.crash { background: var(--crash); } .legend i.hw { background: var(--hw); } .legend i.pkg { background: var(--pkg); }
rect.bar { fill: var(--crash); } rect.bar.other { fill: var(--unknown); }
svg.bars text.bar-value { fill: var(--muted); }
rect.tl-bar { fill: var(--crash); }
svg.timeline line.axis, svg.timeline line.tick { stroke: #9aa3b2; stroke-width: 1; }
svg.timeline line.grid { stroke: #e6eaf1; stroke-width: 1; }
svg.timeline text.axis-label { fill: var(--muted); font-size: 10.5px; }
svg.timeline .tl-hw path { fill: var(--hw); }
svg.timeline .tl-hw line { stroke: var(--hw); stroke-width: 1; stroke-dasharray: 2 3; }
svg.timeline .tl-pkg line { stroke: var(--pkg); stroke-width: 1.5; stroke-dasharray: 5 3; }
svg.timeline .tl-pkg rect { fill: var(--pkg); }
svg.timeline .tl-hw text, svg.timeline .tl-pkg text { font-size: 10px; font-weight: 600; }
svg.timeline .hot rect.tl-bar, svg.timeline rect.tl-bar:hover, rect.bar:hover { fill: #a8281e; }
.readout { min-height: 18px; font-size: 12.5px; color: var(--muted); margin-top: 4px; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; }
th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 600; white-space: nowrap; }
dl.profile { margin: 0; columns: 2; column-gap: 28px; font-size: 12.5px; }
dl.profile .kv { display: grid; grid-template-columns: 120px 1fr; gap: 8px; break-inside: avoid; padding: 3px 0; border-bottom: 1px solid var(--line); }
dl.profile dt { color: var(--muted); font-weight: 600; }
dl.profile dd { margin: 0; white-space: pre-line; overflow-wrap: anywhere; }
tr.role-kernel td, tr.role-gpudriver td, tr.role-microcode td, tr.role-clibrary td { font-weight: 600; }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 10px; }
@media (max-width: 900px) { .row { grid-template-columns: 1fr; } .stats { grid-template-columns: repeat(3, 1fr); } dl.profile { columns: 1; } }
@media print { button.toggle { display: none; } body { background: #fff; } }

""";

    /// <summary>
    /// The page's only script: a read-out for what the pointer is over, the evidence toggle, and a
    /// self-check that the charts are there. It ends by setting body data-rendered="ok", or
    /// data-error with what failed, so a headless browser can tell a page that rendered.
    /// </summary>
    public const string Script = """

(function () {
  var body = document.body;
  function fail(message) {
    body.setAttribute('data-error', (body.getAttribute('data-error') ? body.getAttribute('data-error') + '; ' : '') + message);
  }
  window.addEventListener('error', function (e) { fail(String(e && e.message ? e.message : e)); });
  try {
    // What the pointer is over, in words, under each chart (the SVG <title> is the native tooltip too).
    document.querySelectorAll('.card').forEach(function (card) {
      var out = card.querySelector('.readout');
      if (!out) { return; }
      card.addEventListener('mouseover', function (e) {
        var el = e.target;
        while (el && el !== card && !(el.getAttribute && el.getAttribute('data-tip'))) { el = el.parentNode; }
        out.textContent = el && el !== card ? el.getAttribute('data-tip') : '';
      });
    });
    // Show or hide the evidence of every finding of a machine at once.
    document.querySelectorAll('button.toggle').forEach(function (button) {
      button.addEventListener('click', function () {
        var all = button.closest('.card').querySelectorAll('details');
        var open = button.getAttribute('aria-pressed') !== 'true';
        all.forEach(function (d) { d.open = open; });
        button.setAttribute('aria-pressed', open ? 'true' : 'false');
        button.textContent = open ? 'Hide the evidence' : 'Show all evidence';
      });
    });
    // Self-check: every machine has its charts, drawn with the number of marks the writer declared.
    var machines = document.querySelectorAll('section.machine');
    if (machines.length === 0) { fail('no machine section'); }
    var cells = 0;
    machines.forEach(function (m) {
      var name = m.getAttribute('data-machine');
      // A chart with nothing to draw is replaced by a note that says so (data-empty).
      [['svg.cpu-grid', 'cpu-grid'], ['svg.bars[data-chart="modules"]', 'modules'], ['svg.bars[data-chart="programs"]', 'programs'], ['svg.timeline', 'timeline']].forEach(function (c) {
        var svg = m.querySelector(c[0]);
        if (!svg) { if (!m.querySelector('[data-empty="' + c[1] + '"]')) { fail(name + ': ' + c[1] + ' missing'); } return; }
        if (svg.getBoundingClientRect().width <= 0) { fail(name + ': ' + c[1] + ' has no size'); }
      });
      var grid = m.querySelector('svg.cpu-grid');
      if (grid) {
        var n = grid.querySelectorAll('rect.cpu').length;
        if (String(n) !== grid.getAttribute('data-cpus')) { fail(name + ': ' + n + ' CPU cells, ' + grid.getAttribute('data-cpus') + ' declared'); }
        cells += n;
      }
      m.querySelectorAll('svg.bars').forEach(function (b) {
        var bars = b.querySelectorAll('rect.bar').length;
        if (String(bars) !== b.getAttribute('data-bars')) { fail(name + ': ' + b.getAttribute('data-chart') + ' has ' + bars + ' bars'); }
      });
      var tl = m.querySelector('svg.timeline');
      if (tl) {
        var marks = tl.querySelectorAll('rect.tl-bar').length;
        if (String(marks) !== tl.getAttribute('data-bars')) { fail(name + ': timeline has ' + marks + ' bars'); }
      }
    });
    body.setAttribute('data-cpu-cells', String(cells));
    body.setAttribute('data-charts', String(document.querySelectorAll('svg.chart').length));
    if (!body.getAttribute('data-error')) { body.dataset.rendered = 'ok'; }
  } catch (e) {
    fail(String(e && e.message ? e.message : e));
  }
})();

""";

    /// <summary>The CSP source for an inline block: 'sha256-BASE64' of its exact text.</summary>
    public static string HashSource(string inline) => $"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(inline)))}'";

    /// <summary>No fetch of any kind; only this style sheet and this script.</summary>
    public static string ContentSecurityPolicy =>
        $"default-src 'none'; style-src {HashSource(Css)}; script-src {HashSource(Script)}; img-src data:; base-uri 'none'; form-action 'none'";
}
