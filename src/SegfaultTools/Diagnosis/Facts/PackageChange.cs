namespace SegfaultTools;

/// <summary>What the package manager did to a package.</summary>
internal enum PackageAction
{
    Installed,
    Upgraded,
    Downgraded,
    Removed,
    Reinstalled,
}

/// <summary>The part a package plays in a crash diagnosis: what code of the crashing machine it changes.</summary>
internal enum PackageRole
{
    Other,
    /// <summary>The kernel image and its modules (linux, linux-zen, linux-image-*, kernel-core).</summary>
    Kernel,
    /// <summary>GPU kernel and user-space drivers (nvidia*, libnvidia-*, mesa, xf86-video-*).</summary>
    GpuDriver,
    /// <summary>The C library (glibc, libc6).</summary>
    CLibrary,
    /// <summary>The C++ runtime and the GCC support library (gcc-libs, libstdc++6, libgcc).</summary>
    CxxLibrary,
    /// <summary>Compilers (gcc, clang): DKMS modules are built with them.</summary>
    Compiler,
    Python,
    /// <summary>CPU microcode loaded by the OS (intel-ucode, amd-ucode, intel-microcode, microcode_ctl).</summary>
    Microcode,
    /// <summary>Device firmware files (linux-firmware, firmware-*, *-firmware).</summary>
    Firmware,
    Browser,
}

/// <summary>
/// One change the package manager logged. <paramref name="FromVersion"/> is null for an install,
/// <paramref name="ToVersion"/> null for a removal; both are null where the log does not say
/// (yum.log names only the new version of an update). <paramref name="Source"/> is the log file.
/// </summary>
internal sealed record PackageChange(
    DateTimeOffset Time,
    string Name,
    PackageAction Action,
    string? FromVersion,
    string? ToVersion,
    string Source)
{
    public PackageRole Role => PackageHistoryReader.Classify(Name);

    public override string ToString() => $"{Time:u} {Action} {Name} {FromVersion}{(FromVersion is not null && ToVersion is not null ? " -> " : string.Empty)}{ToVersion}";
}
