// Memory and CPU figures of the benchmark's own process, from /proc: shared by the bench scripts
// (Add-Type -Path), so each measures the same way.
using System;
using System.IO;
using System.Threading;

namespace SegfaultToolsBench
{
    public static class ProcMemory
    {
        // Returns the value in kB of a "Name:   1234 kB" line of /proc/self/status, or -1.
        public static long ReadKb(string name)
        {
            foreach (var line in File.ReadAllLines("/proc/self/status"))
            {
                if (line.StartsWith(name + ":", StringComparison.Ordinal))
                {
                    var parts = line.Substring(name.Length + 1).Trim().Split(' ');
                    return long.Parse(parts[0]);
                }
            }
            return -1;
        }

        // CPU seconds (user + system) this process has used, all threads.
        public static double SelfCpuSeconds()
        {
            using (var p = System.Diagnostics.Process.GetCurrentProcess())
            {
                return p.TotalProcessorTime.TotalSeconds;
            }
        }

        // CPU seconds (user + system) of this process's children that have been waited for
        // (cutime + cstime of /proc/self/stat, in clock ticks of 1/100 s).
        public static double ChildrenCpuSeconds()
        {
            string stat = File.ReadAllText("/proc/self/stat");
            string[] rest = stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
            return (long.Parse(rest[13]) + long.Parse(rest[14])) / 100.0;
        }

        // Line breaks in a file.
        public static long CountNewlines(string path)
        {
            var buffer = new byte[1 << 20];
            long lines = 0;
            using (var fs = File.OpenRead(path))
            {
                int n;
                while ((n = fs.Read(buffer, 0, buffer.Length)) > 0)
                {
                    lines += new ReadOnlySpan<byte>(buffer, 0, n).Count((byte)10);
                }
            }
            return lines;
        }

        // Resets VmHWM to the current RSS (Linux >= 4.0). Returns false where that is not allowed.
        public static bool TryResetPeak()
        {
            try
            {
                using (var fs = new FileStream("/proc/self/clear_refs", FileMode.Open, FileAccess.Write))
                {
                    fs.WriteByte((byte)'5');
                }
                return true;
            }
            catch (Exception)
            {
                return false;
            }
        }
    }

    // Samples VmRSS on its own thread; the fallback when VmHWM cannot be reset.
    public sealed class RssSampler : IDisposable
    {
        private readonly Thread _thread;
        private volatile bool _stop;
        private long _maxKb;

        public RssSampler(int intervalMs)
        {
            _maxKb = ProcMemory.ReadKb("VmRSS");
            _thread = new Thread(() =>
            {
                while (!_stop)
                {
                    long kb = ProcMemory.ReadKb("VmRSS");
                    if (kb > _maxKb) _maxKb = kb;
                    Thread.Sleep(intervalMs);
                }
            });
            _thread.IsBackground = true;
            _thread.Start();
        }

        public long MaxKb { get { return _maxKb; } }

        public void Dispose()
        {
            _stop = true;
            _thread.Join();
            long kb = ProcMemory.ReadKb("VmRSS");
            if (kb > _maxKb) _maxKb = kb;
        }
    }
}
