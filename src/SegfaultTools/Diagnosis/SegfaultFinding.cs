using System.Collections.ObjectModel;

namespace SegfaultTools;

/// <summary>The causes Get-SegfaultDiagnosis weighs.</summary>
public enum DiagnosisCause
{
    /// <summary>The CPU computes wrong answers on more than one core (Raptor Lake Vmin shift, overclock, undervolt, power delivery).</summary>
    CpuInstability,

    /// <summary>One core or one cluster computes wrong answers.</summary>
    DefectiveCore,

    /// <summary>RAM corrupts data (a failing DIMM, an unstable XMP/EXPO profile).</summary>
    MemoryInstability,

    /// <summary>A bug in the NVIDIA driver (kernel module, GSP firmware or user-space libraries).</summary>
    GpuDriver,

    /// <summary>The loaded NVIDIA kernel module and the user-space libraries are different versions.</summary>
    DriverVersionMismatch,

    /// <summary>The GPU, its slot, cable or power supply fails (Xid 79 "fallen off the bus", PCIe errors).</summary>
    GpuHardwareOrPower,

    /// <summary>A bug in one shared library that several programs load.</summary>
    LibraryBug,

    /// <summary>A bug in one program.</summary>
    ApplicationBug,

    /// <summary>A bug brought in by a kernel change.</summary>
    KernelRegression,

    /// <summary>The evidence does not decide; the finding says what to collect.</summary>
    Inconclusive,
}

/// <summary>How much weight a finding carries.</summary>
public enum ConfidenceLevel
{
    Low,
    Medium,
    High,
}

/// <summary>Lines of evidence; reads as one line in a table or a CSV cell.</summary>
public sealed class EvidenceList : ReadOnlyCollection<string>
{
    public EvidenceList(IList<string> lines) : base(lines)
    {
    }

    public static EvidenceList None { get; } = new(Array.Empty<string>());

    public override string ToString() => string.Join(" | ", this);
}

/// <summary>
/// One candidate cause of a machine's crashes, ranked: how likely, why (Evidence, with the numbers
/// and how much each moved the score), what speaks against it, and the one test that would
/// confirm or rule it out.
/// </summary>
public sealed class SegfaultFinding
{
    public string ComputerName { get; init; } = "";

    /// <summary>1 for the most likely cause.</summary>
    public int Rank { get; init; }

    public DiagnosisCause Cause { get; init; }

    /// <summary>0 to 1, from the summed weights of the evidence (a logistic of the score).</summary>
    public double Confidence { get; init; }

    public ConfidenceLevel Level { get; init; }

    /// <summary>One sentence.</summary>
    public string Summary { get; init; } = "";

    /// <summary>The facts that raised the score, each with its weight ("+1.2: ...").</summary>
    public EvidenceList Evidence { get; init; } = EvidenceList.None;

    /// <summary>The facts that lowered it, or that a reader might take as a reason against it.</summary>
    public EvidenceList AgainstIt { get; init; } = EvidenceList.None;

    /// <summary>A command that would confirm or rule the cause out.</summary>
    public string? NextTest { get; init; }

    public string? Recommendation { get; init; }

    /// <summary>The summed weights: the same evidence always gives the same score.</summary>
    public double Score { get; init; }

    public override string ToString() => $"{Rank}. {Cause} ({Level}, {Confidence:P0}): {Summary}";
}
