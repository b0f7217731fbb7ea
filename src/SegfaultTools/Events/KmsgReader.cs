using System.Text;

namespace SegfaultTools;

/// <summary>Raised when the kernel log exists but this user may not read it.</summary>
internal sealed class KernelLogAccessException : Exception
{
    public KernelLogAccessException(string message) : base(message) { }
}

/// <summary>
/// Reads /dev/kmsg: one read(2) per record (a short buffer gives EINVAL), non-blocking so the end of
/// the ring buffer is EAGAIN rather than a hang, EPIPE meaning records were overwritten meanwhile.
/// </summary>
internal sealed class KmsgReader : IDisposable
{
    public const string DevicePath = "/dev/kmsg";
    private const int RecordBuffer = 16 * 1024;
    private readonly int _fd;
    private readonly byte[] _buffer = new byte[RecordBuffer];

    private KmsgReader(int fd) => _fd = fd;

    public long LostRecords { get; private set; }

    public static KmsgReader Open(string devicePath = DevicePath)
    {
        int fd = NativeMethods.Open(devicePath, NativeMethods.O_RDONLY | NativeMethods.O_NONBLOCK);
        if (fd < 0)
        {
            int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno is NativeMethods.EPERM or NativeMethods.EACCES)
            {
                throw new KernelLogAccessException($"Reading {devicePath} was refused (kernel.dmesg_restrict is set, or the user lacks CAP_SYSLOG).");
            }
            throw new IOException($"{devicePath} could not be opened (errno {errno}).");
        }
        return new KmsgReader(fd);
    }

    /// <summary>Next record as text ("prio,seq,usec,flags;message"), or null at the end of the buffer.</summary>
    public unsafe string? ReadRecord()
    {
        while (true)
        {
            nint n;
            fixed (byte* p = _buffer)
            {
                n = NativeMethods.Read(_fd, p, _buffer.Length);
            }
            if (n > 0)
            {
                var span = _buffer.AsSpan(0, (int)n);
                // Dictionary lines (" SUBSYSTEM=...") follow the first newline; only the record line matters.
                int nl = span.IndexOf((byte)'\n');
                return Encoding.UTF8.GetString(nl >= 0 ? span[..nl] : span);
            }
            if (n == 0)
            {
                return null;
            }
            int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            switch (errno)
            {
                case NativeMethods.EAGAIN:
                    return null;
                case NativeMethods.EPIPE:
                    LostRecords++;
                    continue;
                case NativeMethods.EINTR:
                    continue;
                case NativeMethods.EPERM or NativeMethods.EACCES:
                    throw new KernelLogAccessException($"Reading {DevicePath} was refused (errno {errno}).");
                default:
                    throw new IOException($"Reading {DevicePath} failed (errno {errno}).");
            }
        }
    }

    /// <summary>Skips the records already in the buffer: only new ones are read from here on.</summary>
    public void SeekToEnd() => NativeMethods.LSeek(_fd, 0, NativeMethods.SEEK_END);

    public void Dispose() => NativeMethods.Close(_fd);
}
