using System.Text.RegularExpressions;

namespace SegfaultTools;

/// <summary>
/// Intel's 13th/14th Gen desktop "Vmin shift" instability: which parts it affects, which microcode
/// carries the fix, and what to tell the owner. Sources (DOMAIN.md 4.1-4.3): Intel's root-cause post
/// (Sept 2024: the fixes are microcode 0x125, 0x129 and 0x12B; the microcode prevents further shift
/// but does not repair a degraded part; desktop parts only), and the Intel Linux microcode release
/// notes (06-b7-01 = Raptor Lake-S B0; 06-bf-02/05 = Raptor Lake-S on the Alder Lake die; 06-ba-02/03 = Raptor Lake-P/H/U).
/// </summary>
internal static partial class RaptorLakeRules
{
    /// <summary>CPUID model 0xB7: the Raptor Lake-S/HX B0 die (i9/i7 and i5-13600K/14600K class).</summary>
    public const int RaptorLakeS = 0xB7;

    /// <summary>CPUID model 0xBF: Raptor Lake-S on Alder-Lake-derived dies (i5-13400, i3); not in Intel's list.</summary>
    public const int RaptorLakeSAlderDie = 0xBF;

    /// <summary>CPUID model 0xBA: Raptor Lake-P/H/U (mobile); Intel said mobile parts are not affected.</summary>
    public const int RaptorLakeP = 0xBA;

    /// <summary>The first revision with all three of Intel's Vmin-shift mitigations (0x125, 0x129, 0x12B).</summary>
    public const long VminFixRevision = 0x12B;

    // Mobile HX parts share the 0xB7 die ("13th Gen Intel(R) Core(TM) i9-13980HX", "i7-14650HX").
    [GeneratedRegex(@"\bi[3579]-1[34]\d{3}HX\b", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex MobileHx();

    public static bool IsIntel(CpuIdentity cpu) => cpu.Vendor == "GenuineIntel";

    /// <summary>Intel family 6, model 0xB7, and not a mobile HX part by its name.</summary>
    public static bool IsAffected(CpuIdentity cpu) =>
        IsIntel(cpu) && cpu.Family == 6 && cpu.Model == RaptorLakeS && !(cpu.ModelName is { } n && MobileHx().IsMatch(n));

    /// <summary>For an affected part: whether the running revision is at or past 0x12B; null otherwise.</summary>
    public static bool? HasVminFix(CpuIdentity cpu) =>
        IsAffected(cpu) && cpu.MicrocodeRevision is long rev ? rev >= VminFixRevision : null;

    /// <summary>The advice for this machine, or null where the instability does not concern it.</summary>
    public static string? Advice(CpuIdentity cpu, MicrocodeSource source, long? biosRevision)
    {
        var fix = FormatFix();
        if (!IsAffected(cpu))
        {
            if (IsIntel(cpu) && cpu.Family == 6 && cpu.Model is RaptorLakeS)
            {
                return $"This is a mobile HX part on the Raptor Lake die; Intel said the Vmin-shift instability affects the 13th/14th Gen desktop parts only. Keeping the BIOS current (microcode {fix} or later) does no harm.";
            }
            if (IsIntel(cpu) && cpu.Family == 6 && cpu.Model is RaptorLakeP)
            {
                return "This is a Raptor Lake mobile part (CPUID model 0xBA); Intel said mobile processors are not affected by the Vmin-shift instability.";
            }
            if (IsIntel(cpu) && cpu.Family == 6 && cpu.Model is RaptorLakeSAlderDie)
            {
                return "This Raptor Lake part (CPUID model 0xBF) uses the Alder Lake-derived die, which is not in Intel's list of parts with the Vmin-shift instability.";
            }
            return null;
        }

        var running = cpu.Microcode ?? "unknown";
        if (cpu.MicrocodeRevision is not long rev)
        {
            return $"This CPU is one of the 13th/14th Gen desktop parts with Intel's Vmin-shift instability, but its microcode revision could not be read. Check that the BIOS provides microcode {fix} or later.";
        }
        if (rev < VminFixRevision)
        {
            return $"This CPU is one of the 13th/14th Gen desktop parts with Intel's Vmin-shift instability, and its microcode ({running}) predates Intel's fix ({fix}). "
                + $"Update the motherboard BIOS to a release that carries microcode {fix} or later and load its Intel default power settings: the fix comes with the firmware, "
                + "and a microcode file loaded by the OS does not change the voltage requests the BIOS makes. Until then, treat crashes on this machine as possibly caused by the CPU.";
        }
        var caveat = "The fix prevents further degradation but repairs none: if crashes, wrong results or failed compiles continue with it in place, the CPU may already be degraded and need replacing (Intel extended the warranty for these parts).";
        if (source == MicrocodeSource.EarlyUpdate && biosRevision is long bios && bios < VminFixRevision)
        {
            return $"This CPU is one of the 13th/14th Gen desktop parts with Intel's Vmin-shift instability. The OS loaded microcode {running}, which has Intel's fix, over the BIOS's {CpuIdentity.FormatRevision(bios)}, which does not: "
                + $"update the BIOS as well, since the firmware's own voltage settings come with it. {caveat}";
        }
        return $"This CPU is one of the 13th/14th Gen desktop parts with Intel's Vmin-shift instability; its microcode ({running}) includes Intel's fix ({fix} or later). {caveat}";
    }

    private static string FormatFix() => "0x12B";
}
