using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace SegfaultTools;

/// <summary>
/// Dependent integer chains through the multiplier (64x64->128), both dividers (unsigned and
/// signed), the shifter/rotator and the bit-count units. Each chain's end value is compared with
/// the reference computed in <see cref="Prepare"/>.
/// </summary>
public sealed class IntegerWorkload : StabilityWorkload
{
    // Four chains run interleaved so the out-of-order core keeps several of them in flight: a lone
    // dependent chain would leave most of the ALUs idle and stress far less.
    private const int Chains = 256;
    private const int Steps = 2048;

    // The ALU operations written in Step, one each: BigMul and DivRem (one instruction each),
    // signed divide, multiply, rotate, the three bit counts, 6 shifts, 6 or, 3 xor, 4 add/sub, and.
    private const int OpsPerStep = 28;

    private readonly ulong[] _inputs = new ulong[Chains * 2];
    private readonly ulong[] _expected = new ulong[Chains];
    private readonly ulong[] _actual = new ulong[Chains];
    private string _digest = string.Empty;
    private bool _prepared;

    public override CpuWorkload Kind => CpuWorkload.Integer;

    public override long OperationsPerIteration => (long)Chains * Steps * OpsPerStep;

    public override string OperationUnit => "integer op";

    public override string ReferenceDigest => _digest;

    // BitOperations uses popcnt/lzcnt/tzcnt where the CPU has them and bit tricks where it does not.
    public override string Variant { get; } = "mul mul128 div idiv rotate shift " +
        (Popcnt.X64.IsSupported && Lzcnt.X64.IsSupported && Bmi1.X64.IsSupported ? "popcnt lzcnt tzcnt" : "bit counts");

    public override void Prepare(int seed, WorkloadEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ulong state = WorkloadSupport.State(seed, 0x1A7E6E41UL);
        for (int i = 0; i < _inputs.Length; i++)
        {
            _inputs[i] = WorkloadSupport.Next(ref state);
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
    private static void Compute(ulong[] inputs, ulong[] results, bool injectFault)
    {
        for (int c = 0; c < Chains; c += 4)
        {
            ulong x0 = inputs[2 * c], y0 = inputs[(2 * c) + 1];
            ulong x1 = inputs[(2 * c) + 2], y1 = inputs[(2 * c) + 3];
            ulong x2 = inputs[(2 * c) + 4], y2 = inputs[(2 * c) + 5];
            ulong x3 = inputs[(2 * c) + 6], y3 = inputs[(2 * c) + 7];
            for (int s = 0; s < Steps / 2; s++)
            {
                Step(ref x0, ref y0);
                Step(ref x1, ref y1);
                Step(ref x2, ref y2);
                Step(ref x3, ref y3);
            }

            if (injectFault && c == 0)
            {
                // Halfway down the first chain, as a bad ALU result would be.
                x0 ^= 1UL << 37;
            }

            for (int s = Steps / 2; s < Steps; s++)
            {
                Step(ref x0, ref y0);
                Step(ref x1, ref y1);
                Step(ref x2, ref y2);
                Step(ref x3, ref y3);
            }

            results[c] = x0 ^ y0;
            results[c + 1] = x1 ^ y1;
            results[c + 2] = x2 ^ y2;
            results[c + 3] = x3 ^ y3;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(ref ulong x, ref ulong y)
    {
        ulong hi = Math.BigMul(x, y | 1, out ulong lo);
        x = lo + hi;

        // A divisor of at most 24 bits keeps the quotient wide, so the divider does real work.
        (ulong q, ulong r) = Math.DivRem(x, (y >> 40) | 1);
        y = BitOperations.RotateLeft(y, (int)r) ^ q;

        ulong counts = (uint)BitOperations.PopCount(y) | ((ulong)(uint)BitOperations.LeadingZeroCount(x) << 8) | ((ulong)(uint)BitOperations.TrailingZeroCount(y | (1UL << 63)) << 16);
        x ^= (counts << 32) ^ (y >> 7);
        x = (x * 0xD6E8FEB86659FD93UL) + counts;

        // The divisor is positive and at most 31 bits, so neither overflow nor a zero divisor can occur.
        long sq = (long)x / (long)((y >> 33) | 1);
        y = (y - (ulong)sq) + (x & 0xFFFF);
    }
}
