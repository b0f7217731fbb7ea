using System.Globalization;
using System.Text.Json;

namespace SegfaultTools.Tests;

/// <summary>
/// Every real Xid, NVRM, machine-check, EDAC, AER and thermal line of the fixtures, assembled into
/// hardware error records, field by field. The expectations were written by hand from the lines'
/// text (kernel-lines.jsonl groups by number, hardware-lines.jsonl groups by name).
/// Format: Kind|TimeCreated (yyyy-MM-ddTHH:mm:ss.FFFFFFFzzz, or empty)|Component|Cpu|PciBusId|ProcessId|ProcessName|Severity|Code|Meaning (prefix)|line count|ComputerName
/// </summary>
public sealed class HardwareErrorFixtureTests
{
    private const string Fib = "The GPU has fallen off the bus: the PCIe link to it was lost";

    internal static readonly Dictionary<string, string[]> Expected = new()
    {
        ["18"] = new[]
        {
            "Xid|2024-08-30T11:43:09+00:00|0000:cb:00.0||0000:cb:00.0|||Uncorrected|13|Graphics engine exception|1|testhost",
            "Xid|2024-08-30T11:43:09+00:00|0000:cb:00.0||0000:cb:00.0|||Uncorrected|13|Graphics engine exception|1|testhost",
        },
        ["19"] = new[] { $"GpuDriverError||0000:b3:00.0||0000:b3:00.0|||Fatal|FallenOffBus|{Fib}|3|testhost" },
        ["21"] = new[] { "Xid||0000:ed:00.0||0000:ed:00.0|1818992|python3|Info|45|Preemptive cleanup after an earlier error|1|testhost" },
        ["22"] = new[] { "Xid|2026-04-15T07:56:59+00:00|0000:07:00.0||0000:07:00.0|326|modprobe|Uncorrected|109|Context-switch timeout|1|testowy" },
        ["23"] = new[] { "Xid||0000:01:00.0||0000:01:00.0|||Uncorrected|31|GPU memory page fault|1|testhost" },
        ["24"] = new[] { "MachineCheck|2025-09-16T19:51:15+00:00|Socket 0, APIC 0x0|||||||Machine check events were logged|3|testhost" },
        ["25"] = new[]
        {
            "MachineCheck|2026-02-23T03:28:16+00:00|CPU 1|1||||Corrected|Bank 11|Memory error, decoded by EDAC sbridge MC1|7|testhost",
            "Edac|2026-02-23T03:28:16+00:00|CPU_SrcID#1_Ha#0_Chan#0_DIMM#0|||||Corrected|MC1|1 corrected memory error(s): memory scrubbing error|1|testhost",
        },
        ["27"] = new[]
        {
            "MachineCheck||CPU 1|1||||Corrected|Bank 17|Global Memory Interconnect PCS Unit error, extended code 6|7|testhost",
            "MachineCheck||CPU 1|1||||Corrected|Bank 28|Platform Security Processor error, extended code 62|7|testhost",
        },
        ["31"] = new[]
        {
            "Xid||0000:01:00.0||0000:01:00.0|||Fatal|79|GPU has fallen off the bus|1|testhost",
            "Xid||0000:01:00.0||0000:01:00.0|||Info|154|The recovery action the GPU needs changed: now PF FLR|1|testhost",
        },
        ["32"] = new[] { "Xid|2026-04-24T16:22:15+00:00|0000:01:00.0||0000:01:00.0|6755|vivaldi-bin|Fatal|79|GPU has fallen off the bus|1|robin-linux-x3d" },
        ["55"] = new[]
        {
            "Xid||0000:0a:00.0||0000:0a:00.0|13332|cuda_plot_k32_v|Uncorrected|31|GPU memory page fault|1|testhost",
            "Xid||0000:0a:00.0||0000:0a:00.0|||Fatal|62|Internal micro-controller halted|1|testhost",
            "Xid||0000:0a:00.0||0000:0a:00.0|||Info|45|Preemptive cleanup|1|testhost",
            "Xid||0000:0a:00.0||0000:0a:00.0|||Info|45|Preemptive cleanup|1|testhost",
        },
        ["56"] = new[]
        {
            "Xid||0000:08:00.0||0000:08:00.0|169800|chrome|Uncorrected|31|GPU memory page fault|1|testhost",
            "Xid||0000:08:00.0||0000:08:00.0|174421|chrome|Uncorrected|31|GPU memory page fault|1|testhost",
        },
        ["68"] = new[]
        {
            "MachineCheck|2026-05-01T15:06:59+00:00|CPU 12|12||||Corrected|Bank 1|Instruction Fetch Unit: IC Data Array Parity Error.|7|testhost",
            "MachineCheck|2026-05-01T15:06:59+00:00|CPU 0|0||||Corrected|Bank 1|Machine check in bank 1|2|testhost",
        },
        ["69"] = new[]
        {
            "MachineCheck|2026-02-22T06:49:34+00:00|CPU 0|0||||Corrected|Bank 0|Load Store Unit: An ECC error was detected on a data cache read by a p>|7|arch",
            "MachineCheck|2026-02-22T06:49:34+00:00|CPU 1|1||||Corrected|Bank 0|Load Store Unit: An ECC error or L2 poison was detected on a data cach>|3|arch",
        },
        ["70"] = new[]
        {
            "MachineCheck|2025-06-09T16:21:24+00:00|CPU 0|0||||Corrected|Bank 17|Unified Memory Controller: DRAM ECC error.|7|mr-fox",
            "Edac|2025-06-09T16:21:24+00:00|mc#0csrow#1channel#0|||||Corrected|MC0|1 corrected memory error(s)|1|mr-fox",
        },
        ["72"] = new[] { "Xid|2026-05-15T08:57:36+00:00|0000:01:00.0||0000:01:00.0|80798|llama-server|Uncorrected|31|GPU memory page fault|1|red" },
        ["95"] = new[] { "Edac|2025-12-29T05:24:23+00:00|D2|||||Corrected|GHES 4|Memory error reported by firmware: single-bit ECC|10|proxmox" },
        ["96"] = new[] { "Edac||CPU 2 DIMM 30|||||||Memory error reported by firmware: single-bit ECC|6|testhost" },
        ["97"] = new[]
        {
            "MachineCheck|2020-01-27T19:27:15+00:00|CPU 0|0||||Corrected|Bank 5|Memory error, decoded by EDAC sbridge MC0|7|testhost",
            "Edac|2020-01-27T19:27:15+00:00|CPU_SrcID#0_Ha#0_Chan#2_DIMM#0|||||Corrected|MC0|1 corrected memory error(s): memory read error|1|testhost",
        },
        ["98"] = new[]
        {
            "MachineCheck|2026-05-07T06:45:12+00:00||||||||Machine check events were logged|1|errol",
            "Edac|2026-05-07T06:45:12+00:00|CPU#0Channel#2_DIMM#0|||||Corrected|MC0|4 corrected memory error(s)|1|errol",
            "Edac|2026-05-07T06:45:13+00:00|CPU#0Channel#2_DIMM#0|||||Corrected|MC0|2 corrected memory error(s)|1|errol",
            "Edac|2026-05-07T06:45:17+00:00|CPU#0Channel#2_DIMM#0|||||Corrected|MC0|6 corrected memory error(s)|1|errol",
        },
        ["99"] = new[]
        {
            "GpuDriverError|2025-12-02T11:38:46+00:00|0000:0a:00.0||0000:0a:00.0|||Fatal|RmInitAdapterFailed|The driver could not initialize the GPU (0x24:0x72:1568)|1|worker4",
            "Xid|2025-12-02T11:38:47+00:00|0000:07:00.0||0000:07:00.0|||Uncorrected|48|Double-bit ECC error in GPU memory|1|worker4",
            "Xid|2025-12-02T11:38:47+00:00|0000:07:00.0||0000:07:00.0|||Uncorrected|64|ECC page retirement or row remapping could not be recorded|1|worker4",
        },
        ["101"] = new[] { $"GpuDriverError|2026-04-29T19:24:11+00:00|0000:01:00.0||0000:01:00.0|||Fatal|FallenOffBus|{Fib}|1|EVE" },
        ["102"] = new[] { "Xid|2026-05-10T22:25:01+00:00|0000:03:00.0||0000:03:00.0|||Uncorrected|13|Graphics engine exception|1|jambi" },
        ["140"] = new[]
        {
            $"GpuDriverError|2026-06-01T15:55:06.218037+03:00|0000:01:00.0||0000:01:00.0|||Fatal|FallenOffBus|{Fib}|1|isaac-Predator-PO5-650",
            "Xid|2026-06-01T15:55:06.21853+03:00|0000:01:00.0||0000:01:00.0|||Info|154|The recovery action the GPU needs changed: now Node Reboot Required|1|isaac-Predator-PO5-650",
        },
        ["141"] = new[]
        {
            "Xid|2026-06-01T17:12:22+00:00|0000:01:00.0||0000:01:00.0|||Fatal|79|GPU has fallen off the bus|1|isaac-Predator-PO5-650",
            "Xid|2026-06-01T17:12:22+00:00|0000:01:00.0||0000:01:00.0|||Info|154|The recovery action the GPU needs changed: now Node Reboot Required|1|isaac-Predator-PO5-650",
        },
        ["142"] = new[] { $"GpuDriverError||0000:01:00.0||0000:01:00.0|||Fatal|FallenOffBus|{Fib}|1|testhost" },
        ["143"] = new[] { $"GpuDriverError|2025-10-06T17:59:27+00:00|0000:01:00.0||0000:01:00.0|||Fatal|FallenOffBus|{Fib}|1|balrog" },
        ["163"] = new[]
        {
            "Xid||0000:61:00.0||0000:61:00.0|123417|nv-hostengine|Fatal|119|Timed out waiting for the GPU System Processor (GSP)|1|testhost",
            "Xid||0000:61:00.0||0000:61:00.0|123417|nv-hostengine|Fatal|119|Timed out waiting for the GPU System Processor (GSP)|1|testhost",
            "GpuDriverError||0000:61:00.0||0000:61:00.0|||Uncorrected|GspRpcErrors|GSP RPC errors keep coming|1|testhost",
            "GpuDriverError||0000:41:00.0||0000:41:00.0|||Fatal|RmInitAdapterFailed|The driver could not initialize the GPU (0x62:0x40:2404)|1|testhost",
        },
        ["164"] = new[]
        {
            "Xid||0000:01:00.0||0000:01:00.0|||Uncorrected|13|Graphics engine exception|1|testhost",
            "Xid||0000:01:00.0||0000:01:00.0|||Uncorrected|13|Graphics engine exception|1|testhost",
        },
        ["165"] = new[]
        {
            "Xid||0000:01:00.0||0000:01:00.0|||Uncorrected|13|Graphics engine exception|1|testhost",
            "Xid||0000:01:00.0||0000:01:00.0|||Uncorrected|13|Graphics engine exception|1|testhost",
        },
        ["166"] = new[]
        {
            "Xid||0000:05:00.0||0000:05:00.0|||Uncorrected|13|Graphics engine exception|1|testhost",
            "Xid||0000:05:00.0||0000:05:00.0|916085|python3|Uncorrected|43|The GPU stopped a channel after a software fault|1|testhost",
        },
        ["171"] = new[]
        {
            "Xid|2025-08-10T15:36:05+00:00|0000:55:00.0||0000:55:00.0|||Uncorrected|48|Double-bit ECC error in GPU memory|1|gpu-node-a",
            "Xid|2025-08-10T15:36:05+00:00|0000:55:00.0||0000:55:00.0|||Info|154|The recovery action the GPU needs changed: now Drain and Reset|1|gpu-node-a",
        },
        ["172"] = new[] { "MachineCheck|2025-11-10T08:58:06+00:00|CPU 18|18||||Corrected|Bank 4|DRAM ECC error detected on the NB.|5|hammer" },
        ["173"] = new[]
        {
            "Edac||CPU_SrcID#1_MC#1_Chan#2_DIMM#0|||||Uncorrected|MC3|1 uncorrected memory error(s): memory read error|1|testhost",
            "PcieAer||0000:5e:00.0||0000:5e:00.0|||Uncorrected|GHES 1|PCIe error reported by firmware (PCIe end point)|11|testhost",
            "MachineCheck||MC3|||||||Memory error, decoded by EDAC skx MC3|2|testhost",
        },

        // Kernel-mode faults, recognized beside the hardware errors (more in FactsKernelFaultTests).
        ["1"] = new[] { "KernelOops||lookup_swap_cgroup_id|7||1439|xskxceiver|Uncorrected|general protection fault|Kernel code used a corrupted (non-canonical) pointer 0x6d255010bdffc in lookup_swap_cgroup_id|5|testhost" },
        ["52"] = new[] { "KernelWarning|||||||Info|BUG: Bad rss-counter state|The kernel reported a bug it survived: Bad rss-counter state|1|testhost" },
        ["77"] = new[] { "KernelOops||bpf_link_show_fdinfo|0||732|systemd-coredum|Uncorrected|BUG: KASAN|KASAN caught a memory-safety bug (global-out-of-bounds)|2|testhost" },
        ["86"] = new[] { "KernelOops|2025-08-17T09:24:23+00:00||||||Uncorrected|undefined instruction|The kernel oopsed (undefined instruction)|1|raspberrypi" },
        ["136"] = new[] { "KernelOops|2025-06-04T22:32:45+00:00||1||1675|W-Q0|Uncorrected|general protection fault|Kernel code used a corrupted (non-canonical) pointer 0x8030000000000000; kernel not tainted|6|testhost" },
        ["148"] = new[] { "KernelOops|||32||1|systemd|Fatal|Kernel panic|The kernel panicked: Attempted to kill init! exitcode=0x00000084|5|testhost" },
        ["176"] = new[]
        {
            "KernelWarning||mm/gup.c:1170|||||Info|BUG: sleeping function called from invalid context|The kernel reported a bug it survived|1|testhost",
            "KernelWarning|||||2111|meminfo|Info|BUG: scheduling while atomic|The kernel reported a bug it survived|3|testhost",
        },
        ["177"] = new[] { "KernelWarning|||||||Info|BUG: Bad rss-counter state|The kernel reported a bug it survived|1|testhost" },

        ["aer-popos"] = new[]
        {
            "PcieAer||0000:00:1d.0||0000:00:1d.0|||Corrected|RxErr|PCIe Physical Layer error (Receiver ID): RxErr|3|testhost",
            "PcieAer||0000:00:1d.0||0000:00:1d.0|||Corrected|RxErr|PCIe Physical Layer error (Receiver ID): RxErr|3|testhost",
            "PcieAer||0000:03:00.0||0000:03:00.0|||Corrected|RxErr|PCIe Physical Layer error (Receiver ID): RxErr|3|testhost",
        },
        ["aer-gsconnect"] = new[] { "PcieAer|2026-02-12T00:48:02+00:00|0000:00:1c.5||0000:00:1c.5|||Corrected|RxErr|PCIe Physical Layer error (Receiver ID): RxErr|3|testhost" },
        ["aer-coreboot"] = new[]
        {
            "PcieAer||0000:00:1c.1||0000:00:1c.1|||Corrected|Timeout|PCIe Data Link Layer error (Transmitter ID): Timeout|3|testhost",
            "PcieAer||0000:00:1c.1||0000:00:1c.1|||Corrected|Timeout|PCIe Data Link Layer error (Transmitter ID): Timeout|3|testhost",
        },
        ["aer-jmb585"] = new[] { "PcieAer||0000:00:1d.0||0000:00:1d.0|||Corrected|Receiver Error|PCIe Physical Layer error (Receiver ID): Receiver Error|3|testhost" },
        ["thermal-dellg3"] = new[]
        {
            "Thermal||CPU 1|1||||Info|Core|Core temperature above its threshold: the CPU clock was throttled (2311 events since boot)|1|testhost",
            "Thermal||CPU 1|1||||Info|Package|Package temperature above its threshold: the CPU clock was throttled (12705 events since boot)|1|testhost",
            "Thermal||CPU 5|5||||Info|Package|Package temperature above its threshold: the CPU clock was throttled (12705 events since boot)|1|testhost",
        },
        ["thermal-x1"] = new[]
        {
            "Thermal||CPU 2|2||||Info|Core|Core temperature above its threshold: the CPU clock was throttled (2675 events since boot)|1|testhost",
            "Thermal||CPU 6|6||||Info|Package|Package temperature above its threshold: the CPU clock was throttled (3654 events since boot)|1|testhost",
        },
        ["thermal-xanmod"] = new[] { "Thermal||CPU 0|0||||Info|Package|Package temperature above its threshold: the CPU clock was throttled (1 events since boot)|1|testhost" },
        ["mismatch-stackhpc"] = new[] { "GpuDriverError|2025-06-30T11:07:05+00:00||||||Uncorrected|ApiMismatch|A program brought NVIDIA user-space libraries 535.54.03 but the loaded kernel module is 530.30.02|4|gpu-0" },
        ["mismatch-kwin"] = new[] { "GpuDriverError|||||1005|kwin_wayland|Uncorrected|ApiMismatch|A program brought NVIDIA user-space libraries 595.84 but the loaded kernel module is 595.80|5|testhost" },
        ["mismatch-docker"] = new[] { "GpuDriverError|2025-08-26T14:08:07+00:00||||||Uncorrected|ApiMismatch|A program brought NVIDIA user-space libraries 367.44 but the loaded kernel module is 367.35|4|nyasara-linux" },
        ["mismatch-vgpu"] = new[] { "GpuDriverError|||||||Uncorrected|ApiMismatch|A program brought NVIDIA user-space libraries 570.148.08 but the loaded kernel module is 570.148.06|4|testhost" },
        ["gsp-bazzite"] = new[] { "GpuDriverError||0000:07:00.0||0000:07:00.0|||Fatal|RmInitAdapterFailed|The driver could not initialize the GPU (0x61:0x56:1770)|1|testhost" },
        ["gsp-timeout"] = new[]
        {
            "GpuDriverError||GPU6|||||Uncorrected|GspHeartbeatTimeout|The GPU's GSP firmware stopped answering|1|testhost",
            "GpuDriverError||GPU6|||||Uncorrected|GspRpcTimeout|The driver gave up waiting for the GSP firmware|1|testhost",
        },
        ["gsp-nobara"] = new[] { "GpuDriverError||GPU0|||||Fatal|GspFirmwareMismatch|The GSP firmware file is version 595.71.05 but the loaded kernel module expects 595.58.03|1|testhost" },
        ["open-required"] = new[]
        {
            "GpuDriverError||0000:01:00.0||0000:01:00.0|||Fatal|OpenModuleRequired|This GPU works only with NVIDIA's open kernel module|2|testhost",
            "GpuDriverError||0000:01:00.0||0000:01:00.0|||Fatal|RmInitAdapterFailed|The driver could not initialize the GPU (0x22:0x56:1050)|1|testhost",
        },
        ["flip-aquamarine"] = new[] { "GpuDriverError||GPU ID 0x00000100, head 1|||||Uncorrected|FlipEventTimeout|nvidia-drm waited in vain for a display flip on head 1|1|testhost" },
        ["mce-haos"] = new[]
        {
            "MachineCheck|2025-12-13T13:46:12+00:00|CPU 3|3||||Corrected|Bank 6|Machine check in bank 6|3|homeassistant",
            "MachineCheck|2025-12-13T13:46:12+00:00|CPU 0|0||||Corrected|Bank 6|Machine check in bank 6|3|homeassistant",
        },
        ["mce-nuc-dmesg"] = new[] { "MachineCheck||CPU 0|0||||Fatal|Bank 4|Machine check in bank 4|4|testhost" },
    };

    internal static IReadOnlyList<(string Group, List<string> Lines)> AllGroups()
    {
        var kernel = KernelFixtures.Groups.Select(g => (g.Key.ToString(CultureInfo.InvariantCulture), g.OrderBy(r => r.Seq).SelectMany(r => r.Lines).ToList()));
        var hardware = HardwareFixtureLines().GroupBy(r => r.Group).Select(g => (g.Key, g.OrderBy(r => r.Seq).Select(r => r.Text).ToList()));
        return kernel.Concat(hardware).ToList();
    }

    internal static List<(string Group, int Seq, string Text)> HardwareFixtureLines() =>
        File.ReadAllLines(Path.Combine(RepoPaths.Fixtures, "hardware", "hardware-lines.jsonl"))
            .Where(l => l.Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Select(e => (e.GetProperty("group").GetString()!, e.GetProperty("seq").GetInt32(), e.GetProperty("text").GetString()!))
            .ToList();

    internal static string Describe(HardwareErrorEvent e, int meaningLength) =>
        string.Join('|', e.Kind, e.TimeCreated?.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture), e.Component, e.Cpu, e.PciBusId, e.ProcessId, e.ProcessName,
            e.Severity, e.Code, e.Meaning is { } m && m.Length >= meaningLength ? m[..meaningLength] : e.Meaning, e.Message?.Split('\n').Length, e.ComputerName);

    public static TheoryData<string> GroupsWithRecords() => new(Expected.Keys);

    [Theory]
    [MemberData(nameof(GroupsWithRecords))]
    public void GroupGivesExactlyTheExpectedRecords(string group)
    {
        var lines = AllGroups().Single(g => g.Group == group).Lines;
        var events = HardwareErrorAssembler.ParseAll(lines, KernelFixtures.TestContext());
        var expected = Expected[group];
        Assert.Equal(expected.Length, events.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            var meaningPrefix = expected[i].Split('|')[9];
            Assert.Equal(expected[i], Describe(events[i], meaningPrefix.Length));
            Assert.Equal("test", events[i].Source);
            Assert.False(string.IsNullOrWhiteSpace(events[i].Message));
        }
    }

    [Fact]
    public void EveryOtherFixtureGroupGivesNothing()
    {
        // Segfaults, traps, user-space register dumps, core dumps, and the context lines published beside hardware
        // errors (nvidia-peermem, "sched: RT throttling activated", EDAC registration, NVRM load and
        // probe notices, nvidia-modeset, mcelog's own line) are not hardware error records.
        var others = AllGroups().Where(g => !Expected.ContainsKey(g.Group)).ToList();
        Assert.True(others.Count > 80, $"only {others.Count} groups without records");
        foreach (var (group, lines) in others)
        {
            var events = HardwareErrorAssembler.ParseAll(lines, KernelFixtures.TestContext());
            Assert.True(events.Count == 0, $"group {group}: {string.Join("; ", events.Select(e => Describe(e, 40)))}");
        }
    }

    [Fact]
    public void EveryFixtureLineOfKindOtherAloneGivesNothing()
    {
        foreach (var r in KernelFixtures.Records.Where(r => r.Kind == "other"))
        {
            Assert.Empty(HardwareErrorAssembler.ParseAll(r.Lines, KernelFixtures.TestContext()));
        }
    }

    [Fact]
    public void XidMessagesKeepTheKernelText()
    {
        var lines = AllGroups().Single(g => g.Group == "55").Lines;
        var e = HardwareErrorAssembler.ParseAll(lines, KernelFixtures.TestContext())[0];
        Assert.Equal("NVRM: Xid (PCI:0000:0a:00): 31, pid=13332, name=cuda_plot_k32_v, Ch 00000010, intr 00000000. MMU Fault: ENGINE CE2 HUBCLIENT_CE0 faulted @ 0x7f29_5b8c9000. Fault is of type FAULT_PRIV_VIOLATION ACCESS_TYPE_VIRT_READ", e.Message);
    }

    [Fact]
    public void MultiLineRecordsKeepEveryLineInOrder()
    {
        var lines = AllGroups().Single(g => g.Group == "mismatch-stackhpc").Lines;
        var e = Assert.Single(HardwareErrorAssembler.ParseAll(lines, KernelFixtures.TestContext()));
        Assert.Equal(
            "NVRM: API mismatch: the client has the version 535.54.03, but\nNVRM: this kernel module has the version 530.30.02.  Please\n" +
            "NVRM: make sure that this kernel module and all NVIDIA driver\nNVRM: components have the same version.", e.Message);
    }

    [Fact]
    public void JournalEntryOfAMultiLinePrintkIsOneRecord()
    {
        // journald keeps a multi-line printk as one entry whose MESSAGE holds the newlines.
        var json = "{\"__REALTIME_TIMESTAMP\":\"1719745625000000\",\"_BOOT_ID\":\"0123456789abcdef0123456789abcdef\",\"_HOSTNAME\":\"gpu-0\",\"_TRANSPORT\":\"kernel\"," +
            "\"MESSAGE\":\"NVRM: API mismatch: the client has the version 535.54.03, but\\nNVRM: this kernel module has the version 530.30.02.  Please\\nNVRM: make sure that this kernel module and all NVIDIA driver\\nNVRM: components have the same version.\"}";
        Assert.True(JournalJsonReader.TryFrame(json, out var framed));
        var assembler = new HardwareErrorAssembler(KernelFixtures.TestContext());
        assembler.FeedFramed(framed, 0);
        assembler.Finish();
        var e = Assert.Single(assembler.TakeReady()).Event;
        Assert.Equal("ApiMismatch", e.Code);
        Assert.Equal("gpu-0", e.ComputerName);
        Assert.Equal("0123456789abcdef0123456789abcdef", e.BootId);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1719745625000), e.TimeCreated);
        Assert.Equal(4, e.Message!.Split('\n').Length);
    }

    [Fact]
    public void LinesSecondsApartAreNotOneRecord()
    {
        // The AER detail lines of 41.67 s must not join the report of 51.87 s.
        var lines = new[]
        {
            "[   41.670148] pcieport 0000:00:1c.1: PCIe Bus Error: severity=Corrected, type=Data Link Layer, (Transmitter ID)",
            "[   51.871357] pcieport 0000:00:1c.1:   device [8086:8c12] error status/mask=00001000/00002000",
            "[   51.871359] pcieport 0000:00:1c.1:    [12] Timeout               ",
        };
        var e = Assert.Single(HardwareErrorAssembler.ParseAll(lines, KernelFixtures.TestContext()));
        Assert.Null(e.Code);
        Assert.Single(e.Message!.Split('\n'));
    }

    [Theory]
    [InlineData("a600000000020408", HardwareErrorSeverity.Fatal)]        // UC + PCC
    [InlineData("b200000000070005", HardwareErrorSeverity.Fatal)]        // DOMAIN.md 6.2's example: UC, EN, PCC
    [InlineData("cc59214000041152", HardwareErrorSeverity.Corrected)]    // VAL, OVER, MISCV, ADDRV
    [InlineData("a000000000000000", HardwareErrorSeverity.Uncorrected)]  // VAL + UC only
    public void IntelStatusBits(string status, HardwareErrorSeverity severity) =>
        Assert.Equal(severity, HardwareErrorAssembler.IntelStatusSeverity(status));

    [Theory]
    [InlineData("0000:01:00", "0000:01:00.0")]
    [InlineData("0000:CB:00", "0000:cb:00.0")]
    [InlineData("03:00", "0000:03:00.0")]
    public void XidBusIdsTakeTheSysfsForm(string xid, string sysfs) => Assert.Equal(sysfs, HardwareErrorAssembler.PciFromXid(xid));

    [Fact]
    public void CatalogCoversTheCodesOfTheDomainTable()
    {
        int[] domainTable = { 13, 31, 32, 43, 45, 48, 61, 62, 63, 64, 68, 69, 74, 79, 92, 94, 95, 109, 119, 120, 154 };
        Assert.Equal(domainTable, XidCatalog.Codes);
        Assert.False(XidCatalog.TryGet(145, out _, out _));
    }
}
