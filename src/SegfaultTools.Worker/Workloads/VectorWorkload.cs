using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace SegfaultTools;

/// <summary>
/// Fused multiply-add at the core's peak rate: many independent vector accumulators (enough to
/// cover the FMA latency on two pipes), each stepped in groups of four: x*a + b, x*c - b, x*a - b,
/// x*c + b, with c = 1/a rounded. Each group is within rounding of the identity (the +b/-b drifts
/// of its two halves cancel), so values stay near their seeded start in [1, 2) (normal, bounded)
/// while a wrong bit is carried to the end instead of decaying away as it would in a contracting
/// map. The accumulators' bits are compared with the reference after every iteration.
/// </summary>
public sealed unsafe class VectorWorkload : StabilityWorkload
{
    private enum Path
    {
        Avx512,
        Avx2Fma,
        AdvSimdFma,
        Vector128,
    }

    // Groups of four dependent FMA steps per accumulator per iteration, in blocks so that only the
    // fault hook's test sits between inner loops; about 4 ms on a 3 GHz AVX2+FMA core.
    private const int Blocks = 1024;
    private const int QuadsPerBlock = 512;

    private static readonly Path Selected =
        Avx512F.IsSupported ? Path.Avx512 :
        Fma.IsSupported ? Path.Avx2Fma :
        AdvSimd.Arm64.IsSupported ? Path.AdvSimdFma :
        Path.Vector128;

    private readonly int _accumulators;
    private readonly int _lanes;
    private readonly double[] _start;
    private readonly double[] _constants;
    private readonly double[] _expected;
    private readonly double[] _actual;
    private string _digest = string.Empty;
    private bool _prepared;

    public VectorWorkload()
    {
        (_accumulators, _lanes) = Selected switch
        {
            // 32 zmm registers: 16 accumulators cover latency 4 x 2 ports with room to spare.
            Path.Avx512 => (16, 8),

            // 16 ymm registers hold 12 accumulators and the 3 constants with no spill (checked in the
            // JIT's listing); 12 is more than latency 4 x 2 ports needs.
            Path.Avx2Fma => (12, 4),
            Path.AdvSimdFma => (16, 2),
            _ => (12, 2),
        };
        int values = _accumulators * _lanes;
        _start = GC.AllocateArray<double>(values, pinned: true);
        _expected = new double[values];
        _actual = GC.AllocateArray<double>(values, pinned: true);

        // a, b, c and -b, one vector of each at the widest width any path uses.
        _constants = GC.AllocateArray<double>(4 * 8, pinned: true);
    }

    public override CpuWorkload Kind => CpuWorkload.Vector;

    /// <summary>Two FLOPs (a multiply and an add) per lane per fused multiply-add.</summary>
    public override long OperationsPerIteration => (long)Blocks * QuadsPerBlock * 4 * _accumulators * _lanes * 2;

    public override string OperationUnit => "FLOP";

    public override string ReferenceDigest => _digest;

    /// <summary>The accumulators' reference values (for tests: they must stay normal and near their start).</summary>
    internal ReadOnlySpan<double> ReferenceValues => _expected;

    public override string Variant => Selected switch
    {
        Path.Avx512 => "AVX-512",
        Path.Avx2Fma => "AVX2+FMA",
        Path.AdvSimdFma => "AdvSimd FMA",
        _ => "Vector128 (multiply + add, not fused)",
    };

    public override void Prepare(int seed, WorkloadEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ulong state = WorkloadSupport.State(seed, 0xF3AUL);
        for (int i = 0; i < _start.Length; i++)
        {
            _start[i] = WorkloadSupport.UnitInterval(ref state);
        }

        for (int lane = 0; lane < 8; lane++)
        {
            // a in [1 + 2^-8, 1 + 2^-7) with a full fraction, so the multiplier sees dense operands.
            double a = 1.0 + (WorkloadSupport.UnitInterval(ref state) / 256.0);
            double b = WorkloadSupport.UnitInterval(ref state) / 1024.0;
            _constants[lane] = a;
            _constants[8 + lane] = b;
            _constants[16 + lane] = 1.0 / a;
            _constants[24 + lane] = -b;
        }

        Execute(_expected, injectFault: false);
        _digest = WorkloadSupport.Digest<double>(_expected);
        _prepared = true;
    }

    public override IterationOutcome Run(bool injectFault)
    {
        if (!_prepared)
        {
            throw new InvalidOperationException("Call Prepare before Run.");
        }

        Execute(_actual, injectFault);
        // Bitwise: a wrong last bit is as wrong as any other.
        int first = WorkloadSupport.FirstDifference(
            System.Runtime.InteropServices.MemoryMarshal.Cast<double, ulong>(_expected.AsSpan()),
            System.Runtime.InteropServices.MemoryMarshal.Cast<double, ulong>(_actual.AsSpan()), out long differing);

        if (first < 0)
        {
            return IterationOutcome.Pass;
        }

        string where = $"acc {first / _lanes} lane {first % _lanes}: ";
        return IterationOutcome.Fail(
            where + WorkloadSupport.Hex(BitConverter.DoubleToUInt64Bits(_expected[first])),
            where + WorkloadSupport.Hex(BitConverter.DoubleToUInt64Bits(_actual[first])),
            differing);
    }

    private void Execute(double[] output, bool injectFault)
    {
        fixed (double* result = output)
        {
            double* start = (double*)Unsafe.AsPointer(ref _start[0]);
            double* k = (double*)Unsafe.AsPointer(ref _constants[0]);
            switch (Selected)
            {
                case Path.Avx512:
                    RunAvx512(start, k, result, injectFault);
                    break;
                case Path.Avx2Fma:
                    RunFma256(start, k, result, injectFault);
                    break;
                case Path.AdvSimdFma:
                    RunAdvSimd(start, k, result, injectFault);
                    break;
                default:
                    RunVector128(start, k, result, injectFault);
                    break;
            }
        }
    }

    /// <summary>The bit a fault flips: well inside the fraction, so it survives to the end.</summary>
    private const ulong FaultBit = 1UL << 40;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunFma256(double* s, double* k, double* r, bool injectFault)
    {
        Vector256<double> a = Avx.LoadVector256(k), b = Avx.LoadVector256(k + 8), c = Avx.LoadVector256(k + 16);
        Vector256<double> x0 = Avx.LoadVector256(s), x1 = Avx.LoadVector256(s + 4), x2 = Avx.LoadVector256(s + 8), x3 = Avx.LoadVector256(s + 12);
        Vector256<double> x4 = Avx.LoadVector256(s + 16), x5 = Avx.LoadVector256(s + 20), x6 = Avx.LoadVector256(s + 24), x7 = Avx.LoadVector256(s + 28);
        Vector256<double> x8 = Avx.LoadVector256(s + 32), x9 = Avx.LoadVector256(s + 36), x10 = Avx.LoadVector256(s + 40), x11 = Avx.LoadVector256(s + 44);
        for (int block = 0; block < Blocks; block++)
        {
            for (int i = 0; i < QuadsPerBlock; i++)
            {
                x0 = Fma.MultiplyAdd(x0, a, b);
                x1 = Fma.MultiplyAdd(x1, a, b);
                x2 = Fma.MultiplyAdd(x2, a, b);
                x3 = Fma.MultiplyAdd(x3, a, b);
                x4 = Fma.MultiplyAdd(x4, a, b);
                x5 = Fma.MultiplyAdd(x5, a, b);
                x6 = Fma.MultiplyAdd(x6, a, b);
                x7 = Fma.MultiplyAdd(x7, a, b);
                x8 = Fma.MultiplyAdd(x8, a, b);
                x9 = Fma.MultiplyAdd(x9, a, b);
                x10 = Fma.MultiplyAdd(x10, a, b);
                x11 = Fma.MultiplyAdd(x11, a, b);

                x0 = Fma.MultiplySubtract(x0, c, b);
                x1 = Fma.MultiplySubtract(x1, c, b);
                x2 = Fma.MultiplySubtract(x2, c, b);
                x3 = Fma.MultiplySubtract(x3, c, b);
                x4 = Fma.MultiplySubtract(x4, c, b);
                x5 = Fma.MultiplySubtract(x5, c, b);
                x6 = Fma.MultiplySubtract(x6, c, b);
                x7 = Fma.MultiplySubtract(x7, c, b);
                x8 = Fma.MultiplySubtract(x8, c, b);
                x9 = Fma.MultiplySubtract(x9, c, b);
                x10 = Fma.MultiplySubtract(x10, c, b);
                x11 = Fma.MultiplySubtract(x11, c, b);

                x0 = Fma.MultiplySubtract(x0, a, b);
                x1 = Fma.MultiplySubtract(x1, a, b);
                x2 = Fma.MultiplySubtract(x2, a, b);
                x3 = Fma.MultiplySubtract(x3, a, b);
                x4 = Fma.MultiplySubtract(x4, a, b);
                x5 = Fma.MultiplySubtract(x5, a, b);
                x6 = Fma.MultiplySubtract(x6, a, b);
                x7 = Fma.MultiplySubtract(x7, a, b);
                x8 = Fma.MultiplySubtract(x8, a, b);
                x9 = Fma.MultiplySubtract(x9, a, b);
                x10 = Fma.MultiplySubtract(x10, a, b);
                x11 = Fma.MultiplySubtract(x11, a, b);

                x0 = Fma.MultiplyAdd(x0, c, b);
                x1 = Fma.MultiplyAdd(x1, c, b);
                x2 = Fma.MultiplyAdd(x2, c, b);
                x3 = Fma.MultiplyAdd(x3, c, b);
                x4 = Fma.MultiplyAdd(x4, c, b);
                x5 = Fma.MultiplyAdd(x5, c, b);
                x6 = Fma.MultiplyAdd(x6, c, b);
                x7 = Fma.MultiplyAdd(x7, c, b);
                x8 = Fma.MultiplyAdd(x8, c, b);
                x9 = Fma.MultiplyAdd(x9, c, b);
                x10 = Fma.MultiplyAdd(x10, c, b);
                x11 = Fma.MultiplyAdd(x11, c, b);
            }

            if (injectFault && block == Blocks / 2)
            {
                x5 = Avx.Xor(x5, Vector256.Create(0, FaultBit, 0, 0).AsDouble());
            }
        }

        Avx.Store(r, x0);
        Avx.Store(r + 4, x1);
        Avx.Store(r + 8, x2);
        Avx.Store(r + 12, x3);
        Avx.Store(r + 16, x4);
        Avx.Store(r + 20, x5);
        Avx.Store(r + 24, x6);
        Avx.Store(r + 28, x7);
        Avx.Store(r + 32, x8);
        Avx.Store(r + 36, x9);
        Avx.Store(r + 40, x10);
        Avx.Store(r + 44, x11);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunAvx512(double* s, double* k, double* r, bool injectFault)
    {
        Vector512<double> a = Avx512F.LoadVector512(k), b = Avx512F.LoadVector512(k + 8), c = Avx512F.LoadVector512(k + 16), nb = Avx512F.LoadVector512(k + 24);
        Vector512<double> x0 = Avx512F.LoadVector512(s), x1 = Avx512F.LoadVector512(s + 8), x2 = Avx512F.LoadVector512(s + 16), x3 = Avx512F.LoadVector512(s + 24);
        Vector512<double> x4 = Avx512F.LoadVector512(s + 32), x5 = Avx512F.LoadVector512(s + 40), x6 = Avx512F.LoadVector512(s + 48), x7 = Avx512F.LoadVector512(s + 56);
        Vector512<double> x8 = Avx512F.LoadVector512(s + 64), x9 = Avx512F.LoadVector512(s + 72), x10 = Avx512F.LoadVector512(s + 80), x11 = Avx512F.LoadVector512(s + 88);
        Vector512<double> x12 = Avx512F.LoadVector512(s + 96), x13 = Avx512F.LoadVector512(s + 104), x14 = Avx512F.LoadVector512(s + 112), x15 = Avx512F.LoadVector512(s + 120);
        for (int block = 0; block < Blocks; block++)
        {
            for (int i = 0; i < QuadsPerBlock; i++)
            {
                x0 = Avx512F.FusedMultiplyAdd(x0, a, b);
                x1 = Avx512F.FusedMultiplyAdd(x1, a, b);
                x2 = Avx512F.FusedMultiplyAdd(x2, a, b);
                x3 = Avx512F.FusedMultiplyAdd(x3, a, b);
                x4 = Avx512F.FusedMultiplyAdd(x4, a, b);
                x5 = Avx512F.FusedMultiplyAdd(x5, a, b);
                x6 = Avx512F.FusedMultiplyAdd(x6, a, b);
                x7 = Avx512F.FusedMultiplyAdd(x7, a, b);
                x8 = Avx512F.FusedMultiplyAdd(x8, a, b);
                x9 = Avx512F.FusedMultiplyAdd(x9, a, b);
                x10 = Avx512F.FusedMultiplyAdd(x10, a, b);
                x11 = Avx512F.FusedMultiplyAdd(x11, a, b);
                x12 = Avx512F.FusedMultiplyAdd(x12, a, b);
                x13 = Avx512F.FusedMultiplyAdd(x13, a, b);
                x14 = Avx512F.FusedMultiplyAdd(x14, a, b);
                x15 = Avx512F.FusedMultiplyAdd(x15, a, b);

                x0 = Avx512F.FusedMultiplyAdd(x0, c, nb);
                x1 = Avx512F.FusedMultiplyAdd(x1, c, nb);
                x2 = Avx512F.FusedMultiplyAdd(x2, c, nb);
                x3 = Avx512F.FusedMultiplyAdd(x3, c, nb);
                x4 = Avx512F.FusedMultiplyAdd(x4, c, nb);
                x5 = Avx512F.FusedMultiplyAdd(x5, c, nb);
                x6 = Avx512F.FusedMultiplyAdd(x6, c, nb);
                x7 = Avx512F.FusedMultiplyAdd(x7, c, nb);
                x8 = Avx512F.FusedMultiplyAdd(x8, c, nb);
                x9 = Avx512F.FusedMultiplyAdd(x9, c, nb);
                x10 = Avx512F.FusedMultiplyAdd(x10, c, nb);
                x11 = Avx512F.FusedMultiplyAdd(x11, c, nb);
                x12 = Avx512F.FusedMultiplyAdd(x12, c, nb);
                x13 = Avx512F.FusedMultiplyAdd(x13, c, nb);
                x14 = Avx512F.FusedMultiplyAdd(x14, c, nb);
                x15 = Avx512F.FusedMultiplyAdd(x15, c, nb);

                x0 = Avx512F.FusedMultiplyAdd(x0, a, nb);
                x1 = Avx512F.FusedMultiplyAdd(x1, a, nb);
                x2 = Avx512F.FusedMultiplyAdd(x2, a, nb);
                x3 = Avx512F.FusedMultiplyAdd(x3, a, nb);
                x4 = Avx512F.FusedMultiplyAdd(x4, a, nb);
                x5 = Avx512F.FusedMultiplyAdd(x5, a, nb);
                x6 = Avx512F.FusedMultiplyAdd(x6, a, nb);
                x7 = Avx512F.FusedMultiplyAdd(x7, a, nb);
                x8 = Avx512F.FusedMultiplyAdd(x8, a, nb);
                x9 = Avx512F.FusedMultiplyAdd(x9, a, nb);
                x10 = Avx512F.FusedMultiplyAdd(x10, a, nb);
                x11 = Avx512F.FusedMultiplyAdd(x11, a, nb);
                x12 = Avx512F.FusedMultiplyAdd(x12, a, nb);
                x13 = Avx512F.FusedMultiplyAdd(x13, a, nb);
                x14 = Avx512F.FusedMultiplyAdd(x14, a, nb);
                x15 = Avx512F.FusedMultiplyAdd(x15, a, nb);

                x0 = Avx512F.FusedMultiplyAdd(x0, c, b);
                x1 = Avx512F.FusedMultiplyAdd(x1, c, b);
                x2 = Avx512F.FusedMultiplyAdd(x2, c, b);
                x3 = Avx512F.FusedMultiplyAdd(x3, c, b);
                x4 = Avx512F.FusedMultiplyAdd(x4, c, b);
                x5 = Avx512F.FusedMultiplyAdd(x5, c, b);
                x6 = Avx512F.FusedMultiplyAdd(x6, c, b);
                x7 = Avx512F.FusedMultiplyAdd(x7, c, b);
                x8 = Avx512F.FusedMultiplyAdd(x8, c, b);
                x9 = Avx512F.FusedMultiplyAdd(x9, c, b);
                x10 = Avx512F.FusedMultiplyAdd(x10, c, b);
                x11 = Avx512F.FusedMultiplyAdd(x11, c, b);
                x12 = Avx512F.FusedMultiplyAdd(x12, c, b);
                x13 = Avx512F.FusedMultiplyAdd(x13, c, b);
                x14 = Avx512F.FusedMultiplyAdd(x14, c, b);
                x15 = Avx512F.FusedMultiplyAdd(x15, c, b);
            }

            if (injectFault && block == Blocks / 2)
            {
                x5 = Avx512F.Xor(x5.AsUInt64(), Vector512.Create(0, FaultBit, 0, 0, 0, 0, 0, 0)).AsDouble();
            }
        }

        Avx512F.Store(r, x0);
        Avx512F.Store(r + 8, x1);
        Avx512F.Store(r + 16, x2);
        Avx512F.Store(r + 24, x3);
        Avx512F.Store(r + 32, x4);
        Avx512F.Store(r + 40, x5);
        Avx512F.Store(r + 48, x6);
        Avx512F.Store(r + 56, x7);
        Avx512F.Store(r + 64, x8);
        Avx512F.Store(r + 72, x9);
        Avx512F.Store(r + 80, x10);
        Avx512F.Store(r + 88, x11);
        Avx512F.Store(r + 96, x12);
        Avx512F.Store(r + 104, x13);
        Avx512F.Store(r + 112, x14);
        Avx512F.Store(r + 120, x15);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunAdvSimd(double* s, double* k, double* r, bool injectFault)
    {
        const int N = 16;
        Vector128<double> a = AdvSimd.LoadVector128(k), b = AdvSimd.LoadVector128(k + 8), c = AdvSimd.LoadVector128(k + 16), nb = AdvSimd.LoadVector128(k + 24);
        Vector128<double> x0 = AdvSimd.LoadVector128(s), x1 = AdvSimd.LoadVector128(s + 2), x2 = AdvSimd.LoadVector128(s + 4), x3 = AdvSimd.LoadVector128(s + 6);
        Vector128<double> x4 = AdvSimd.LoadVector128(s + 8), x5 = AdvSimd.LoadVector128(s + 10), x6 = AdvSimd.LoadVector128(s + 12), x7 = AdvSimd.LoadVector128(s + 14);
        Vector128<double> x8 = AdvSimd.LoadVector128(s + 16), x9 = AdvSimd.LoadVector128(s + 18), x10 = AdvSimd.LoadVector128(s + 20), x11 = AdvSimd.LoadVector128(s + 22);
        Vector128<double> x12 = AdvSimd.LoadVector128(s + 24), x13 = AdvSimd.LoadVector128(s + 26), x14 = AdvSimd.LoadVector128(s + 28), x15 = AdvSimd.LoadVector128(s + (2 * (N - 1)));
        for (int block = 0; block < Blocks; block++)
        {
            for (int i = 0; i < QuadsPerBlock; i++)
            {
                // FusedMultiplyAdd(addend, left, right) = addend + left*right, rounded once.
                x0 = AdvSimd.Arm64.FusedMultiplyAdd(b, x0, a);
                x1 = AdvSimd.Arm64.FusedMultiplyAdd(b, x1, a);
                x2 = AdvSimd.Arm64.FusedMultiplyAdd(b, x2, a);
                x3 = AdvSimd.Arm64.FusedMultiplyAdd(b, x3, a);
                x4 = AdvSimd.Arm64.FusedMultiplyAdd(b, x4, a);
                x5 = AdvSimd.Arm64.FusedMultiplyAdd(b, x5, a);
                x6 = AdvSimd.Arm64.FusedMultiplyAdd(b, x6, a);
                x7 = AdvSimd.Arm64.FusedMultiplyAdd(b, x7, a);
                x8 = AdvSimd.Arm64.FusedMultiplyAdd(b, x8, a);
                x9 = AdvSimd.Arm64.FusedMultiplyAdd(b, x9, a);
                x10 = AdvSimd.Arm64.FusedMultiplyAdd(b, x10, a);
                x11 = AdvSimd.Arm64.FusedMultiplyAdd(b, x11, a);
                x12 = AdvSimd.Arm64.FusedMultiplyAdd(b, x12, a);
                x13 = AdvSimd.Arm64.FusedMultiplyAdd(b, x13, a);
                x14 = AdvSimd.Arm64.FusedMultiplyAdd(b, x14, a);
                x15 = AdvSimd.Arm64.FusedMultiplyAdd(b, x15, a);

                x0 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x0, c);
                x1 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x1, c);
                x2 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x2, c);
                x3 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x3, c);
                x4 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x4, c);
                x5 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x5, c);
                x6 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x6, c);
                x7 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x7, c);
                x8 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x8, c);
                x9 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x9, c);
                x10 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x10, c);
                x11 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x11, c);
                x12 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x12, c);
                x13 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x13, c);
                x14 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x14, c);
                x15 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x15, c);

                x0 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x0, a);
                x1 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x1, a);
                x2 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x2, a);
                x3 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x3, a);
                x4 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x4, a);
                x5 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x5, a);
                x6 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x6, a);
                x7 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x7, a);
                x8 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x8, a);
                x9 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x9, a);
                x10 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x10, a);
                x11 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x11, a);
                x12 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x12, a);
                x13 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x13, a);
                x14 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x14, a);
                x15 = AdvSimd.Arm64.FusedMultiplyAdd(nb, x15, a);

                x0 = AdvSimd.Arm64.FusedMultiplyAdd(b, x0, c);
                x1 = AdvSimd.Arm64.FusedMultiplyAdd(b, x1, c);
                x2 = AdvSimd.Arm64.FusedMultiplyAdd(b, x2, c);
                x3 = AdvSimd.Arm64.FusedMultiplyAdd(b, x3, c);
                x4 = AdvSimd.Arm64.FusedMultiplyAdd(b, x4, c);
                x5 = AdvSimd.Arm64.FusedMultiplyAdd(b, x5, c);
                x6 = AdvSimd.Arm64.FusedMultiplyAdd(b, x6, c);
                x7 = AdvSimd.Arm64.FusedMultiplyAdd(b, x7, c);
                x8 = AdvSimd.Arm64.FusedMultiplyAdd(b, x8, c);
                x9 = AdvSimd.Arm64.FusedMultiplyAdd(b, x9, c);
                x10 = AdvSimd.Arm64.FusedMultiplyAdd(b, x10, c);
                x11 = AdvSimd.Arm64.FusedMultiplyAdd(b, x11, c);
                x12 = AdvSimd.Arm64.FusedMultiplyAdd(b, x12, c);
                x13 = AdvSimd.Arm64.FusedMultiplyAdd(b, x13, c);
                x14 = AdvSimd.Arm64.FusedMultiplyAdd(b, x14, c);
                x15 = AdvSimd.Arm64.FusedMultiplyAdd(b, x15, c);
            }

            if (injectFault && block == Blocks / 2)
            {
                x5 = AdvSimd.Xor(x5.AsUInt64(), Vector128.Create(FaultBit, 0)).AsDouble();
            }
        }

        AdvSimd.Store(r, x0);
        AdvSimd.Store(r + 2, x1);
        AdvSimd.Store(r + 4, x2);
        AdvSimd.Store(r + 6, x3);
        AdvSimd.Store(r + 8, x4);
        AdvSimd.Store(r + 10, x5);
        AdvSimd.Store(r + 12, x6);
        AdvSimd.Store(r + 14, x7);
        AdvSimd.Store(r + 16, x8);
        AdvSimd.Store(r + 18, x9);
        AdvSimd.Store(r + 20, x10);
        AdvSimd.Store(r + 22, x11);
        AdvSimd.Store(r + 24, x12);
        AdvSimd.Store(r + 26, x13);
        AdvSimd.Store(r + 28, x14);
        AdvSimd.Store(r + 30, x15);
    }

    /// <summary>No fused multiply-add: separately rounded multiply and add, still deterministic.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunVector128(double* s, double* k, double* r, bool injectFault)
    {
        Vector128<double> a = Vector128.Load(k), b = Vector128.Load(k + 8), c = Vector128.Load(k + 16), nb = Vector128.Load(k + 24);
        Vector128<double> x0 = Vector128.Load(s), x1 = Vector128.Load(s + 2), x2 = Vector128.Load(s + 4), x3 = Vector128.Load(s + 6);
        Vector128<double> x4 = Vector128.Load(s + 8), x5 = Vector128.Load(s + 10), x6 = Vector128.Load(s + 12), x7 = Vector128.Load(s + 14);
        Vector128<double> x8 = Vector128.Load(s + 16), x9 = Vector128.Load(s + 18), x10 = Vector128.Load(s + 20), x11 = Vector128.Load(s + 22);
        for (int block = 0; block < Blocks; block++)
        {
            for (int i = 0; i < QuadsPerBlock; i++)
            {
                x0 = (x0 * a) + b;
                x1 = (x1 * a) + b;
                x2 = (x2 * a) + b;
                x3 = (x3 * a) + b;
                x4 = (x4 * a) + b;
                x5 = (x5 * a) + b;
                x6 = (x6 * a) + b;
                x7 = (x7 * a) + b;
                x8 = (x8 * a) + b;
                x9 = (x9 * a) + b;
                x10 = (x10 * a) + b;
                x11 = (x11 * a) + b;

                x0 = (x0 * c) + nb;
                x1 = (x1 * c) + nb;
                x2 = (x2 * c) + nb;
                x3 = (x3 * c) + nb;
                x4 = (x4 * c) + nb;
                x5 = (x5 * c) + nb;
                x6 = (x6 * c) + nb;
                x7 = (x7 * c) + nb;
                x8 = (x8 * c) + nb;
                x9 = (x9 * c) + nb;
                x10 = (x10 * c) + nb;
                x11 = (x11 * c) + nb;

                x0 = (x0 * a) + nb;
                x1 = (x1 * a) + nb;
                x2 = (x2 * a) + nb;
                x3 = (x3 * a) + nb;
                x4 = (x4 * a) + nb;
                x5 = (x5 * a) + nb;
                x6 = (x6 * a) + nb;
                x7 = (x7 * a) + nb;
                x8 = (x8 * a) + nb;
                x9 = (x9 * a) + nb;
                x10 = (x10 * a) + nb;
                x11 = (x11 * a) + nb;

                x0 = (x0 * c) + b;
                x1 = (x1 * c) + b;
                x2 = (x2 * c) + b;
                x3 = (x3 * c) + b;
                x4 = (x4 * c) + b;
                x5 = (x5 * c) + b;
                x6 = (x6 * c) + b;
                x7 = (x7 * c) + b;
                x8 = (x8 * c) + b;
                x9 = (x9 * c) + b;
                x10 = (x10 * c) + b;
                x11 = (x11 * c) + b;
            }

            if (injectFault && block == Blocks / 2)
            {
                x5 = (x5.AsUInt64() ^ Vector128.Create(FaultBit, 0)).AsDouble();
            }
        }

        x0.Store(r);
        x1.Store(r + 2);
        x2.Store(r + 4);
        x3.Store(r + 6);
        x4.Store(r + 8);
        x5.Store(r + 10);
        x6.Store(r + 12);
        x7.Store(r + 14);
        x8.Store(r + 16);
        x9.Store(r + 18);
        x10.Store(r + 20);
        x11.Store(r + 22);
    }
}
