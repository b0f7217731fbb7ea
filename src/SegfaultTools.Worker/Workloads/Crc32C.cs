using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using ArmCrc32 = System.Runtime.Intrinsics.Arm.Crc32;

namespace SegfaultTools;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the CRC the SSE4.2 crc32 instruction
/// computes. Values here are the raw register (no initial or final inversion); callers start
/// with 0xFFFFFFFF and invert at the end for the standard check value.
/// </summary>
internal static class Crc32C
{
    public const uint Polynomial = 0x82F63B78;

    /// <summary>CRC-32C of ASCII "123456789", the catalogue's check value.</summary>
    public const uint CheckValue = 0xE3069283;

    private static readonly uint[] Table = BuildTable();

    public static string HardwareName =>
        Sse42.X64.IsSupported ? "SSE4.2 crc32" : ArmCrc32.Arm64.IsSupported ? "Arm crc32c" : "software";

    /// <summary>The standard CRC-32C of the data (initial 0xFFFFFFFF, final inversion).</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Update(0xFFFFFFFF, data);

    /// <summary>Continues a CRC over more data, with the instruction where the CPU has it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        if (Sse42.X64.IsSupported)
        {
            ulong c = crc;
            int i = 0;
            for (; i + 8 <= data.Length; i += 8)
            {
                c = Sse42.X64.Crc32(c, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
            }

            crc = (uint)c;
            for (; i < data.Length; i++)
            {
                crc = Sse42.Crc32(crc, data[i]);
            }

            return crc;
        }

        if (ArmCrc32.Arm64.IsSupported)
        {
            int i = 0;
            for (; i + 8 <= data.Length; i += 8)
            {
                crc = ArmCrc32.Arm64.ComputeCrc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
            }

            for (; i < data.Length; i++)
            {
                crc = ArmCrc32.ComputeCrc32C(crc, data[i]);
            }

            return crc;
        }

        return UpdateSoftware(crc, data);
    }

    /// <summary>The table-driven version, used as the independent reference for the instruction.</summary>
    public static uint UpdateSoftware(uint crc, ReadOnlySpan<byte> data)
    {
        uint[] table = Table;
        foreach (byte b in data)
        {
            crc = table[(byte)(crc ^ b)] ^ (crc >> 8);
        }

        return crc;
    }

    /// <summary>One 64-bit word, least significant byte first, as the crc32 r64 form consumes it.</summary>
    public static uint UpdateSoftware(uint crc, ulong word)
    {
        uint[] table = Table;
        for (int i = 0; i < 8; i++)
        {
            crc = table[(byte)(crc ^ (byte)word)] ^ (crc >> 8);
            word >>= 8;
        }

        return crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? Polynomial ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
