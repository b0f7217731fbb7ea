using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace SegfaultTools;

/// <summary>Seeding, digests and the short value strings the workloads report.</summary>
internal static class WorkloadSupport
{
    /// <summary>SplitMix64: every seed gives a full-period, well-mixed stream, so small seeds (0, 1, 2) are fine.</summary>
    public static ulong Next(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The generator state for a seed, mixed with a per-workload salt so two workloads given the same seed do not share inputs.</summary>
    public static ulong State(int seed, ulong salt) => ((ulong)(uint)seed << 32 | (uint)seed) ^ salt;

    public static void Fill(Span<byte> buffer, ref ulong state)
    {
        Span<ulong> words = MemoryMarshal.Cast<byte, ulong>(buffer);
        for (int i = 0; i < words.Length; i++)
        {
            words[i] = Next(ref state);
        }

        for (int i = words.Length * 8; i < buffer.Length; i++)
        {
            buffer[i] = (byte)Next(ref state);
        }
    }

    /// <summary>A double in [1, 2) with all 52 fraction bits random.</summary>
    public static double UnitInterval(ref ulong state) => BitConverter.UInt64BitsToDouble(0x3FF0000000000000UL | (Next(ref state) >> 12));

    /// <summary>The first 16 bytes of SHA-256 over the data, as lowercase hex.</summary>
    public static string Digest(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(data, hash);
        return Convert.ToHexString(hash[..16]).ToLowerInvariant();
    }

    public static string Digest<T>(ReadOnlySpan<T> values)
        where T : unmanaged => Digest(MemoryMarshal.AsBytes(values));

    public static string Hex(ulong value) => "0x" + value.ToString("x16");

    public static string Hex(uint value) => "0x" + value.ToString("x8");

    public static string HexBytes(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    /// <summary>"offset 0x1f40: 0x5a", the form every buffer mismatch is reported in.</summary>
    public static string ByteAt(long offset, byte value) => $"offset 0x{offset:x}: 0x{value:x2}";

    /// <summary>The index of the first value that differs (-1 when none) and how many differ.</summary>
    public static int FirstDifference(ReadOnlySpan<ulong> expected, ReadOnlySpan<ulong> actual, out long count)
    {
        int first = -1;
        count = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (actual[i] != expected[i])
            {
                count++;
                if (first < 0)
                {
                    first = i;
                }
            }
        }
        return first;
    }

    /// <summary>Compares the end values of dependent chains: "chain 3: 0x..." for the first that differs.</summary>
    public static IterationOutcome CompareChains(ReadOnlySpan<ulong> expected, ReadOnlySpan<ulong> actual)
    {
        int first = FirstDifference(expected, actual, out long differing);
        return first < 0
            ? IterationOutcome.Pass
            : IterationOutcome.Fail($"chain {first}: {Hex(expected[first])}", $"chain {first}: {Hex(actual[first])}", differing);
    }

    /// <summary>
    /// Compares two buffers and returns the first differing byte (as <see cref="ByteAt"/>
    /// strings, prefixed with <paramref name="label"/> when given) and how many bytes differ.
    /// </summary>
    public static IterationOutcome CompareBytes(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, string? label = null, long baseOffset = 0)
    {
        // The vectorised equality test is the hot path; counting runs only after a mismatch.
        if (expected.SequenceEqual(actual))
        {
            return IterationOutcome.Pass;
        }

        int first = -1;
        long count = 0;
        int common = Math.Min(expected.Length, actual.Length);
        for (int i = 0; i < common; i++)
        {
            if (expected[i] != actual[i])
            {
                count++;
                if (first < 0)
                {
                    first = i;
                }
            }
        }

        string prefix = label is null ? string.Empty : label + " ";
        if (first < 0)
        {
            // Same prefix, different lengths.
            return IterationOutcome.Fail($"{prefix}length {expected.Length}", $"{prefix}length {actual.Length}", 1);
        }

        count += Math.Abs(expected.Length - actual.Length);
        return IterationOutcome.Fail(
            prefix + ByteAt(baseOffset + first, expected[first]),
            prefix + ByteAt(baseOffset + first, actual[first]),
            count);
    }
}
