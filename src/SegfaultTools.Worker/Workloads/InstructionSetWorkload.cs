using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;

namespace SegfaultTools;

/// <summary>
/// Known-answer checks of each instruction-set extension the CPU reports. Every instruction runs on
/// seeded inputs and is compared with an answer computed in plain scalar C# (no use of the
/// extension under test) in <see cref="Prepare"/>; published vectors (FIPS-197 AES, FIPS 180-2
/// SHA-256, the CRC-32C check value, an exact fused-multiply-add result) are checked as well.
/// </summary>
public sealed unsafe class InstructionSetWorkload : StabilityWorkload
{
    /// <summary>Values each check produces per round (lanes, results or block halves).</summary>
    internal const int ValuesPerCheck = 64;

    // About 2 ms on a 2.5 GHz Zen 3 with every x86 check present.
    private const int Rounds = 250;

    private const int ShaBufferBytes = 4096;

    internal enum Check
    {
        Sse2AddShift,
        Sse2MulU32,
        Sse2MaddWd,
        Sse42Crc32,
        Popcnt,
        Lzcnt,
        Bmi1Tzcnt,
        Bmi1Andn,
        Bmi1Blsr,
        Bmi1Blsi,
        Bmi1Blsmsk,
        Bmi1Bextr,
        Bmi2Pdep,
        Bmi2Pext,
        Bmi2Bzhi,
        Bmi2MulxHigh,
        Bmi2MulxLow,
        Avx2MulLo,
        Avx2Sllv,
        Avx2Shufb,
        Avx2CmpGtQ,
        Fma,
        Avx512Fma,
        Avx512MulLo,
        Avx512Ternlog,
        Avx512AddQ,
        Aes,
        Pclmul,
    }

    private static readonly string[] CheckNames =
    [
        "SSE2 paddq/psllq", "SSE2 pmuludq", "SSE2 pmaddwd", "SSE4.2 crc32", "POPCNT", "LZCNT",
        "BMI1 tzcnt", "BMI1 andn", "BMI1 blsr", "BMI1 blsi", "BMI1 blsmsk", "BMI1 bextr",
        "BMI2 pdep", "BMI2 pext", "BMI2 bzhi", "BMI2 mulx high", "BMI2 mulx low",
        "AVX2 vpmulld", "AVX2 vpsllvd", "AVX2 vpshufb", "AVX2 vpcmpgtq", "FMA vfmadd",
        "AVX-512F vfmadd", "AVX-512F vpmulld", "AVX-512F vpternlogq", "AVX-512F vpaddq", "AES", "PCLMULQDQ",
    ];

    private const int CheckCount = 28;

    // FIPS-197 appendix C.1.
    private static ReadOnlySpan<byte> AesKey => [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f];

    private static ReadOnlySpan<byte> AesPlaintext => [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff];

    internal static ReadOnlySpan<byte> AesCiphertext => [0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30, 0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a];

    // FIPS 180-2 appendix B.1 and B.2.
    private static ReadOnlySpan<byte> ShaAbc =>
    [
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
        0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
    ];

    private static ReadOnlySpan<byte> ShaTwoBlock =>
    [
        0x24, 0x8d, 0x6a, 0x61, 0xd2, 0x06, 0x38, 0xb8, 0xe5, 0xc0, 0x26, 0x93, 0x0c, 0x3e, 0x60, 0x39,
        0xa3, 0x3c, 0xe4, 0x59, 0x64, 0xff, 0x21, 0x67, 0xf6, 0xec, 0xed, 0xd4, 0x19, 0xdb, 0x06, 0xc1,
    ];

    /// <summary>(1 + 2^-30)(1 - 2^-30) - 1 = -2^-60 exactly when fused; separate rounding gives 0.</summary>
    internal const ulong FmaKnownAnswerBits = 0xBC30000000000000UL;

    private readonly ulong[] _a = GC.AllocateArray<ulong>(ValuesPerCheck, pinned: true);
    private readonly ulong[] _b = GC.AllocateArray<ulong>(ValuesPerCheck, pinned: true);
    private readonly ulong[] _c = GC.AllocateArray<ulong>(ValuesPerCheck, pinned: true);
    private readonly double[] _fa = GC.AllocateArray<double>(ValuesPerCheck, pinned: true);
    private readonly double[] _fb = GC.AllocateArray<double>(ValuesPerCheck, pinned: true);
    private readonly double[] _fc = GC.AllocateArray<double>(ValuesPerCheck, pinned: true);
    private readonly ulong[] _expected = new ulong[CheckCount * ValuesPerCheck];
    private readonly ulong[] _actual = GC.AllocateArray<ulong>(CheckCount * ValuesPerCheck, pinned: true);
    private readonly byte[] _shaInput = new byte[ShaBufferBytes];
    private readonly byte[] _shaExpected = new byte[32];
    private readonly bool[] _enabled = new bool[CheckCount];
    private string _digest = string.Empty;
    private string _variant = string.Empty;
    private long _valuesPerRound;
    private bool _prepared;

    public override CpuWorkload Kind => CpuWorkload.InstructionSet;

    public override long OperationsPerIteration => _valuesPerRound * Rounds;

    public override string OperationUnit => "check";

    public override string ReferenceDigest => _digest;

    public override string Variant => _variant;

    internal bool IsEnabled(Check check) => _enabled[(int)check];

    public override void Prepare(int seed, WorkloadEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ulong state = WorkloadSupport.State(seed, 0x15A0CEC4UL);
        for (int i = 0; i < ValuesPerCheck; i++)
        {
            _a[i] = WorkloadSupport.Next(ref state);
            _b[i] = WorkloadSupport.Next(ref state);
            _c[i] = WorkloadSupport.Next(ref state);
        }

        // Edge values the instructions treat specially: zero and all ones.
        _a[7] = 0;
        _b[9] = 0;
        _a[11] = ulong.MaxValue;
        _b[13] = ulong.MaxValue;

        for (int i = 0; i < ValuesPerCheck; i++)
        {
            (_fa[i], _fb[i], _fc[i], double exact) = FmaOperands(_a[i], negate: (i & 1) != 0);
            _expected[Index(Check.Fma, i)] = BitConverter.DoubleToUInt64Bits(exact);
            _expected[Index(Check.Avx512Fma, i)] = BitConverter.DoubleToUInt64Bits(exact);
        }

        ComputeSoftware();
        WorkloadSupport.Fill(_shaInput, ref state);
        SHA256.HashData(_shaInput, _shaExpected);

        _enabled[(int)Check.Sse2AddShift] = _enabled[(int)Check.Sse2MulU32] = _enabled[(int)Check.Sse2MaddWd] = Sse2.IsSupported;
        _enabled[(int)Check.Sse42Crc32] = Sse42.X64.IsSupported;
        _enabled[(int)Check.Popcnt] = Popcnt.X64.IsSupported;
        _enabled[(int)Check.Lzcnt] = Lzcnt.X64.IsSupported;
        foreach (Check c in new[] { Check.Bmi1Tzcnt, Check.Bmi1Andn, Check.Bmi1Blsr, Check.Bmi1Blsi, Check.Bmi1Blsmsk, Check.Bmi1Bextr })
        {
            _enabled[(int)c] = Bmi1.X64.IsSupported;
        }

        foreach (Check c in new[] { Check.Bmi2Pdep, Check.Bmi2Pext, Check.Bmi2Bzhi, Check.Bmi2MulxHigh, Check.Bmi2MulxLow })
        {
            _enabled[(int)c] = Bmi2.X64.IsSupported;
        }

        _enabled[(int)Check.Avx2MulLo] = _enabled[(int)Check.Avx2Sllv] = _enabled[(int)Check.Avx2Shufb] = _enabled[(int)Check.Avx2CmpGtQ] = Avx2.IsSupported;
        _enabled[(int)Check.Fma] = Fma.IsSupported;
        _enabled[(int)Check.Avx512Fma] = _enabled[(int)Check.Avx512MulLo] = _enabled[(int)Check.Avx512Ternlog] = _enabled[(int)Check.Avx512AddQ] = Avx512F.IsSupported;
        _enabled[(int)Check.Aes] = System.Runtime.Intrinsics.X86.Aes.IsSupported && Sse2.IsSupported;
        _enabled[(int)Check.Pclmul] = Pclmulqdq.IsSupported;

        var names = new List<string>();
        AddIf(names, Sse2.IsSupported, "SSE2");
        AddIf(names, Sse42.X64.IsSupported, "SSE4.2");
        AddIf(names, Popcnt.X64.IsSupported, "POPCNT");
        AddIf(names, Lzcnt.X64.IsSupported, "LZCNT");
        AddIf(names, Bmi1.X64.IsSupported, "BMI1");
        AddIf(names, Bmi2.X64.IsSupported, "BMI2");
        AddIf(names, Avx2.IsSupported, "AVX2");
        AddIf(names, Fma.IsSupported, "FMA");
        AddIf(names, Avx512F.IsSupported, "AVX-512F");
        AddIf(names, _enabled[(int)Check.Aes], "AES");
        AddIf(names, Pclmulqdq.IsSupported, "PCLMUL");
        names.Add("SHA");
        _variant = "checked: " + string.Join(' ', names);

        int enabled = _enabled.Count(e => e);

        // Per round: the enabled checks' values, the SHA-256 seeded hash and the published vectors
        // (two SHA-256, CRC-32C, AES and FMA where present).
        _valuesPerRound = ((long)enabled * ValuesPerCheck) + 3 + (Sse42.X64.IsSupported ? 1 : 0) + (_enabled[(int)Check.Aes] ? 1 : 0) + (Fma.IsSupported ? 1 : 0);

        Span<byte> all = stackalloc byte[32 + 32];
        SHA256.HashData(MemoryMarshal.AsBytes<ulong>(_expected), all);
        _shaExpected.CopyTo(all[32..]);
        _digest = WorkloadSupport.Digest(all);
        _prepared = true;
    }

    public override IterationOutcome Run(bool injectFault)
    {
        if (!_prepared)
        {
            throw new InvalidOperationException("Call Prepare before Run.");
        }

        long bad = 0;
        string? expected = null, actual = null;
        Span<byte> hash = stackalloc byte[32];
        for (int round = 0; round < Rounds; round++)
        {
            RunHardware();
            if (injectFault && round == Rounds / 2)
            {
                // One wrong result from the first extension that ran, as a faulty unit would produce.
                int first = Array.IndexOf(_enabled, true);
                if (first >= 0)
                {
                    _actual[first * ValuesPerCheck] ^= 1UL << 3;
                }
                else
                {
                    // No x86 extension here: corrupt the seeded SHA-256 input for one hash instead.
                    _shaInput[100] ^= 0x10;
                }
            }

            for (int check = 0; check < CheckCount; check++)
            {
                if (!_enabled[check])
                {
                    continue;
                }

                int start = check * ValuesPerCheck;
                ReadOnlySpan<ulong> want = _expected.AsSpan(start, ValuesPerCheck);
                ReadOnlySpan<ulong> got = _actual.AsSpan(start, ValuesPerCheck);
                if (want.SequenceEqual(got))
                {
                    continue;
                }

                for (int i = 0; i < ValuesPerCheck; i++)
                {
                    if (want[i] != got[i])
                    {
                        bad++;
                        expected ??= $"{CheckNames[check]}: {WorkloadSupport.Hex(want[i])}";
                        actual ??= $"{CheckNames[check]}: {WorkloadSupport.Hex(got[i])}";
                    }
                }
            }

            SHA256.HashData(_shaInput, hash);
            if (injectFault && round == Rounds / 2 && Array.IndexOf(_enabled, true) < 0)
            {
                _shaInput[100] ^= 0x10;
            }

            if (!hash.SequenceEqual(_shaExpected))
            {
                bad++;
                expected ??= "SHA-256 (seeded): " + WorkloadSupport.HexBytes(_shaExpected.AsSpan(0, 8));
                actual ??= "SHA-256 (seeded): " + WorkloadSupport.HexBytes(hash[..8]);
            }

            bad += KnownAnswers(hash, ref expected, ref actual);
        }

        return bad == 0 ? IterationOutcome.Pass : IterationOutcome.Fail(expected!, actual!, bad);
    }

    private static int Index(Check check, int i) => ((int)check * ValuesPerCheck) + i;

    private static void AddIf(List<string> names, bool condition, string name)
    {
        if (condition)
        {
            names.Add(name);
        }
    }

    /// <summary>The published vectors, checked once per round.</summary>
    private static long KnownAnswers(Span<byte> hash, ref string? expected, ref string? actual)
    {
        long bad = 0;
        SHA256.HashData("abc"u8, hash);
        if (!hash.SequenceEqual(ShaAbc))
        {
            bad++;
            expected ??= "SHA-256(abc): " + WorkloadSupport.HexBytes(ShaAbc[..8]);
            actual ??= "SHA-256(abc): " + WorkloadSupport.HexBytes(hash[..8]);
        }

        SHA256.HashData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"u8, hash);
        if (!hash.SequenceEqual(ShaTwoBlock))
        {
            bad++;
            expected ??= "SHA-256(448-bit vector): " + WorkloadSupport.HexBytes(ShaTwoBlock[..8]);
            actual ??= "SHA-256(448-bit vector): " + WorkloadSupport.HexBytes(hash[..8]);
        }

        if (Sse42.X64.IsSupported)
        {
            uint crc = ~Crc32C.Update(0xFFFFFFFF, "123456789"u8);
            if (crc != Crc32C.CheckValue)
            {
                bad++;
                expected ??= "SSE4.2 crc32(123456789): " + WorkloadSupport.Hex(Crc32C.CheckValue);
                actual ??= "SSE4.2 crc32(123456789): " + WorkloadSupport.Hex(crc);
            }
        }

        if (System.Runtime.Intrinsics.X86.Aes.IsSupported && Sse2.IsSupported)
        {
            Vector128<byte> ct = Aes128.EncryptHardware(Vector128.Create(AesKey), Vector128.Create(AesPlaintext));
            if (!ct.Equals(Vector128.Create(AesCiphertext)))
            {
                bad++;
                Span<byte> got = stackalloc byte[16];
                ct.CopyTo(got);
                expected ??= "AES: " + WorkloadSupport.HexBytes(AesCiphertext);
                actual ??= "AES: " + WorkloadSupport.HexBytes(got);
            }
        }

        if (Fma.IsSupported)
        {
            ulong fused = FmaKnownAnswerHardware();
            if (fused != FmaKnownAnswerBits)
            {
                bad++;
                expected ??= "FMA: " + WorkloadSupport.Hex(FmaKnownAnswerBits);
                actual ??= "FMA: " + WorkloadSupport.Hex(fused);
            }
        }

        return bad;
    }

    /// <summary>vfmadd on the published operands; the operands come from memory so nothing is folded at compile time.</summary>
    internal static ulong FmaKnownAnswerHardware()
    {
        double[] k = FmaKnownOperands;
        Vector128<double> a = Vector128.CreateScalar(k[0]), b = Vector128.CreateScalar(k[1]), c = Vector128.CreateScalar(k[2]);
        return BitConverter.DoubleToUInt64Bits(Fma.MultiplyAddScalar(a, b, c).ToScalar());
    }

    // Array elements, unlike constants, cannot be folded by the JIT, so the instruction really runs.
    private static readonly double[] FmaKnownOperands = [1.0 + Math.ScaleB(1.0, -30), 1.0 - Math.ScaleB(1.0, -30), -1.0];

    /// <summary>
    /// Operands whose fused product-sum is exact and known without an FMA: with e = u * 2^-30
    /// (u below 2^20), (1 + e)(1 - e) - 1 = -u^2 * 2^-60, while the separately rounded product
    /// (1 - e^2 needs more than 53 bits for odd u) gives a different answer.
    /// </summary>
    internal static (double A, double B, double C, double Exact) FmaOperands(ulong random, bool negate)
    {
        ulong u = (random >> 44) | 1;
        double e = Math.ScaleB(u, -30);
        double exact = Math.ScaleB((double)(u * u), -60);
        return negate
            ? (-(1.0 + e), 1.0 - e, 1.0, exact)
            : (1.0 + e, 1.0 - e, -1.0, -exact);
    }

    // ---------------------------------------------------------------- software references

    private void ComputeSoftware()
    {
        ReadOnlySpan<byte> aBytes = MemoryMarshal.AsBytes<ulong>(_a);
        ReadOnlySpan<byte> bBytes = MemoryMarshal.AsBytes<ulong>(_b);
        Span<byte> key = stackalloc byte[16], pt = stackalloc byte[16], ct = stackalloc byte[16];
        for (int i = 0; i < ValuesPerCheck; i++)
        {
            ulong a = _a[i], b = _b[i], c = _c[i];
            _expected[Index(Check.Sse2AddShift, i)] = (a + b) ^ (b << 13);
            _expected[Index(Check.Sse2MulU32, i)] = (ulong)(uint)a * (uint)b;
            _expected[Index(Check.Sse2MaddWd, i)] = MaddWdSoftware(a, b);
            _expected[Index(Check.Sse42Crc32, i)] = Crc32C.UpdateSoftware((uint)b, a);
            _expected[Index(Check.Popcnt, i)] = (ulong)PopCountSoftware(a);
            _expected[Index(Check.Lzcnt, i)] = (ulong)LeadingZerosSoftware(a >> (int)(b & 63));
            _expected[Index(Check.Bmi1Tzcnt, i)] = (ulong)TrailingZerosSoftware(a << (int)(b & 63));
            _expected[Index(Check.Bmi1Andn, i)] = ~a & b;
            int tz = TrailingZerosSoftware(a);
            _expected[Index(Check.Bmi1Blsr, i)] = a == 0 ? 0 : a ^ (1UL << tz);
            _expected[Index(Check.Bmi1Blsi, i)] = a == 0 ? 0 : 1UL << tz;
            _expected[Index(Check.Bmi1Blsmsk, i)] = a == 0 ? ulong.MaxValue : ulong.MaxValue >> (63 - tz);
            int start = (int)(b & 63), length = (int)((b >> 8) & 63);
            _expected[Index(Check.Bmi1Bextr, i)] = (a >> start) & ((1UL << length) - 1);
            _expected[Index(Check.Bmi2Pdep, i)] = DepositSoftware(a, b);
            _expected[Index(Check.Bmi2Pext, i)] = ExtractSoftware(a, b);
            _expected[Index(Check.Bmi2Bzhi, i)] = a & ((1UL << start) - 1);
            (ulong high, ulong low) = MultiplySoftware(a, b);
            _expected[Index(Check.Bmi2MulxHigh, i)] = high;
            _expected[Index(Check.Bmi2MulxLow, i)] = low;
            _expected[Index(Check.Avx2MulLo, i)] = LanesU32(a, b, static (x, y) => x * y);
            _expected[Index(Check.Avx512MulLo, i)] = _expected[Index(Check.Avx2MulLo, i)];
            _expected[Index(Check.Avx2Sllv, i)] = LanesU32(a, b, static (x, y) => x << (int)(y & 31));
            _expected[Index(Check.Avx2CmpGtQ, i)] = (long)a > (long)b ? ulong.MaxValue : 0;
            _expected[Index(Check.Avx512Ternlog, i)] = a ^ b ^ c;
            _expected[Index(Check.Avx512AddQ, i)] = a + b;
        }

        // vpshufb: each byte picks a byte of its own 16-byte lane, or 0 when the selector's top bit is set.
        Span<byte> shuffled = MemoryMarshal.AsBytes(_expected.AsSpan(Index(Check.Avx2Shufb, 0), ValuesPerCheck));
        for (int i = 0; i < shuffled.Length; i++)
        {
            byte selector = bBytes[i];
            int laneStart = i & ~15;
            shuffled[i] = (selector & 0x80) != 0 ? (byte)0 : aBytes[laneStart + (selector & 15)];
        }

        for (int block = 0; block < ValuesPerCheck / 2; block++)
        {
            aBytes.Slice(block * 16, 16).CopyTo(key);
            bBytes.Slice(block * 16, 16).CopyTo(pt);
            Aes128.EncryptSoftware(key, pt, ct);
            MemoryMarshal.Cast<byte, ulong>(ct).CopyTo(_expected.AsSpan(Index(Check.Aes, 2 * block), 2));
        }

        // PCLMULQDQ: imm 0x00 multiplies the low quadwords of the first 16 vector pairs, imm 0x11
        // the high quadwords of the other 16.
        for (int v = 0; v < ValuesPerCheck / 2; v++)
        {
            int lane = v < ValuesPerCheck / 4 ? 0 : 1;
            (ulong high, ulong low) = CarrylessMultiplySoftware(_a[(2 * v) + lane], _b[(2 * v) + lane]);
            _expected[Index(Check.Pclmul, 2 * v)] = low;
            _expected[Index(Check.Pclmul, (2 * v) + 1)] = high;
        }
    }

    private static ulong LanesU32(ulong a, ulong b, Func<uint, uint, uint> op) =>
        op((uint)a, (uint)b) | ((ulong)op((uint)(a >> 32), (uint)(b >> 32)) << 32);

    private static ulong MaddWdSoftware(ulong a, ulong b)
    {
        // Two 32-bit sums of two 16x16 signed products each; the one overflowing case
        // (-32768 * -32768 twice) wraps, as the instruction does.
        int Sum(int shift) => unchecked((short)(a >> shift) * (short)(b >> shift) + ((short)(a >> (shift + 16)) * (short)(b >> (shift + 16))));
        return (uint)Sum(0) | ((ulong)(uint)Sum(32) << 32);
    }

    internal static int PopCountSoftware(ulong x)
    {
        x -= (x >> 1) & 0x5555555555555555UL;
        x = (x & 0x3333333333333333UL) + ((x >> 2) & 0x3333333333333333UL);
        x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FUL;
        return (int)((x * 0x0101010101010101UL) >> 56);
    }

    internal static int LeadingZerosSoftware(ulong x)
    {
        int n = 0;
        for (int bit = 63; bit >= 0 && ((x >> bit) & 1) == 0; bit--)
        {
            n++;
        }

        return n;
    }

    internal static int TrailingZerosSoftware(ulong x)
    {
        int n = 0;
        for (int bit = 0; bit < 64 && ((x >> bit) & 1) == 0; bit++)
        {
            n++;
        }

        return n;
    }

    /// <summary>pdep: the low bits of <paramref name="source"/> go, in order, to the set bits of <paramref name="mask"/>.</summary>
    internal static ulong DepositSoftware(ulong source, ulong mask)
    {
        ulong result = 0;
        int k = 0;
        for (int bit = 0; bit < 64; bit++)
        {
            if (((mask >> bit) & 1) != 0)
            {
                result |= ((source >> k) & 1) << bit;
                k++;
            }
        }

        return result;
    }

    /// <summary>pext: the bits of <paramref name="source"/> under the set bits of <paramref name="mask"/>, packed at the bottom.</summary>
    internal static ulong ExtractSoftware(ulong source, ulong mask)
    {
        ulong result = 0;
        int k = 0;
        for (int bit = 0; bit < 64; bit++)
        {
            if (((mask >> bit) & 1) != 0)
            {
                result |= ((source >> bit) & 1) << k;
                k++;
            }
        }

        return result;
    }

    /// <summary>64x64->128 from 32-bit halves, so it owes nothing to mul/mulx.</summary>
    internal static (ulong High, ulong Low) MultiplySoftware(ulong a, ulong b)
    {
        ulong aLo = (uint)a, aHi = a >> 32, bLo = (uint)b, bHi = b >> 32;
        ulong ll = aLo * bLo, lh = aLo * bHi, hl = aHi * bLo, hh = aHi * bHi;
        ulong middle = (ll >> 32) + (uint)lh + (uint)hl;
        return (hh + (lh >> 32) + (hl >> 32) + (middle >> 32), (middle << 32) | (uint)ll);
    }

    /// <summary>The carry-less (GF(2)[x]) product of two 64-bit values.</summary>
    internal static (ulong High, ulong Low) CarrylessMultiplySoftware(ulong a, ulong b)
    {
        ulong low = 0, high = 0;
        for (int bit = 0; bit < 64; bit++)
        {
            if (((b >> bit) & 1) != 0)
            {
                low ^= a << bit;
                if (bit != 0)
                {
                    high ^= a >> (64 - bit);
                }
            }
        }

        return (high, low);
    }

    // ---------------------------------------------------------------- the instructions under test

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunHardware()
    {
        ulong* a = (ulong*)Unsafe.AsPointer(ref _a[0]);
        ulong* b = (ulong*)Unsafe.AsPointer(ref _b[0]);
        ulong* c = (ulong*)Unsafe.AsPointer(ref _c[0]);
        ulong* r = (ulong*)Unsafe.AsPointer(ref _actual[0]);
        const int N = ValuesPerCheck;

        if (Sse2.IsSupported)
        {
            for (int i = 0; i < N; i += 2)
            {
                Vector128<ulong> va = Sse2.LoadVector128(a + i), vb = Sse2.LoadVector128(b + i);
                Sse2.Store(r + Index(Check.Sse2AddShift, i), Sse2.Xor(Sse2.Add(va, vb), Sse2.ShiftLeftLogical(vb, 13)));
                Sse2.Store(r + Index(Check.Sse2MulU32, i), Sse2.Multiply(va.AsUInt32(), vb.AsUInt32()));
                Sse2.Store(r + Index(Check.Sse2MaddWd, i), Sse2.MultiplyAddAdjacent(va.AsInt16(), vb.AsInt16()).AsUInt64());
            }
        }

        if (Sse42.X64.IsSupported)
        {
            for (int i = 0; i < N; i++)
            {
                r[Index(Check.Sse42Crc32, i)] = Sse42.X64.Crc32((uint)b[i], a[i]);
            }
        }

        if (Popcnt.X64.IsSupported)
        {
            for (int i = 0; i < N; i++)
            {
                r[Index(Check.Popcnt, i)] = Popcnt.X64.PopCount(a[i]);
            }
        }

        if (Lzcnt.X64.IsSupported)
        {
            for (int i = 0; i < N; i++)
            {
                r[Index(Check.Lzcnt, i)] = Lzcnt.X64.LeadingZeroCount(a[i] >> (int)(b[i] & 63));
            }
        }

        if (Bmi1.X64.IsSupported)
        {
            for (int i = 0; i < N; i++)
            {
                ulong x = a[i], y = b[i];
                r[Index(Check.Bmi1Tzcnt, i)] = Bmi1.X64.TrailingZeroCount(x << (int)(y & 63));
                r[Index(Check.Bmi1Andn, i)] = Bmi1.X64.AndNot(x, y);
                r[Index(Check.Bmi1Blsr, i)] = Bmi1.X64.ResetLowestSetBit(x);
                r[Index(Check.Bmi1Blsi, i)] = Bmi1.X64.ExtractLowestSetBit(x);
                r[Index(Check.Bmi1Blsmsk, i)] = Bmi1.X64.GetMaskUpToLowestSetBit(x);
                r[Index(Check.Bmi1Bextr, i)] = Bmi1.X64.BitFieldExtract(x, (byte)(y & 63), (byte)((y >> 8) & 63));
            }
        }

        if (Bmi2.X64.IsSupported)
        {
            for (int i = 0; i < N; i++)
            {
                ulong x = a[i], y = b[i], low;
                r[Index(Check.Bmi2Pdep, i)] = Bmi2.X64.ParallelBitDeposit(x, y);
                r[Index(Check.Bmi2Pext, i)] = Bmi2.X64.ParallelBitExtract(x, y);
                r[Index(Check.Bmi2Bzhi, i)] = Bmi2.X64.ZeroHighBits(x, (uint)(y & 63));
                r[Index(Check.Bmi2MulxHigh, i)] = Bmi2.X64.MultiplyNoFlags(x, y, &low);
                r[Index(Check.Bmi2MulxLow, i)] = low;
            }
        }

        if (Avx2.IsSupported)
        {
            Vector256<uint> shiftMask = Vector256.Create(31u);
            for (int i = 0; i < N; i += 4)
            {
                Vector256<ulong> va = Avx.LoadVector256(a + i), vb = Avx.LoadVector256(b + i);
                Avx.Store(r + Index(Check.Avx2MulLo, i), Avx2.MultiplyLow(va.AsUInt32(), vb.AsUInt32()).AsUInt64());
                Avx.Store(r + Index(Check.Avx2Sllv, i), Avx2.ShiftLeftLogicalVariable(va.AsUInt32(), Avx2.And(vb.AsUInt32(), shiftMask)).AsUInt64());
                Avx.Store(r + Index(Check.Avx2Shufb, i), Avx2.Shuffle(va.AsByte(), vb.AsByte()).AsUInt64());
                Avx.Store(r + Index(Check.Avx2CmpGtQ, i), Avx2.CompareGreaterThan(va.AsInt64(), vb.AsInt64()).AsUInt64());
            }
        }

        if (Fma.IsSupported)
        {
            double* fa = (double*)Unsafe.AsPointer(ref _fa[0]), fb = (double*)Unsafe.AsPointer(ref _fb[0]), fc = (double*)Unsafe.AsPointer(ref _fc[0]);
            for (int i = 0; i < N; i += 4)
            {
                Vector256<double> f = Fma.MultiplyAdd(Avx.LoadVector256(fa + i), Avx.LoadVector256(fb + i), Avx.LoadVector256(fc + i));
                Avx.Store(r + Index(Check.Fma, i), f.AsUInt64());
            }
        }

        if (Avx512F.IsSupported)
        {
            double* fa = (double*)Unsafe.AsPointer(ref _fa[0]), fb = (double*)Unsafe.AsPointer(ref _fb[0]), fc = (double*)Unsafe.AsPointer(ref _fc[0]);
            for (int i = 0; i < N; i += 8)
            {
                Vector512<ulong> va = Avx512F.LoadVector512(a + i), vb = Avx512F.LoadVector512(b + i), vc = Avx512F.LoadVector512(c + i);
                Vector512<double> f = Avx512F.FusedMultiplyAdd(Avx512F.LoadVector512(fa + i), Avx512F.LoadVector512(fb + i), Avx512F.LoadVector512(fc + i));
                Avx512F.Store(r + Index(Check.Avx512Fma, i), f.AsUInt64());
                Avx512F.Store(r + Index(Check.Avx512MulLo, i), Avx512F.MultiplyLow(va.AsUInt32(), vb.AsUInt32()).AsUInt64());

                // Truth table 0x96 is a ^ b ^ c.
                Avx512F.Store(r + Index(Check.Avx512Ternlog, i), Avx512F.TernaryLogic(va, vb, vc, 0x96));
                Avx512F.Store(r + Index(Check.Avx512AddQ, i), Avx512F.Add(va, vb));
            }
        }

        if (System.Runtime.Intrinsics.X86.Aes.IsSupported && Sse2.IsSupported)
        {
            for (int block = 0; block < N / 2; block++)
            {
                Vector128<byte> ct = Aes128.EncryptHardware(Sse2.LoadVector128((byte*)(a + (2 * block))), Sse2.LoadVector128((byte*)(b + (2 * block))));
                Sse2.Store((byte*)(r + Index(Check.Aes, 2 * block)), ct);
            }
        }

        if (Pclmulqdq.IsSupported)
        {
            for (int v = 0; v < N / 4; v++)
            {
                Vector128<ulong> product = Pclmulqdq.CarrylessMultiply(Sse2.LoadVector128(a + (2 * v)), Sse2.LoadVector128(b + (2 * v)), 0x00);
                Sse2.Store(r + Index(Check.Pclmul, 2 * v), product);
            }

            for (int v = N / 4; v < N / 2; v++)
            {
                Vector128<ulong> product = Pclmulqdq.CarrylessMultiply(Sse2.LoadVector128(a + (2 * v)), Sse2.LoadVector128(b + (2 * v)), 0x11);
                Sse2.Store(r + Index(Check.Pclmul, 2 * v), product);
            }
        }
    }
}
