namespace SegfaultTools;

/// <summary>The kinds of work Test-CpuStability runs on each CPU. Every one has one right answer per seed.</summary>
public enum CpuWorkload
{
    /// <summary>Integer ALU chains: multiply, 128-bit multiply, divide, shifts, rotates, bit counts.</summary>
    Integer,

    /// <summary>Hashing: SHA-256 (SHA-NI where the CPU has it), CRC-32C (the crc32 instruction) and a 64-bit mixing hash.</summary>
    Hash,

    /// <summary>Scalar double arithmetic: divide, square root and libm functions in dependent chains.</summary>
    FloatingPoint,

    /// <summary>Vector fused multiply-add chains: AVX-512 where present, else AVX2+FMA, else 128-bit SIMD.</summary>
    Vector,

    /// <summary>A known-answer check of each instruction-set extension the CPU reports (SSE4.2, AVX2, FMA, AVX-512, AES-NI, SHA, BMI, PCLMULQDQ...).</summary>
    InstructionSet,

    /// <summary>Address-dependent patterns written and verified over a buffer larger than the last-level cache.</summary>
    Memory,

    /// <summary>Byte stores, high-byte register stores (the Raptor Lake "stores CL instead of CH" fault) and LZ-style overlapping copies.</summary>
    ByteStore,

    /// <summary>Deflate and Brotli round trips over seeded data, compared with the reference compressed bytes.</summary>
    Compression,
}
