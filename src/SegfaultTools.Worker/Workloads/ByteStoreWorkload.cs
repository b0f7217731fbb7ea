using System.Runtime.CompilerServices;

namespace SegfaultTools;

/// <summary>
/// Byte-store paths: the high-byte register stores of <see cref="ExecutableCode"/> (where the CPU
/// and OS allow it), the same result through managed code, byte to 8-byte stores at every
/// alignment, and LZ77-style overlapping copies (the decompressor inner loop in which the Raptor
/// Lake "stores CL instead of CH" fault showed up). Every output is compared with a reference
/// built in <see cref="Prepare"/> by a different method.
/// </summary>
public sealed unsafe class ByteStoreWorkload : StabilityWorkload
{
    // 64 Ki values: the source (128 KiB) and destinations stay in L2, so the loop is store-bound.
    private const int Values = 1 << 16;
    private const int HighBytePasses = 24;
    private const int MixedBytes = 1 << 16;
    private const int LzBytes = 1 << 16;

    // Wild copies may write up to 7 bytes past a match's end; the slack keeps that inside the buffer.
    private const int LzSlack = 16;

    private readonly ushort[] _source = GC.AllocateArray<ushort>(Values, pinned: true);
    private readonly byte[] _high = new byte[Values];
    private readonly byte[] _out = GC.AllocateArray<byte>(Values, pinned: true);
    private readonly byte[] _mixedSource = new byte[MixedBytes];
    private readonly byte[] _mixedOut = GC.AllocateArray<byte>(MixedBytes + 8, pinned: true);
    private readonly byte[] _widths = new byte[MixedBytes];
    private readonly byte[] _lzExpected = new byte[LzBytes];
    private readonly byte[] _lzOut = GC.AllocateArray<byte>(LzBytes + LzSlack, pinned: true);
    private readonly byte[] _literals = new byte[LzBytes];
    private LzOp[] _ops = [];
    private ExecutableCode.Loops? _native;
    private string _digest = string.Empty;
    private int _mixedOffset;

    private readonly record struct LzOp(int Literals, int Distance, int Length);

    public override CpuWorkload Kind => CpuWorkload.ByteStore;

    /// <summary>Bytes stored: the high-byte passes (native and managed), the mixed-width stores and the LZ output.</summary>
    public override long OperationsPerIteration => ((long)HighBytePasses * Values * StoreLoopsPerPass) + MixedBytes + LzBytes;

    public override string OperationUnit => "byte";

    public override string ReferenceDigest => _digest;

    public override string Variant => _native is null
        ? string.Empty
        : _native.Available
            ? "native ch/ah/bh/dh stores + managed"
            : $"managed only ({_native.Unavailable})";

    private int StoreLoopsPerPass => _native is { Available: true } ? 3 : 1;

    /// <summary>Whether the hand-assembled loops are in use (false where the OS or CPU rules them out).</summary>
    internal bool NativeAvailable => _native is { Available: true };

    public override void Prepare(int seed, WorkloadEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        _native = ExecutableCode.Get();
        ulong state = WorkloadSupport.State(seed, 0xB7E5704EUL);
        for (int i = 0; i < Values; i++)
        {
            ushort v = (ushort)WorkloadSupport.Next(ref state);

            // Low byte never equal to the high byte, so storing CL instead of CH is always visible.
            if ((byte)v == (byte)(v >> 8))
            {
                v ^= 0x5A;
            }

            _source[i] = v;

            // The reference by arithmetic on the value, not by a byte store of a register half.
            _high[i] = (byte)(v / 256);
        }

        WorkloadSupport.Fill(_mixedSource, ref state);
        for (int i = 0; i < _widths.Length; i++)
        {
            // Widths 1, 2, 3, 4, 8, 16 (3 is a 2-byte and a 1-byte store back to back).
            _widths[i] = (byte)(WorkloadSupport.Next(ref state) % 6);
        }

        _mixedOffset = (int)(WorkloadSupport.Next(ref state) % 8);

        WorkloadSupport.Fill(_literals, ref state);
        BuildLzProgram(ref state);

        _digest = WorkloadSupport.Digest(Combine());
    }

    private byte[] Combine()
    {
        var all = new byte[_high.Length + _lzExpected.Length + _mixedSource.Length + _widths.Length + 1];
        _high.CopyTo(all, 0);
        _lzExpected.CopyTo(all, _high.Length);
        _mixedSource.CopyTo(all, _high.Length + _lzExpected.Length);
        _widths.CopyTo(all, _high.Length + _lzExpected.Length + _mixedSource.Length);
        all[^1] = (byte)_mixedOffset;
        return all;
    }

    public override IterationOutcome Run(bool injectFault)
    {
        if (_native is null)
        {
            throw new InvalidOperationException("Call Prepare before Run.");
        }

        IterationOutcome outcome = IterationOutcome.Pass;
        fixed (ushort* src = _source)
        fixed (byte* dst = _out)
        {
            for (int pass = 0; pass < HighBytePasses; pass++)
            {
                bool inject = injectFault && pass == HighBytePasses / 2;
                if (_native.Available)
                {
                    _native.ChStore(dst, src, Values);
                    outcome = Merge(outcome, VerifyHigh("mov [rdi+rax], ch", inject));
                    _native.FourRegisterStore(dst, src, Values);
                    outcome = Merge(outcome, VerifyHigh("mov [rdi+n], ah/bh/ch/dh", injectFault: false));
                    inject = false;
                }

                StoreHighManaged(src, dst);
                outcome = Merge(outcome, VerifyHigh("managed high-byte store", inject));
            }
        }

        MixedWidthCopy();
        outcome = Merge(outcome, WorkloadSupport.CompareBytes(_mixedSource, _mixedOut.AsSpan(_mixedOffset, MixedBytes), "mixed-width"));

        LzDecode();
        outcome = Merge(outcome, WorkloadSupport.CompareBytes(_lzExpected, _lzOut.AsSpan(0, LzBytes), "LZ copy"));
        return outcome;
    }

    private static IterationOutcome Merge(IterationOutcome sofar, IterationOutcome next)
    {
        if (next.Correct)
        {
            return sofar;
        }

        return sofar.Correct
            ? next
            : sofar with { Miscompares = sofar.Miscompares + next.Miscompares };
    }

    private IterationOutcome VerifyHigh(string what, bool injectFault)
    {
        if (injectFault)
        {
            // Exactly the reported fault: one store wrote the low byte (CL) instead of the high (CH).
            int at = Values / 3;
            _out[at] = (byte)_source[at];
        }

        if (_out.AsSpan().SequenceEqual(_high))
        {
            return IterationOutcome.Pass;
        }

        long bad = 0;
        int first = -1;
        for (int i = 0; i < Values; i++)
        {
            if (_out[i] != _high[i])
            {
                bad++;
                if (first < 0)
                {
                    first = i;
                }
            }
        }

        byte got = _out[first];
        string note = got == (byte)_source[first] ? " (the low byte)" : string.Empty;
        return IterationOutcome.Fail(
            $"{what} {WorkloadSupport.ByteAt(first, _high[first])}",
            $"{what} {WorkloadSupport.ByteAt(first, got)}{note}",
            bad);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StoreHighManaged(ushort* src, byte* dst)
    {
        for (int i = 0; i < Values; i++)
        {
            dst[i] = (byte)(src[i] >> 8);
        }
    }

    /// <summary>Copies the seeded bytes with stores of seeded widths at whatever alignment they fall on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void MixedWidthCopy()
    {
        fixed (byte* s = _mixedSource)
        fixed (byte* w = _widths)
        {
            byte* d = (byte*)Unsafe.AsPointer(ref _mixedOut[_mixedOffset]);
            int pos = 0, k = 0;
            while (pos < MixedBytes)
            {
                int left = MixedBytes - pos;
                switch (w[k++])
                {
                    case 0:
                        d[pos] = s[pos];
                        pos += 1;
                        break;
                    case 1 when left >= 2:
                        Unsafe.WriteUnaligned(d + pos, Unsafe.ReadUnaligned<ushort>(s + pos));
                        pos += 2;
                        break;
                    case 2 when left >= 3:
                        Unsafe.WriteUnaligned(d + pos, Unsafe.ReadUnaligned<ushort>(s + pos));
                        d[pos + 2] = s[pos + 2];
                        pos += 3;
                        break;
                    case 3 when left >= 4:
                        Unsafe.WriteUnaligned(d + pos, Unsafe.ReadUnaligned<uint>(s + pos));
                        pos += 4;
                        break;
                    case 4 when left >= 8:
                        Unsafe.WriteUnaligned(d + pos, Unsafe.ReadUnaligned<ulong>(s + pos));
                        pos += 8;
                        break;
                    case 5 when left >= 16:
                        Unsafe.WriteUnaligned(d + pos, Unsafe.ReadUnaligned<UInt128>(s + pos));
                        pos += 16;
                        break;
                    default:
                        d[pos] = s[pos];
                        pos += 1;
                        break;
                }
            }
        }
    }

    /// <summary>
    /// A seeded sequence of literal runs and back-references, with distances 1..64 weighted
    /// towards the short ones (where source and destination overlap and store-to-load forwarding
    /// is exercised hardest); the expected output is built by the closed form out[p] = out[p - d + (k mod d)].
    /// </summary>
    private void BuildLzProgram(ref ulong state)
    {
        var ops = new List<LzOp>();
        int pos = 0, literalPos = 0;
        while (pos < LzBytes)
        {
            ulong r = WorkloadSupport.Next(ref state);
            int literals = (int)(r % 9);
            if (pos == 0)
            {
                literals = 8;
            }

            literals = Math.Min(literals, LzBytes - pos);
            _literals.AsSpan(literalPos, literals).CopyTo(_lzExpected.AsSpan(pos));
            pos += literals;
            literalPos += literals;
            if (pos >= LzBytes)
            {
                ops.Add(new LzOp(literals, 0, 0));
                break;
            }

            int distance = (int)((r >> 8) % 4) == 0 ? 1 + (int)((r >> 16) % 64) : 1 + (int)((r >> 16) % 12);
            distance = Math.Min(distance, pos);
            int length = Math.Min(3 + (int)((r >> 32) % 120), LzBytes - pos);
            for (int k = 0; k < length; k++)
            {
                _lzExpected[pos + k] = _lzExpected[pos - distance + (k % distance)];
            }

            ops.Add(new LzOp(literals, distance, length));
            pos += length;
        }

        _ops = ops.ToArray();
    }

    /// <summary>The decoder: byte-by-byte copies for short distances, 8-byte "wild" copies for distances of 8 or more.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void LzDecode()
    {
        fixed (byte* lit = _literals)
        fixed (LzOp* ops = _ops)
        {
            byte* o = (byte*)Unsafe.AsPointer(ref _lzOut[0]);
            int pos = 0, literalPos = 0;
            for (int n = 0; n < _ops.Length; n++)
            {
                LzOp op = ops[n];
                for (int k = 0; k < op.Literals; k++)
                {
                    o[pos + k] = lit[literalPos + k];
                }

                pos += op.Literals;
                literalPos += op.Literals;
                int d = op.Distance, len = op.Length;
                if (d >= 8)
                {
                    // Each 8-byte read ends at least 1 byte before the write it feeds, so it only sees finished output.
                    for (int k = 0; k < len; k += 8)
                    {
                        Unsafe.WriteUnaligned(o + pos + k, Unsafe.ReadUnaligned<ulong>(o + pos + k - d));
                    }
                }
                else
                {
                    for (int k = 0; k < len; k++)
                    {
                        o[pos + k] = o[pos + k - d];
                    }
                }

                pos += len;
            }
        }
    }
}
