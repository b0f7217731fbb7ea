using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace SegfaultTools;

/// <summary>What CPUID said on one logical CPU.</summary>
/// <param name="Hybrid">CPUID.07H.0:EDX[15]: the part is hybrid, so leaf 1AH is meaningful.</param>
/// <param name="CoreTypeId">Leaf 1AH EAX[31:24] (0x20 Atom, 0x40 Core); null when the leaf is not there.</param>
/// <param name="NativeModelId">Leaf 1AH EAX[23:0].</param>
internal readonly record struct CpuIdCoreType(bool Hybrid, int? CoreTypeId, int NativeModelId);

/// <summary>Reads CPUID on given logical CPUs (a seam: tests pass a fake).</summary>
internal interface ICpuIdSource
{
    /// <summary>The answer for each CPU it could run on; CPUs it could not pin to are left out.</summary>
    IReadOnlyDictionary<int, CpuIdCoreType> Read(IReadOnlyCollection<int> cpus);
}

/// <summary>
/// CPUID leaf 0x1A on each CPU of the live machine: a dedicated thread pins itself to one CPU at a time
/// with sched_setaffinity (pid 0 = the calling thread), checks sched_getcpu, runs CPUID, and restores its
/// original affinity at the end. x86 Linux only; elsewhere it answers nothing.
/// </summary>
internal sealed partial class CpuIdReader : ICpuIdSource
{
    public static CpuIdReader Instance { get; } = new();

    public IReadOnlyDictionary<int, CpuIdCoreType> Read(IReadOnlyCollection<int> cpus)
    {
        var result = new Dictionary<int, CpuIdCoreType>();
        if (!OperatingSystem.IsLinux() || !X86Base.IsSupported || cpus.Count == 0)
        {
            return result;
        }
        // Affinity is per thread on Linux: a thread of our own keeps the pipeline thread's mask untouched.
        var thread = new Thread(() => ReadPinned(cpus, result)) { IsBackground = true, Name = "SegfaultTools CPUID" };
        thread.Start();
        thread.Join();
        return result;
    }

    private static unsafe void ReadPinned(IReadOnlyCollection<int> cpus, Dictionary<int, CpuIdCoreType> result)
    {
        try
        {
            var words = Math.Max(16, (cpus.Max() / 64) + 1);
            var original = GetAffinity(ref words);
            if (original is null)
            {
                return;
            }
            try
            {
                var mask = new ulong[words];
                foreach (var cpu in cpus)
                {
                    if (cpu < 0 || cpu / 64 >= words)
                    {
                        continue;
                    }
                    Array.Clear(mask);
                    mask[cpu / 64] = 1UL << (cpu % 64);
                    fixed (ulong* m = mask)
                    {
                        // Fails (EINVAL) for a CPU outside the cpuset, e.g. in a container: that CPU stays unread.
                        if (SchedSetAffinity(0, (nuint)(words * 8), m) != 0)
                        {
                            continue;
                        }
                    }
                    if (SchedGetCpu() != cpu)
                    {
                        continue;
                    }
                    result[cpu] = ReadHere();
                }
            }
            finally
            {
                fixed (ulong* m = original)
                {
                    _ = SchedSetAffinity(0, (nuint)(original.Length * 8), m);
                }
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or PlatformNotSupportedException)
        {
            // No libc entry points: no CPUID evidence; the classifier goes on to the next kind.
        }
    }

    private static CpuIdCoreType ReadHere()
    {
        var maxLeaf = X86Base.CpuId(0, 0).Eax;
        var hybrid = maxLeaf >= 7 && (X86Base.CpuId(7, 0).Edx & (1 << 15)) != 0;
        if (!hybrid || maxLeaf < 0x1A)
        {
            return new CpuIdCoreType(hybrid, null, 0);
        }
        var eax = X86Base.CpuId(0x1A, 0).Eax;
        return new CpuIdCoreType(true, (eax >> 24) & 0xff, eax & 0xffffff);
    }

    private static unsafe ulong[]? GetAffinity(ref int words)
    {
        for (; words <= 1 << 16; words *= 2)
        {
            var mask = new ulong[words];
            fixed (ulong* m = mask)
            {
                if (SchedGetAffinity(0, (nuint)(words * 8), m) >= 0)
                {
                    return mask;
                }
            }
            if (Marshal.GetLastPInvokeError() != 22)
            {
                return null;
            }
        }
        return null;
    }

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static unsafe partial int SchedSetAffinity(int pid, nuint size, ulong* mask);

    [LibraryImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static unsafe partial int SchedGetAffinity(int pid, nuint size, ulong* mask);

    [LibraryImport("libc", EntryPoint = "sched_getcpu")]
    private static partial int SchedGetCpu();
}
