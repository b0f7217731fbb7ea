using System.Globalization;

namespace SegfaultTools;

/// <summary>
/// A goodness-of-fit result. <see cref="Test"/> names the test the p-value comes from;
/// <see cref="SmallExpectedCounts"/> says that the chi-square approximation would be shaky for these
/// counts (whether or not an exact test replaced it).
/// </summary>
internal sealed record ChiSquareResult(double Statistic, int DegreesOfFreedom, double PValue, bool SmallExpectedCounts, string Test);

/// <summary>
/// The category that stands out most: its one-sided binomial p-value (this many or more by chance)
/// and that p-value times the number of categories tried (Bonferroni, capped at 1), because picking
/// the most extreme of k categories after the fact makes a small p-value k times more likely.
/// </summary>
internal sealed record OutlierResult(int Index, long Observed, double Expected, double Ratio, double PValue, double CorrectedPValue);

/// <summary>
/// Whether crashes fall on CPUs (cores, clusters, core types) in the proportions chance would give:
/// the expected weights are each category's share of the work (time-share, core count), the observed
/// counts are the crashes on it.
/// </summary>
internal static class PlacementTest
{
    /// <summary>
    /// Pearson's chi-square test of the counts against the weights' proportions. Degrees of freedom:
    /// the categories with a weight above 0, minus one. Where more than a fifth of the expected counts
    /// are below 5 (or any is below 1, Cochran's rule) the approximation is shaky; the p-value then
    /// comes from the exact multinomial distribution of the same statistic where that can be computed
    /// in reasonable time.
    /// </summary>
    public static ChiSquareResult GoodnessOfFit(IReadOnlyList<long> observed, IReadOnlyList<double> expectedWeights)
    {
        var probabilities = Validate(observed, expectedWeights, out long total);
        var cells = Enumerable.Range(0, observed.Count).Where(i => probabilities[i] > 0).ToArray();
        int df = cells.Length - 1;

        long impossible = Enumerable.Range(0, observed.Count).Where(i => probabilities[i] == 0).Sum(i => observed[i]);
        if (impossible > 0)
        {
            // A count where the weights say none can fall: no amount of chance explains it.
            return new ChiSquareResult(double.PositiveInfinity, df, 0, false,
                $"Pearson chi-square ({impossible.ToString(CultureInfo.InvariantCulture)} observed in categories with expected weight 0)");
        }
        if (total == 0)
        {
            return new ChiSquareResult(0, df, 1, true, "none (no observations)");
        }
        if (df == 0)
        {
            return new ChiSquareResult(0, 0, 1, false, "none (only one category can receive observations)");
        }

        double statistic = 0;
        int under5 = 0;
        bool under1 = false;
        foreach (int i in cells)
        {
            double e = total * probabilities[i];
            double diff = observed[i] - e;
            statistic += diff * diff / e;
            under5 += e < 5 ? 1 : 0;
            under1 |= e < 1;
        }
        bool small = under5 > 0.2 * cells.Length || under1;
        double approximate = SpecialFunctions.ChiSquareSurvival(statistic, df);
        if (!small)
        {
            return new ChiSquareResult(statistic, df, approximate, false, "Pearson chi-square");
        }

        var exact = ExactMultinomial.PValue(cells.Select(i => observed[i]).ToArray(), cells.Select(i => probabilities[i]).ToArray(), statistic);
        return exact is double p
            ? new ChiSquareResult(statistic, df, p, true,
                "exact multinomial test of Pearson's statistic (expected counts too small for the chi-square approximation)")
            : new ChiSquareResult(statistic, df, approximate, true,
                "Pearson chi-square (approximate: expected counts are small and the exact test was too large to compute)");
    }

    /// <summary>P(X ≥ k) for X ~ Binomial(n, p), summed exactly (no normal approximation) in a way that neither overflows nor underflows early for n up to 10^7 and beyond.</summary>
    public static double BinomialTail(long k, long n, double p)
    {
        if (n < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, "n must be 0 or more.");
        }
        if (double.IsNaN(p) || p < 0 || p > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "p must lie in [0, 1].");
        }
        if (k <= 0)
        {
            return 1;
        }
        if (k > n || p == 0)
        {
            return 0;
        }
        if (p == 1)
        {
            return 1;
        }
        // Sum from the far side of the mode only: there the terms shrink at every step, so the sum is
        // a multiple of its first term that stays small, and the first term is computed in log space.
        if (k > n * p)
        {
            return Math.Min(1, Math.Exp(LogTailFrom(k, n, p, upward: true)));
        }
        return Math.Max(0, 1 - Math.Exp(LogTailFrom(k - 1, n, p, upward: false)));
    }

    /// <summary>log of Σ P(X = j) for j from <paramref name="start"/> away from the mode (up or down).</summary>
    private static double LogTailFrom(long start, long n, double p, bool upward)
    {
        double first = SpecialFunctions.LogBinomialProbability(start, n, p);
        if (double.IsNegativeInfinity(first))
        {
            return first;
        }
        double odds = p / (1 - p);
        double sum = 1, term = 1;
        if (upward)
        {
            for (long j = start; j < n; j++)
            {
                term *= (double)(n - j) / (j + 1) * odds;
                sum += term;
                if (term < sum * 1e-17)
                {
                    break;
                }
            }
        }
        else
        {
            for (long j = start; j > 0; j--)
            {
                term *= (double)j / (n - j + 1) / odds;
                sum += term;
                if (term < sum * 1e-17)
                {
                    break;
                }
            }
        }
        return first + Math.Log(sum);
    }

    /// <summary>
    /// The category with the smallest upper-tail binomial p-value (ties: the larger observed/expected
    /// ratio, then the lower index); null when nothing was observed. A count in a category of weight
    /// 0 has p-value 0 and an infinite ratio.
    /// </summary>
    public static OutlierResult? MostOverrepresented(IReadOnlyList<long> observed, IReadOnlyList<double> expectedWeights)
    {
        var probabilities = Validate(observed, expectedWeights, out long total);
        if (total == 0)
        {
            return null;
        }
        OutlierResult? best = null;
        int tried = 0;
        for (int i = 0; i < observed.Count; i++)
        {
            if (probabilities[i] == 0 && observed[i] == 0)
            {
                continue; // nothing expected, nothing seen: not a candidate
            }
            tried++;
            double expected = total * probabilities[i];
            double ratio = expected > 0 ? observed[i] / expected : double.PositiveInfinity;
            double p = BinomialTail(observed[i], total, probabilities[i]);
            if (best is null || p < best.PValue || (p == best.PValue && ratio > best.Ratio))
            {
                best = new OutlierResult(i, observed[i], expected, ratio, p, p);
            }
        }
        return best is null ? null : best with { CorrectedPValue = Math.Min(1, best.PValue * tried) };
    }

    /// <summary>"p = 0.003", "p = 0.23", "p = 4.2e-5", "p < 1e-6": short enough for an evidence line.</summary>
    public static string Describe(double p)
    {
        if (double.IsNaN(p))
        {
            return "p unknown";
        }
        if (p < 1e-6)
        {
            return "p < 1e-6";
        }
        if (p < 1e-3)
        {
            return "p = " + p.ToString("0.0e-0", CultureInfo.InvariantCulture).Replace(".0e", "e", StringComparison.Ordinal);
        }
        // Two significant digits, trailing zeros dropped: 0.05, 0.003, 0.0031, 0.23.
        double rounded = Math.Round(p, 1 - (int)Math.Floor(Math.Log10(p)));
        return "p = " + Math.Min(1, rounded).ToString("0.######", CultureInfo.InvariantCulture);
    }

    /// <summary>The weights as probabilities, after checking the inputs match.</summary>
    private static double[] Validate(IReadOnlyList<long> observed, IReadOnlyList<double> expectedWeights, out long total)
    {
        if (observed.Count != expectedWeights.Count)
        {
            throw new ArgumentException($"{observed.Count} observed counts but {expectedWeights.Count} expected weights.", nameof(expectedWeights));
        }
        total = 0;
        double weightSum = 0;
        for (int i = 0; i < observed.Count; i++)
        {
            if (observed[i] < 0)
            {
                throw new ArgumentException($"Observed count {i} is negative ({observed[i]}).", nameof(observed));
            }
            if (!double.IsFinite(expectedWeights[i]) || expectedWeights[i] < 0)
            {
                throw new ArgumentException($"Expected weight {i} is not a finite number of 0 or more ({expectedWeights[i]}).", nameof(expectedWeights));
            }
            total = checked(total + observed[i]);
            weightSum += expectedWeights[i];
        }
        if (!(weightSum > 0))
        {
            throw new ArgumentException("At least one expected weight must be above 0.", nameof(expectedWeights));
        }
        return expectedWeights.Select(w => w / weightSum).ToArray();
    }
}
