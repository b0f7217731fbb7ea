using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SegfaultTools;

/// <summary>
/// Kernel-mode faults beside the hardware errors: an oops (the kernel's own NULL dereference, page
/// fault, general protection fault or failed BUG_ON), a panic, a WARNING, and the BUG reports the
/// kernel survives. Like a machine check, one report is one record: its first line and the lines
/// printed with it (the oops line, the "CPU: ... Comm: ... Tainted:" header, RIP, registers, the
/// call trace, the module list, the end marker, and a panic that follows at once).
/// </summary>
internal sealed partial class HardwareErrorAssembler
{
    private const string NullDereferenceCode = "BUG: kernel NULL pointer dereference";
    private const string PageFaultCode = "BUG: unable to handle page fault";
    private const string GeneralProtectionCode = "general protection fault";
    private const string KernelBugCode = "kernel BUG";
    private const string PanicCode = "Kernel panic";
    private const string WarningCode = "WARNING";

    /// <summary>True where the line starts or continues a kernel fault report.</summary>
    private bool RecognizeKernelFault(string msg, long position)
    {
        Match m;
        if ((m = AccessFault().Match(msg)).Success)
        {
            if (StartFault(HardwareErrorKind.KernelOops, HardwareErrorSeverity.Uncorrected,
                m.Groups["null"].Success ? NullDereferenceCode : PageFaultCode, msg, position) is { } r)
            {
                r.FaultAddress = m.Groups["addr"].Value;
            }
            return true;
        }
        if ((m = GeneralProtection().Match(msg)).Success)
        {
            if (StartFault(HardwareErrorKind.KernelOops, HardwareErrorSeverity.Uncorrected, GeneralProtectionCode, msg, position) is { } r)
            {
                r.FaultHasOopsLine = true;
                r.FaultAddress = m.Groups["addr"].Success ? m.Groups["addr"].Value : null;
                r.FaultNonCanonical = m.Groups["nc"].Success;
            }
            return true;
        }
        if ((m = KernelBugAt().Match(msg)).Success)
        {
            if (StartFault(HardwareErrorKind.KernelOops, HardwareErrorSeverity.Uncorrected, KernelBugCode, msg, position) is { } r)
            {
                r.FaultLocation = m.Groups["loc"].Value;
            }
            return true;
        }
        if ((m = OopsLine().Match(msg)).Success)
        {
            return OopsLineArrived(m, msg, position);
        }
        if ((m = Panic().Match(msg)).Success)
        {
            var reason = m.Groups["why"].Value.Trim();
            var open = OpenFault();
            if (open is not null && open.PanicReason is null)
            {
                open.PanicReason = reason;
                Touch(open, msg);
            }
            else if (StartFault(HardwareErrorKind.KernelOops, HardwareErrorSeverity.Fatal, PanicCode, msg, position) is { } r)
            {
                r.PanicReason = reason;
            }
            return true;
        }
        if ((m = Warning().Match(msg)).Success)
        {
            if (StartFault(HardwareErrorKind.KernelWarning, HardwareErrorSeverity.Info, WarningCode, msg, position) is { } r)
            {
                r.Cpu = Int(m, "cpu");
                r.ProcessId = Int(m, "pid");
                r.FaultLocation = m.Groups["loc"].Value;
                r.FaultFunction = m.Groups["fn"].Success ? Function(m.Groups["fn"].Value, m.Groups["mod"]) : null;
            }
            return true;
        }
        if ((m = BugReport().Match(msg)).Success)
        {
            StartBugReport(m.Groups["text"].Value.Trim(), msg, position);
            return true;
        }
        return ContinueFault(msg);
    }

    /// <summary>
    /// "Oops: 0000 [#1] ..." follows the BUG or "kernel BUG at" line it belongs to; alone (its head
    /// lost, or an arm "Internal error: Oops") it is a record of its own.
    /// </summary>
    private bool OopsLineArrived(Match m, string msg, long position)
    {
        var inner = m.Groups["inner"].Success ? m.Groups["inner"].Value.Trim() : m.Groups["what"].Success ? m.Groups["what"].Value.Trim() : null;
        if (inner == "Oops")
        {
            inner = null;
        }
        var open = OpenFault();
        if (open is not null && open.Kind == HardwareErrorKind.KernelOops && !open.FaultHasOopsLine && !open.FaultEnded && open.PanicReason is null)
        {
            open.FaultHasOopsLine = true;
            open.FaultDetail ??= inner;
            Touch(open, msg);
            return true;
        }
        if (!m.Groups["oops"].Success)
        {
            // Old kernels' "invalid opcode: 0000 [#1]" without "Oops:" only ever follows "kernel BUG at".
            return false;
        }
        if (StartFault(HardwareErrorKind.KernelOops, HardwareErrorSeverity.Uncorrected, inner ?? "Oops", msg, position) is { } r)
        {
            r.FaultHasOopsLine = true;
        }
        return true;
    }

    /// <summary>"BUG: ..." reports other than the page-fault heads: some mean corrupted memory, most are reported and survived.</summary>
    private void StartBugReport(string text, string msg, long position)
    {
        Match m;
        if ((m = KasanReport().Match(text)).Success)
        {
            if (StartFault(HardwareErrorKind.KernelOops, HardwareErrorSeverity.Uncorrected, "BUG: KASAN", msg, position) is { } r)
            {
                r.FaultDetail = m.Groups["type"].Value;
                r.FaultFunction = m.Groups["fn"].Value;
            }
            return;
        }
        if ((m = BadPageState().Match(text)).Success)
        {
            if (StartFault(HardwareErrorKind.KernelOops, HardwareErrorSeverity.Uncorrected, "BUG: Bad page state", msg, position) is { } r)
            {
                r.ProcessName = m.Groups["comm"].Value;
            }
            return;
        }
        if ((m = SoftLockup().Match(text)).Success)
        {
            if (StartFault(HardwareErrorKind.KernelWarning, HardwareErrorSeverity.Info, "BUG: soft lockup", msg, position) is { } r)
            {
                r.Cpu = Int(m, "cpu");
                r.ProcessName = m.Groups["comm"].Value;
                r.ProcessId = Int(m, "pid");
                r.FaultDetail = m.Groups["s"].Value;
            }
            return;
        }
        if ((m = AtomicSleep().Match(text)).Success)
        {
            if (StartFault(HardwareErrorKind.KernelWarning, HardwareErrorSeverity.Info, "BUG: scheduling while atomic", msg, position) is { } r)
            {
                r.ProcessName = m.Groups["comm"].Value;
                r.ProcessId = Int(m, "pid");
                r.FaultDetail = text;
            }
            return;
        }
        var name = BugName().Match(text);
        if (StartFault(HardwareErrorKind.KernelWarning, HardwareErrorSeverity.Info, "BUG: " + (name.Success ? name.Groups["name"].Value : text), msg, position) is { } report)
        {
            report.FaultDetail = text;
            var at = BugLocation().Match(text);
            report.FaultLocation = at.Success ? at.Groups["loc"].Value : null;
        }
    }

    /// <summary>A line printed inside an open report: the header, RIP, registers, trace, module list, end marker.</summary>
    private bool ContinueFault(string msg)
    {
        var r = OpenFault();
        if (r is null)
        {
            return false;
        }
        if (r.FaultInModuleList && ModuleListTail().IsMatch(msg))
        {
            Touch(r, msg);
            return true;
        }
        Match m;
        if ((m = FaultHeader().Match(msg)).Success)
        {
            if (r.Taint is null && !r.FaultOtherCpuReport)
            {
                r.Cpu ??= Int(m, "cpu");
                r.ProcessId ??= Int(m, "pid");
                r.ProcessName ??= m.Groups["comm"].Success ? m.Groups["comm"].Value.Trim() : null;
                r.Taint = m.Groups["taint"].Success ? m.Groups["taint"].Value : string.Empty;
            }
        }
        else if ((m = FaultIp().Match(msg)).Success)
        {
            // The first one names where it faulted; x86 prints it again after the end marker.
            if (r.FaultFunction is null && !r.FaultUserMode)
            {
                var sym = m.Groups["sym"].Value;
                bool user = m.Groups["cs"].Success && m.Groups["cs"].Value.EndsWith('3');
                if (user)
                {
                    r.FaultUserMode = true;
                }
                else if (!sym.StartsWith("0x", StringComparison.Ordinal))
                {
                    r.FaultFunction = Function(sym, m.Groups["mod"]);
                }
            }
        }
        else if (msg.StartsWith("---[ end trace", StringComparison.Ordinal))
        {
            r.FaultEnded = true;
        }
        else if ((m = PageFaultAccess().Match(msg)).Success)
        {
            r.FaultAccess ??= m.Groups["access"].Value;
        }
        else if (OtherCpuStopping().IsMatch(msg))
        {
            // After a panic every other CPU prints its own header and trace: not the faulting task's.
            r.FaultOtherCpuReport = true;
        }
        else if (!FaultLine().IsMatch(msg) && !StackFrame().IsMatch(msg))
        {
            return false;
        }
        r.FaultInModuleList = msg.StartsWith("Modules linked in:", StringComparison.Ordinal);
        Touch(r, msg);
        return true;
    }

    /// <summary>
    /// The report the current line may belong to. Where the log shows printk callers, a report's
    /// lines all come from one; a "Code:" line of another task's segfault printed meanwhile does not.
    /// </summary>
    private HardwareRecord? OpenFault() => Newest(p => p.RecordShape == HardwareRecord.Shape.KernelFault
        && (p.FaultCallerId is null || _current.CallerId is null || p.FaultCallerId == _current.CallerId));

    private HardwareRecord? StartFault(HardwareErrorKind kind, HardwareErrorSeverity severity, string code, string msg, long position)
    {
        if (ContinuationOnly)
        {
            return null;
        }
        var r = Start(kind, HardwareRecord.Shape.KernelFault, msg, position);
        r.Severity = severity;
        r.Code = code;
        r.FaultCallerId = _current.CallerId;
        return r;
    }

    /// <summary>"nvidia_vma_access+0x1b/0x350" and "[nvidia]" → "nvidia_vma_access [nvidia]".</summary>
    private static string Function(string symbol, Group module)
    {
        int plus = symbol.IndexOf('+', StringComparison.Ordinal);
        var name = plus > 0 ? symbol[..plus] : symbol;
        return module.Success ? $"{name} [{module.Value}]" : name;
    }

    private static void FinishKernelFault(HardwareRecord r)
    {
        r.Component = r.FaultFunction ?? r.FaultLocation;
        var where = r.FaultFunction is { } f ? " in " + f : string.Empty;
        var meaning = r.Code switch
        {
            NullDereferenceCode => r.FaultAccess switch
            {
                "instruction fetch" => $"Kernel code called a NULL function pointer{AddressText(r.FaultAddress, " (address {0})")}{where}",
                "write access" => $"Kernel code wrote through a NULL pointer{AddressText(r.FaultAddress, " (address {0})")}{where}",
                "read access" => $"Kernel code read through a NULL pointer{AddressText(r.FaultAddress, " (address {0})")}{where}",
                _ => $"Kernel code dereferenced a NULL pointer{AddressText(r.FaultAddress, " (address {0})")}{where}",
            },
            PageFaultCode => $"Kernel code touched an address with no valid mapping{AddressText(r.FaultAddress, " ({0})")}{where}",
            GeneralProtectionCode when r.FaultNonCanonical => $"Kernel code used a corrupted (non-canonical) pointer{AddressText(r.FaultAddress, " {0}")}{where}",
            GeneralProtectionCode => $"Kernel code hit a general protection fault{where}",
            KernelBugCode => $"A kernel consistency check failed (BUG at {r.FaultLocation}){where}",
            PanicCode => $"The kernel panicked: {r.PanicReason}",
            WarningCode => $"A kernel warning fired{where}" + (r.FaultLocation is { } loc ? $" at {loc}" : string.Empty)
                + ": the kernel found a state it did not expect and carried on",
            "BUG: KASAN" => $"KASAN caught a memory-safety bug ({r.FaultDetail}){where}",
            "BUG: Bad page state" => $"The kernel found a memory page in a bad state (process {r.ProcessName}): corrupted memory or a kernel bug",
            "BUG: soft lockup" => $"CPU {r.Cpu} was stuck in kernel code for {r.FaultDetail} s",
            { } code when code.StartsWith("BUG: ", StringComparison.Ordinal) => $"The kernel reported a bug it survived: {r.FaultDetail}",
            { } code => $"The kernel oopsed" + (code == "Oops" ? string.Empty : $" ({code})") + where,
            null => "The kernel oopsed",
        };
        if (r.PanicReason is not null)
        {
            r.Severity = HardwareErrorSeverity.Fatal;
            if (r.Code != PanicCode)
            {
                meaning += $"; the kernel then panicked ({r.PanicReason})";
            }
        }
        if (r.Taint is not null)
        {
            meaning += "; " + TaintText(r.Taint);
        }
        r.Meaning = meaning;
    }

    /// <summary>"0000000000000030" → "0x30"; "(null)" → "0x0".</summary>
    private static string AddressText(string? address, string format)
    {
        if (string.IsNullOrEmpty(address))
        {
            return string.Empty;
        }
        var hex = address.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? address[2..] : address;
        if (address == "(null)")
        {
            hex = "0";
        }
        else if (hex.Length == 0 || !hex.All(char.IsAsciiHexDigit))
        {
            return string.Format(CultureInfo.InvariantCulture, format, address);
        }
        hex = hex.TrimStart('0');
        return string.Format(CultureInfo.InvariantCulture, format, "0x" + (hex.Length == 0 ? "0" : hex.ToLowerInvariant()));
    }

    /// <summary>The taint letters of the report's header, named (Documentation/admin-guide/tainted-kernels.rst).</summary>
    internal static string TaintText(string letters)
    {
        var flags = letters.Where(c => c is not (' ' or 'G')).Distinct().ToList();
        if (flags.Count == 0)
        {
            return "kernel not tainted";
        }
        var text = new StringBuilder("kernel tainted ");
        text.Append(string.Join(' ', flags)).Append(" (");
        text.Append(string.Join(", ", flags.Select(c => TaintNames.TryGetValue(c, out var n) ? n : c.ToString())));
        return text.Append(')').ToString();
    }

    private static readonly Dictionary<char, string> TaintNames = new()
    {
        ['P'] = "proprietary module",
        ['F'] = "module force-loaded",
        ['S'] = "out-of-spec system",
        ['R'] = "module force-unloaded",
        ['M'] = "machine check",
        ['B'] = "bad page",
        ['U'] = "user request",
        ['D'] = "an earlier oops",
        ['A'] = "ACPI table overridden",
        ['W'] = "an earlier warning",
        ['C'] = "staging driver",
        ['I'] = "firmware workaround",
        ['O'] = "out-of-tree module",
        ['E'] = "unsigned module",
        ['L'] = "soft lockup",
        ['K'] = "live patch",
        ['X'] = "auxiliary",
        ['T'] = "randomized struct layout",
        ['N'] = "in-kernel test",
        ['J'] = "fwctl debug write",
    };

    // ----- the lines of kernel faults -----

    // "BUG: kernel NULL pointer dereference, address: 0000000000000030", "BUG: unable to handle page fault for address: ffffc90000aab000",
    // older x86 "BUG: unable to handle kernel NULL pointer dereference at 0000000000000010" / "... paging request at ffff...",
    // arm "Unable to handle kernel NULL pointer dereference at virtual address 0000000c", powerpc "... paging request for data at address 0x0".
    [GeneratedRegex(@"^(?:BUG: kernel (?<null>NULL pointer dereference), address: (?<addr>\S+)|BUG: unable to handle page fault for address: (?<addr>\S+)|(?:BUG: unable|(?:CPU \d+ )?Unable) to handle kernel (?:(?<null>NULL pointer dereference)|[\w -]+?) at (?:virtual )?(?:address )?(?<addr>[^\s,]+))", RegexOptions.CultureInvariant)]
    private static partial Regex AccessFault();

    // "general protection fault, probably for non-canonical address 0x8030000000000000: 0000 [#1] SMP PTI", 6.12+ with "Oops: " before it.
    [GeneratedRegex(@"^(?:Oops: )?general protection fault(?:, (?:probably|maybe) for (?<nc>non-canonical )?address (?<addr>0x[0-9a-fA-F]+))?: [0-9a-fA-F]+ \[#\d+\]", RegexOptions.CultureInvariant)]
    private static partial Regex GeneralProtection();

    // "kernel BUG at mm/slub.c:123!"
    [GeneratedRegex(@"^kernel BUG at (?<loc>\S+?)!?$", RegexOptions.CultureInvariant)]
    private static partial Regex KernelBugAt();

    // "Oops: 0000 [#1] PREEMPT SMP NOPTI", 6.18's "Oops: Oops: 0000 [#1]", "Oops: invalid opcode: 0000 [#1]",
    // arm "Internal error: Oops: 96000005 [#1]" / "Internal error: Oops - undefined instruction: 0 [#1]", riscv "Oops [#1]",
    // mips "Oops[#6]:", powerpc "Oops: Kernel access of bad area, sig: 11 [#1]", old x86 "invalid opcode: 0000 [#1]".
    [GeneratedRegex(@"^(?:(?<oops>(?:Internal error: )?Oops)(?: - (?<what>[^:\[]+))?:? ?)?(?:Oops: )?(?:(?<inner>[A-Za-z][^:\[]*?)(?:, sig)?: )?(?:[0-9a-fA-F]+ ?)?\[#\d+\]", RegexOptions.CultureInvariant)]
    private static partial Regex OopsLine();

    [GeneratedRegex(@"^Kernel panic - not syncing:?(?<why>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex Panic();

    // "WARNING: CPU: 29 PID: 19780 at drivers/gpu/drm/drm_modeset_lock.c:278 drm_modeset_drop_locks+0x155/0x2a0",
    // "... drm_vblank_put+0xcc/0xf0 [drm]", old "... mt7603_mac_work+0x204/0x284 [mt7603e]()", oldest "WARNING: at kernel/x.c:1 f()".
    [GeneratedRegex(@"^WARNING: (?:CPU: (?<cpu>\d+) PID: (?<pid>\d+) )?at (?<loc>\S+)(?: (?<fn>[^\s(\[]+)(?:\(\))?(?: \[(?<mod>[^\]\s]+)[^\]]*\])?)?", RegexOptions.CultureInvariant)]
    private static partial Regex Warning();

    // "BUG: scheduling while atomic: ...", "watchdog: BUG: soft lockup - CPU#3 stuck for 22s! [kworker/3:1:123]"
    [GeneratedRegex(@"^(?:watchdog: )?BUG: (?<text>.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex BugReport();

    [GeneratedRegex(@"^KASAN: (?<type>[\w-]+) in (?<fn>[^\s+]+)", RegexOptions.CultureInvariant)]
    private static partial Regex KasanReport();

    [GeneratedRegex(@"^Bad page state in process (?<comm>\S+)", RegexOptions.CultureInvariant)]
    private static partial Regex BadPageState();

    [GeneratedRegex(@"^soft lockup - CPU#(?<cpu>\d+) stuck for (?<s>\d+)s! \[(?<comm>.+):(?<pid>\d+)\]", RegexOptions.CultureInvariant)]
    private static partial Regex SoftLockup();

    [GeneratedRegex(@"^scheduling while atomic: (?<comm>.+)/(?<pid>\d+)/0x[0-9a-fA-F]+", RegexOptions.CultureInvariant)]
    private static partial Regex AtomicSleep();

    // "#PF: supervisor read access in kernel mode" (or "write access", "instruction fetch").
    [GeneratedRegex(@"^#PF: supervisor (?<access>read access|write access|instruction fetch) in kernel mode", RegexOptions.CultureInvariant)]
    private static partial Regex PageFaultAccess();

    // arm64 "CPU1: stopping", x86 "NMI backtrace for cpu 3": another CPU's report follows.
    [GeneratedRegex(@"^(?:CPU\d+: stopping|NMI backtrace for cpu \d+)$", RegexOptions.CultureInvariant)]
    private static partial Regex OtherCpuStopping();

    // The report's name: its words before the first "key:value", ":", " at ", " in " or " - ".
    [GeneratedRegex(@"^(?<name>[A-Za-z][\w -]*?)(?=\s+\w+:\S|:| at | in | - |$)", RegexOptions.CultureInvariant)]
    private static partial Regex BugName();

    [GeneratedRegex(@" at (?<loc>[\w./-]+:\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex BugLocation();

    // lib/dump_stack.c: "CPU: 1 PID: 28 Comm: xenbus Not tainted 6.1.57-1.qubes.fc37.x86_64 #1",
    // "CPU: 0 UID: 1000 PID: 28651 Comm: python3.14 Tainted: G           O        6.18.24 #1-NixOS PREEMPT(voluntary)".
    [GeneratedRegex(@"^CPU: (?<cpu>\d+)\s+(?:UID: \d+ )?(?:PID: (?<pid>\d+) Comm: (?<comm>.+?) )?(?:Kdump: loaded )?(?:Not tainted|Tainted: (?<taint>[A-Z ]*[A-Z]))", RegexOptions.CultureInvariant)]
    private static partial Regex FaultHeader();

    // "RIP: 0010:nvidia_vma_access+0x1b/0x350 [nvidia]", "RIP: e030:__wake_up_common+0x4c/0x180", "RIP: 0010:0x0",
    // old x86 "IP: [<ffffffffc01cc246>] amdgpu_bo_list_set+0x196/0x3d0 [amdgpu]", arm "PC is at seq_vprintf+0x18/0x64", arm64 "pc : f+0x1/0x2 [m]".
    [GeneratedRegex(@"^(?:RIP: (?<cs>[0-9a-fA-F]{4}):|IP: (?:\[<[0-9a-fA-F]+>\] )?|PC is at |pc : )(?<sym>[^\s\[]+)(?: \[(?<mod>[^\]\s]+)[^\]]*\])?", RegexOptions.CultureInvariant)]
    private static partial Regex FaultIp();

    // The other lines an oops, panic or warning prints (x86, arm, arm64, riscv register dumps included).
    [GeneratedRegex(@"^(?:#PF: |PGD |P4D |PUD |PMD |pgd = |\[[0-9a-fA-F]+\] \*pgd=|, \*p(?:[um4]?d|te)=|Hardware name: |Workqueue: |Tainted: \[|Mem abort info:|Data abort info:|ESR = |FAR = |Code: |RIP: |IP: |PC is at |LR is at |pc : |lr : |sp : |epc ?: |ra ?: |status: |badaddr: |cause: |(?:R(?:AX|BX|CX|DX|SI|DI|BP|SP|\d{1,2})|E(?:AX|BX|CX|DX|SI|DI|BP|SP)|FS|GS|CS|DS|ES|SS|CR\d|DR\d|PKRU|x\d{1,2}|r\d{1,2}|ip|fp|psr|pstate)\s*: |Call [Tt]race:|Backtrace:|Stack:|</?(?:TASK|IRQ|NMI|SOFTIRQ|EOI)>|Modules linked in:|---\[ end Kernel panic|Kernel Offset: |CPU features: |Memory Limit: |SMP: stopping secondary CPUs|Rebooting in |note: \S+\[\d+\] exited with |KASAN: |Fixing recursive fault|task: [0-9a-fA-F]+ |Process \S+ \(pid: |Internal error: )", RegexOptions.CultureInvariant)]
    private static partial Regex FaultLine();

    // Call-trace frames: " nvidia_vma_access+0x1b/0x350 [nvidia]", " ? __die+0x23/0x70", "[<c0211d44>] (unwind_backtrace) from ...", " 0xffffffc00818ff8c".
    [GeneratedRegex(@"^(?:(?:\? )?[\w.$]+\+0x[0-9a-fA-F]+/0x[0-9a-fA-F]+(?: \[[^\]]+\])?$|\[<[0-9a-fA-F]+>\] |0x[0-9a-fA-F]+(?: \[[^\]]+\])?$)", RegexOptions.CultureInvariant)]
    private static partial Regex StackFrame();

    // The module list wraps onto lines of bare names: " hid_generic usbhid nvidia(POE) ... [last unloaded: foo]".
    [GeneratedRegex(@"^[\w-]+(?:\([A-Z]+\))?(?:\s+[\w-]+(?:\([A-Z]+\))?)*(?:\s+\[last unloaded: [^\]]*\])?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex ModuleListTail();
}
