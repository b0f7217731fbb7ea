using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace SegfaultTools;

/// <summary>
/// SHA-256 (through the platform's crypto library, which uses SHA-NI where the CPU has it),
/// CRC-32C (the crc32 instruction) and a 64-bit multiply-rotate hash over a seeded 1 MiB buffer,
/// each compared with its reference, plus the published check values of SHA-256 and CRC-32C.
/// </summary>
public sealed class HashWorkload : StabilityWorkload
{
    private const int BufferBytes = 1 << 20;

    // Passes over the buffer per iteration: about 2 ms on a 2.5 GHz Zen 3.
    private const int Passes = 2;

    // FIPS 180-2 appendix B.1: SHA-256("abc").
    private static ReadOnlySpan<byte> ShaAbc =>
    [
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
        0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
    ];

    private readonly byte[] _data = GC.AllocateUninitializedArray<byte>(BufferBytes);
    private readonly byte[] _shaExpected = new byte[32];
    private readonly byte[] _shaActual = new byte[32];
    private uint _crcExpected;
    private ulong _mixExpected;
    private string _digest = string.Empty;
    private bool _prepared;

    public override CpuWorkload Kind => CpuWorkload.Hash;

    /// <summary>Each algorithm's pass over the buffer counts its bytes once.</summary>
    public override long OperationsPerIteration => 3L * Passes * BufferBytes;

    public override string OperationUnit => "byte";

    public override string ReferenceDigest => _digest;

    public override string Variant => $"SHA-256, CRC-32C ({Crc32C.HardwareName}), mix64";

    public override void Prepare(int seed, WorkloadEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ulong state = WorkloadSupport.State(seed, 0x4A5B1E55UL);
        WorkloadSupport.Fill(_data, ref state);
        SHA256.HashData(_data, _shaExpected);
        _crcExpected = Crc32C.Compute(_data);
        _mixExpected = Mix64(_data);

        Span<byte> all = stackalloc byte[32 + 4 + 8];
        _shaExpected.CopyTo(all);
        BinaryPrimitives.WriteUInt32LittleEndian(all[32..], _crcExpected);
        BinaryPrimitives.WriteUInt64LittleEndian(all[36..], _mixExpected);
        _digest = WorkloadSupport.Digest(all);
        _prepared = true;
    }

    public override IterationOutcome Run(bool injectFault)
    {
        if (!_prepared)
        {
            throw new InvalidOperationException("Call Prepare before Run.");
        }

        Span<byte> abc = stackalloc byte[32];
        SHA256.HashData("abc"u8, abc);
        if (!abc.SequenceEqual(ShaAbc))
        {
            return IterationOutcome.Fail("SHA-256(abc): " + WorkloadSupport.HexBytes(ShaAbc[..8]), "SHA-256(abc): " + WorkloadSupport.HexBytes(abc[..8]));
        }

        uint check = Crc32C.Compute("123456789"u8);
        if (check != Crc32C.CheckValue)
        {
            return IterationOutcome.Fail("CRC-32C(123456789): " + WorkloadSupport.Hex(Crc32C.CheckValue), "CRC-32C(123456789): " + WorkloadSupport.Hex(check));
        }

        long bad = 0;
        string? expected = null, actual = null;
        for (int pass = 0; pass < Passes; pass++)
        {
            SHA256.HashData(_data, _shaActual);
            if (!_shaActual.AsSpan().SequenceEqual(_shaExpected))
            {
                bad++;
                expected ??= "SHA-256: " + WorkloadSupport.HexBytes(_shaExpected.AsSpan(0, 8));
                actual ??= "SHA-256: " + WorkloadSupport.HexBytes(_shaActual.AsSpan(0, 8));
            }

            // The CRC runs in two halves so that a fault can be injected into the running register.
            uint crc = Crc32C.Update(0xFFFFFFFF, _data.AsSpan(0, BufferBytes / 2));
            if (injectFault && pass == 0)
            {
                crc ^= 1U << 13;
            }

            crc = ~Crc32C.Update(crc, _data.AsSpan(BufferBytes / 2));
            if (crc != _crcExpected)
            {
                bad++;
                expected ??= "CRC-32C: " + WorkloadSupport.Hex(_crcExpected);
                actual ??= "CRC-32C: " + WorkloadSupport.Hex(crc);
            }

            ulong mix = Mix64(_data);
            if (mix != _mixExpected)
            {
                bad++;
                expected ??= "mix64: " + WorkloadSupport.Hex(_mixExpected);
                actual ??= "mix64: " + WorkloadSupport.Hex(mix);
            }
        }

        return bad == 0 ? IterationOutcome.Pass : IterationOutcome.Fail(expected!, actual!, bad);
    }

    /// <summary>
    /// Four independent multiply-rotate lanes over 32-byte blocks, folded at the end. Not a
    /// published hash: it only has to be deterministic and sensitive to every input bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static ulong Mix64(ReadOnlySpan<byte> data)
    {
        const ulong P1 = 0x9E3779B185EBCA87UL, P2 = 0xC2B2AE3D27D4EB4FUL;
        ReadOnlySpan<ulong> words = MemoryMarshal.Cast<byte, ulong>(data);
        ulong h0 = P1, h1 = P2, h2 = P1 ^ P2, h3 = ~P1;
        int i = 0;
        for (; i + 4 <= words.Length; i += 4)
        {
            h0 = BitOperations.RotateLeft(h0 ^ (words[i] * P2), 31) * P1;
            h1 = BitOperations.RotateLeft(h1 ^ (words[i + 1] * P2), 31) * P1;
            h2 = BitOperations.RotateLeft(h2 ^ (words[i + 2] * P2), 31) * P1;
            h3 = BitOperations.RotateLeft(h3 ^ (words[i + 3] * P2), 31) * P1;
        }

        ulong h = BitOperations.RotateLeft(h0, 1) + BitOperations.RotateLeft(h1, 7) + BitOperations.RotateLeft(h2, 12) + BitOperations.RotateLeft(h3, 18);
        for (; i < words.Length; i++)
        {
            h = BitOperations.RotateLeft(h ^ (words[i] * P2), 27) * P1;
        }

        for (int b = words.Length * 8; b < data.Length; b++)
        {
            h = BitOperations.RotateLeft(h ^ (data[b] * P2), 11) * P1;
        }

        h ^= (ulong)data.Length;
        h ^= h >> 33;
        h *= P2;
        h ^= h >> 29;
        return h;
    }
}
