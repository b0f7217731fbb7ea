using System.Globalization;
using System.Text.RegularExpressions;

namespace SegfaultTools;

/// <summary>
/// The kernel's microcode lines of one boot (messages with the log framing already taken off),
/// in the formats of arch/x86/kernel/cpu/microcode/{core,intel,amd}.c across versions:
/// <list type="bullet">
/// <item>v6.7+: "microcode: Current revision: 0x0000012b" and, after an early update, "microcode: Updated early from: 0x00000119".</item>
/// <item>about v4.x-v6.6 (Intel): "microcode: updated early: 0x119 -> 0x12b, date = 2024-02-05".</item>
/// <item>older (Intel): "microcode: microcode updated early to revision 0x12b, date = ..."; (AMD) "microcode: microcode updated early to new patch_level=0x0a201210", "microcode: CPU0: patch_level=0x0a201016".</item>
/// <item>older kernels, per CPU at boot: "microcode: sig=0x50654, pf=0x80, revision=0x2007006" (Intel), "microcode: CPU0: patch_level=..." (AMD): the current revision.</item>
/// <item>late loading: "microcode: Reload succeeded, microcode revision: 0x12b -> 0x12f", or (older) "microcode: updated to revision 0x12f, date = ...".</item>
/// </list>
/// A "Linux version" line starts a new boot: only the last boot in the input counts.
/// </summary>
internal sealed partial class MicrocodeLog
{
    private const string Rev = @"0x(?<r>[0-9a-fA-F]+)";

    [GeneratedRegex(@"^(?:x86/)?microcode: Current revision: " + Rev, RegexOptions.CultureInvariant)]
    private static partial Regex CurrentLine();

    [GeneratedRegex(@"^(?:x86/)?microcode: Updated early from: " + Rev, RegexOptions.CultureInvariant)]
    private static partial Regex EarlyFrom();

    [GeneratedRegex(@"^(?:x86/)?microcode: updated early: 0x(?<from>[0-9a-fA-F]+) -> 0x(?<to>[0-9a-fA-F]+)", RegexOptions.CultureInvariant)]
    private static partial Regex EarlyArrow();

    [GeneratedRegex(@"^(?:x86/)?microcode: microcode updated early to (?:revision |new patch_level=)" + Rev, RegexOptions.CultureInvariant)]
    private static partial Regex EarlyTo();

    [GeneratedRegex(@"^(?:x86/)?microcode: CPU0: patch_level=" + Rev, RegexOptions.CultureInvariant)]
    private static partial Regex AmdPatchLevel();

    [GeneratedRegex(@"^(?:x86/)?microcode: (?:CPU0 )?sig=0x[0-9a-fA-F]+, pf=0x[0-9a-fA-F]+, revision=" + Rev, RegexOptions.CultureInvariant)]
    private static partial Regex IntelSignatureLine();

    [GeneratedRegex(@"^(?:x86/)?microcode: Reload succeeded, microcode revision: 0x(?<from>[0-9a-fA-F]+) -> 0x(?<to>[0-9a-fA-F]+)", RegexOptions.CultureInvariant)]
    private static partial Regex LateArrow();

    [GeneratedRegex(@"^(?:x86/)?microcode: (?:CPU\d+: )?updated to revision " + Rev, RegexOptions.CultureInvariant)]
    private static partial Regex LateTo();

    /// <summary>A "Linux version" line was seen: the input holds the start of the last boot.</summary>
    public bool SawBootStart { get; private set; }

    /// <summary>Any microcode line of the last boot.</summary>
    public bool SawMicrocodeLine { get; private set; }

    public long? Current { get; private set; }
    public long? EarlyFromRevision { get; private set; }
    public long? EarlyToRevision { get; private set; }
    public long? LateFromRevision { get; private set; }
    public long? LateToRevision { get; private set; }

    /// <summary>The last microcode line read, for the record.</summary>
    public string? Line { get; private set; }

    public void Feed(string message)
    {
        if (message.StartsWith("Linux version ", StringComparison.Ordinal))
        {
            Reset();
            SawBootStart = true;
            return;
        }
        if (!message.StartsWith("microcode: ", StringComparison.Ordinal) && !message.StartsWith("x86/microcode: ", StringComparison.Ordinal))
        {
            return;
        }

        Match x;
        if ((x = CurrentLine().Match(message)).Success)
        {
            // Printed once per boot, before "Updated early from".
            Current = Hex(x.Groups["r"].Value);
        }
        else if ((x = EarlyFrom().Match(message)).Success)
        {
            EarlyFromRevision = Hex(x.Groups["r"].Value);
            EarlyToRevision ??= Current;
        }
        else if ((x = EarlyArrow().Match(message)).Success)
        {
            EarlyFromRevision = Hex(x.Groups["from"].Value);
            EarlyToRevision = Hex(x.Groups["to"].Value);
        }
        else if ((x = EarlyTo().Match(message)).Success)
        {
            EarlyToRevision = Hex(x.Groups["r"].Value);
        }
        else if ((x = AmdPatchLevel().Match(message)).Success || (x = IntelSignatureLine().Match(message)).Success)
        {
            Current ??= Hex(x.Groups["r"].Value);
        }
        else if ((x = LateArrow().Match(message)).Success)
        {
            LateFromRevision = Hex(x.Groups["from"].Value);
            LateToRevision = Hex(x.Groups["to"].Value);
        }
        else if ((x = LateTo().Match(message)).Success)
        {
            LateToRevision = Hex(x.Groups["r"].Value);
        }
        else
        {
            return;
        }
        SawMicrocodeLine = true;
        Line = message;
    }

    /// <summary>Where the running revision came from and what the BIOS had, as far as the lines say.</summary>
    public (MicrocodeSource Source, long? BiosRevision) Decide(long? running)
    {
        if (LateToRevision is not null)
        {
            return (MicrocodeSource.LateUpdate, EarlyFromRevision ?? LateFromRevision);
        }
        if (EarlyFromRevision is long from && (EarlyToRevision ?? Current ?? running) is long to && to != from)
        {
            return (MicrocodeSource.EarlyUpdate, from);
        }
        if (EarlyToRevision is not null && EarlyFromRevision is null)
        {
            return (MicrocodeSource.EarlyUpdate, null); // the oldest format does not name the BIOS's revision
        }
        if (SawMicrocodeLine || SawBootStart)
        {
            // A boot's lines without any update: the BIOS's revision runs.
            return (MicrocodeSource.Bios, Current ?? EarlyFromRevision ?? running);
        }
        return (MicrocodeSource.Unknown, null);
    }

    private void Reset()
    {
        SawMicrocodeLine = false;
        Current = EarlyFromRevision = EarlyToRevision = LateFromRevision = LateToRevision = null;
        Line = null;
    }

    private static long? Hex(string digits) =>
        long.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v) ? v : null;
}
