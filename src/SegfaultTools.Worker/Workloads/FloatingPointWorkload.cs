using System.Runtime.CompilerServices;

namespace SegfaultTools;

/// <summary>
/// Scalar double chains through the divider, the square root and the libm functions (exp, log,
/// sin, cos, pow). Every step folds its result back into [1, 2), so values never overflow and
/// never become denormal, and the chains are chaotic: one wrong bit anywhere changes the end value.
/// The end values are compared bit for bit with the reference from <see cref="Prepare"/>.
/// </summary>
public sealed class FloatingPointWorkload : StabilityWorkload
{
    private const int Chains = 32;
    private const int Steps = 1280;

    // Per step of one chain, as written in Step: 2 divides, 1 square root, 5 libm calls
    // (exp, log, sin, cos, pow), 2 floors, 6 multiplies and 11 adds/subtracts.
    private const int OpsPerStep = 27;

    private readonly double[] _inputs = new double[Chains * 2];
    private readonly ulong[] _expected = new ulong[Chains];
    private readonly ulong[] _actual = new ulong[Chains];
    private string _digest = string.Empty;
    private bool _prepared;

    public override CpuWorkload Kind => CpuWorkload.FloatingPoint;

    public override long OperationsPerIteration => (long)Chains * Steps * OpsPerStep;

    public override string OperationUnit => "FP op";

    public override string ReferenceDigest => _digest;

    public override string Variant => "scalar double: div sqrt exp log sin cos pow";

    public override void Prepare(int seed, WorkloadEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ulong state = WorkloadSupport.State(seed, 0xF10A7UL);
        for (int i = 0; i < _inputs.Length; i++)
        {
            _inputs[i] = WorkloadSupport.UnitInterval(ref state);
        }

        Compute(_inputs, _expected, injectFault: false);
        _digest = WorkloadSupport.Digest<ulong>(_expected);
        _prepared = true;
    }

    public override IterationOutcome Run(bool injectFault)
    {
        if (!_prepared)
        {
            throw new InvalidOperationException("Call Prepare before Run.");
        }

        Compute(_inputs, _actual, injectFault);
        return WorkloadSupport.CompareChains(_expected, _actual);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Compute(double[] inputs, ulong[] results, bool injectFault)
    {
        for (int c = 0; c < Chains; c += 2)
        {
            double x0 = inputs[2 * c], y0 = inputs[(2 * c) + 1];
            double x1 = inputs[(2 * c) + 2], y1 = inputs[(2 * c) + 3];
            for (int s = 0; s < Steps / 2; s++)
            {
                Step(ref x0, ref y0);
                Step(ref x1, ref y1);
            }

            if (injectFault && c == 0)
            {
                // The top fraction bit: the chain is chaotic, so the end value cannot come back.
                x0 = BitConverter.UInt64BitsToDouble(BitConverter.DoubleToUInt64Bits(x0) ^ (1UL << 51));
            }

            for (int s = Steps / 2; s < Steps; s++)
            {
                Step(ref x0, ref y0);
                Step(ref x1, ref y1);
            }

            results[c] = BitConverter.DoubleToUInt64Bits(x0) ^ (BitConverter.DoubleToUInt64Bits(y0) << 1);
            results[c + 1] = BitConverter.DoubleToUInt64Bits(x1) ^ (BitConverter.DoubleToUInt64Bits(y1) << 1);
        }
    }

    /// <summary>x and y in [1, 2] stay there; every intermediate is normal and far from overflow.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(ref double x, ref double y)
    {
        double t = x / y;                     // (0.5, 2]
        double s = Math.Sqrt(t + x);          // (1.2, 2]
        double e = Math.Exp(-t);              // (0.13, 0.61)
        double l = Math.Log(x + y);           // [0.69, 1.39]
        double sn = Math.Sin(x * 2.5);
        double cs = Math.Cos((y * 1.7) + s);
        double p = Math.Pow(y, e);            // [1, 1.53]
        double nx = (s * e) + (l * sn) + (cs * p);
        double ny = (t * l) + (p / s) + e;
        x = 1.0 + (nx - Math.Floor(nx));
        y = 1.0 + (ny - Math.Floor(ny));
    }
}
