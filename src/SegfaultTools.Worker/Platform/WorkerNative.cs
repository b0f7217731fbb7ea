using System.Runtime.InteropServices;

namespace SegfaultTools;

/// <summary>The few libc calls the worker needs beyond affinity.</summary>
internal static unsafe partial class WorkerNative
{
    public const int SIGSEGV = 11;
    private const int CLOCK_THREAD_CPUTIME_ID = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out Timespec ts);

    [LibraryImport("libc", EntryPoint = "getppid")]
    public static partial int GetParentProcessId();

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial nint Signal(int signal, nint handler);

    [LibraryImport("libc", EntryPoint = "raise")]
    private static partial int Raise(int signal);

    [LibraryImport("libc", EntryPoint = "execvp", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int ExecVp(string file, nint* argv);

    /// <summary>CPU time the calling thread has used, in ticks (100 ns).</summary>
    public static long ThreadCpuTicks() =>
        ClockGetTime(CLOCK_THREAD_CPUTIME_ID, out var ts) == 0 ? ts.Seconds * TimeSpan.TicksPerSecond + ts.Nanoseconds / 100 : 0;

    /// <summary>
    /// Dies by SIGSEGV the way a native fault would end the process: the runtime's own handler is
    /// put aside first, so the parent sees the signal and not a managed exception.
    /// </summary>
    public static void DieBySegfault()
    {
        Signal(SIGSEGV, 0); // SIG_DFL
        Raise(SIGSEGV);
    }

    /// <summary>Replaces this process with <paramref name="program"/>; returns errno only when that fails.</summary>
    public static int Exec(string program, IReadOnlyList<string> arguments)
    {
        var strings = new nint[arguments.Count + 2];
        try
        {
            strings[0] = Marshal.StringToCoTaskMemUTF8(program);
            for (int i = 0; i < arguments.Count; i++)
            {
                strings[i + 1] = Marshal.StringToCoTaskMemUTF8(arguments[i]);
            }
            fixed (nint* argv = strings)
            {
                ExecVp(program, argv);
            }
            return Marshal.GetLastPInvokeError();
        }
        finally
        {
            foreach (var s in strings)
            {
                if (s != 0)
                {
                    Marshal.FreeCoTaskMem(s);
                }
            }
        }
    }
}
