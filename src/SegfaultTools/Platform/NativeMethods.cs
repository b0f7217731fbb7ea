using System.Runtime.InteropServices;

namespace SegfaultTools;

internal static partial class NativeMethods
{
    public const int O_RDONLY = 0;
    public const int O_NONBLOCK = 0x800;
    public const int EAGAIN = 11;
    public const int EPIPE = 32;
    public const int EINTR = 4;
    public const int EPERM = 1;
    public const int EACCES = 13;
    public const int ENOENT = 2;
    private const int CLOCK_REALTIME = 0;
    private const int CLOCK_MONOTONIC = 1;

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static unsafe partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    public static partial long LSeek(int fd, long offset, int whence);

    public const int SEEK_END = 2;

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static partial int ClockGetTime(int clock, out Timespec ts);

    /// <summary>
    /// Wall-clock time of boot as the printk clock sees it (CLOCK_MONOTONIC, which stops during
    /// suspend): realtime − monotonic. Records from before a suspend come out early by the time
    /// spent suspended, as with dmesg -T.
    /// </summary>
    public static DateTimeOffset? BootTime()
    {
        if (!OperatingSystem.IsLinux() || ClockGetTime(CLOCK_REALTIME, out var rt) != 0 || ClockGetTime(CLOCK_MONOTONIC, out var mono) != 0)
        {
            return null;
        }
        long realTicks = rt.Seconds * TimeSpan.TicksPerSecond + rt.Nanoseconds / 100;
        long monoTicks = mono.Seconds * TimeSpan.TicksPerSecond + mono.Nanoseconds / 100;
        return DateTimeOffset.FromUnixTimeMilliseconds(0).AddTicks(realTicks - monoTicks).ToLocalTime();
    }
}
