<#
.SYNOPSIS
    Writes (or reuses) a deterministic syslog-format kernel log of a fleet: exactly -Records crash records
    from -Hosts machines, for the Get-SegfaultDiagnosis benchmark.

.DESCRIPTION
    The file looks like what a central rsyslog server collects from many machines (RFC 3339 stamps,
    RSYSLOG_FileFormat), in time order, the hosts interleaved:
        2025-03-02T00:00:01.123456+00:00 fleet-0001 kernel: [ 86412.345678] <message>
    Host names are fleet-0001 ... fleet-<Hosts> (at least four digits). Every host has at least one crash
    record; how many each has varies (log-normal weights, normalised so they add up to exactly -Records).

    A crash record is one head line, and a segfault's head is followed by its Code: line, as 6.x kernels
    print them:
      * `comm[pid]: segfault at <addr> ip <ip> sp <sp> error <n> in <module>[<fileoff>,<base>+<size>]
        likely on CPU <n> (core <c>, socket 0)` then `Code: <42 bytes> <xx> <21 bytes>`;
      * a few without a module (JIT code: `error 4 likely on CPU ...`), and calls through NULL
        (`segfault at 0 ip 0000000000000000 ... in <exe>[<base>+<size>]`, then
        `Code: Unable to access opcode bytes at 0xffffffffffffffd6.`);
      * about 8 % `traps: comm[pid] general protection fault ip:... sp:... error:0 in <module>[...]`,
        `trap invalid opcode` and `trap divide error` lines (no Code: line).
    Noise lines (UFW, audit/AppArmor, usb, EXT4, docker veth, r8169, nvidia-modeset, perf, TCP SYN,
    journald), about one per three records, from random hosts. No noise line contains "segfault at" or
    "traps:", so `grep -c -E 'segfault at|traps:'` counts exactly the records.

    Each host gets a CPU count (4 to 32, some hybrid), its own set of programs (python3, Web Content,
    java, node, cc1plus, postgres, gnome-shell, llama-server, ...) and one of six crash patterns:
      * Spread (30 %): crashes in many modules and programs, at scattered offsets, on every CPU;
      * Dominated (25 %): 85 % in one library shared by two or more of its programs, at one to three
        offsets of its own;
      * SharedGpu (15 %): 70 % at libcuda.so.590.48.01 file offset 0x2f3a1c, the same on every such host
        (the fleet rule: "also crashed on other machines");
      * SharedLib (10 %): 60 % at libxul.so file offset 0x3b2c410 in Web Content, the same on every such host;
      * OneCpu (10 %): spread over modules, but 70 % on one logical CPU;
      * AppNull (10 %): 80 % NULL-pointer crashes in one program's own executable (a few calls through NULL).
    Offsets that are not meant to be shared are the host's own: host i only uses offsets i + k * Hosts
    into a module's text, and walks them in a scrambled order, so they repeat on a host only when a
    small module (libz, pipewire) runs out of room. (Uniformly random offsets would collide between
    hundreds of hosts at a million records and the fleet rule would fire almost everywhere.) The same
    (module, file offset) always has the same Code: bytes.

    The content depends only on -Records, -Hosts, -Seed and the generator version. A file written earlier
    is reused when its stamp (<file>.stamp.json) names the same version, seed, records and hosts and the
    file still has the recorded length. The generator is C# compiled with Add-Type; a million records
    (about 555 MB, 2.26 million lines) take about 4 s.

.OUTPUTS
    A PSCustomObject: Path, Bytes, Lines, Records, Hosts, Segfaults, Traps, CodeLines, NoiseLines,
    HostsByPattern (Spread, Dominated, SharedGpu, SharedLib, OneCpu, AppNull), MaxRecordsPerHost,
    MinRecordsPerHost, Seed, Version, Reused, Seconds (time spent generating; 0 when reused).

.EXAMPLE
    ./tests/bench/New-FleetLogFixture.ps1 -Records 100000 -Hosts 100
#>
[CmdletBinding()]
param(
    # Crash records in the file (head lines), in total over all hosts.
    [ValidateRange(1, 100000000)]
    [int] $Records = 1000000,

    # Machines the records come from; every one gets at least one record, so at most -Records.
    [ValidateRange(1, 1000000)]
    [int] $Hosts = 1000,

    # Folder for the file; default $env:TMPDIR (or /tmp) /segfaulttools-bench.
    [string] $Directory,

    [int] $Seed = 20250302,

    # Write a new file even when a matching one exists.
    [switch] $Force
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

# Bump when the generated content changes, so stale files are not reused.
$GeneratorVersion = 3

if ($Hosts -gt $Records) { throw "-Hosts ($Hosts) is larger than -Records ($Records): every host needs at least one crash record." }

if (-not $Directory) {
    $tmp = if ($env:TMPDIR) { $env:TMPDIR } else { '/tmp' }
    $Directory = Join-Path $tmp 'segfaulttools-bench'
}
$null = New-Item -ItemType Directory -Force -Path $Directory
$path = Join-Path $Directory ("fleet-{0}r-{1}h-seed{2}-v{3}.log" -f $Records, $Hosts, $Seed, $GeneratorVersion)
$stampPath = "$path.stamp.json"

function ConvertTo-FixtureObject($s, [bool] $reused, [double] $seconds) {
    [pscustomobject]@{
        Path              = $path
        Bytes             = [long]$s.Bytes
        Lines             = [long]$s.Lines
        Records           = [long]$s.Records
        Hosts             = [int]$s.Hosts
        Segfaults         = [long]$s.Segfaults
        Traps             = [long]$s.Traps
        CodeLines         = [long]$s.CodeLines
        NoiseLines        = [long]$s.NoiseLines
        HostsByPattern    = [pscustomobject]@{
            Spread = [int]$s.HostsByPattern.Spread; Dominated = [int]$s.HostsByPattern.Dominated; SharedGpu = [int]$s.HostsByPattern.SharedGpu
            SharedLib = [int]$s.HostsByPattern.SharedLib; OneCpu = [int]$s.HostsByPattern.OneCpu; AppNull = [int]$s.HostsByPattern.AppNull
        }
        MaxRecordsPerHost = [long]$s.MaxRecordsPerHost
        MinRecordsPerHost = [long]$s.MinRecordsPerHost
        Seed              = $Seed
        Version           = $GeneratorVersion
        Reused            = $reused
        Seconds           = $seconds
    }
}

if (-not $Force -and (Test-Path -LiteralPath $path) -and (Test-Path -LiteralPath $stampPath)) {
    try {
        $stamp = Get-Content -LiteralPath $stampPath -Raw | ConvertFrom-Json
        $length = (Get-Item -LiteralPath $path).Length
        if ($stamp.Version -eq $GeneratorVersion -and $stamp.Seed -eq $Seed -and $stamp.Records -eq $Records -and
            $stamp.Hosts -eq $Hosts -and $stamp.Bytes -eq $length) {
            return ConvertTo-FixtureObject $stamp $true 0.0
        }
    }
    catch {
        Write-Verbose "Ignoring unreadable stamp ${stampPath}: $_"
    }
}

if (-not ('SegfaultToolsBench.FleetLogGenerator' -as [type])) {
    Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace SegfaultToolsBench
{
    public sealed class FleetResult
    {
        public long Bytes;
        public long Lines;
        public long Records;
        public long Segfaults;
        public long Traps;
        public long CodeLines;
        public long NoiseLines;
        public int[] HostsByPattern = new int[6];
        public long MaxRecordsPerHost;
        public long MinRecordsPerHost;
    }

    public static class FleetLogGenerator
    {
        // Crash patterns of a host.
        private const int Spread = 0, Dominated = 1, SharedGpu = 2, SharedLib = 3, OneCpu = 4, AppNull = 5;

        private sealed class Module
        {
            public string Name; public ulong Size; public ulong TextOffset;
            public Module(string name, ulong size, ulong textOffset) { Name = name; Size = size; TextOffset = textOffset; }
        }

        private sealed class Program
        {
            public string Comm; public int Exe; public int[] Libs;
            public Program(string comm, int exe, params int[] libs) { Comm = comm; Exe = exe; Libs = libs; }
        }

        // Libraries 0-18, executables 19-.
        private static readonly Module[] Modules =
        {
            new Module("libc.so.6", 0x188000, 0x28000),                          // 0
            new Module("libstdc++.so.6.0.33", 0x15d000, 0x9a000),                // 1
            new Module("libxul.so", 0x5e3c000, 0x1a4000),                        // 2
            new Module("libcuda.so.590.48.01", 0x1a2f000, 0x1c0000),             // 3
            new Module("libnvidia-glcore.so.590.48.01", 0x2100000, 0x40000),     // 4
            new Module("libpython3.12.so.1.0", 0x2a5000, 0x6c000),               // 5
            new Module("libjvm.so", 0x1050000, 0x1f0000),                        // 6
            new Module("libLLVM.so.19.1", 0x4c00000, 0x9d0000),                  // 7
            new Module("libglib-2.0.so.0.8000.0", 0x9d000, 0x1e000),             // 8
            new Module("libQt6Core.so.6.7.2", 0x390000, 0xa4000),                // 9
            new Module("libcrypto.so.3", 0x2f8000, 0xa0000),                     // 10
            new Module("libz.so.1.3", 0x14000, 0x3000),                          // 11
            new Module("libnode.so.115", 0x1b80000, 0x7a0000),                   // 12
            new Module("libtorch_cpu.so", 0x9c00000, 0x1280000),                 // 13
            new Module("libavcodec.so.61.3.100", 0xd60000, 0x1f1000),            // 14
            new Module("libgtk-4.so.1.1400.2", 0x6f0000, 0xe8000),               // 15
            new Module("libonnxruntime.so.1.20.1", 0x1200000, 0x3b0000),         // 16
            new Module("libmutter-15.so.0.0.0", 0x1c8000, 0x52000),              // 17
            new Module("libspa-alsa.so", 0x58000, 0x9000),                       // 18
            new Module("python3.12", 0x2ab000, 0x6b000),                         // 19
            new Module("firefox-bin", 0x7d000, 0x1e000),                         // 20
            new Module("java", 0x1000, 0x1000),                                  // 21
            new Module("node", 0x1c00000, 0x60000),                              // 22
            new Module("cc1plus", 0x2400000, 0x2b0000),                          // 23
            new Module("postgres", 0x6a1000, 0xa8000),                           // 24
            new Module("gnome-shell", 0x1b000, 0x4000),                          // 25
            new Module("Xwayland", 0x1a0000, 0x3a000),                           // 26
            new Module("pipewire", 0x9000, 0x3000),                              // 27
            new Module("llama-server", 0x2c0000, 0x8a000),                       // 28
            new Module("ffmpeg", 0x2d000, 0x9000),                               // 29
            new Module("blender", 0x4400000, 0x12a0000),                         // 30
            new Module("mysqld", 0x3200000, 0xa10000),                           // 31
            new Module("redis-server", 0x1cd000, 0x3f000),                       // 32
            new Module("nginx", 0x108000, 0x1b000),                              // 33
            new Module("chrome", 0xa800000, 0x2c4000),                           // 34
            new Module("ld.lld", 0x2f000, 0x9000),                               // 35
            new Module("ort_worker", 0x62000, 0x11000),                          // 36
            new Module("qbittorrent", 0x5f0000, 0x150000),                       // 37
        };

        private static readonly Program[] Programs =
        {
            new Program("python3", 19, 5, 0, 13, 11, 10, 1, 16),      // 0
            new Program("Web Content", 20, 2, 0, 8, 15, 1),           // 1
            new Program("Isolated Web Co", 20, 2, 0, 8, 15, 1),       // 2
            new Program("java", 21, 6, 0, 11, 1),                     // 3
            new Program("node", 22, 12, 0, 1, 10, 11),                // 4
            new Program("cc1plus", 23, 0, 11, 1),                     // 5
            new Program("postgres", 24, 0, 10, 11),                   // 6
            new Program("gnome-shell", 25, 17, 8, 15, 0, 4),          // 7
            new Program("Xwayland", 26, 0, 4, 8),                     // 8
            new Program("pipewire", 27, 18, 0, 8),                    // 9
            new Program("llama-server", 28, 3, 0, 1),                 // 10
            new Program("ffmpeg", 29, 14, 0, 11, 3),                  // 11
            new Program("blender", 30, 0, 1, 3, 4, 5),                // 12
            new Program("mysqld", 31, 0, 1, 10),                      // 13
            new Program("redis-server", 32, 0),                       // 14
            new Program("nginx", 33, 0, 10, 11),                      // 15
            new Program("chrome", 34, 0, 8, 4),                       // 16
            new Program("ld.lld", 35, 7, 0, 1),                       // 17
            new Program("ort_worker", 36, 16, 3, 0, 1),               // 18
            new Program("qbittorrent", 37, 9, 0, 1, 10, 11),          // 19
        };

        private const int LibCuda = 3, LibXul = 2;
        private const ulong SharedGpuOffset = 0x2f3a1c, SharedLibOffset = 0x3b2c410;

        private sealed class Host
        {
            public string Name;
            public int Index;
            public int Fleet;               // hosts in the fleet
            public int Pattern;
            public ulong[] Used;            // per module: offsets handed out so far
            public ulong[] Start;           // per module: where the scrambled walk over the slots began
            public int Cpus;
            public bool Hybrid;
            public int[] Programs;
            public int DomModule = -1;
            public int[] DomUsers;          // programs that load DomModule
            public ulong[] HotOffsets;
            public int BadCpu;
            public int AppProgram;
            public long BootMicros;
            public int NextPid;
            public long Count;
        }

        private static readonly string[] Devices = { "nvme0n1p2", "nvme0n1p3", "sda1", "dm-0", "md127" };
        private static readonly string[] Profiles = { "snap.firefox.firefox", "/usr/bin/man", "docker-default", "rsyslogd", "/usr/sbin/cupsd" };
        private static readonly string[] UsbProducts = { "USB Receiver", "DataTraveler 3.0", "USB2.0 Hub", "Integrated Camera", "USB Audio CODEC" };
        private static readonly string[] SegfaultErrors = { "4", "6", "4", "6", "7", "14", "15", "5" };

        public static FleetResult Generate(string path, int records, int hosts, int seed)
        {
            var r = new Random(seed);
            var result = new FleetResult();
            var width = Math.Max(4, hosts.ToString().Length);

            // Per host: pattern, CPUs, programs, counts.
            var fleet = new Host[hosts];
            var weights = new double[hosts];
            double weightSum = 0;
            long startMicros = new DateTime(2025, 3, 2, 0, 0, 0, DateTimeKind.Utc).Ticks / 10;
            for (int i = 0; i < hosts; i++)
            {
                var h = new Host();
                h.Name = "fleet-" + (i + 1).ToString().PadLeft(width, '0');
                h.Index = i;
                h.Fleet = hosts;
                int p = r.Next(100);
                h.Pattern = p < 30 ? Spread : p < 55 ? Dominated : p < 70 ? SharedGpu : p < 80 ? SharedLib : p < 90 ? OneCpu : AppNull;
                int[] cpuChoices = { 4, 8, 12, 16, 16, 20, 24, 24, 32 };
                h.Cpus = cpuChoices[r.Next(cpuChoices.Length)];
                h.Hybrid = (h.Cpus == 20 || h.Cpus == 24 || h.Cpus == 32) && r.Next(2) == 0;
                h.BadCpu = r.Next(h.Cpus);
                h.BootMicros = startMicros - 3600L * 1000000L - (long)(r.NextDouble() * 20 * 86400) * 1000000L;
                h.NextPid = r.Next(1000, 60000);

                var set = new List<int>();
                int nProg = r.Next(4, 10);
                while (set.Count < nProg)
                {
                    int pick = r.Next(Programs.Length);
                    if (!set.Contains(pick)) set.Add(pick);
                }
                if (h.Pattern == SharedGpu)
                {
                    int[] gpuUsers = { 10, 11, 12, 18 };
                    foreach (var g in gpuUsers) if (r.Next(2) == 0 && !set.Contains(g)) set.Add(g);
                    if (!set.Contains(10)) set.Add(10);
                    h.DomUsers = UsersOf(set, LibCuda);
                }
                else if (h.Pattern == SharedLib)
                {
                    if (!set.Contains(1)) set.Add(1);
                    if (!set.Contains(2)) set.Add(2);
                    h.DomUsers = new[] { 1, 2 };
                }
                else if (h.Pattern == Dominated)
                {
                    // A library (not the C runtime) that two or more of the host's programs load.
                    var candidates = new List<int>();
                    for (int m = 2; m < 19; m++) if (UsersOf(set, m).Length >= 2) candidates.Add(m);
                    if (candidates.Count == 0)
                    {
                        // Make one: gnome-shell and Xwayland share libglib and the NVIDIA GL core.
                        if (!set.Contains(7)) set.Add(7);
                        if (!set.Contains(8)) set.Add(8);
                        candidates.Add(8);
                    }
                    h.DomModule = candidates[r.Next(candidates.Count)];
                    h.DomUsers = UsersOf(set, h.DomModule);
                    h.HotOffsets = new ulong[r.Next(1, 4)];
                    for (int k = 0; k < h.HotOffsets.Length; k++) h.HotOffsets[k] = NextFileOffset(r, h.DomModule, h);
                }
                else if (h.Pattern == AppNull)
                {
                    h.AppProgram = set[r.Next(set.Count)];
                    h.HotOffsets = new ulong[r.Next(1, 3)];
                    for (int k = 0; k < h.HotOffsets.Length; k++) h.HotOffsets[k] = NextFileOffset(r, Programs[h.AppProgram].Exe, h);
                }
                h.Programs = set.ToArray();
                result.HostsByPattern[h.Pattern]++;
                fleet[i] = h;
                // Log-normal weights: most hosts a few hundred records, some thousands.
                weights[i] = Math.Exp(NextGaussian(r) * 0.9);
                weightSum += weights[i];
            }

            // Exactly `records` records, at least one per host.
            long assigned = 0;
            for (int i = 0; i < hosts; i++)
            {
                fleet[i].Count = Math.Max(1L, (long)Math.Floor((double)records * weights[i] / weightSum));
                assigned += fleet[i].Count;
            }
            int cursor = 0;
            while (assigned < records) { fleet[cursor % hosts].Count++; assigned++; cursor++; }
            while (assigned > records)
            {
                if (fleet[cursor % hosts].Count > 1) { fleet[cursor % hosts].Count--; assigned--; }
                cursor++;
            }
            result.MaxRecordsPerHost = 0; result.MinRecordsPerHost = long.MaxValue;
            foreach (var h in fleet)
            {
                result.MaxRecordsPerHost = Math.Max(result.MaxRecordsPerHost, h.Count);
                result.MinRecordsPerHost = Math.Min(result.MinRecordsPerHost, h.Count);
            }

            // The order of the records: every host's records, shuffled (Fisher-Yates).
            var order = new int[records];
            int at = 0;
            for (int i = 0; i < hosts; i++) for (long k = 0; k < fleet[i].Count; k++) order[at++] = i;
            for (int i = records - 1; i > 0; i--)
            {
                int j = r.Next(i + 1);
                int t = order[i]; order[i] = order[j]; order[j] = t;
            }

            // Code: bytes, a pool; the same (module, offset) picks the same entry.
            var codePool = new string[4096];
            for (int i = 0; i < codePool.Length; i++) codePool[i] = CodeBytes(r);

            // 30 days; each record (and noise line) a random gap after the previous line.
            long spanMicros = 30L * 86400L * 1000000L;
            long lines = (long)(records * 1.34); // records plus the noise lines
            long meanGap = Math.Max(1, spanMicros / Math.Max(1, lines));
            long wall = startMicros;
            var sb = new StringBuilder(512);

            using (var fs = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 20))
            using (var w = new StreamWriter(fs, new UTF8Encoding(false), 1 << 20))
            {
                for (int n = 0; n < records; n++)
                {
                    // Noise first: about one line per three records, from any host.
                    while (r.Next(4) == 0)
                    {
                        wall += NextGap(r, meanGap);
                        var nh = fleet[r.Next(hosts)];
                        sb.Clear();
                        AppendPrefix(sb, wall, nh);
                        AppendNoise(sb, r, nh);
                        Emit(w, sb, result);
                        result.NoiseLines++;
                    }

                    wall += NextGap(r, meanGap);
                    var h = fleet[order[n]];
                    h.NextPid += r.Next(1, 300);
                    if (h.NextPid > 4194303) h.NextPid = 1000;
                    sb.Clear();
                    AppendPrefix(sb, wall, h);
                    string code = AppendCrash(sb, r, h, codePool, result);
                    Emit(w, sb, result);
                    result.Records++;
                    if (code != null)
                    {
                        wall += 1;
                        sb.Clear();
                        AppendPrefix(sb, wall, h);
                        sb.Append("Code: ").Append(code);
                        Emit(w, sb, result);
                        result.CodeLines++;
                    }
                }
            }
            return result;
        }

        private static int[] UsersOf(List<int> programs, int module)
        {
            var users = new List<int>();
            foreach (var p in programs) if (Array.IndexOf(Programs[p].Libs, module) >= 0) users.Add(p);
            return users.ToArray();
        }

        private static double NextGaussian(Random r)
        {
            double u1 = 1.0 - r.NextDouble(), u2 = r.NextDouble();
            return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        }

        private static long NextGap(Random r, long mean)
        {
            return 1 + (long)(r.NextDouble() * 2 * mean);
        }

        // An instruction of the module's text that no other host uses and this host has not used yet,
        // for as long as the module has room: the offsets of host i are i + k * hosts, k taken in a
        // scrambled order (a stride coprime to the slot count, from a random start). With a million
        // records, uniformly random offsets would collide across hundreds of hosts in libc or libz and
        // make the fleet rule fire on nearly every host; only the SharedGpu and SharedLib hosts should
        // share offsets. Small modules run out of slots on hosts with many crashes, and then repeat.
        private static ulong NextFileOffset(Random r, int module, Host h)
        {
            var m = Modules[module];
            ulong hosts = (ulong)Math.Max(1, h.Fleet);
            ulong slots = m.Size / hosts;
            if (slots <= 1) return m.TextOffset + (ulong)(r.NextDouble() * (m.Size - 1));
            if (h.Used == null) { h.Used = new ulong[Modules.Length]; h.Start = new ulong[Modules.Length]; }
            if (h.Used[module] == 0) h.Start[module] = (ulong)r.Next(int.MaxValue) % slots;
            ulong stride = 7919;
            while (Gcd(stride, slots) != 1) stride += 2;
            ulong k = (h.Start[module] + h.Used[module] * stride) % slots;
            h.Used[module]++;
            return m.TextOffset + k * hosts + (ulong)h.Index;
        }

        private static ulong Gcd(ulong a, ulong b)
        {
            while (b != 0) { ulong t = a % b; a = b; b = t; }
            return a;
        }

        private static void Emit(StreamWriter w, StringBuilder sb, FleetResult result)
        {
            sb.Append('\n');
            w.Write(sb);
            result.Bytes += sb.Length; // all ASCII
            result.Lines++;
        }

        // "2025-03-02T00:00:01.123456+00:00 fleet-0001 kernel: [ 1234.567890] "
        private static void AppendPrefix(StringBuilder sb, long wallMicros, Host h)
        {
            var t = new DateTime(wallMicros * 10, DateTimeKind.Utc);
            sb.Append(t.Year).Append('-'); Two(sb, t.Month); sb.Append('-'); Two(sb, t.Day); sb.Append('T');
            Two(sb, t.Hour); sb.Append(':'); Two(sb, t.Minute); sb.Append(':'); Two(sb, t.Second); sb.Append('.');
            Pad(sb, wallMicros % 1000000L, 6);
            sb.Append("+00:00 ").Append(h.Name).Append(" kernel: [");
            long mono = wallMicros - h.BootMicros;
            string secs = (mono / 1000000L).ToString();
            for (int i = secs.Length; i < 5; i++) sb.Append(' ');
            sb.Append(secs).Append('.');
            Pad(sb, mono % 1000000L, 6);
            sb.Append("] ");
        }

        private static void Two(StringBuilder sb, int v)
        {
            if (v < 10) sb.Append('0');
            sb.Append(v);
        }

        private static void Pad(StringBuilder sb, long v, int digits)
        {
            string s = v.ToString();
            for (int i = s.Length; i < digits; i++) sb.Append('0');
            sb.Append(s);
        }

        private static string Hex(Random r, int digits)
        {
            var c = new char[digits];
            for (int i = 0; i < digits; i++) c[i] = "0123456789abcdef"[r.Next(16)];
            return new string(c);
        }

        private static string CodeBytes(Random r)
        {
            var sb = new StringBuilder(200);
            for (int i = 0; i < 42; i++) sb.Append(Hex(r, 2)).Append(' ');
            sb.Append('<').Append(Hex(r, 2)).Append('>');
            for (int i = 0; i < 21; i++) sb.Append(' ').Append(Hex(r, 2));
            return sb.ToString();
        }

        private static string CodeFor(string[] pool, int module, ulong offset)
        {
            ulong x = (offset * 0x9E3779B97F4A7C15UL) ^ ((ulong)module * 0xC2B2AE3D27D4EB4FUL);
            return pool[(int)((x >> 29) & 4095)];
        }

        private static void AppendCpu(StringBuilder sb, int cpu, Host h)
        {
            int core;
            if (h.Hybrid)
            {
                // P-cores with SMT first (two threads per core, core ids 0, 4, 8, ...), then E-cores.
                int pThreads = h.Cpus - (h.Cpus == 20 ? 4 : h.Cpus == 24 ? 8 : 16);
                core = cpu < pThreads ? (cpu / 2) * 4 : pThreads * 2 + (cpu - pThreads);
            }
            else
            {
                core = cpu % (h.Cpus / 2); // SMT siblings are enumerated after the first threads
            }
            sb.Append(" likely on CPU ").Append(cpu).Append(" (core ").Append(core).Append(", socket 0)");
        }

        // Appends one crash head; returns the text of the Code: line that follows it, or null.
        private static string AppendCrash(StringBuilder sb, Random r, Host h, string[] codePool, FleetResult result)
        {
            int cpu = h.Pattern == OneCpu && r.Next(100) < 70 ? h.BadCpu : r.Next(h.Cpus);
            int prog, module;
            ulong fileOff;
            bool nullData = false;
            int roll = r.Next(100);
            if (h.Pattern == Dominated && roll < 85)
            {
                prog = h.DomUsers[r.Next(h.DomUsers.Length)]; module = h.DomModule; fileOff = h.HotOffsets[r.Next(h.HotOffsets.Length)];
            }
            else if (h.Pattern == SharedGpu && roll < 70)
            {
                prog = h.DomUsers[r.Next(h.DomUsers.Length)]; module = LibCuda; fileOff = SharedGpuOffset;
            }
            else if (h.Pattern == SharedLib && roll < 60)
            {
                prog = h.DomUsers[r.Next(h.DomUsers.Length)]; module = LibXul; fileOff = SharedLibOffset;
            }
            else if (h.Pattern == AppNull && roll < 80)
            {
                prog = h.AppProgram; module = Programs[prog].Exe; fileOff = h.HotOffsets[r.Next(h.HotOffsets.Length)]; nullData = true;
                if (r.Next(20) == 0)
                {
                    // A call through a NULL function pointer: ip 0; the kernel names the lowest mapping.
                    result.Segfaults++;
                    var exe = Modules[module];
                    ulong exeBase = 0x55d0c0000000UL + ((ulong)r.Next(0, 0xffff) << 12);
                    sb.Append(Programs[prog].Comm).Append('[').Append(h.NextPid).Append("]: segfault at 0 ip 0000000000000000 sp ")
                      .Append((0x7ffc00000000UL + ((ulong)r.Next(0, 0x3ffffff) << 4)).ToString("x16")).Append(" error 14 in ").Append(exe.Name)
                      .Append('[').Append(exeBase.ToString("x")).Append('+').Append(exe.Size.ToString("x")).Append(']');
                    AppendCpu(sb, cpu, h);
                    return "Unable to access opcode bytes at 0xffffffffffffffd6.";
                }
            }
            else
            {
                prog = h.Programs[r.Next(h.Programs.Length)];
                var libs = Programs[prog].Libs;
                module = r.Next(4) == 0 ? Programs[prog].Exe : libs[r.Next(libs.Length)];
                fileOff = NextFileOffset(r, module, h);
            }

            var mod = Modules[module];
            ulong baseAddr = (module >= 19 ? 0x55d000000000UL : 0x7f0000000000UL) + ((ulong)r.Next(0, 0x3fffff) << 12);
            ulong ip = baseAddr + (fileOff - mod.TextOffset);
            ulong sp = 0x7ffc00000000UL + ((ulong)r.Next(0, 0x3ffffff) << 4);
            string comm = Programs[prog].Comm;
            int pid = h.NextPid;

            if (!nullData && r.Next(100) < 8)
            {
                result.Traps++;
                int k = r.Next(10);
                string what = k < 7 ? "general protection fault" : k < 9 ? "trap invalid opcode" : "trap divide error";
                sb.Append("traps: ").Append(comm).Append('[').Append(pid).Append("] ").Append(what).Append(" ip:").Append(ip.ToString("x"))
                  .Append(" sp:").Append(sp.ToString("x")).Append(" error:0 in ").Append(mod.Name).Append('[').Append(fileOff.ToString("x")).Append(',')
                  .Append(baseAddr.ToString("x")).Append('+').Append(mod.Size.ToString("x")).Append(']');
                return null;
            }

            result.Segfaults++;
            ulong addr;
            string err = SegfaultErrors[r.Next(SegfaultErrors.Length)];
            if (nullData)
            {
                addr = (ulong)r.Next(0, 0x40) << 3;
                err = r.Next(3) == 0 ? "6" : "4";
            }
            else
            {
                int a = r.Next(10);
                if (a < 2) addr = (ulong)r.Next(0, 0x200) << 3;
                else if (a < 4) addr = ip;
                else addr = 0x550000000000UL + ((ulong)r.Next(0, int.MaxValue) << 4);
            }
            sb.Append(comm).Append('[').Append(pid).Append("]: segfault at ").Append(addr.ToString("x")).Append(" ip ").Append(ip.ToString("x16"))
              .Append(" sp ").Append(sp.ToString("x16")).Append(" error ").Append(err);
            if (!nullData && (prog == 3 || prog == 4) && r.Next(10) == 0)
            {
                // JIT code of the JVM or V8: anonymous memory, no module.
                AppendCpu(sb, cpu, h);
                return codePool[r.Next(codePool.Length)];
            }
            sb.Append(" in ").Append(mod.Name).Append('[').Append(fileOff.ToString("x")).Append(',').Append(baseAddr.ToString("x"))
              .Append('+').Append(mod.Size.ToString("x")).Append(']');
            AppendCpu(sb, cpu, h);
            return CodeFor(codePool, module, fileOff);
        }

        private static void AppendNoise(StringBuilder sb, Random r, Host h)
        {
            switch (r.Next(10))
            {
                case 0:
                case 1:
                case 2:
                    bool tcp = r.Next(3) == 0;
                    int len = r.Next(40, 1500);
                    sb.Append("[UFW BLOCK] IN=eno1 OUT= MAC=").Append(Hex(r, 2)).Append(':').Append(Hex(r, 2)).Append(':').Append(Hex(r, 2))
                      .Append(":00:00:00:08:00 SRC=10.20.").Append(r.Next(0, 255)).Append('.').Append(r.Next(1, 255))
                      .Append(" DST=10.20.0.").Append(r.Next(1, 255)).Append(" LEN=").Append(len).Append(" TOS=0x00 PREC=0x00 TTL=64 ID=")
                      .Append(r.Next(0, 65536)).Append(tcp ? " DF PROTO=TCP SPT=" : " PROTO=UDP SPT=").Append(r.Next(32768, 61000))
                      .Append(" DPT=").Append(tcp ? 22 : 5353);
                    if (tcp) sb.Append(" WINDOW=").Append(r.Next(1024, 65535)).Append(" RES=0x00 SYN URGP=0");
                    break;
                case 3:
                case 4:
                    sb.Append("audit: type=1400 audit(").Append(1740873600L + r.Next(0, 2592000)).Append('.').Append(r.Next(100, 999)).Append(':')
                      .Append(r.Next(100, 99999)).Append("): apparmor=\"DENIED\" operation=\"open\" class=\"file\" profile=\"")
                      .Append(Profiles[r.Next(Profiles.Length)]).Append("\" name=\"/proc/").Append(h.NextPid).Append("/mountinfo\" pid=")
                      .Append(h.NextPid).Append(" comm=\"man\" requested_mask=\"r\" denied_mask=\"r\" fsuid=1000 ouid=0");
                    break;
                case 5:
                    int port = r.Next(1, 11);
                    if (r.Next(2) == 0) sb.Append("usb 1-").Append(port).Append(": new high-speed USB device number ").Append(r.Next(2, 40)).Append(" using xhci_hcd");
                    else sb.Append("usb 1-").Append(port).Append(": Product: ").Append(UsbProducts[r.Next(UsbProducts.Length)]);
                    break;
                case 6:
                    sb.Append("EXT4-fs (").Append(Devices[r.Next(Devices.Length)]).Append("): mounted filesystem ").Append(Hex(r, 8)).Append('-')
                      .Append(Hex(r, 4)).Append('-').Append(Hex(r, 4)).Append('-').Append(Hex(r, 4)).Append('-').Append(Hex(r, 12))
                      .Append(" r/w with ordered data mode. Quota mode: none.");
                    break;
                case 7:
                    string veth = "veth" + Hex(r, 7);
                    if (r.Next(2) == 0) sb.Append("docker0: port ").Append(r.Next(1, 9)).Append('(').Append(veth).Append(") entered forwarding state");
                    else sb.Append("r8169 0000:05:00.0 eno1: Link is Up - 1Gbps/Full - flow control rx/tx");
                    break;
                case 8:
                    if (r.Next(2) == 0) sb.Append("nvidia-modeset: WARNING: GPU:0: Unable to read EDID for display device DP-").Append(r.Next(0, 4));
                    else sb.Append("perf: interrupt took too long (").Append(r.Next(2501, 9000)).Append(" > ").Append(r.Next(2500, 8000))
                      .Append("), lowering kernel.perf_event_max_sample_rate to ").Append(r.Next(20000, 80000));
                    break;
                default:
                    if (r.Next(2) == 0) sb.Append("TCP: request_sock_TCP: Possible SYN flooding on port ").Append(r.Next(1024, 65535)).Append(". Sending cookies.  Check SNMP counters.");
                    else sb.Append("systemd-journald[").Append(r.Next(300, 500)).Append("]: Data hash table of /var/log/journal/").Append(Hex(r, 32))
                      .Append("/system.journal has a fill level at 75.0 (").Append(r.Next(10000, 99999)).Append(" of ").Append(r.Next(100000, 133333))
                      .Append(" items), suggesting rotation.");
                    break;
            }
        }
    }
}
'@
}

$tempPath = "$path.$PID.partial" # per process, so two runs at once never write the same file
$sw = [Diagnostics.Stopwatch]::StartNew()
$result = [SegfaultToolsBench.FleetLogGenerator]::Generate($tempPath, $Records, $Hosts, $Seed)
$sw.Stop()
Move-Item -LiteralPath $tempPath -Destination $path -Force

$names = 'Spread', 'Dominated', 'SharedGpu', 'SharedLib', 'OneCpu', 'AppNull'
$byPattern = [ordered]@{}
for ($i = 0; $i -lt $names.Count; $i++) { $byPattern[$names[$i]] = $result.HostsByPattern[$i] }
$stamp = [ordered]@{
    Version           = $GeneratorVersion
    Seed              = $Seed
    Records           = [long]$result.Records
    Hosts             = $Hosts
    Bytes             = $result.Bytes
    Lines             = $result.Lines
    Segfaults         = $result.Segfaults
    Traps             = $result.Traps
    CodeLines         = $result.CodeLines
    NoiseLines        = $result.NoiseLines
    HostsByPattern    = $byPattern
    MaxRecordsPerHost = $result.MaxRecordsPerHost
    MinRecordsPerHost = $result.MinRecordsPerHost
}
$stamp | ConvertTo-Json | Set-Content -LiteralPath "$stampPath.$PID"
Move-Item -LiteralPath "$stampPath.$PID" -Destination $stampPath -Force

ConvertTo-FixtureObject ([pscustomobject]$stamp | ConvertTo-Json | ConvertFrom-Json) $false ([math]::Round($sw.Elapsed.TotalSeconds, 2))
