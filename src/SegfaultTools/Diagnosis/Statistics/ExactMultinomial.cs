namespace SegfaultTools;

/// <summary>
/// The exact p-value of Pearson's statistic under the multinomial distribution: the probability of
/// all outcomes whose statistic is at least the observed one. Used where expected counts are too small
/// for the chi-square approximation (a few dozen crashes over 32 CPUs).
/// </summary>
/// <remarks>
/// The categories are filled one at a time. A state is (observations placed so far, the statistic's
/// part from the categories filled) with the probability of reaching it; the count of the next
/// category, given what is left, is binomial. States that agree are merged, which is what keeps
/// equal or few-valued weights cheap. A state whose every completion reaches the observed statistic
/// is added whole; one that no completion can reach is dropped. The bounds come from Σ o²/e being
/// convex: over the categories left, its smallest value is at least r²/E (counts proportional to the
/// expectations), its largest is r²/e_min (everything in the least-expected category).
/// </remarks>
internal static class ExactMultinomial
{
    /// <summary>
    /// Work allowed before giving up (well under a second either way); the caller then reports the
    /// approximation. Distinct states cost most (each is a new dictionary entry): equal or
    /// few-valued weights make few of them, many distinct weights with more than a handful of
    /// observations make millions.
    /// </summary>
    internal const long DefaultStateBudget = 1_000_000;

    /// <summary>Transitions allowed: cheap while the states are few, but unbounded in n otherwise.</summary>
    internal const long DefaultTransitionBudget = 40_000_000;

    /// <summary>
    /// The exact p-value of <paramref name="statistic"/> (Pearson's, computed by the caller from
    /// <paramref name="observed"/>) for counts of <paramref name="probabilities"/> (all above 0, summing
    /// to 1); null where it would take more than the budgets allow.
    /// </summary>
    public static double? PValue(long[] observed, double[] probabilities, double statistic,
        long stateBudget = DefaultStateBudget, long transitionBudget = DefaultTransitionBudget)
    {
        int k = observed.Length;
        long total = observed.Sum();
        if (k < 2 || total == 0)
        {
            return 1;
        }
        if (total > 10_000_000)
        {
            return null; // the state keys below pack n into a long beside the statistic
        }
        int n = (int)total;
        // Most-expected categories first: what is left then has the smallest expectations, whose
        // wide bounds matter least once few observations remain to place.
        var p = probabilities.OrderByDescending(x => x).ToArray();
        var e = p.Select(x => x * n).ToArray();

        var restP = new double[k + 1];
        var restE = new double[k + 1];
        var restMinE = new double[k + 1];
        restMinE[k] = double.PositiveInfinity;
        for (int i = k - 1; i >= 0; i--)
        {
            restP[i] = restP[i + 1] + p[i];
            restE[i] = restE[i + 1] + e[i];
            restMinE[i] = Math.Min(restMinE[i + 1], e[i]);
        }

        // Outcomes whose statistic ties the observed one count; rounding must not push them out.
        double threshold = statistic - 1e-9 * Math.Max(1, Math.Abs(statistic));
        // Partial statistics closer than this are one state: far below the tie tolerance above.
        double grain = 1e-11 * Math.Max(1, Math.Abs(statistic));

        // Keys pack (observations placed, partial statistic in grains); a stored state's partial
        // statistic is below the threshold, so the grains stay below 1e11 and n + 1 ≤ 10^7 fits beside them.
        long Key(int placed, double s) => (long)Math.Round(s / grain) * (n + 1) + placed;

        double reached = 0;
        long statesLeft = stateBudget, transitionsLeft = transitionBudget;
        var states = new StateSet();
        states.Add(Key(0, 0), 0, 0, 1);
        for (int i = 0; i < k - 1; i++)
        {
            var next = new StateSet();
            // The next category's count given r left is Binomial(r, its share of what is left).
            var stepsByRemaining = new double[]?[n + 1];
            double share = Math.Min(1, p[i] / restP[i]);
            for (int index = 0; index < states.Count; index++)
            {
                int placed = states.Placed[index];
                double partial = states.Partial[index];
                double probability = states.Probability[index];
                int r = n - placed;
                transitionsLeft -= r + 1;
                if (transitionsLeft < 0)
                {
                    return null;
                }
                var steps = stepsByRemaining[r] ??= Steps(r, share);
                for (int c = 0; c <= r; c++)
                {
                    double step = steps[c];
                    if (step == 0)
                    {
                        continue;
                    }
                    double d = c - e[i];
                    double s = partial + d * d / e[i];
                    // Over the categories after this one, Σ (o−e)²/e = Σ o²/e − 2r' + E_left, which
                    // lies between r'²/E_left and r'²/e_min (plus the same constant).
                    int left = r - c;
                    double fixedPart = s - 2.0 * left + restE[i + 1];
                    double lowest = fixedPart + (double)left * left / restE[i + 1];
                    if (lowest >= threshold)
                    {
                        reached += probability * step;
                        continue;
                    }
                    double highest = fixedPart + (double)left * left / restMinE[i + 1];
                    if (highest < threshold)
                    {
                        continue;
                    }
                    if (next.Add(Key(placed + c, s), placed + c, s, probability * step) && --statesLeft < 0)
                    {
                        return null;
                    }
                }
            }
            states = next;
        }
        return Math.Min(1, reached);
    }

    private static double[] Steps(int r, double share)
    {
        var steps = new double[r + 1];
        for (int c = 0; c <= r; c++)
        {
            steps[c] = Math.Exp(SpecialFunctions.LogBinomialProbability(c, r, share));
        }
        return steps;
    }

    /// <summary>The live states of one step, merged by key.</summary>
    private sealed class StateSet
    {
        private readonly Dictionary<long, int> _index = new();

        public List<int> Placed { get; } = new();

        public List<double> Partial { get; } = new();

        public List<double> Probability { get; } = new();

        public int Count => Placed.Count;

        /// <summary>Adds to the state with this key; true where that made a new state.</summary>
        public bool Add(long key, int placed, double partial, double probability)
        {
            if (_index.TryGetValue(key, out int at))
            {
                Probability[at] += probability;
                return false;
            }
            _index[key] = Placed.Count;
            Placed.Add(placed);
            Partial.Add(partial);
            Probability.Add(probability);
            return true;
        }
    }
}
