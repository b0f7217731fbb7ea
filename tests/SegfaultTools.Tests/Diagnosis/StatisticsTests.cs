using System.Diagnostics;

namespace SegfaultTools.Tests;

/// <summary>
/// PlacementTest and the functions under it. Reference values were computed independently with
/// Python's mpmath at 40 digits (incomplete gamma; binomial tails summed in high precision) or by
/// brute-force enumeration with exact fractions (the exact multinomial cases).
/// </summary>
public sealed class StatisticsTests
{
    private static void AssertRelative(double expected, double actual, double tolerance)
    {
        Assert.True(double.IsFinite(actual), $"expected {expected:R}, got {actual:R}");
        double error = Math.Abs(actual - expected) / Math.Abs(expected);
        Assert.True(error <= tolerance, $"expected {expected:R}, got {actual:R} (relative error {error:E2} > {tolerance:E0})");
    }

    [Theory]
    [InlineData(1, 3.841458820694124, 0.050000000000000058397)]
    [InlineData(10, 18.307, 0.050000589091398098732)]
    [InlineData(31, 44.985, 0.050003515188607797617)]
    [InlineData(100, 124.342, 0.05000071576997176009)]
    [InlineData(2, 7, 0.03019738342231850074)]
    [InlineData(3, 0.5, 0.91889141165467585936)]
    [InlineData(1, 1e-4, 0.9920212873707367926)]
    [InlineData(4, 4.5, 0.34254747982605909455)]
    [InlineData(5, 50, 1.3857973367009593204e-9)]
    [InlineData(250, 300, 0.016518273157868720378)]
    [InlineData(1, 200, 2.088487583762544757e-45)]
    public void ChiSquareSurvivalMatchesHighPrecisionValues(int df, double x, double expected)
    {
        AssertRelative(expected, SpecialFunctions.ChiSquareSurvival(x, df), 1e-10);
    }

    [Fact]
    public void ChiSquareWithTwoDegreesIsAnExponential()
    {
        foreach (var x in new[] { 0.01, 0.7, 1.9, 2.1, 5, 33, 400 })
        {
            AssertRelative(Math.Exp(-x / 2), SpecialFunctions.ChiSquareSurvival(x, 2), 1e-12);
        }
        Assert.Equal(1, SpecialFunctions.ChiSquareSurvival(0, 7));
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 0)]
    [InlineData(11, 15.104412573075515295)] // log 10!
    [InlineData(0.5, 0.57236494292470008707)] // log √π
    [InlineData(101.5, 366.04569819527675)]
    public void LogGammaKnownValues(double x, double expected)
    {
        if (expected == 0)
        {
            Assert.True(Math.Abs(SpecialFunctions.LogGamma(x)) < 1e-14);
        }
        else
        {
            AssertRelative(expected, SpecialFunctions.LogGamma(x), 1e-13);
        }
    }

    [Fact]
    public void FairDieTextbookExample()
    {
        // 60 rolls of a die, 10 expected per face; the six shows up 20 times.
        var r = PlacementTest.GoodnessOfFit(new long[] { 5, 8, 9, 8, 10, 20 }, new double[] { 1, 1, 1, 1, 1, 1 });
        AssertRelative(13.4, r.Statistic, 1e-12);
        Assert.Equal(5, r.DegreesOfFreedom);
        AssertRelative(0.019905220334774381023, r.PValue, 1e-10);
        Assert.False(r.SmallExpectedCounts);
        Assert.Equal("Pearson chi-square", r.Test);
    }

    [Fact]
    public void UniformDataHasALargePValue()
    {
        var r = PlacementTest.GoodnessOfFit(new long[] { 10, 11, 9, 10, 10, 10, 9, 11 }, Enumerable.Repeat(1.0, 8).ToArray());
        Assert.True(r.PValue > 0.99, $"p = {r.PValue}");
        Assert.InRange(r.Statistic, 0.39, 0.41);
    }

    [Fact]
    public void WeightsAreNormalisedAndUnequalWeightsAreHonoured()
    {
        // Counts exactly proportional to the weights: statistic 0, p 1, whatever scale the weights use.
        var r = PlacementTest.GoodnessOfFit(new long[] { 40, 20, 20, 20 }, new double[] { 0.2, 0.1, 0.1, 0.1 });
        Assert.Equal(0, r.Statistic, 12);
        Assert.Equal(1, r.PValue, 12);
        Assert.Equal(3, r.DegreesOfFreedom);
    }

    [Fact]
    public void TwentyFoldConcentrationOnOneCpuIsTiny()
    {
        // 32 CPUs with equal shares; 2 crashes expected on each, 40 on CPU 5.
        var observed = new long[32];
        for (int i = 0; i < observed.Length; i++)
        {
            observed[i] = i == 5 ? 40 : 1;
        }
        var weights = Enumerable.Repeat(1.0, 32).ToArray();
        var fit = PlacementTest.GoodnessOfFit(observed, weights);
        Assert.True(fit.PValue < 1e-20, $"p = {fit.PValue}");
        Assert.True(fit.SmallExpectedCounts);

        var outlier = PlacementTest.MostOverrepresented(observed, weights)!;
        Assert.Equal(5, outlier.Index);
        Assert.Equal(40, outlier.Observed);
        Assert.Equal(71.0 / 32, outlier.Expected, 12);
        Assert.Equal(40 / (71.0 / 32), outlier.Ratio, 12);
        Assert.True(outlier.PValue < 1e-30 && outlier.PValue > 0, $"p = {outlier.PValue}");
        AssertRelative(outlier.PValue * 32, outlier.CorrectedPValue, 1e-15);
        Assert.Equal("p < 1e-6", PlacementTest.Describe(outlier.CorrectedPValue));
    }

    [Fact]
    public void ZeroWeightCategoriesAreLeftOutOfTheDegreesOfFreedom()
    {
        // An offline CPU (weight 0) with no crashes changes nothing.
        var with = PlacementTest.GoodnessOfFit(new long[] { 5, 8, 9, 0, 8, 10, 20 }, new double[] { 1, 1, 1, 0, 1, 1, 1 });
        var without = PlacementTest.GoodnessOfFit(new long[] { 5, 8, 9, 8, 10, 20 }, new double[] { 1, 1, 1, 1, 1, 1 });
        Assert.Equal(without, with);
        var outlier = PlacementTest.MostOverrepresented(new long[] { 5, 8, 9, 0, 8, 10, 20 }, new double[] { 1, 1, 1, 0, 1, 1, 1 })!;
        Assert.Equal(6, outlier.Index);
        Assert.Equal(Math.Min(1, outlier.PValue * 6), outlier.CorrectedPValue, 15);
    }

    [Fact]
    public void CrashesWhereTheWeightsExpectNoneAreImpossible()
    {
        var fit = PlacementTest.GoodnessOfFit(new long[] { 5, 5, 2 }, new double[] { 1, 1, 0 });
        Assert.Equal(0, fit.PValue);
        Assert.Equal(double.PositiveInfinity, fit.Statistic);
        Assert.Equal(1, fit.DegreesOfFreedom);
        Assert.Contains("expected weight 0", fit.Test, StringComparison.Ordinal);

        var outlier = PlacementTest.MostOverrepresented(new long[] { 5, 5, 2 }, new double[] { 1, 1, 0 })!;
        Assert.Equal(2, outlier.Index);
        Assert.Equal(0, outlier.PValue);
        Assert.Equal(0, outlier.Expected);
        Assert.Equal(double.PositiveInfinity, outlier.Ratio);
    }

    [Fact]
    public void EdgeInputs()
    {
        var none = PlacementTest.GoodnessOfFit(new long[] { 0, 0, 0 }, new double[] { 1, 2, 3 });
        Assert.Equal((0.0, 2, 1.0), (none.Statistic, none.DegreesOfFreedom, none.PValue));
        Assert.Null(PlacementTest.MostOverrepresented(new long[] { 0, 0 }, new double[] { 1, 1 }));

        var single = PlacementTest.GoodnessOfFit(new long[] { 7, 0 }, new double[] { 1, 0 });
        Assert.Equal((0.0, 0, 1.0), (single.Statistic, single.DegreesOfFreedom, single.PValue));

        Assert.Throws<ArgumentException>(() => PlacementTest.GoodnessOfFit(new long[] { 1, 2 }, new double[] { 1 }));
        Assert.Throws<ArgumentException>(() => PlacementTest.GoodnessOfFit(new long[] { 1, -2 }, new double[] { 1, 1 }));
        Assert.Throws<ArgumentException>(() => PlacementTest.GoodnessOfFit(new long[] { 1, 2 }, new double[] { 0, 0 }));
        Assert.Throws<ArgumentException>(() => PlacementTest.GoodnessOfFit(new long[] { 1, 2 }, new double[] { 1, double.NaN }));
        Assert.Throws<ArgumentException>(() => PlacementTest.MostOverrepresented(new long[] { 1, 2 }, new double[] { 1, -1 }));
    }

    [Theory]
    [InlineData(new long[] { 5, 0, 1, 2 }, new double[] { 1, 1, 1, 1 }, 7.0, 0.0950927734375)]
    [InlineData(new long[] { 6, 1, 1, 0, 2, 0, 0, 2 }, new double[] { 3, 2, 2, 1, 1, 1, 1, 1 }, 9.0, 0.22185803782447522)]
    [InlineData(new long[] { 3, 0, 0 }, new double[] { 1, 1, 1 }, 6.0, 1.0 / 9)]
    public void SmallCountsUseTheExactTest(long[] observed, double[] weights, double statistic, double exactP)
    {
        var r = PlacementTest.GoodnessOfFit(observed, weights);
        Assert.True(r.SmallExpectedCounts);
        Assert.StartsWith("exact multinomial", r.Test, StringComparison.Ordinal);
        AssertRelative(statistic, r.Statistic, 1e-12);
        AssertRelative(exactP, r.PValue, 1e-10);
    }

    [Fact]
    public void ExactTestOnThirtyTwoCpusAgreesWithAnIndependentComputation()
    {
        // 20 crashes over 32 equal CPUs, 6 on CPU 5; checked with an exact dynamic programme over
        // (crashes used, Σ o²), which equal weights make an integer.
        var observed = new long[] { 0, 1, 0, 0, 1, 6, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 1, 1, 0, 1, 2 };
        var clock = Stopwatch.StartNew();
        var r = PlacementTest.GoodnessOfFit(observed, Enumerable.Repeat(1.0, 32).ToArray());
        Assert.StartsWith("exact multinomial", r.Test, StringComparison.Ordinal);
        AssertRelative(66.4, r.Statistic, 1e-12);
        AssertRelative(0.0012917360573204686, r.PValue, 1e-9);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        // The chi-square approximation would have said something else, which is why it is not used here.
        Assert.True(Math.Abs(SpecialFunctions.ChiSquareSurvival(66.4, 31) - r.PValue) > 1e-4);
    }

    [Fact]
    public void ExactTestWithTwoCoreTypesAgreesWithAnIndependentComputation()
    {
        // 16 CPUs of weight 3 (P-core threads) and 16 of weight 2 (E-cores), 30 crashes; checked with
        // exact fractions over (crashes, Σ o²) per core type.
        var observed = new long[] { 3, 0, 2, 1, 0, 0, 4, 1, 0, 2, 1, 0, 0, 1, 2, 0, 0, 1, 0, 0, 2, 0, 1, 0, 0, 0, 3, 1, 0, 0, 2, 3 };
        var weights = Enumerable.Repeat(3.0, 16).Concat(Enumerable.Repeat(2.0, 16)).ToArray();
        var r = PlacementTest.GoodnessOfFit(observed, weights);
        Assert.StartsWith("exact multinomial", r.Test, StringComparison.Ordinal);
        AssertRelative(45.111111111111114, r.Statistic, 1e-12);
        AssertRelative(0.052459524767507454, r.PValue, 1e-9);
    }

    [Fact]
    public void ManyDistinctWeightsGiveUpQuicklyAndSayTheApproximationIsShaky()
    {
        var rng = new Random(7);
        var weights = Enumerable.Range(0, 32).Select(_ => 0.5 + rng.NextDouble()).ToArray();
        var observed = new long[32];
        for (int j = 0; j < 20; j++)
        {
            observed[rng.Next(32)]++;
        }
        var clock = Stopwatch.StartNew();
        var r = PlacementTest.GoodnessOfFit(observed, weights);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.True(r.SmallExpectedCounts);
        Assert.StartsWith("Pearson chi-square (approximate", r.Test, StringComparison.Ordinal);
        Assert.Equal(SpecialFunctions.ChiSquareSurvival(r.Statistic, 31), r.PValue);
    }

    [Fact]
    public void ExactTestThatWouldTakeTooLongFallsBackToTheFlaggedApproximation()
    {
        var observed = new long[] { 3, 1, 4, 1, 5, 9, 2, 6 };
        var p = ExactMultinomial.PValue(observed, Enumerable.Repeat(1.0 / 8, 8).ToArray(), 15.0, stateBudget: 10);
        Assert.Null(p);
    }

    [Fact]
    public void BinomialTailExactSmallCases()
    {
        Assert.Equal(56.0 / 1024, PlacementTest.BinomialTail(8, 10, 0.5), 15);
        Assert.Equal(1.0 / 1024, PlacementTest.BinomialTail(10, 10, 0.5), 15);
        Assert.Equal(1 - 1.0 / 1024, PlacementTest.BinomialTail(1, 10, 0.5), 15);
        Assert.Equal(1, PlacementTest.BinomialTail(0, 10, 0.5));
        Assert.Equal(1, PlacementTest.BinomialTail(-3, 10, 0.5));
        Assert.Equal(0, PlacementTest.BinomialTail(11, 10, 0.5));
        Assert.Equal(0, PlacementTest.BinomialTail(1, 10, 0));
        Assert.Equal(1, PlacementTest.BinomialTail(10, 10, 1));
        // P(X >= 2), n = 3, p = 0.2: 3·0.04·0.8 + 0.008 = 0.104.
        Assert.Equal(0.104, PlacementTest.BinomialTail(2, 3, 0.2), 15);
        Assert.Throws<ArgumentOutOfRangeException>(() => PlacementTest.BinomialTail(1, 10, 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => PlacementTest.BinomialTail(1, -1, 0.5));
    }

    [Theory]
    [InlineData(5_005_000, 10_000_000, 0.5, 0.00078355095284769924046)]
    [InlineData(5_010_000, 10_000_000, 0.5, 1.2724002455775865285e-10)]
    [InlineData(4_999_000, 10_000_000, 0.5, 0.73655864851435669368)]
    [InlineData(25, 10_000_000, 1e-6, 0.00004694886921944331675)]
    [InlineData(5, 10_000_000, 1e-6, 0.97074736867293914988)]
    [InlineData(1_001_000, 10_000_000, 0.1, 0.14604447611450021605)]
    [InlineData(1, 10_000_000, 1e-9, 0.0099501662557821955981)]
    [InlineData(200, 1000, 0.1, 2.9280548038286770593e-21)]
    [InlineData(3, 20, 0.01, 0.0010035761681001167825)]
    [InlineData(60, 100, 0.5, 0.028443966820490395835)]
    public void BinomialTailMatchesHighPrecisionSums(long k, long n, double p, double expected)
    {
        AssertRelative(expected, PlacementTest.BinomialTail(k, n, p), 1e-9);
    }

    [Fact]
    public void HugeBinomialTailsStayFinite()
    {
        // 0.5^(10^7) underflows double: the answer is 0, never NaN or infinity.
        Assert.Equal(0, PlacementTest.BinomialTail(10_000_000, 10_000_000, 0.5));
        foreach (var k in new long[] { 1, 2_500_000, 4_990_000, 5_000_000, 5_000_001, 6_000_000, 9_999_999 })
        {
            double v = PlacementTest.BinomialTail(k, 10_000_000, 0.5);
            Assert.True(double.IsFinite(v) && v >= 0 && v <= 1, $"k = {k}: {v}");
        }
        double big = PlacementTest.BinomialTail(3_000_000_000, 10_000_000_000, 0.3);
        Assert.InRange(big, 0.49, 0.51);
    }

    [Fact]
    public void BinomialLogProbabilityStaysAccurateForLargeN()
    {
        AssertRelative(-8.284839203123887326426026, SpecialFunctions.LogBinomialProbability(5_000_000, 10_000_000, 0.5), 1e-13);
        AssertRelative(-4.884006490247776283594838, SpecialFunctions.LogBinomialProbability(3, 10_000_000, 1e-6), 1e-13);
    }

    [Fact]
    public void MostOverrepresentedPrefersTheSmallestTailNotTheLargestRatio()
    {
        // Category 2 has the larger ratio (3 where 1 was expected) but category 0's 60 where 40 were expected is rarer.
        var weights = new double[] { 40, 59, 1 };
        var r = PlacementTest.MostOverrepresented(new long[] { 60, 37, 3 }, weights)!;
        Assert.Equal(0, r.Index);
        AssertRelative(PlacementTest.BinomialTail(60, 100, 0.4), r.PValue, 1e-15);
        Assert.Equal(1.5, r.Ratio, 12);
        Assert.Equal(Math.Min(1, r.PValue * 3), r.CorrectedPValue, 15);
    }

    [Fact]
    public void CorrectedPValueIsCappedAtOne()
    {
        var r = PlacementTest.MostOverrepresented(new long[] { 10, 10, 10, 10 }, new double[] { 1, 1, 1, 1 })!;
        Assert.Equal(0, r.Index);
        Assert.Equal(1, r.CorrectedPValue);
        Assert.True(r.PValue < 1);
    }

    [Theory]
    [InlineData(0.05, "p = 0.05")]
    [InlineData(0.003, "p = 0.003")]
    [InlineData(0.0031, "p = 0.0031")]
    [InlineData(0.2345, "p = 0.23")]
    [InlineData(0.999, "p = 1")]
    [InlineData(1, "p = 1")]
    [InlineData(0.00042, "p = 4.2e-4")]
    [InlineData(0.00001, "p = 1e-5")]
    [InlineData(1e-6, "p = 1e-6")]
    [InlineData(9.9e-7, "p < 1e-6")]
    [InlineData(0, "p < 1e-6")]
    [InlineData(double.NaN, "p unknown")]
    public void DescribeIsShort(double p, string expected)
    {
        Assert.Equal(expected, PlacementTest.Describe(p));
    }
}
