namespace SegfaultTools;

/// <summary>The kind of core a logical CPU belongs to, as far as the machine's evidence tells.</summary>
public enum CoreType
{
    /// <summary>A performance core (Intel P-core, Arm "big", AMD full-size core on a mixed part).</summary>
    Performance,

    /// <summary>An efficiency core (Intel E-core, Arm "LITTLE", AMD compact "c" core on a mixed part).</summary>
    Efficiency,

    /// <summary>A low-power efficiency core: the third kind on parts such as Meteor Lake (LP E-cores).</summary>
    LowPowerEfficiency,

    /// <summary>All cores of the machine are alike: there is nothing hybrid to tell apart.</summary>
    Uniform,

    /// <summary>The evidence is missing (for example an offline CPU); Evidence says what was missing.</summary>
    Unknown,
}
