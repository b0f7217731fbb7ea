using System.Globalization;
using System.Text.RegularExpressions;

namespace SegfaultTools;

/// <summary>What one kernel message is, as far as crash records go.</summary>
internal enum KernelLinePart
{
    None,
    Head,
    ModulePart,
    CpuPart,
    CodeLine,
    CpuHeader,
    Registers,
    Suppressed,
}

/// <summary>
/// Recognizes the kernel's user-fault messages (x86 fault.c and traps.c, arm64, riscv, and the
/// print-fatal-signals notice) and the pieces that may follow them as separate records.
/// </summary>
internal static partial class CrashLineRecognizer
{
    // comm is greedy so a name holding brackets or ": " still ends at the last "[pid]: segfault at".
    [GeneratedRegex(@"^(?:(?<comm>.*)\[(?<pid>\d+)\]: )?segfault at (?<addr>[0-9a-fA-F]+) r?ip (?<ip>[0-9a-fA-F]+) r?sp (?<sp>[0-9a-fA-F]+) error (?<err>[0-9a-fA-F]+)(?<rest>.*)$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex SegfaultHead();

    [GeneratedRegex(@"^(?:traps: )?(?:(?<comm>.*)\[(?<pid>\d+)\] )?(?<trap>trap )?(?<desc>[A-Za-z0-9][A-Za-z0-9 ]*?) ip:(?<ip>[0-9a-fA-F]+) sp:(?<sp>[0-9a-fA-F]+) error:(?<err>[0-9a-fA-F]+)(?<rest>.*)$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex TrapHead();

    [GeneratedRegex(@"^(?<comm>.*)\[(?<pid>\d+)\]: unhandled (?<what>.*?) \((?<sig>\d+)\) at 0x(?<addr>[0-9a-fA-F]+), esr 0x(?<esr>[0-9a-fA-F]+)(?<rest>.*)$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex Arm64OldHead();

    [GeneratedRegex(@"^(?<comm>.*)\[(?<pid>\d+)\]: unhandled exception: (?:(?<cls>[^,]+), ESR 0x(?<esr>[0-9a-fA-F]+), )?(?<what>.*?)(?<rest> in .*)?$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex Arm64NewHead();

    [GeneratedRegex(@"^(?<comm>.*)\[(?<pid>\d+)\]: unhandled signal (?<sig>\d+) code 0x(?<code>[0-9a-fA-F]+) at 0x(?<addr>[0-9a-fA-F]+)(?<rest>.*)$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex RiscvHead();

    [GeneratedRegex(@"^(?:(?<comm>.*)/(?<pid>\d+): )?potentially unexpected fatal signal (?<sig>\d+)\.?\s*$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex FatalSignalHead();

    [GeneratedRegex(@"^ in ?(?<file>.*?)\[(?:(?<off>[0-9a-fA-F]+),)?(?<base>[0-9a-fA-F]+)\+(?<size>[0-9a-fA-F]+)\](?<rest>.*)$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex ModuleSuffix();

    [GeneratedRegex(@"^ in (?<file>\S[^\[\]]*?)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex BareModuleSuffix();

    [GeneratedRegex(@"^ likely on CPU (?<cpu>\d+)(?: \(core (?<core>\d+), socket (?<sock>\d+)\))?", RegexOptions.CultureInvariant)]
    private static partial Regex CpuSuffix();

    [GeneratedRegex(@"^CPU: (?<cpu>\d+)(?:\s+UID: \d+)?(?:\s+PID: (?<pid>\d+)\s+Comm: (?<comm>.{1,20}?))?\s+(?:Not tainted|Tainted)", RegexOptions.CultureInvariant)]
    private static partial Regex CpuHeaderLine();

    [GeneratedRegex(@"^(?:(?<pc>e?pc)\s*:\s*\[?<?(?<ip>[0-9a-fA-F]+)|RIP: 0033:(?:0x)?(?<ip>[0-9a-fA-F]+)|BadVA\s*:\s*(?<badva>[0-9a-fA-F]+)|RSP: 002b:(?<rsp>[0-9a-fA-F]+))", RegexOptions.CultureInvariant)]
    private static partial Regex RegisterLine();

    [GeneratedRegex(@"\bsp\s*:\s*\[?<?(?<sp>[0-9a-fA-F]+)", RegexOptions.CultureInvariant)]
    private static partial Regex StackPointerField();

    [GeneratedRegex(@"^(?<func>\S+): (?<n>\d+) callbacks suppressed", RegexOptions.CultureInvariant)]
    private static partial Regex RateLimitNotice();

    /// <summary>Classifies a framed kernel message; fills <paramref name="head"/> for crash heads.</summary>
    public static KernelLinePart Classify(string msg, out CrashRecord? head, out Match? match)
    {
        head = null;
        match = null;
        if (msg.Length == 0)
        {
            return KernelLinePart.None;
        }

        if (msg[0] == ' ')
        {
            var mod = ModuleSuffix().Match(msg);
            if (mod.Success)
            {
                match = mod;
                return KernelLinePart.ModulePart;
            }
            var cpu = CpuSuffix().Match(msg);
            if (cpu.Success)
            {
                match = cpu;
                return KernelLinePart.CpuPart;
            }
            var bare = BareModuleSuffix().Match(msg);
            if (bare.Success)
            {
                match = bare;
                return KernelLinePart.ModulePart;
            }
            return KernelLinePart.None;
        }

        if (msg.StartsWith("Code: ", StringComparison.Ordinal))
        {
            return KernelLinePart.CodeLine;
        }

        if (msg.Contains("segfault at ", StringComparison.Ordinal))
        {
            var m = SegfaultHead().Match(msg);
            if (m.Success)
            {
                head = NewHead(m, msg, SegfaultKind.Segfault);
                head.FaultAddress = Hex(m, "addr");
                head.ErrorCodeIsPageFault = true;
                head.ExpectsCode = true;
                ApplySuffixes(head, m.Groups["rest"].Value);
                return KernelLinePart.Head;
            }
        }

        if (msg.Contains(" sp:", StringComparison.Ordinal))
        {
            var m = TrapHead().Match(msg);
            if (m.Success)
            {
                head = NewHead(m, msg, TrapKind(m.Groups["desc"].Value));
                ApplySuffixes(head, m.Groups["rest"].Value);
                return KernelLinePart.Head;
            }
        }

        if (msg.Contains("unhandled ", StringComparison.Ordinal))
        {
            var m = Arm64OldHead().Match(msg);
            if (m.Success)
            {
                head = NewHead(m, msg, SignalKind(Int(m, "sig") ?? 0));
                head.FaultAddress = Hex(m, "addr");
                head.ErrorCode = Hex(m, "esr");
                head.ExpectsRegisters = true;
                ApplySuffixes(head, m.Groups["rest"].Value);
                return KernelLinePart.Head;
            }
            m = RiscvHead().Match(msg);
            if (m.Success)
            {
                head = NewHead(m, msg, SignalKind(Int(m, "sig") ?? 0));
                head.FaultAddress = Hex(m, "addr");
                head.ErrorCode = Hex(m, "code");
                head.ExpectsRegisters = true;
                ApplySuffixes(head, m.Groups["rest"].Value);
                return KernelLinePart.Head;
            }
            m = Arm64NewHead().Match(msg);
            if (m.Success)
            {
                head = NewHead(m, msg, Arm64Kind(m.Groups["cls"].Value, m.Groups["what"].Value));
                head.ErrorCode = Hex(m, "esr");
                head.ExpectsRegisters = true;
                ApplySuffixes(head, m.Groups["rest"].Value);
                return KernelLinePart.Head;
            }
        }

        if (msg.Contains("fatal signal", StringComparison.Ordinal))
        {
            var m = FatalSignalHead().Match(msg);
            if (m.Success)
            {
                head = NewHead(m, msg, SignalKind(Int(m, "sig") ?? 0));
                head.ExpectsRegisters = true;
                head.IsFatalSignalNotice = true;
                return KernelLinePart.Head;
            }
        }

        if (msg.Contains("callbacks suppressed", StringComparison.Ordinal))
        {
            var m = RateLimitNotice().Match(msg);
            // printk_ratelimit() names its caller: show_signal_msg (fault.c), show_signal (traps.c),
            // arm64_show_signal; other subsystems' notices say nothing about crash records.
            if (m.Success && m.Groups["func"].Value.Contains("signal", StringComparison.Ordinal))
            {
                match = m;
                return KernelLinePart.Suppressed;
            }
            return KernelLinePart.None;
        }

        if (msg.StartsWith("CPU: ", StringComparison.Ordinal))
        {
            var m = CpuHeaderLine().Match(msg);
            if (m.Success)
            {
                match = m;
                return KernelLinePart.CpuHeader;
            }
            return KernelLinePart.None;
        }

        var reg = RegisterLine().Match(msg);
        if (reg.Success)
        {
            match = reg;
            return KernelLinePart.Registers;
        }

        return KernelLinePart.None;
    }

    public static long SuppressedCount(Match m) =>
        long.TryParse(m.Groups["n"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;

    /// <summary>Applies " in file[...]" and " likely on CPU ..." found after a head or as their own records.</summary>
    public static void ApplySuffixes(CrashRecord r, string rest)
    {
        while (rest.Length > 0)
        {
            var mod = ModuleSuffix().Match(rest);
            if (mod.Success && !r.HasModulePart)
            {
                ApplyModule(r, mod);
                rest = mod.Groups["rest"].Value;
                continue;
            }
            var cpu = CpuSuffix().Match(rest);
            if (cpu.Success && !r.HasCpuPart)
            {
                ApplyCpu(r, cpu);
                rest = rest[cpu.Length..];
                continue;
            }
            var bare = BareModuleSuffix().Match(rest);
            if (bare.Success && !r.HasModulePart)
            {
                ApplyModule(r, bare);
            }
            break;
        }
    }

    public static void ApplyModule(CrashRecord r, Match m)
    {
        r.HasModulePart = true;
        var file = m.Groups["file"].Value;
        const string Deleted = " (deleted)";
        if (file.EndsWith(Deleted, StringComparison.Ordinal))
        {
            file = file[..^Deleted.Length];
            r.ModuleDeleted = true;
        }
        r.Module = file.Length == 0 ? null : file;
        if (m.Groups["base"].Success)
        {
            r.ModuleBase = Hex(m, "base");
            r.ModuleSize = Hex(m, "size");
            r.FileOffset = m.Groups["off"].Success ? Hex(m, "off") : null;
        }
    }

    public static void ApplyCpu(CrashRecord r, Match m)
    {
        r.HasCpuPart = true;
        r.Cpu = Int(m, "cpu");
        if (m.Groups["core"].Success)
        {
            r.CoreId = Int(m, "core");
            r.Socket = Int(m, "sock");
        }
    }

    public static void ApplyRegisters(CrashRecord r, Match m, string msg)
    {
        if (m.Groups["ip"].Success && r.InstructionPointer is null)
        {
            r.InstructionPointer = Hex(m, "ip");
        }
        if (m.Groups["badva"].Success && r.FaultAddress is null)
        {
            r.FaultAddress = Hex(m, "badva");
        }
        if (m.Groups["rsp"].Success && r.StackPointer is null)
        {
            r.StackPointer = Hex(m, "rsp");
        }
        var sp = StackPointerField().Match(msg);
        if (sp.Success && r.StackPointer is null)
        {
            r.StackPointer = Hex(sp, "sp");
        }
    }

    private static CrashRecord NewHead(Match m, string msg, SegfaultKind kind)
    {
        var r = new CrashRecord { Kind = kind, Message = msg };
        if (m.Groups["comm"].Success)
        {
            r.ProcessName = m.Groups["comm"].Value;
        }
        if (m.Groups["pid"].Success && int.TryParse(m.Groups["pid"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            r.ProcessId = pid;
        }
        if (m.Groups["ip"].Success)
        {
            r.InstructionPointer = Hex(m, "ip");
        }
        if (m.Groups["sp"].Success)
        {
            r.StackPointer = Hex(m, "sp");
        }
        if (m.Groups["err"].Success)
        {
            r.ErrorCode = Hex(m, "err");
        }
        return r;
    }

    /// <summary>A decimal field; null where absent or too large to be real (log text is untrusted).</summary>
    internal static int? Int(Match m, string group) =>
        m.Groups[group].Success && int.TryParse(m.Groups[group].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static ulong? Hex(Match m, string group) =>
        m.Groups[group].Success && ulong.TryParse(m.Groups[group].ValueSpan, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>The trap names arch/x86/kernel/traps.c passes to do_trap()/show_signal().</summary>
    internal static SegfaultKind TrapKind(string desc) => desc.Trim() switch
    {
        "general protection fault" or "general protection" => SegfaultKind.GeneralProtection,
        "invalid opcode" => SegfaultKind.InvalidOpcode,
        "divide error" => SegfaultKind.DivideError,
        "int3" => SegfaultKind.Breakpoint,
        "stack segment" => SegfaultKind.StackSegment,
        "alignment check" => SegfaultKind.AlignmentCheck,
        "overflow" => SegfaultKind.Overflow,
        "bounds" => SegfaultKind.Bounds,
        _ => SegfaultKind.Other,
    };

    private static SegfaultKind SignalKind(int signal) => signal switch
    {
        11 => SegfaultKind.Segfault,
        4 => SegfaultKind.InvalidOpcode,
        5 => SegfaultKind.Breakpoint,
        _ => SegfaultKind.Other,
    };

    private static SegfaultKind Arm64Kind(string cls, string what)
    {
        if (what.Contains("translation fault", StringComparison.Ordinal) || what.Contains("permission fault", StringComparison.Ordinal)
            || what.Contains("access flag fault", StringComparison.Ordinal) || cls.StartsWith("DABT", StringComparison.Ordinal) || cls.StartsWith("IABT", StringComparison.Ordinal))
        {
            return SegfaultKind.Segfault;
        }
        if (what.Contains("alignment", StringComparison.Ordinal) || cls.StartsWith("PC Alignment", StringComparison.Ordinal) || cls.StartsWith("SP Alignment", StringComparison.Ordinal))
        {
            return SegfaultKind.AlignmentCheck;
        }
        if (what.Contains("undefined instruction", StringComparison.Ordinal) || cls.StartsWith("UNKNOWN", StringComparison.Ordinal))
        {
            return SegfaultKind.InvalidOpcode;
        }
        if (cls.StartsWith("BRK", StringComparison.Ordinal))
        {
            return SegfaultKind.Breakpoint;
        }
        return SegfaultKind.Other;
    }
}
