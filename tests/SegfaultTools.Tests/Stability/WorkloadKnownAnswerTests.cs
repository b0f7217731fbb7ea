using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SegfaultTools.Tests;

/// <summary>
/// The references the instruction-set workload trusts: the software implementations against
/// published vectors and hand-worked values, then the instructions against the software on this CPU.
/// </summary>
public sealed class WorkloadKnownAnswerTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex);

    [Fact]
    public void SoftwareAesMatchesFips197()
    {
        var ct = new byte[16];

        // Appendix C.1 (the vector the workload checks in hardware).
        Aes128.EncryptSoftware(Hex("000102030405060708090a0b0c0d0e0f"), Hex("00112233445566778899aabbccddeeff"), ct);
        Assert.Equal("69c4e0d86a7b0430d8cdb78070b4c55a", Convert.ToHexString(ct).ToLowerInvariant());

        // Appendix B, a second key and block.
        Aes128.EncryptSoftware(Hex("2b7e151628aed2a6abf7158809cf4f3c"), Hex("3243f6a8885a308d313198a2e0370734"), ct);
        Assert.Equal("3925841d02dc09fbdc118597196a0b32", Convert.ToHexString(ct).ToLowerInvariant());
    }

    [Fact]
    public void SoftwareKeyScheduleMatchesFips197AppendixA1()
    {
        var keys = new byte[176];
        Aes128.ExpandKeySoftware(Hex("2b7e151628aed2a6abf7158809cf4f3c"), keys);
        Assert.Equal("a0fafe17", Convert.ToHexString(keys, 16, 4).ToLowerInvariant());
        Assert.Equal("b6630ca6", Convert.ToHexString(keys, 172, 4).ToLowerInvariant());
    }

    [SkippableFact]
    public void AesNiMatchesFips197()
    {
        Skip.IfNot(System.Runtime.Intrinsics.X86.Aes.IsSupported, "this CPU has no AES-NI");
        Vector128<byte> ct = Aes128.EncryptHardware(Vector128.Create(Hex("000102030405060708090a0b0c0d0e0f")), Vector128.Create(Hex("00112233445566778899aabbccddeeff")));
        var bytes = new byte[16];
        ct.CopyTo(bytes);
        Assert.Equal(InstructionSetWorkload.AesCiphertext.ToArray(), bytes);

        // Seeded keys and blocks: hardware (with aeskeygenassist) and software agree.
        var rng = new Random(7);
        var key = new byte[16];
        var pt = new byte[16];
        var soft = new byte[16];
        for (int i = 0; i < 50; i++)
        {
            rng.NextBytes(key);
            rng.NextBytes(pt);
            Aes128.EncryptSoftware(key, pt, soft);
            Aes128.EncryptHardware(Vector128.Create(key), Vector128.Create(pt)).CopyTo(bytes);
            Assert.Equal(soft, bytes);
        }
    }

    [Fact]
    public void Crc32CCheckValue()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        Assert.Equal(0xE3069283u, ~Crc32C.UpdateSoftware(0xFFFFFFFF, "123456789"u8));

        // The word-at-a-time software form agrees with the byte form.
        byte[] eight = "abcdefgh"u8.ToArray();
        Assert.Equal(Crc32C.UpdateSoftware(0x12345678u, eight), Crc32C.UpdateSoftware(0x12345678u, BitConverter.ToUInt64(eight)));
    }

    [SkippableFact]
    public void Crc32InstructionMatchesTheTable()
    {
        Skip.IfNot(Sse42.X64.IsSupported, "this CPU has no SSE4.2 crc32");
        var rng = new Random(3);
        for (int i = 0; i < 200; i++)
        {
            ulong word = (ulong)rng.NextInt64();
            uint crc = (uint)rng.Next();
            Assert.Equal(Crc32C.UpdateSoftware(crc, word), (uint)Sse42.X64.Crc32(crc, word));
        }
    }

    [Fact]
    public void SoftwareBitOperationsOnWorkedValues()
    {
        // pdep 0b101 into mask 0b11010 (bits 1, 3, 4): bit 1 = 1, bit 3 = 0, bit 4 = 1.
        Assert.Equal(0b10010UL, InstructionSetWorkload.DepositSoftware(0b101, 0b11010));
        Assert.Equal(0b101UL, InstructionSetWorkload.ExtractSoftware(0b10010, 0b11010));
        Assert.Equal(0UL, InstructionSetWorkload.DepositSoftware(ulong.MaxValue, 0));
        Assert.Equal(ulong.MaxValue, InstructionSetWorkload.ExtractSoftware(ulong.MaxValue, ulong.MaxValue));

        // (x + 1)^2 = x^2 + 1 carry-less, and x^63 * x = x^64.
        Assert.Equal((0UL, 5UL), InstructionSetWorkload.CarrylessMultiplySoftware(3, 3));
        Assert.Equal((1UL, 0UL), InstructionSetWorkload.CarrylessMultiplySoftware(1UL << 63, 2));

        Assert.Equal((ulong.MaxValue - 1, 1UL), InstructionSetWorkload.MultiplySoftware(ulong.MaxValue, ulong.MaxValue));
        Assert.Equal(64, InstructionSetWorkload.LeadingZerosSoftware(0));
        Assert.Equal(64, InstructionSetWorkload.TrailingZerosSoftware(0));
        Assert.Equal(0, InstructionSetWorkload.PopCountSoftware(0));
        Assert.Equal(64, InstructionSetWorkload.PopCountSoftware(ulong.MaxValue));

        var rng = new Random(11);
        for (int i = 0; i < 500; i++)
        {
            ulong a = (ulong)rng.NextInt64() >> rng.Next(64), b = (ulong)rng.NextInt64();
            Assert.Equal(BitOperations.PopCount(a), InstructionSetWorkload.PopCountSoftware(a));
            Assert.Equal(BitOperations.LeadingZeroCount(a), InstructionSetWorkload.LeadingZerosSoftware(a));
            Assert.Equal(BitOperations.TrailingZeroCount(a | (1UL << 63)), InstructionSetWorkload.TrailingZerosSoftware(a | (1UL << 63)));
            ulong high = Math.BigMul(a, b, out ulong low);
            Assert.Equal((high, low), InstructionSetWorkload.MultiplySoftware(a, b));
            Assert.Equal(a & b, InstructionSetWorkload.DepositSoftware(InstructionSetWorkload.ExtractSoftware(a, b), b));
        }
    }

    [SkippableFact]
    public void Bmi2AndPclmulMatchTheSoftware()
    {
        Skip.IfNot(Bmi2.X64.IsSupported && Pclmulqdq.IsSupported, "this CPU lacks BMI2 or PCLMULQDQ");
        var rng = new Random(5);
        for (int i = 0; i < 500; i++)
        {
            ulong a = (ulong)rng.NextInt64(), b = (ulong)rng.NextInt64();
            Assert.Equal(InstructionSetWorkload.DepositSoftware(a, b), Bmi2.X64.ParallelBitDeposit(a, b));
            Assert.Equal(InstructionSetWorkload.ExtractSoftware(a, b), Bmi2.X64.ParallelBitExtract(a, b));
            Vector128<ulong> product = Pclmulqdq.CarrylessMultiply(Vector128.CreateScalar(a), Vector128.CreateScalar(b), 0x00);
            Assert.Equal(InstructionSetWorkload.CarrylessMultiplySoftware(a, b), (product.GetElement(1), product.GetElement(0)));
        }
    }

    [Fact]
    public void FmaOperandsHaveExactKnownAnswersThatSeparateRoundingMisses()
    {
        var rng = new Random(9);
        for (int i = 0; i < 200; i++)
        {
            (double a, double b, double c, double exact) = InstructionSetWorkload.FmaOperands((ulong)rng.NextInt64(), negate: (i & 1) != 0);
            Assert.Equal(exact, Math.FusedMultiplyAdd(a, b, c));
            Assert.NotEqual(exact, (a * b) + c);
            Assert.True(double.IsNormal(exact));
        }

        (double ka, double kb, double kc, double known) = InstructionSetWorkload.FmaOperands(0, negate: false);
        Assert.Equal(InstructionSetWorkload.FmaKnownAnswerBits, BitConverter.DoubleToUInt64Bits(known));
        Assert.Equal(-Math.ScaleB(1.0, -60), known);
        Assert.Equal(0.0, (ka * kb) + kc);
    }

    [SkippableFact]
    public void FmaInstructionGivesTheFusedKnownAnswer()
    {
        Skip.IfNot(Fma.IsSupported, "this CPU has no FMA");
        Assert.Equal(InstructionSetWorkload.FmaKnownAnswerBits, InstructionSetWorkload.FmaKnownAnswerHardware());
    }

    [Fact]
    public void VariantListsExactlyWhatTheCpuReports()
    {
        var workload = new InstructionSetWorkload();
        workload.Prepare(1, WorkloadTests.Small);
        string[] listed = workload.Variant["checked: ".Length..].Split(' ');
        Assert.StartsWith("checked: ", workload.Variant);
        Assert.Contains("SHA", listed);
        (bool Supported, string Name)[] extensions =
        [
            (Sse2.IsSupported, "SSE2"), (Sse42.X64.IsSupported, "SSE4.2"), (Popcnt.X64.IsSupported, "POPCNT"),
            (Lzcnt.X64.IsSupported, "LZCNT"), (Bmi1.X64.IsSupported, "BMI1"), (Bmi2.X64.IsSupported, "BMI2"),
            (Avx2.IsSupported, "AVX2"), (Fma.IsSupported, "FMA"), (Avx512F.IsSupported, "AVX-512F"),
            (System.Runtime.Intrinsics.X86.Aes.IsSupported, "AES"), (Pclmulqdq.IsSupported, "PCLMUL"),
        ];
        foreach ((bool supported, string name) in extensions)
        {
            Assert.True(supported == listed.Contains(name), $"{name}: supported={supported}, variant '{workload.Variant}'");
        }

        Assert.Equal(Avx2.IsSupported, workload.IsEnabled(InstructionSetWorkload.Check.Avx2Shufb));
        Assert.Equal(Avx512F.IsSupported, workload.IsEnabled(InstructionSetWorkload.Check.Avx512Ternlog));
    }

    [SkippableFact]
    public void InjectedFaultNamesTheExtension()
    {
        Skip.IfNot(Sse2.IsSupported, "not an x86 CPU");
        var workload = new InstructionSetWorkload();
        workload.Prepare(1, WorkloadTests.Small);
        IterationOutcome outcome = workload.Run(injectFault: true);
        Assert.StartsWith("SSE2 ", outcome.Expected);
        Assert.StartsWith("SSE2 ", outcome.Actual);
        Assert.Equal(1, outcome.Miscompares);
    }

    [Fact]
    public void HashWorkloadsMixHashSeesEveryBit()
    {
        var data = new byte[1000];
        new Random(1).NextBytes(data);
        ulong reference = HashWorkload.Mix64(data);
        for (int bit = 0; bit < data.Length * 8; bit += 37)
        {
            data[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.NotEqual(reference, HashWorkload.Mix64(data));
            data[bit / 8] ^= (byte)(1 << (bit % 8));
        }

        Assert.Equal(reference, HashWorkload.Mix64(data));
    }

    [SkippableFact]
    public void VectorWorkloadUsesTheWidestFmaPath()
    {
        var workload = new VectorWorkload();
        string expected = Avx512F.IsSupported ? "AVX-512" : Fma.IsSupported ? "AVX2+FMA" : System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported ? "AdvSimd FMA" : "Vector128 (multiply + add, not fused)";
        Assert.Equal(expected, workload.Variant);
    }

    [Fact]
    public void VectorAccumulatorsStayNormalAndNearTheirStart()
    {
        var workload = new VectorWorkload();
        workload.Prepare(21, WorkloadTests.Small);
        Assert.NotEmpty(workload.ReferenceValues.ToArray());
        foreach (double v in workload.ReferenceValues)
        {
            Assert.True(double.IsNormal(v) && v >= 0.9 && v < 2.1, $"accumulator value {v}");
        }
    }
}
