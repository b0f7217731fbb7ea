using System.Runtime.CompilerServices;

namespace SegfaultTools;

/// <summary>
/// Address-dependent patterns over a buffer larger than the last-level cache. The buffer is a ring
/// of slices; each iteration verifies one slice against the pattern it was given a full lap
/// earlier (long since evicted from every cache, so the data comes back from DRAM) and rewrites
/// it with the next lap's pattern. Laps alternate between a seeded hash of each word's index and
/// its complement (moving inversions: every bit is written as both 0 and 1).
/// </summary>
public sealed unsafe class MemoryWorkload : StabilityWorkload
{
    /// <summary>The smallest buffer used when the budget allows it: above any L2, so the test never runs from L1/L2 alone.</summary>
    internal const long MinimumPreferredBytes = 4L << 20;

    /// <summary>Below this the workload refuses to run: there is nothing meaningful left to test.</summary>
    internal const long MinimumBytes = 256L << 10;

    private const long MaximumSliceBytes = 8L << 20;

    private byte[] _buffer = [];
    private long _sliceBytes;
    private long _slices;
    private long _cursor;
    private ulong _key;
    private string _digest = string.Empty;

    public override CpuWorkload Kind => CpuWorkload.Memory;

    /// <summary>Every byte of the slice is verified once and written once.</summary>
    public override long OperationsPerIteration => 2 * _sliceBytes;

    public override string OperationUnit => "byte";

    public override string ReferenceDigest => _digest;

    public override string Variant => $"{_buffer.LongLength >> 20} MiB in {_slices} slices of {_sliceBytes >> 10} KiB";

    /// <summary>The size of the buffer Prepare allocated.</summary>
    internal long BufferBytes => _buffer.LongLength;

    internal long SliceBytes => _sliceBytes;

    /// <summary>
    /// Twice the last-level cache, at least 4 MiB, but never more than the budget (a budget below
    /// 4 MiB wins over the 4 MiB floor); whole 4 KiB pages.
    /// </summary>
    internal static long ChooseSize(WorkloadEnvironment environment)
    {
        long wanted = Math.Max(2 * Math.Max(environment.LastLevelCacheBytes, 0), MinimumPreferredBytes);
        long size = Math.Min(wanted, environment.MemoryBudgetBytes) & ~4095L;

        // A managed array holds at most Array.MaxLength bytes.
        size = Math.Min(size, Array.MaxLength & ~4095L);
        if (size < MinimumBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(environment), environment.MemoryBudgetBytes, $"The memory workload needs a budget of at least {MinimumBytes >> 10} KiB.");
        }

        return size;
    }

    public override void Prepare(int seed, WorkloadEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        long size = ChooseSize(environment);

        // At least 8 slices so a slice is verified long after it was written; a slice stays small
        // enough that one iteration is a few milliseconds even at a few GB/s.
        _sliceBytes = Math.Clamp(size / 8, 4096, MaximumSliceBytes) & ~4095L;
        _slices = size / _sliceBytes;
        size = _slices * _sliceBytes;

        if (_buffer.LongLength != size)
        {
            _buffer = [];

            // Pinned, so its address can be used directly; uninitialised, because the first lap writes all of it.
            _buffer = GC.AllocateUninitializedArray<byte>(checked((int)size), pinned: true);
        }

        ulong state = WorkloadSupport.State(seed, 0x3E3041UL);
        _key = WorkloadSupport.Next(ref state);

        // Lap 0 over the whole buffer; Run then starts at lap 1, verifying lap 0.
        for (long slice = 0; slice < _slices; slice++)
        {
            Write(slice, lap: 0);
        }

        _cursor = _slices;

        // The patterns of two laps over the first 4 KiB identify the seed's patterns; the size
        // stays out so CPUs with different cache sizes can still be compared.
        Span<ulong> sample = stackalloc ulong[1024];
        for (int i = 0; i < 512; i++)
        {
            sample[i] = Pattern(_key, 0, (ulong)i);
            sample[512 + i] = Pattern(_key, 1, (ulong)i);
        }

        _digest = WorkloadSupport.Digest<ulong>(sample);
    }

    public override IterationOutcome Run(bool injectFault)
    {
        if (_slices == 0)
        {
            throw new InvalidOperationException("Call Prepare before Run.");
        }

        long slice = _cursor % _slices;
        long lap = _cursor / _slices;
        if (injectFault)
        {
            // A bit that changed while the slice sat in memory.
            _buffer[(slice * _sliceBytes) + (_sliceBytes / 2) + 5] ^= 0x20;
        }

        IterationOutcome outcome = Verify(slice, lap - 1);
        Write(slice, lap);
        _cursor++;
        return outcome;
    }

    /// <summary>The 64-bit word at word index <paramref name="index"/> in lap <paramref name="lap"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Pattern(ulong key, long lap, ulong index)
    {
        // Even laps: a xorshift-multiply hash of the index and the lap pair; odd laps: its complement.
        ulong z = (index + key) ^ ((ulong)(lap >> 1) * 0x9E3779B97F4A7C15UL);
        z ^= z >> 31;
        z *= 0xD6E8FEB86659FD93UL;
        z ^= z >> 29;
        return (lap & 1) == 0 ? z : ~z;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Write(long slice, long lap)
    {
        ulong key = _key;
        long words = _sliceBytes / 8;
        ulong first = (ulong)(slice * words);
        fixed (byte* p = _buffer)
        {
            ulong* w = (ulong*)(p + (slice * _sliceBytes));
            for (long i = 0; i < words; i++)
            {
                w[i] = Pattern(key, lap, first + (ulong)i);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private IterationOutcome Verify(long slice, long lap)
    {
        ulong key = _key;
        long words = _sliceBytes / 8;
        ulong first = (ulong)(slice * words);
        long sliceStart = slice * _sliceBytes;
        long badBytes = 0;
        long firstBad = -1;
        byte expectedByte = 0, actualByte = 0;
        fixed (byte* p = _buffer)
        {
            ulong* w = (ulong*)(p + sliceStart);
            for (long i = 0; i < words; i++)
            {
                ulong want = Pattern(key, lap, first + (ulong)i);
                ulong got = w[i];
                if (got != want)
                {
                    ulong diff = got ^ want;
                    for (int b = 0; b < 8; b++)
                    {
                        if ((byte)(diff >> (8 * b)) != 0)
                        {
                            badBytes++;
                            if (firstBad < 0)
                            {
                                firstBad = sliceStart + (i * 8) + b;
                                expectedByte = (byte)(want >> (8 * b));
                                actualByte = (byte)(got >> (8 * b));
                            }
                        }
                    }
                }
            }
        }

        return firstBad < 0
            ? IterationOutcome.Pass
            : IterationOutcome.Fail(WorkloadSupport.ByteAt(firstBad, expectedByte), WorkloadSupport.ByteAt(firstBad, actualByte), badBytes);
    }
}
