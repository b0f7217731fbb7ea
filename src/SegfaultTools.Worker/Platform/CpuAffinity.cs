using System.Runtime.InteropServices;

namespace SegfaultTools;

/// <summary>
/// The calling thread's CPU affinity (sched_setaffinity with pid 0 acts on the calling thread only).
/// Threads and processes started afterwards from that thread inherit it, which is what pins a
/// worker's work and a replayed command.
/// </summary>
internal static partial class CpuAffinity
{
    // 1024 CPUs, the kernel's default cpumask size for glibc's cpu_set_t.
    private const int MaskWords = 16;

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static unsafe partial int SchedSetAffinity(int pid, nint size, ulong* mask);

    [LibraryImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static unsafe partial int SchedGetAffinity(int pid, nint size, ulong* mask);

    [LibraryImport("libc", EntryPoint = "sched_getcpu", SetLastError = true)]
    private static partial int SchedGetCpu();

    /// <summary>Pins the calling thread to <paramref name="cpus"/>; the errno on failure (EINVAL: none of them is online or allowed).</summary>
    public static unsafe int Set(IReadOnlyCollection<int> cpus)
    {
        var mask = stackalloc ulong[MaskWords];
        foreach (var cpu in cpus)
        {
            if (cpu < 0 || cpu >= MaskWords * 64)
            {
                return 22; // EINVAL, as the kernel would say
            }
            mask[cpu / 64] |= 1UL << (cpu % 64);
        }
        return SchedSetAffinity(0, MaskWords * sizeof(ulong), mask) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>The CPUs the calling thread may run on; empty when the call fails.</summary>
    public static unsafe int[] Get()
    {
        var mask = stackalloc ulong[MaskWords];
        if (SchedGetAffinity(0, MaskWords * sizeof(ulong), mask) != 0)
        {
            return Array.Empty<int>();
        }
        var cpus = new List<int>();
        for (int i = 0; i < MaskWords * 64; i++)
        {
            if ((mask[i / 64] & (1UL << (i % 64))) != 0)
            {
                cpus.Add(i);
            }
        }
        return cpus.ToArray();
    }

    /// <summary>The CPU the calling thread runs on right now; -1 where the call is unavailable.</summary>
    public static int CurrentCpu() => SchedGetCpu();
}
