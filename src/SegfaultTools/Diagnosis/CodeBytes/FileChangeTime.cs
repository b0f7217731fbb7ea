using System.Runtime.InteropServices;

namespace SegfaultTools;

/// <summary>
/// When a file last changed: the later of its modification time and its inode change time.
/// Package managers (pacman, dpkg, rpm) give installed files the package's build time as their
/// modification time, so an upgrade after a crash can leave an mtime from before it; the new file's
/// ctime is still the moment it was put in place.
/// </summary>
internal static partial class FileChangeTime
{
    private const int AtFdCwd = -100;
    private const uint StatxMtime = 0x40;
    private const uint StatxCtime = 0x80;
    private const int StatxSize = 256;
    private const int CtimeOffset = 96;
    private const int MtimeOffset = 112;

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    /// <summary>The later of mtime and ctime (following links); mtime alone where statx is unavailable; null where the file cannot be examined.</summary>
    public static DateTimeOffset? Of(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                var statx = ByStatx(path);
                if (statx is not null)
                {
                    return statx;
                }
            }
            catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
            {
                // glibc before 2.28, or not glibc: mtime is what is left.
            }
        }
        try
        {
            return File.Exists(path) ? new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static unsafe DateTimeOffset? ByStatx(string path)
    {
        byte* buffer = stackalloc byte[StatxSize];
        if (Statx(AtFdCwd, path, 0, StatxMtime | StatxCtime, buffer) != 0)
        {
            return null;
        }
        uint mask = *(uint*)buffer;
        DateTimeOffset? latest = null;
        foreach (var (bit, offset) in new[] { (StatxMtime, MtimeOffset), (StatxCtime, CtimeOffset) })
        {
            if ((mask & bit) == 0)
            {
                continue;
            }
            long seconds = *(long*)(buffer + offset);
            uint nanoseconds = *(uint*)(buffer + offset + 8);
            var t = DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanoseconds / 100);
            latest = latest is null || t > latest ? t : latest;
        }
        return latest;
    }
}
