using System.Text.Json;

namespace SegfaultTools.Tests;

/// <summary>
/// Kernel oopses, panics, BUG reports and WARNINGs, read by the hardware-error assembler beside the
/// hardware errors: one record per report, with the CPU, task, faulting function and module, the
/// kind of fault, and the kernel's taint. Lines: tests/fixtures/hardware/kernel-faults.jsonl (real
/// pastes, sources in tests/fixtures/hardware/README.md); expectations written by hand from the text.
/// Format as in <see cref="HardwareErrorFixtureTests"/>: Kind|TimeCreated|Component|Cpu|PciBusId|ProcessId|ProcessName|Severity|Code|Meaning (prefix)|line count|ComputerName.
/// </summary>
public sealed class FactsKernelFaultTests : IClassFixture<ModuleRunspaceFixture>
{
    private const string Null = "BUG: kernel NULL pointer dereference";
    private const string Carried = "the kernel found a state it did not expect and carried on";

    private static readonly Dictionary<string, string[]> Expected = new()
    {
        ["qubes-8638"] = new[] { $"KernelOops||__wake_up_common|1||28|xenbus|Uncorrected|{Null}|Kernel code read through a NULL pointer (address 0x0) in __wake_up_common; kernel not tainted|6|testhost" },
        ["nvidia-1107"] = new[] { $"KernelOops|2026-04-28T10:17:39+00:00|nvidia_vma_access [nvidia]|0||28651|python3.14|Uncorrected|{Null}|Kernel code read through a NULL pointer (address 0x30) in nvidia_vma_access [nvidia]; kernel tainted O (out-of-tree module)|13|nixos" },
        ["nvidia-276"] = new[] { $"KernelOops||nvlogInit [nvidia]|7||689|systemd-udevd|Uncorrected|{Null}|Kernel code wrote through a NULL pointer (address 0xfa8) in nvlogInit [nvidia]; kernel tainted O (out-of-tree module)|9|testhost" },
        ["nvidia-647"] = new[] { $"KernelOops|||12||15050|nv-fabricmanage|Uncorrected|{Null}|Kernel code called a NULL function pointer (address 0x0); kernel tainted O E (out-of-tree module, unsigned module)|16|testhost" },
        ["nvidia-1141"] = new[] { $"KernelOops||nv_audio_dynamic_power [nvidia]|4||576538|kmscon|Uncorrected|{Null}|Kernel code read through a NULL pointer (address 0x41c) in nv_audio_dynamic_power [nvidia]; kernel tainted W O E (an earlier warning, out-of-tree module, unsigned module)|21|testhost" },
        ["liquorix-10"] = new[] { $"KernelOops|2025-09-27T21:47:33+00:00|drm_debugfs_init [drm]|2||157|modprobe|Uncorrected|{Null}|Kernel code dereferenced a NULL pointer (address 0x28) in drm_debugfs_init [drm]; kernel tainted P O (proprietary module, out-of-tree module)|10|terence-arch" },
        ["hip-15"] = new[] { $"KernelOops|2026-03-24T11:53:43+00:00|amdgpu_bo_list_set [amdgpu]|||||Uncorrected|{Null}|Kernel code dereferenced a NULL pointer (address 0x10) in amdgpu_bo_list_set [amdgpu]|4|pandemonium" },
        ["feh-574"] = new[] { $"KernelOops||seq_vprintf|0||7690|htop|Uncorrected|{Null}|Kernel code dereferenced a NULL pointer (address 0xc) in seq_vprintf; kernel tainted D C (an earlier oops, staging driver)|14|testhost" },
        ["fedora-15757"] = new[] { "KernelOops|2025-07-27T14:08:04+00:00|__list_del_entry_valid.cold|4||148|kswapd0|Uncorrected|kernel BUG|A kernel consistency check failed (BUG at lib/list_debug.c:51) in __list_del_entry_valid.cold; kernel tainted P O E (proprietary module, out-of-tree module, unsigned module)|17|laptop" },
        ["qubes-1275"] = new[] { "KernelOops||xen_leave_lazy_mmu|0||208|kworker/0:3|Uncorrected|kernel BUG|A kernel consistency check failed (BUG at arch/x86/include/asm/xen/hypervisor.h:85) in xen_leave_lazy_mmu; kernel not tainted|14|testhost" },
        ["bcachefs-871"] = new[] { "KernelOops||__fortify_panic|1||394|systemd-journal|Uncorrected|invalid opcode|The kernel oopsed (invalid opcode) in __fortify_panic; kernel tainted U W (user request, an earlier warning)|18|testhost" },
        ["syzkaller-6119"] = new[] { "KernelOops||kmem_cache_alloc_noprof|0||5959|syz-executor130|Uncorrected|int3|The kernel oopsed (int3) in kmem_cache_alloc_noprof; kernel not tainted|12|testhost" },
        ["pr-1031-xid"] = new[]
        {
            "Xid|2026-02-20T01:34:20+00:00|0000:2d:00.0||0000:2d:00.0|||Fatal|62|Internal micro-controller halted|1|localhost",
            "Xid|2026-02-20T01:34:20+00:00|0000:2d:00.0||0000:2d:00.0|||Info|154|The recovery action the GPU needs changed: now GPU Reset Required|1|localhost",
            "Xid|2026-02-20T01:34:30+00:00|0000:2d:00.0||0000:2d:00.0|619|(udev-worker)|Uncorrected|109|Context-switch timeout|1|localhost",
        },
        ["pr-1031-warn"] = new[] { $"KernelWarning|2026-02-20T01:34:20+00:00|drm_modeset_drop_locks|29||19780|poc|Info|WARNING|A kernel warning fired in drm_modeset_drop_locks at drivers/gpu/drm/drm_modeset_lock.c:278: {Carried}; kernel tainted O E (out-of-tree module, unsigned module)|6|localhost" },
        ["nvidia-719"] = new[] { $"KernelWarning|2025-10-25T09:07:35+00:00|follow_pte|2||26420||Info|WARNING|A kernel warning fired in follow_pte at include/linux/rwsem.h:80: {Carried}|4|SUSNEPO" },
        ["egl-wayland-6"] = new[] { $"KernelWarning||drm_atomic_helper_commit_hw_done|7||49|kworker/u16:1|Info|WARNING|A kernel warning fired in drm_atomic_helper_commit_hw_done at drivers/gpu/drm/drm_atomic_helper.c:1612: {Carried}; kernel tainted P W O (proprietary module, an earlier warning, out-of-tree module)|15|testhost" },
        ["rpi-3020"] = new[] { $"KernelWarning||drm_vblank_put [drm]|0||0|swapper/0|Info|WARNING|A kernel warning fired in drm_vblank_put [drm] at /home/dave/Pi/linux2711/drivers/gpu/drm/drm_vblank.c:1026: {Carried}; kernel tainted W C (an earlier warning, staging driver)|7|testhost" },
        ["bcachefs-452"] = new[] { $"KernelWarning|2025-08-30T10:27:04+00:00|do_exit|0||55||Info|WARNING|A kernel warning fired in do_exit at kernel/exit.c:741: {Carried}|1|phenom" },
        ["sifive-40"] = new[] { "KernelOops|||0||0|swapper/0|Uncorrected|BUG: unable to handle page fault|Kernel code touched an address with no valid mapping (0x5f837c3064); kernel tainted W (an earlier warning)|5|testhost" },
        ["openwrt-17266"] = new[] { "KernelOops|||||||Fatal|Kernel panic|The kernel panicked: Oops: Fatal exception|4|testhost" },
        // The header after "CPU1: stopping" is the other CPU's, not the panicking task's.
        ["pine64-5"] = new[] { "KernelOops|||||||Fatal|Kernel panic|The kernel panicked: Fatal exception in interrupt|7|testhost" },
    };

    private readonly ModuleRunspaceFixture _module;

    public FactsKernelFaultTests(ModuleRunspaceFixture module) => _module = module;

    internal static List<(string Group, int Seq, string Text)> FaultLines() =>
        File.ReadAllLines(Path.Combine(RepoPaths.Fixtures, "hardware", "kernel-faults.jsonl"))
            .Where(l => l.Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Select(e => (e.GetProperty("group").GetString()!, e.GetProperty("seq").GetInt32(), e.GetProperty("text").GetString()!))
            .ToList();

    private static List<string> Group(string name) => FaultLines().Where(r => r.Group == name).OrderBy(r => r.Seq).Select(r => r.Text).ToList();

    private static List<HardwareErrorEvent> Parse(IEnumerable<string> lines) => HardwareErrorAssembler.ParseAll(lines, KernelFixtures.TestContext());

    public static TheoryData<string> Groups() => new(Expected.Keys);

    [Theory]
    [MemberData(nameof(Groups))]
    public void GroupGivesExactlyTheExpectedRecords(string group)
    {
        var events = Parse(Group(group));
        var expected = Expected[group];
        Assert.Equal(expected.Length, events.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            var meaningPrefix = expected[i].Split('|')[9];
            Assert.Equal(expected[i], HardwareErrorFixtureTests.Describe(events[i], meaningPrefix.Length));
        }
    }

    [Fact]
    public void EveryFixtureGroupHasExpectations()
    {
        Assert.Equal(Expected.Keys.OrderBy(k => k), FaultLines().Select(r => r.Group).Distinct().OrderBy(k => k));
    }

    [Fact]
    public void MessageHoldsTheReportsLinesInOrderAndNotALineBetweenThem()
    {
        // fbcon printed its notice between the BUG line and the rest of the oops.
        var e = Assert.Single(Parse(Group("nvidia-1141")));
        var lines = e.Message!.Split('\n');
        Assert.Equal("BUG: kernel NULL pointer dereference, address: 000000000000041c", lines[0]);
        Assert.Equal("#PF: supervisor read access in kernel mode", lines[1]);
        Assert.DoesNotContain(lines, l => l.Contains("fbcon", StringComparison.Ordinal));
        Assert.Contains("Oops: Oops: 0000 [#1] SMP NOPTI", lines);
        Assert.Contains("RIP: 0010:nv_audio_dynamic_power+0xcd/0x140 [nvidia]", lines);
        Assert.Contains("Tainted: [W]=WARN, [O]=OOT_MODULE, [E]=UNSIGNED_MODULE", lines);
        Assert.Equal("<TASK>", lines[^1]);
    }

    [Fact]
    public void TaintLettersAreInTheMessageAndNamedInTheMeaning()
    {
        var e = Assert.Single(Parse(Group("fedora-15757")));
        Assert.Contains("CPU: 4 PID: 148 Comm: kswapd0 Tainted: P           OE     5.13.4-200.fc34.x86_64 #1", e.Message);
        Assert.EndsWith("; kernel tainted P O E (proprietary module, out-of-tree module, unsigned module)", e.Meaning);
        Assert.Equal("kernel not tainted", HardwareErrorAssembler.TaintText(string.Empty));
        Assert.Equal("kernel tainted M B (machine check, bad page)", HardwareErrorAssembler.TaintText("G   M B"));
    }

    [Fact]
    public void TheOldInvalidOpcodeLineBelongsToTheKernelBugBeforeIt()
    {
        // 5.13: "kernel BUG at lib/list_debug.c:51!" then "invalid opcode: 0000 [#1] SMP PTI" (no "Oops:").
        var e = Assert.Single(Parse(Group("fedora-15757")));
        Assert.Equal("kernel BUG", e.Code);
        Assert.Equal("invalid opcode: 0000 [#1] SMP PTI", e.Message!.Split('\n')[1]);
        Assert.Equal("__dentry_kill+0x89/0x180", e.Message.Split('\n')[^1]);
    }

    [Fact]
    public void AWrappedModuleListStaysWithTheWarning()
    {
        var e = Assert.Single(Parse(Group("nvidia-719")));
        Assert.Equal("hid_generic usbhid crct10dif_pclmul crc32_pclmul polyval_clmulni polyval_generic ghash_clmulni_intel", e.Message!.Split('\n')[^1]);
    }

    [Fact]
    public void APanicRightAfterAnOopsMakesItFatal()
    {
        // Spliced: the 5.13 oops of fedora-15757 ended by the end marker and panic line of pine64-5
        // (both real), in the one framing, as the kernel prints them with panic_on_oops set.
        const string Prefix = "июл 27 14:08:04 laptop kernel: ";
        var lines = Group("fedora-15757").Concat(new[]
        {
            Prefix + "---[ end trace a292b8634b25b607 ]---",
            Prefix + "Kernel panic - not syncing: Fatal exception in interrupt",
        });
        var e = Assert.Single(Parse(lines));
        Assert.Equal(HardwareErrorSeverity.Fatal, e.Severity);
        Assert.Equal("kernel BUG", e.Code);
        Assert.Equal(HardwareErrorKind.KernelOops, e.Kind);
        Assert.Equal("A kernel consistency check failed (BUG at lib/list_debug.c:51) in __list_del_entry_valid.cold; the kernel then panicked (Fatal exception in interrupt); kernel tainted P O E (proprietary module, out-of-tree module, unsigned module)", e.Meaning);
        Assert.Equal(19, e.Message!.Split('\n').Length);
    }

    [Fact]
    public void APanicSecondsLaterIsARecordOfItsOwn()
    {
        var lines = Group("fedora-15757").Append("июл 27 14:08:09 laptop kernel: Kernel panic - not syncing: Fatal exception in interrupt").ToList();
        var events = Parse(lines);
        Assert.Equal(new[] { "kernel BUG", "Kernel panic" }, events.Select(e => e.Code));
        Assert.Equal(HardwareErrorSeverity.Uncorrected, events[0].Severity);
        Assert.Equal(HardwareErrorSeverity.Fatal, events[1].Severity);
    }

    [Fact]
    public void AnotherTasksLinesDoNotJoinTheReport()
    {
        // kernel-lines group 176: the BUG of task 2111, then a segfault and its Code: line from task 2150.
        var lines = KernelFixtures.Group(176).SelectMany(r => r.Lines).ToList();
        var atomic = Parse(lines).Single(e => e.Code == "BUG: scheduling while atomic");
        Assert.Equal("meminfo", atomic.ProcessName);
        Assert.Equal(2111, atomic.ProcessId);
        Assert.Equal(3, atomic.Message!.Split('\n').Length);
        Assert.DoesNotContain("0x7fd637199646", atomic.Message);
    }

    [Fact]
    public void UserSpaceFaultsAreNotKernelFaults()
    {
        // Every real segfault and trap line of the fixtures, user-space general protection faults and
        // their Code: lines included, and the register dumps arm kernels print for user-space faults.
        var user = KernelFixtures.Records.Where(r => r.Kind is "segfault" or "trap").SelectMany(r => r.Lines).ToList();
        Assert.Contains(user, l => l.Contains("traps: pcm-sensor-serv[8542] general protection fault ip:", StringComparison.Ordinal));
        Assert.Empty(Parse(user));
        foreach (var group in new[] { 45, 46, 47, 48, 53 })
        {
            Assert.Empty(Parse(KernelFixtures.Group(group).SelectMany(r => r.Lines)));
        }
    }

    [Fact]
    public void AWarningFromUserSpaceIsNotAKernelWarning()
    {
        // https://github.com/DisplayLink/evdi/issues/28: a GLib warning in the same syslog as kernel lines.
        var line = "Mai 20 16:11:31 statler gnome-settings-daemon.desktop[1744]: (gnome-settings-daemon:1744): color-plugin-WARNING **: failed to create device: failed to obtain org.freedesktop.color-manager.create-device auth";
        Assert.Empty(Parse(new[] { line }));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(300)]
    public void TheByteScannerFindsEveryReport(int padding)
    {
        var dir = Directory.CreateTempSubdirectory("segfaulttools-kf-").FullName;
        try
        {
            var path = PaddedLog.Write(dir, FaultLines().Select(r => r.Text), padding);
            var context = KernelFixtures.TestContext() with { Source = path };
            var expected = HardwareErrorAssembler.ParseAll(File.ReadAllLines(path), context).Select(Describe).ToList();
            // Concatenated without padding, a few reports in different framings run together; padded, their lines drift apart.
            Assert.True(expected.Count(e => e.StartsWith("Kernel", StringComparison.Ordinal)) >= 18, string.Join("\n", expected));

            using (var stream = File.OpenRead(path))
            {
                var forward = TextLogScanner.ReadForward(stream, new HardwareErrorAssembler(context), HardwareErrorAssembler.Needles, CancellationToken.None).Select(Describe).ToList();
                PaddedLog.AssertSame(expected, forward);
            }
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read))
            {
                var backward = TextLogScanner.ReadBackward<HardwareErrorEvent>(stream, () => new HardwareErrorAssembler(context), _ => { }, HardwareErrorAssembler.Needles, CancellationToken.None)
                    .Select(Describe).ToList();
                backward.Reverse();
                PaddedLog.AssertSame(expected, backward);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Describe(HardwareErrorEvent e) => HardwareErrorFixtureTests.Describe(e, int.MaxValue) + "|" + e.Message;

    [Fact]
    public void KindFilterSelectsKernelFaults()
    {
        var events = FaultLines().GroupBy(r => r.Group).SelectMany(g => Parse(g.OrderBy(r => r.Seq).Select(r => r.Text))).ToList();
        var oopses = new HardwareEventQuery(null, null, new[] { HardwareErrorKind.KernelOops });
        var warnings = new HardwareEventQuery(null, null, new[] { HardwareErrorKind.KernelWarning });
        Assert.Equal(15, events.Count(oopses.Matches));
        Assert.Equal(5, events.Count(warnings.Matches));
        Assert.Equal(3, events.Count(e => !oopses.Matches(e) && !warnings.Matches(e)));
    }

    [Fact]
    public void GetHardwareErrorEventTakesTheNewKinds()
    {
        var path = Path.Combine(_module.Dir, "faults-kern.log");
        File.WriteAllLines(path, Group("pr-1031-xid").Concat(Group("pr-1031-warn")).Concat(Group("nvidia-1107")));
        File.SetLastWriteTimeUtc(path, new DateTime(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc));
        var (output, errors) = _module.Run("Get-HardwareErrorEvent -Path $p -Kind KernelOops, KernelWarning -Oldest", ("p", path));
        Assert.Empty(errors);
        var events = output.Select(o => Assert.IsType<HardwareErrorEvent>(o.BaseObject)).ToList();
        Assert.Equal(new[] { HardwareErrorKind.KernelWarning, HardwareErrorKind.KernelOops }, events.Select(e => e.Kind));
        Assert.Equal(new[] { "drm_modeset_drop_locks", "nvidia_vma_access [nvidia]" }, events.Select(e => e.Component));
        Assert.Equal(path, events[0].Source);

        var (bad, _) = _module.Run("try { Get-HardwareErrorEvent -Path $p -Kind KernelPanic; 'no error' } catch { $_.FullyQualifiedErrorId }", ("p", path));
        Assert.StartsWith("CannotConvertArgumentNoMessage,", Assert.Single(bad).ToString(), StringComparison.Ordinal);
    }
}
