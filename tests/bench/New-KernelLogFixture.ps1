<#
.SYNOPSIS
    Writes (or reuses) a large, deterministic syslog-format kernel log for the Get-SegfaultEvent benchmark.

.DESCRIPTION
    The file looks like /var/log/kern.log on a busy desktop:
        Mar  2 00:00:01 benchbox kernel: [   12.345678] usb 1-4: new high-speed USB device number 3 using xhci_hcd
    Background lines (usb, audit, EXT4, BTRFS, NET, r8169, iwlwifi, nvidia, UFW/iptables, docker bridges,
    perf, rate-limit notices of other subsystems ...) are 100-250 bytes long, wall and monotonic times
    increase, and a crash record appears every 500-1500 lines (about one per thousand):
      * `comm[pid]: segfault at ...` lines in the new module form `lib[off,base+size]`, the old form
        `lib[base+size]`, with no module (anonymous/JIT code), and the pre-6.1 form without
        `likely on CPU`; most are followed by a `Code:` line (opcode bytes, or "Unable to access
        opcode bytes at 0xffffffffffffffd6." for ip 0);
      * `traps: comm[pid] general protection fault ...`, `trap invalid opcode`, `trap divide error`,
        `trap int3`, `trap stack segment` lines (no Code: line, as the kernel prints them).
    Every crash record has exactly one head line, and no background line contains "segfault at" or
    "traps:", so `grep -c -E 'segfault at|traps:'` counts the heads.

    The content depends only on -Seed and the generator version: the same parameters always give the same
    bytes. A file written earlier is reused when its stamp (<file>.stamp.json) names the same version, seed
    and target size and the file still has the recorded length, so reruns cost nothing.

    The generator is C# compiled with Add-Type (a PowerShell loop would take minutes for 1 GiB).

.OUTPUTS
    A PSCustomObject: Path, Bytes, Lines, Heads (crash records = head lines), Segfaults, Traps, CodeLines,
    Seed, Version, Reused, Seconds (time spent generating; 0 when reused).

.EXAMPLE
    ./tests/bench/New-KernelLogFixture.ps1 -SizeMB 64
#>
[CmdletBinding()]
param(
    # Target size in MiB (1 MiB = 1,048,576 bytes). The file ends at the first line boundary at or past it.
    [ValidateRange(1, 1048576)]
    [int] $SizeMB = 1024,

    # Folder for the file; default $env:TMPDIR (or /tmp) /segfaulttools-bench.
    [string] $Directory,

    [int] $Seed = 20250302,

    # Write a new file even when a matching one exists.
    [switch] $Force
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

# Bump when the generated content changes, so stale files are not reused.
$GeneratorVersion = 1

if (-not $Directory) {
    $tmp = if ($env:TMPDIR) { $env:TMPDIR } else { '/tmp' }
    $Directory = Join-Path $tmp 'segfaulttools-bench'
}
$null = New-Item -ItemType Directory -Force -Path $Directory
$path = Join-Path $Directory ("kern-{0}MiB-seed{1}-v{2}.log" -f $SizeMB, $Seed, $GeneratorVersion)
$stampPath = "$path.stamp.json"
$targetBytes = [long]$SizeMB * 1MB

if (-not $Force -and (Test-Path -LiteralPath $path) -and (Test-Path -LiteralPath $stampPath)) {
    try {
        $stamp = Get-Content -LiteralPath $stampPath -Raw | ConvertFrom-Json
        $length = (Get-Item -LiteralPath $path).Length
        if ($stamp.Version -eq $GeneratorVersion -and $stamp.Seed -eq $Seed -and
            $stamp.TargetBytes -eq $targetBytes -and $stamp.Bytes -eq $length) {
            return [pscustomobject]@{
                Path      = $path
                Bytes     = [long]$stamp.Bytes
                Lines     = [long]$stamp.Lines
                Heads     = [long]$stamp.Heads
                Segfaults = [long]$stamp.Segfaults
                Traps     = [long]$stamp.Traps
                CodeLines = [long]$stamp.CodeLines
                Seed      = $Seed
                Version   = $GeneratorVersion
                Reused    = $true
                Seconds   = 0.0
            }
        }
    }
    catch {
        Write-Verbose "Ignoring unreadable stamp ${stampPath}: $_"
    }
}

if (-not ('SegfaultToolsBench.KernelLogGenerator' -as [type])) {
    Add-Type -TypeDefinition @'
using System;
using System.IO;
using System.Text;

namespace SegfaultToolsBench
{
    public sealed class GeneratorResult
    {
        public long Bytes;
        public long Lines;
        public long Heads;
        public long Segfaults;
        public long Traps;
        public long CodeLines;
    }

    public static class KernelLogGenerator
    {
        private static readonly string[] Months = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
        private const string Host = "benchbox";

        // (comm as the kernel prints it, the module the fault lands in, the main executable)
        private static readonly string[][] Crashers =
        {
            new[] { "llama-server", "libcuda.so.590.48.01", "llama-server" },
            new[] { "python3", "libc.so.6", "python3.12" },
            new[] { "python3", "libtorch_cpu.so", "python3.12" },
            new[] { "Web Content", "libxul.so", "firefox-bin" },
            new[] { "Isolated Web Co", "libxul.so", "firefox-bin" },
            new[] { "MainThread", "libxul.so", "firefox-bin" },
            new[] { "WebExtensions", "libxul.so", "firefox-bin" },
            new[] { "chrome", "chrome", "chrome" },
            new[] { "ort_worker", "libonnxruntime.so.1.20.1", "ort_worker" },
            new[] { "steamwebhelper", "libcef.so", "steamwebhelper" },
            new[] { "gnome-shell", "libmutter-15.so.0.0.0", "gnome-shell" },
            new[] { "kwin_wayland", "libkwin.so.6.2.4", "kwin_wayland" },
            new[] { "pipewire", "libspa-alsa.so", "pipewire" },
            new[] { "nvidia-smi", "libnvidia-ml.so.590.48.01", "nvidia-smi" },
            new[] { "gcc-15", "cc1plus", "cc1plus" },
            new[] { "ld.lld", "libLLVM.so.19.1", "ld.lld" },
            new[] { "java", "libjvm.so", "java" },
            new[] { "Xwayland", "Xwayland", "Xwayland" },
        };

        private static readonly string[] UsbProducts =
        {
            "USB Receiver", "Keychron K8 Pro", "DataTraveler 3.0", "USB2.0 Hub", "Integrated Camera",
            "Wireless Controller", "USB Audio CODEC", "Ultra Fit", "AX210 Bluetooth", "Logitech G502 HERO Gaming Mouse",
        };

        private static readonly string[] Profiles =
        {
            "snap.firefox.firefox", "/usr/bin/man", "docker-default", "snap.code.code", "libreoffice-soffice",
            "/usr/sbin/cupsd", "snap-update-ns.firefox", "rsyslogd",
        };

        private static readonly string[] Units =
        {
            "systemd-tmpfiles-clean", "fstrim", "apt-daily", "man-db", "logrotate", "packagekit", "fwupd-refresh",
            "systemd-hostnamed", "user@1000", "NetworkManager-dispatcher", "snapd.snap-repair",
        };

        private static readonly string[] Devices = { "nvme0n1p2", "nvme0n1p3", "sda1", "dm-0", "sdb1" };

        public static GeneratorResult Generate(string path, long targetBytes, int seed)
        {
            var r = new Random(seed);
            var result = new GeneratorResult();
            var sb = new StringBuilder(512);
            // Wall clock starts 2 March 00:00:00; the machine booted 12.3 s earlier.
            long wallMicros = (((31L + 28L + 1L) * 24L) * 3600L) * 1000000L; // micro-seconds since 1 Jan 00:00 (non-leap year)
            long monoMicros = 12345678L;
            int nextPid = 3000;
            int usbDev = 2;
            long auditSerial = 1200;
            long auditEpoch = 1740873600L; // 2025-03-02T00:00:00Z
            int linesToCrash = r.Next(500, 1501);

            using (var fs = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 20))
            using (var w = new StreamWriter(fs, new UTF8Encoding(false), 1 << 20))
            {
                w.NewLine = "\n";
                while (result.Bytes < targetBytes)
                {
                    // Average gap ~0.35 s, so 1 GiB (~7 M lines) spans about four weeks inside one year.
                    long gap = r.Next(0, 700000);
                    wallMicros += gap;
                    monoMicros += gap;
                    nextPid += r.Next(0, 3);
                    if (nextPid > 4000000) nextPid = 3000;

                    sb.Clear();
                    AppendPrefix(sb, wallMicros, monoMicros);
                    if (--linesToCrash > 0)
                    {
                        AppendBackground(sb, r, nextPid, ref usbDev, ref auditSerial, auditEpoch + wallMicros / 1000000L - 5184000L, wallMicros);
                        Emit(w, sb, result);
                        continue;
                    }

                    linesToCrash = r.Next(500, 1501);
                    string code = AppendCrash(sb, r, nextPid, result);
                    Emit(w, sb, result);
                    result.Heads++;
                    if (code != null)
                    {
                        wallMicros += 2; monoMicros += 2;
                        sb.Clear();
                        AppendPrefix(sb, wallMicros, monoMicros);
                        sb.Append("Code: ").Append(code);
                        Emit(w, sb, result);
                        result.CodeLines++;
                    }
                }
            }
            return result;
        }

        private static void Emit(StreamWriter w, StringBuilder sb, GeneratorResult result)
        {
            sb.Append('\n');
            w.Write(sb);
            result.Bytes += sb.Length; // all ASCII
            result.Lines++;
        }

        private static void AppendPrefix(StringBuilder sb, long wallMicros, long monoMicros)
        {
            long secs = wallMicros / 1000000L;
            long day = secs / 86400L;
            int[] monthDays = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
            int month = 0;
            while (month < 11 && day >= monthDays[month]) { day -= monthDays[month]; month++; }
            long sod = secs % 86400L;
            sb.Append(Months[month]).Append(' ');
            long dom = day + 1;
            if (dom < 10) sb.Append(' ');
            sb.Append(dom).Append(' ');
            Two(sb, sod / 3600); sb.Append(':'); Two(sb, sod / 60 % 60); sb.Append(':'); Two(sb, sod % 60);
            sb.Append(' ').Append(Host).Append(" kernel: [");
            long monoSecs = monoMicros / 1000000L;
            string ms = monoSecs.ToString();
            for (int i = ms.Length; i < 5; i++) sb.Append(' ');
            sb.Append(ms).Append('.');
            string frac = (monoMicros % 1000000L).ToString();
            for (int i = frac.Length; i < 6; i++) sb.Append('0');
            sb.Append(frac).Append("] ");
        }

        private static void Two(StringBuilder sb, long v)
        {
            if (v < 10) sb.Append('0');
            sb.Append(v);
        }

        private static string Hex(Random r, int digits)
        {
            var c = new char[digits];
            for (int i = 0; i < digits; i++) c[i] = "0123456789abcdef"[r.Next(16)];
            return new string(c);
        }

        private static string Mac(Random r)
        {
            return Hex(r, 2) + ":" + Hex(r, 2) + ":" + Hex(r, 2) + ":" + Hex(r, 2) + ":" + Hex(r, 2) + ":" + Hex(r, 2);
        }

        private static string Ip4(Random r, string net)
        {
            return net + r.Next(1, 255);
        }

        private static void AppendBackground(StringBuilder sb, Random r, int pid, ref int usbDev, ref long auditSerial, long epoch, long wallMicros)
        {
            int pick = r.Next(100);
            if (pick < 22)
            {
                // UFW / iptables LOG target: the longest and most frequent lines on a desktop.
                bool tcp = r.Next(3) == 0;
                int len = r.Next(40, 1500);
                sb.Append("[UFW BLOCK] IN=enp5s0 OUT= MAC=").Append(Mac(r)).Append(':').Append(Mac(r)).Append(":08:00 SRC=")
                  .Append(Ip4(r, "192.168.1.")).Append(" DST=").Append(tcp ? "192.168.1.20" : "224.0.0.251")
                  .Append(" LEN=").Append(len).Append(" TOS=0x00 PREC=0x00 TTL=").Append(tcp ? 64 : 255)
                  .Append(" ID=").Append(r.Next(0, 65536)).Append(tcp ? " DF PROTO=TCP SPT=" : " PROTO=UDP SPT=")
                  .Append(tcp ? r.Next(32768, 61000) : 5353).Append(" DPT=").Append(tcp ? 22 + r.Next(0, 2) * 8058 : 5353);
                if (tcp) sb.Append(" WINDOW=").Append(r.Next(1024, 65535)).Append(" RES=0x00 SYN URGP=0");
                else sb.Append(" LEN=").Append(len - 20);
            }
            else if (pick < 36)
            {
                auditSerial += r.Next(1, 40);
                long ms = (wallMicros / 1000) % 1000;
                if (r.Next(2) == 0)
                {
                    sb.Append("audit: type=1400 audit(").Append(epoch).Append('.').Append(ms.ToString("000")).Append(':').Append(auditSerial)
                      .Append("): apparmor=\"DENIED\" operation=\"open\" class=\"file\" profile=\"").Append(Profiles[r.Next(Profiles.Length)])
                      .Append("\" name=\"/proc/").Append(pid).Append("/mountinfo\" pid=").Append(pid)
                      .Append(" comm=\"").Append(r.Next(2) == 0 ? "firefox" : "man").Append("\" requested_mask=\"r\" denied_mask=\"r\" fsuid=1000 ouid=0");
                }
                else
                {
                    sb.Append("audit: type=").Append(r.Next(2) == 0 ? 1130 : 1131).Append(" audit(").Append(epoch).Append('.').Append(ms.ToString("000"))
                      .Append(':').Append(auditSerial).Append("): pid=1 uid=0 auid=4294967295 ses=4294967295 subj=unconfined msg='unit=")
                      .Append(Units[r.Next(Units.Length)]).Append(" comm=\"systemd\" exe=\"/usr/lib/systemd/systemd\" hostname=? addr=? terminal=? res=success'");
                }
            }
            else if (pick < 44)
            {
                int port = r.Next(1, 11);
                switch (r.Next(5))
                {
                    case 0: sb.Append("usb 1-").Append(port).Append(": new high-speed USB device number ").Append(++usbDev).Append(" using xhci_hcd"); break;
                    case 1: sb.Append("usb 1-").Append(port).Append(": New USB device found, idVendor=").Append(Hex(r, 4)).Append(", idProduct=").Append(Hex(r, 4)).Append(", bcdDevice=").Append(r.Next(0, 10)).Append('.').Append(r.Next(10, 99)); break;
                    case 2: sb.Append("usb 1-").Append(port).Append(": New USB device strings: Mfr=1, Product=2, SerialNumber=").Append(r.Next(0, 4)); break;
                    case 3: sb.Append("usb 1-").Append(port).Append(": Product: ").Append(UsbProducts[r.Next(UsbProducts.Length)]); break;
                    default: sb.Append("usb 1-").Append(port).Append(": USB disconnect, device number ").Append(r.Next(2, usbDev + 1)); break;
                }
            }
            else if (pick < 50)
            {
                string dev = Devices[r.Next(Devices.Length)];
                switch (r.Next(4))
                {
                    case 0: sb.Append("EXT4-fs (").Append(dev).Append("): mounted filesystem ").Append(Hex(r, 8)).Append('-').Append(Hex(r, 4)).Append('-').Append(Hex(r, 4)).Append('-').Append(Hex(r, 4)).Append('-').Append(Hex(r, 12)).Append(" r/w with ordered data mode. Quota mode: none."); break;
                    case 1: sb.Append("EXT4-fs (").Append(dev).Append("): re-mounted ").Append(Hex(r, 8)).Append('-').Append(Hex(r, 4)).Append('-').Append(Hex(r, 4)).Append('-').Append(Hex(r, 4)).Append('-').Append(Hex(r, 12)).Append(" r/w. Quota mode: none."); break;
                    case 2: sb.Append("BTRFS info (device ").Append(dev).Append("): first mount of filesystem ").Append(Hex(r, 8)).Append('-').Append(Hex(r, 4)).Append('-').Append(Hex(r, 4)).Append('-').Append(Hex(r, 4)).Append('-').Append(Hex(r, 12)); break;
                    default: sb.Append("EXT4-fs (").Append(dev).Append("): unmounting filesystem ").Append(Hex(r, 8)).Append('-').Append(Hex(r, 4)).Append('-').Append(Hex(r, 4)).Append('-').Append(Hex(r, 4)).Append('-').Append(Hex(r, 12)).Append('.'); break;
                }
            }
            else if (pick < 62)
            {
                string veth = "veth" + Hex(r, 7);
                int port = r.Next(1, 9);
                switch (r.Next(6))
                {
                    case 0: sb.Append("docker0: port ").Append(port).Append('(').Append(veth).Append(") entered blocking state"); break;
                    case 1: sb.Append("docker0: port ").Append(port).Append('(').Append(veth).Append(") entered forwarding state"); break;
                    case 2: sb.Append("docker0: port ").Append(port).Append('(').Append(veth).Append(") entered disabled state"); break;
                    case 3: sb.Append(veth).Append(": entered promiscuous mode"); break;
                    case 4: sb.Append("eth0: renamed from ").Append(veth); break;
                    default: sb.Append("IPv6: ADDRCONF(NETDEV_CHANGE): ").Append(veth).Append(": link becomes ready"); break;
                }
            }
            else if (pick < 70)
            {
                switch (r.Next(6))
                {
                    case 0: sb.Append("r8169 0000:05:00.0 enp5s0: Link is Up - 1Gbps/Full - flow control rx/tx"); break;
                    case 1: sb.Append("r8169 0000:05:00.0 enp5s0: Link is Down"); break;
                    case 2: sb.Append("wlp3s0: authenticate with ").Append(Mac(r)).Append(" (local address=").Append(Mac(r)).Append(')'); break;
                    case 3: sb.Append("wlp3s0: associated"); break;
                    case 4: sb.Append("iwlwifi 0000:03:00.0: Registered PHC clock: iwlwifi-PTP, with index: ").Append(r.Next(0, 3)); break;
                    default: sb.Append("NET: Registered PF_").Append(r.Next(2) == 0 ? "PACKET" : "INET6").Append(" protocol family"); break;
                }
            }
            else if (pick < 78)
            {
                switch (r.Next(5))
                {
                    case 0: sb.Append("nvidia-modeset: WARNING: GPU:0: Unable to read EDID for display device DP-").Append(r.Next(0, 4)); break;
                    case 1: sb.Append("NVRM: GPU at PCI:0000:01:00: GPU-").Append(Hex(r, 8)).Append('-').Append(Hex(r, 4)).Append('-').Append(Hex(r, 4)).Append('-').Append(Hex(r, 4)).Append('-').Append(Hex(r, 12)); break;
                    case 2: sb.Append("nvidia-uvm: Loaded the UVM driver, major device number ").Append(r.Next(230, 512)).Append('.'); break;
                    case 3: sb.Append("NVRM: loading NVIDIA UNIX Open Kernel Module for x86_64  590.48.01  Release Build  (dvs-builder@U22-I3-AE18-09-3)  Thu Nov 20 01:23:45 UTC 2025"); break;
                    default: sb.Append("nvidia 0000:01:00.0: vgaarb: VGA decodes changed: olddecodes=io+mem,decodes=none:owns=io+mem"); break;
                }
            }
            else if (pick < 84)
            {
                switch (r.Next(4))
                {
                    case 0: sb.Append("perf: interrupt took too long (").Append(r.Next(2501, 9000)).Append(" > ").Append(r.Next(2500, 8000)).Append("), lowering kernel.perf_event_max_sample_rate to ").Append(r.Next(20000, 80000)); break;
                    case 1: sb.Append("kauditd_printk_skb: ").Append(r.Next(2, 60)).Append(" callbacks suppressed"); break;
                    case 2: sb.Append("hrtimer: interrupt took ").Append(r.Next(10000, 900000)).Append(" ns"); break;
                    default: sb.Append("TCP: request_sock_TCP: Possible SYN flooding on port ").Append(r.Next(1024, 65535)).Append(". Sending cookies.  Check SNMP counters."); break;
                }
            }
            else if (pick < 90)
            {
                switch (r.Next(4))
                {
                    case 0: sb.Append("Bluetooth: hci0: HCI Enhanced Setup Synchronous Connection command is advertised, but not supported."); break;
                    case 1: sb.Append("Bluetooth: hci0: Firmware timestamp 2025.").Append(r.Next(1, 52)).Append(" buildtype 1 build ").Append(r.Next(10000, 99999)); break;
                    case 2: sb.Append("snd_hda_intel 0000:00:1f.3: azx_get_response timeout, switching to polling mode: last cmd=0x").Append(Hex(r, 8)); break;
                    default: sb.Append("input: ").Append(UsbProducts[r.Next(UsbProducts.Length)]).Append(" as /devices/pci0000:00/0000:00:14.0/usb1/1-").Append(r.Next(1, 11)).Append("/1-").Append(r.Next(1, 11)).Append(":1.").Append(r.Next(0, 3)).Append("/0003:046D:C52B.").Append(Hex(r, 4).ToUpperInvariant()).Append("/input/input").Append(r.Next(10, 90)); break;
                }
            }
            else if (pick < 95)
            {
                switch (r.Next(3))
                {
                    case 0: sb.Append("nvme nvme0: using unchecked data buffer"); break;
                    case 1: sb.Append("loop").Append(r.Next(0, 40)).Append(": detected capacity change from 0 to ").Append(r.Next(8, 900000) * 8); break;
                    default: sb.Append("squashfs: version 4.0 (2009/01/31) Phillip Lougher"); break;
                }
            }
            else
            {
                switch (r.Next(3))
                {
                    case 0: sb.Append("overlayfs: fs on '/var/lib/docker/overlay2/").Append(Hex(r, 64)).Append("/merged' does not support file handles, falling back to xino=off."); break;
                    case 1: sb.Append("x86/split lock detection: #AC: ").Append(Crashers[r.Next(Crashers.Length)][2]).Append('/').Append(pid).Append(" took a split_lock trap at address: 0x").Append(Hex(r, 12)); break;
                    default: sb.Append("systemd-journald[").Append(r.Next(300, 500)).Append("]: Data hash table of /var/log/journal/").Append(Hex(r, 32)).Append("/system.journal has a fill level at 75.0 (").Append(r.Next(10000, 99999)).Append(" of ").Append(r.Next(100000, 133333)).Append(" items), suggesting rotation."); break;
                }
            }
        }

        private static void AppendCpu(StringBuilder sb, Random r)
        {
            int cpu = r.Next(0, 32);
            int core = cpu < 16 ? (cpu / 2) * 4 : 32 + (cpu - 16);
            sb.Append(" likely on CPU ").Append(cpu).Append(" (core ").Append(core).Append(", socket 0)");
        }

        private static string CodeBytes(Random r)
        {
            var sb = new StringBuilder(200);
            for (int i = 0; i < 42; i++) sb.Append(Hex(r, 2)).Append(' ');
            sb.Append('<').Append(Hex(r, 2)).Append('>');
            for (int i = 0; i < 21; i++) sb.Append(' ').Append(Hex(r, 2));
            return sb.ToString();
        }

        // Appends one crash head; returns the text of the Code: line that follows it, or null.
        private static string AppendCrash(StringBuilder sb, Random r, int pid, GeneratorResult result)
        {
            string[] who = Crashers[r.Next(Crashers.Length)];
            string comm = who[0];
            string module = who[1];
            ulong baseAddr = 0x7f0000000000UL + ((ulong)r.Next(0, 0x3fffff) << 12);
            ulong size = (ulong)r.Next(0x10, 0x7000) << 12;
            ulong ipOff = (ulong)r.Next(0, (int)Math.Min(size, int.MaxValue));
            ulong ip = baseAddr + ipOff;
            ulong fileOff = ipOff + ((ulong)r.Next(0, 0x40) << 12);
            ulong sp = 0x7ffc00000000UL + ((ulong)r.Next(0, 0x3ffffff) << 4);
            int kind = r.Next(100);

            if (kind < 75)
            {
                result.Segfaults++;
                string[] errors = { "4", "6", "7", "14", "15", "5" };
                string err = errors[r.Next(errors.Length)];
                ulong addr;
                int a = r.Next(10);
                if (a < 3) addr = 0;
                else if (a < 5) addr = (ulong)r.Next(1, 0x200) << 3;
                else if (a < 7) addr = ip;
                else addr = 0x550000000000UL + ((ulong)r.Next(0, int.MaxValue) << 4);

                if (kind < 8)
                {
                    // NULL function pointer: ip 0, the module named is the lowest file mapping (the executable).
                    sb.Append(comm).Append('[').Append(pid).Append("]: segfault at 0 ip 0000000000000000 sp ").Append(sp.ToString("x16"))
                      .Append(" error 14 in ").Append(who[2]).Append('[').Append((0x55d0c0000000UL + ((ulong)r.Next(0, 0xffff) << 12)).ToString("x")).Append('+').Append(((ulong)r.Next(2, 0x400) << 12).ToString("x")).Append(']');
                    AppendCpu(sb, r);
                    return "Unable to access opcode bytes at 0xffffffffffffffd6.";
                }
                sb.Append(comm).Append('[').Append(pid).Append("]: segfault at ").Append(addr.ToString("x")).Append(" ip ").Append(ip.ToString("x16"))
                  .Append(" sp ").Append(sp.ToString("x16")).Append(" error ").Append(err);
                if (kind < 38)
                {
                    // New module form (2024+ kernels): file[fileoff,base+size]
                    sb.Append(" in ").Append(module).Append('[').Append(fileOff.ToString("x")).Append(',').Append(baseAddr.ToString("x")).Append('+').Append(size.ToString("x")).Append(']');
                    AppendCpu(sb, r);
                    return CodeBytes(r);
                }
                if (kind < 60)
                {
                    // Old module form (6.1 - 6.x): file[base+size]
                    // A library replaced by an upgrade while mapped prints as "name (deleted)".
                    sb.Append(" in ").Append(module).Append(r.Next(20) == 0 ? " (deleted)" : "").Append('[').Append(baseAddr.ToString("x")).Append('+').Append(size.ToString("x")).Append(']');
                    AppendCpu(sb, r);
                    return CodeBytes(r);
                }
                if (kind < 68)
                {
                    // Fault in anonymous memory (JIT code): no " in file[...]".
                    AppendCpu(sb, r);
                    return CodeBytes(r);
                }
                // Pre-6.1 kernel: no CPU, and often no Code: line.
                sb.Append(" in ").Append(module).Append('[').Append(baseAddr.ToString("x")).Append('+').Append(size.ToString("x")).Append(']');
                return r.Next(2) == 0 ? CodeBytes(r) : null;
            }

            result.Traps++;
            string what;
            if (kind < 88) what = r.Next(4) == 0 ? "general protection" : "general protection fault";
            else if (kind < 94) what = "trap invalid opcode";
            else if (kind < 96) what = "trap divide error";
            else if (kind < 98) what = "trap int3";
            else what = "trap stack segment";
            sb.Append("traps: ").Append(comm).Append('[').Append(pid).Append("] ").Append(what).Append(" ip:").Append(ip.ToString("x"))
              .Append(" sp:").Append(sp.ToString("x")).Append(" error:0 in ");
            if (r.Next(30) == 0) sb.Append(who[2]).Append(" (deleted)");
            else sb.Append(module);
            sb.Append('[');
            if (r.Next(2) == 0) sb.Append(fileOff.ToString("x")).Append(',');
            sb.Append(baseAddr.ToString("x")).Append('+').Append(size.ToString("x")).Append(']');
            return null;
        }
    }
}
'@
}

$tempPath = "$path.$PID.partial" # per process, so two runs at once never write the same file
$sw = [Diagnostics.Stopwatch]::StartNew()
$result = [SegfaultToolsBench.KernelLogGenerator]::Generate($tempPath, $targetBytes, $Seed)
$sw.Stop()
Move-Item -LiteralPath $tempPath -Destination $path -Force

[ordered]@{
    Version     = $GeneratorVersion
    Seed        = $Seed
    TargetBytes = $targetBytes
    Bytes       = $result.Bytes
    Lines       = $result.Lines
    Heads       = $result.Heads
    Segfaults   = $result.Segfaults
    Traps       = $result.Traps
    CodeLines   = $result.CodeLines
} | ConvertTo-Json | Set-Content -LiteralPath "$stampPath.$PID"
Move-Item -LiteralPath "$stampPath.$PID" -Destination $stampPath -Force

[pscustomobject]@{
    Path      = $path
    Bytes     = $result.Bytes
    Lines     = $result.Lines
    Heads     = $result.Heads
    Segfaults = $result.Segfaults
    Traps     = $result.Traps
    CodeLines = $result.CodeLines
    Seed      = $Seed
    Version   = $GeneratorVersion
    Reused    = $false
    Seconds   = [math]::Round($sw.Elapsed.TotalSeconds, 2)
}
