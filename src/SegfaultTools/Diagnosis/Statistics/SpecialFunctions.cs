namespace SegfaultTools;

/// <summary>
/// The few special functions the placement tests need, written here because .NET has none and a
/// numerics package would be a dependency for three formulas.
/// </summary>
internal static class SpecialFunctions
{
    private const double HalfLogTwoPi = 0.91893853320467274178; // log(sqrt(2 pi))

    // Lanczos approximation with g = 7 and nine terms (Godfrey's coefficients): about 15 digits for x >= 0.5.
    private const double LanczosG = 7.0;

    private static readonly double[] LanczosCoefficients =
    {
        0.99999999999980993,
        676.5203681218851,
        -1259.1392167224028,
        771.32342877765313,
        -176.61502916214059,
        12.507343278686905,
        -0.13857109526572012,
        9.9843695780195716e-6,
        1.5056327351493116e-7,
    };

    /// <summary>log Γ(x) for x &gt; 0.</summary>
    public static double LogGamma(double x)
    {
        if (double.IsNaN(x) || x <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "LogGamma is defined here for x > 0 only.");
        }
        if (x < 0.5)
        {
            // Reflection keeps the series in the range where it is accurate: Γ(x)Γ(1-x) = π / sin(πx).
            return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x);
        }
        x -= 1;
        double sum = LanczosCoefficients[0];
        for (int i = 1; i < LanczosCoefficients.Length; i++)
        {
            sum += LanczosCoefficients[i] / (x + i);
        }
        double t = x + LanczosG + 0.5;
        return HalfLogTwoPi + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }

    /// <summary>
    /// Q(a, x) = Γ(a, x) / Γ(a), the regularized upper incomplete gamma function; the chi-square
    /// survival function is Q(df/2, x/2).
    /// </summary>
    public static double UpperRegularizedGamma(double a, double x)
    {
        if (double.IsNaN(a) || double.IsNaN(x) || a <= 0 || x < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(a), $"Q(a, x) needs a > 0 and x >= 0 (a = {a}, x = {x}).");
        }
        if (x == 0)
        {
            return 1;
        }
        if (double.IsPositiveInfinity(x))
        {
            return 0;
        }
        // The series converges fast below a + 1 and the continued fraction above it; each is
        // slow (or loses digits) on the other side.
        return x < a + 1 ? 1 - LowerBySeries(a, x) : UpperByContinuedFraction(a, x);
    }

    /// <summary>log(x^a e^-x / Γ(a)), the factor both expansions share.</summary>
    private static double LogPrefactor(double a, double x) => a * Math.Log(x) - x - LogGamma(a);

    /// <summary>P(a, x) = e^-x x^a / Γ(a+1) · Σ x^n / ((a+1)…(a+n)).</summary>
    private static double LowerBySeries(double a, double x)
    {
        double term = 1 / a;
        double sum = term;
        for (int n = 1; n < 10_000; n++)
        {
            term *= x / (a + n);
            sum += term;
            if (Math.Abs(term) < Math.Abs(sum) * 1e-17)
            {
                break;
            }
        }
        return Math.Exp(LogPrefactor(a, x)) * sum;
    }

    /// <summary>Q(a, x) by the continued fraction 1/(x+1-a- 1·(1-a)/(x+3-a- 2·(2-a)/(x+5-a- …))), evaluated with the modified Lentz method.</summary>
    private static double UpperByContinuedFraction(double a, double x)
    {
        const double tiny = 1e-300;
        double b = x + 1 - a;
        double c = 1 / tiny;
        double d = 1 / b;
        double f = d;
        for (int n = 1; n < 10_000; n++)
        {
            double an = -n * (n - a);
            b += 2;
            d = an * d + b;
            if (Math.Abs(d) < tiny)
            {
                d = tiny;
            }
            c = b + an / c;
            if (Math.Abs(c) < tiny)
            {
                c = tiny;
            }
            d = 1 / d;
            double step = d * c;
            f *= step;
            if (Math.Abs(step - 1) < 1e-16)
            {
                break;
            }
        }
        return Math.Exp(LogPrefactor(a, x)) * f;
    }

    /// <summary>P(χ² ≥ x) with <paramref name="degreesOfFreedom"/> degrees of freedom.</summary>
    public static double ChiSquareSurvival(double x, int degreesOfFreedom) =>
        degreesOfFreedom <= 0 ? 1 : UpperRegularizedGamma(degreesOfFreedom / 2.0, Math.Max(0, x) / 2);

    /// <summary>log(1 + x), accurate for small x where Math.Log(1 + x) loses the digits of x.</summary>
    public static double Log1p(double x)
    {
        double u = 1 + x;
        // (u - 1) is the part of x that survived the rounding of 1 + x; scaling by x / (u - 1) restores it.
        return u == 1 ? x : Math.Log(u) * x / (u - 1);
    }

    /// <summary>log(n!) for n ≥ 0: exact sums of logs where Stirling's series is not yet accurate.</summary>
    public static double LogFactorial(long n)
    {
        if (n < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, "n! needs n >= 0.");
        }
        if (n <= 15)
        {
            double s = 0;
            for (int i = 2; i <= n; i++)
            {
                s += Math.Log(i);
            }
            return s;
        }
        return (n + 0.5) * Math.Log(n) - n + HalfLogTwoPi + StirlingError(n);
    }

    /// <summary>
    /// log(n!) − [(n + ½) log n − n + log √(2π)], the remainder of Stirling's formula. Computing it
    /// directly, rather than as a difference of two numbers near n log n, is what keeps the binomial
    /// probabilities accurate for n in the millions.
    /// </summary>
    public static double StirlingError(long n)
    {
        if (n <= 15)
        {
            return LogFactorial(n) - ((n + 0.5) * Math.Log(n) - n + HalfLogTwoPi);
        }
        // The asymptotic series Σ B₂ₖ / (2k(2k−1) n^(2k−1)); five terms reach double precision from n = 16 on.
        double nn = (double)n * n;
        return (1.0 / 12 - (1.0 / 360 - (1.0 / 1260 - (1.0 / 1680 - 1.0 / 1188 / nn) / nn) / nn) / nn) / n;
    }

    /// <summary>
    /// x log(x / m) + m − x: the "deviance" part of a binomial log-probability. Where x is close to m
    /// the two halves nearly cancel, so a series in v = (x − m) / (x + m) is used there.
    /// </summary>
    public static double Deviance(double x, double m)
    {
        if (Math.Abs(x - m) < 0.1 * (x + m))
        {
            double v = (x - m) / (x + m);
            double sum = (x - m) * v;
            double power = 2 * x * v;
            double v2 = v * v;
            for (int j = 1; j < 1000; j++)
            {
                power *= v2;
                double next = sum + power / (2 * j + 1);
                if (next == sum)
                {
                    return next;
                }
                sum = next;
            }
            return sum;
        }
        return x * Math.Log(x / m) + m - x;
    }

    /// <summary>log P(X = k) for X ~ Binomial(n, p), accurate to about 1e-14 relative also for n near 10^7.</summary>
    public static double LogBinomialProbability(long k, long n, double p)
    {
        if (k < 0 || k > n)
        {
            return double.NegativeInfinity;
        }
        double q = 1 - p;
        if (k == 0)
        {
            return n * Log1p(-p);
        }
        if (k == n)
        {
            return n * Math.Log(p);
        }
        // Loader's saddle-point form: no large factorials are formed, so nothing cancels.
        double lc = StirlingError(n) - StirlingError(k) - StirlingError(n - k)
            - Deviance(k, n * p) - Deviance(n - k, n * q);
        double lf = Math.Log(2 * Math.PI) + Math.Log(k) + Log1p(-(double)k / n);
        return lc - 0.5 * lf;
    }
}
