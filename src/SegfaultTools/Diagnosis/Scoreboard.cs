using System.Globalization;

namespace SegfaultTools;

/// <summary>
/// The running score of every cause for one machine. Each rule adds signed weights with the fact
/// behind them; a cause's confidence is the logistic of its prior plus its weights, so the same
/// evidence always gives the same ranking and every step of it is written down.
/// </summary>
internal sealed class Scoreboard
{
    /// <summary>The score every cause starts from: about 12 % before any evidence.</summary>
    public const double Prior = -2.0;

    private readonly Dictionary<DiagnosisCause, CauseScore> _scores = new();

    public sealed class CauseScore
    {
        public double Score { get; set; } = Prior;
        public List<string> For { get; } = new();
        public List<string> Against { get; } = new();
        public bool Touched { get; set; }
        public string? NextTest { get; set; }
        public string? Recommendation { get; set; }
    }

    public CauseScore this[DiagnosisCause cause] => _scores.TryGetValue(cause, out var s) ? s : _scores[cause] = new CauseScore();

    /// <summary>Moves <paramref name="cause"/> by <paramref name="weight"/> because of <paramref name="fact"/>.</summary>
    public void Add(DiagnosisCause cause, double weight, string fact)
    {
        var s = this[cause];
        s.Touched = true;
        s.Score += weight;
        var text = $"{Signed(weight)}: {fact}";
        if (weight >= 0)
        {
            s.For.Add(text);
        }
        else
        {
            s.Against.Add(text);
        }
    }

    /// <summary>Records a fact a reader might hold against <paramref name="cause"/> that does not move its score, with why.</summary>
    public void Note(DiagnosisCause cause, string fact)
    {
        var s = this[cause];
        s.Against.Add($"0: {fact}");
    }

    public void Advise(DiagnosisCause cause, string? nextTest, string? recommendation)
    {
        var s = this[cause];
        s.NextTest ??= nextTest;
        s.Recommendation ??= recommendation;
    }

    public IEnumerable<(DiagnosisCause Cause, CauseScore Score)> Touched => _scores.Where(kv => kv.Value.Touched).Select(kv => (kv.Key, kv.Value));

    public static double Confidence(double score) => Math.Round(1.0 / (1.0 + Math.Exp(-score)), 3);

    public static ConfidenceLevel LevelOf(double confidence) => confidence >= 0.75 ? ConfidenceLevel.High : confidence >= 0.45 ? ConfidenceLevel.Medium : ConfidenceLevel.Low;

    private static string Signed(double w) => (w >= 0 ? "+" : "-") + Math.Abs(w).ToString("0.0", CultureInfo.InvariantCulture);
}
