using System.Globalization;

namespace SegfaultTools;

/// <summary>
/// Test-only faults, read from one environment variable by the worker alone, so the tests can prove
/// that a wrong result, a crash and a hang are each caught and blamed on the right CPU. Nothing in
/// the module sets it.
/// </summary>
/// <remarks>
/// Syntax: comma-separated <c>kind@cpu[:workload]</c>, kind one of <c>wrong</c> (every iteration
/// corrupts one value in its data path), <c>crash</c> (the worker dies by SIGSEGV after its first
/// iteration), <c>hang</c> (the worker stops and says nothing more). Example: <c>wrong@1:Integer</c>.
/// </remarks>
internal sealed class TestFaults
{
    public const string Variable = "SEGFAULTTOOLS_TEST_FAULT";

    private readonly List<(string Kind, int Cpu, CpuWorkload? Workload)> _faults;

    private TestFaults(List<(string, int, CpuWorkload?)> faults) => _faults = faults;

    public static TestFaults None { get; } = new(new());

    public static TestFaults Parse(string? text)
    {
        var faults = new List<(string, int, CpuWorkload?)>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var at = part.IndexOf('@');
            if (at <= 0)
            {
                continue;
            }
            var rest = part[(at + 1)..];
            CpuWorkload? workload = null;
            var colon = rest.IndexOf(':');
            if (colon >= 0)
            {
                workload = Enum.TryParse<CpuWorkload>(rest[(colon + 1)..], ignoreCase: true, out var w) ? w : null;
                rest = rest[..colon];
            }
            if (int.TryParse(rest, NumberStyles.Integer, CultureInfo.InvariantCulture, out var cpu))
            {
                faults.Add((part[..at].ToLowerInvariant(), cpu, workload));
            }
        }
        return new TestFaults(faults);
    }

    public static TestFaults FromEnvironment() => Parse(Environment.GetEnvironmentVariable(Variable));

    public bool Has(string kind, int cpu, CpuWorkload workload) =>
        _faults.Any(f => f.Kind == kind && f.Cpu == cpu && (f.Workload is null || f.Workload == workload));
}
