namespace SegfaultTools;

/// <summary>Where the running microcode came from.</summary>
public enum MicrocodeSource
{
    /// <summary>The kernel log that would say was not readable, or no longer holds this boot's first lines.</summary>
    Unknown,

    /// <summary>No update by the OS: the revision is the one the BIOS (firmware) loaded.</summary>
    Bios,

    /// <summary>The OS loaded a newer revision early in boot (initramfs), replacing the BIOS's (BiosMicrocode).</summary>
    EarlyUpdate,

    /// <summary>The OS loaded a newer revision after boot (late loading; it taints the kernel on recent kernels).</summary>
    LateUpdate,

    /// <summary>A virtual machine: the host's firmware and hypervisor decide the microcode; the guest's number may be synthetic.</summary>
    Hypervisor,
}

/// <summary>
/// One machine's hardware and software facts, read from /proc, /sys, /etc, the kernel log and the
/// programs themselves (or from a captured tree): what a crash investigation's first page lists,
/// plus the CPU's identity, its running microcode and the Raptor Lake Vmin-shift verdict.
/// Flat scalars, so Export-Csv and remoting keep every fact; a fact that could not be read is null
/// and <see cref="Notes"/> says why.
/// </summary>
public sealed class SystemProfile
{
    internal SystemProfile()
    {
    }

    /// <summary>The live host name, or the captured tree's etc/hostname.</summary>
    public string ComputerName { get; internal init; } = "";

    // ----- CPU -----

    /// <summary>/proc/cpuinfo "model name" ("13th Gen Intel(R) Core(TM) i9-13900KS").</summary>
    public string? CpuModel { get; internal init; }

    /// <summary>/proc/cpuinfo "vendor_id" ("GenuineIntel", "AuthenticAMD").</summary>
    public string? CpuVendor { get; internal init; }

    /// <summary>"cpu family" (decimal, as the kernel prints it): 6 for Intel Core, 25/26 for AMD Zen 3-5.</summary>
    public int? CpuFamily { get; internal init; }

    /// <summary>"model" (decimal): 183 = 0xB7 for Raptor Lake-S.</summary>
    public int? CpuModelNumber { get; internal init; }

    /// <summary>"stepping".</summary>
    public int? CpuStepping { get; internal init; }

    /// <summary>family-model-stepping in hex as Intel names its microcode files ("06-b7-01").</summary>
    public string? CpuSignature { get; internal init; }

    /// <summary>The running microcode as /proc/cpuinfo prints it ("0x12b").</summary>
    public string? Microcode { get; internal init; }

    /// <summary>The running microcode revision as a number (0x12b = 299).</summary>
    public long? MicrocodeRevision { get; internal init; }

    /// <summary>Whether the OS or the BIOS loaded the running microcode (from the kernel's boot lines).</summary>
    public MicrocodeSource MicrocodeSource { get; internal init; }

    /// <summary>The revision the BIOS left before an OS update ("0x119"), or the running one when the BIOS's is running.</summary>
    public string? BiosMicrocode { get; internal init; }

    /// <summary>DMI bios_vendor.</summary>
    public string? BiosVendor { get; internal init; }

    /// <summary>DMI bios_version.</summary>
    public string? BiosVersion { get; internal init; }

    /// <summary>DMI bios_date as written (MM/DD/YYYY).</summary>
    public string? BiosDate { get; internal init; }

    /// <summary>Distinct physical packages.</summary>
    public int? Sockets { get; internal init; }

    /// <summary>Physical cores (distinct socket and core_id among online CPUs).</summary>
    public int? PhysicalCores { get; internal init; }

    /// <summary>Logical CPUs the kernel lists (present, online or not).</summary>
    public int? LogicalCpus { get; internal init; }

    /// <summary>True for a machine with performance and efficiency cores (Get-HybridCoreMap's answer).</summary>
    public bool IsHybrid { get; internal init; }

    /// <summary>Physical P-cores (hybrid parts only; null on a uniform machine).</summary>
    public int? PerformanceCores { get; internal init; }

    /// <summary>Physical E-cores, low-power E-cores included (hybrid parts only; null on a uniform machine).</summary>
    public int? EfficiencyCores { get; internal init; }

    /// <summary>The highest cpufreq cpuinfo_max_freq of any CPU, in MHz.</summary>
    public int? MaxFrequencyMHz { get; internal init; }

    /// <summary>"VT-x" (vmx flag), "AMD-V" (svm flag), or null where neither is exposed.</summary>
    public string? Virtualization { get; internal init; }

    /// <summary>The kernel runs under a hypervisor (the cpuinfo "hypervisor" flag).</summary>
    public bool IsVirtualMachine { get; internal init; }

    /// <summary>One of Intel's 13th/14th Gen desktop parts with the Vmin-shift instability (family 6, model 0xB7, not a mobile HX part).</summary>
    public bool IsRaptorLakeAffected { get; internal init; }

    /// <summary>For an affected part: the running microcode is 0x12B or later (Intel's Vmin-shift fix). Null for other CPUs or an unreadable revision.</summary>
    public bool? MicrocodeHasVminFix { get; internal init; }

    /// <summary>What to do about the Raptor Lake instability on this machine; null where it does not apply.</summary>
    public string? RaptorLakeAdvice { get; internal init; }

    // ----- memory -----

    /// <summary>MemTotal from /proc/meminfo, in bytes.</summary>
    public long? MemoryTotal { get; internal init; }

    /// <summary>SwapTotal from /proc/meminfo, in bytes.</summary>
    public long? SwapTotal { get; internal init; }

    /// <summary>True where EDAC reports ECC on the memory; null where no EDAC memory controller is registered (errors are then not observable).</summary>
    public bool? EccMemory { get; internal init; }

    // ----- OS -----

    /// <summary>os-release PRETTY_NAME.</summary>
    public string? Distribution { get; internal init; }

    /// <summary>os-release ID ("garuda", "debian").</summary>
    public string? DistributionId { get; internal init; }

    /// <summary>os-release VERSION_ID, else BUILD_ID ("rolling").</summary>
    public string? DistributionVersion { get; internal init; }

    /// <summary>/proc/sys/kernel/osrelease (uname -r).</summary>
    public string? KernelRelease { get; internal init; }

    /// <summary>/proc/sys/kernel/version (uname -v): build number, SMP/PREEMPT tags and the build date.</summary>
    public string? KernelVersion { get; internal init; }

    /// <summary>The build date in KernelVersion, where it has one of the known shapes.</summary>
    public DateTimeOffset? KernelBuildDate { get; internal init; }

    /// <summary>The compiler that built the kernel, from /proc/version ("gcc (GCC) 15.2.1 20251112").</summary>
    public string? KernelCompiler { get; internal init; }

    /// <summary>The kernel flavour from the release string: zen, lts, rt, hardened, generic, arch, amd64, ...</summary>
    public string? KernelFlavor { get; internal init; }

    /// <summary>The preemption model built in: none, voluntary, full, lazy, dynamic (chosen at boot) or rt.</summary>
    public string? PreemptionModel { get; internal init; }

    /// <summary>The mode in effect (none, voluntary, full, lazy, rt) where it can be read or inferred; Notes says how.</summary>
    public string? ActivePreemption { get; internal init; }

    /// <summary>/proc/sys/kernel/tainted: the taint bitmask (0 = not tainted).</summary>
    public long? KernelTainted { get; internal init; }

    /// <summary>The taint flags as the kernel's letters ("OE"); empty when not tainted.</summary>
    public string? KernelTaintFlags { get; internal init; }

    /// <summary>Each set flag explained ("O: out-of-tree module loaded; W: kernel warning issued").</summary>
    public string? KernelTaint { get; internal init; }

    // ----- toolchain -----

    /// <summary>The C library's own version (gnu_get_libc_version), e.g. "2.42"; from a captured `ldd --version` under -Root.</summary>
    public string? GlibcVersion { get; internal init; }

    /// <summary>The newest GLIBCXX_ symbol version the libstdc++ programs load defines ("GLIBCXX_3.4.34").</summary>
    public string? LibstdcxxVersion { get; internal init; }

    /// <summary>The libstdc++ file that was read (links followed): "/usr/lib/libstdc++.so.6.0.34".</summary>
    public string? LibstdcxxPath { get; internal init; }

    /// <summary>`gcc --version`: the version after the package name ("15.2.1 20251112").</summary>
    public string? GccVersion { get; internal init; }

    /// <summary>`python3 --version` ("3.12.2").</summary>
    public string? PythonVersion { get; internal init; }

    // ----- GPU -----

    /// <summary>GPU name (from Get-GpuDriverInfo where available).</summary>
    public string? GpuName { get; internal init; }

    /// <summary>GPU memory in MiB.</summary>
    public long? GpuMemoryMiB { get; internal init; }

    /// <summary>GPU driver version.</summary>
    public string? GpuDriverVersion { get; internal init; }

    /// <summary>The CUDA version the driver supports.</summary>
    public string? CudaVersion { get; internal init; }

    /// <summary>What could not be read and why, and how inferred values were inferred.</summary>
    public string[] Notes { get; internal init; } = Array.Empty<string>();

    public override string ToString() => $"{ComputerName}: {CpuModel ?? "unknown CPU"}, {KernelRelease ?? "unknown kernel"}";
}
