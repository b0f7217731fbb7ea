namespace SegfaultTools;

/// <summary>What kind of code a crash's module is, from its file name.</summary>
internal static class ModuleNames
{
    /// <summary>NVIDIA's user-space driver libraries (libcuda, libnvidia-*, libnvcuvid, the GLX/EGL vendor libraries) and the device nodes the kernel names.</summary>
    public static bool IsGpuDriver(string module) =>
        module.StartsWith("libcuda", StringComparison.Ordinal) || module.StartsWith("libnvidia", StringComparison.Ordinal)
        || module.StartsWith("libnvcuvid", StringComparison.Ordinal) || module.StartsWith("libGLX_nvidia", StringComparison.Ordinal)
        || module.StartsWith("libEGL_nvidia", StringComparison.Ordinal) || module.StartsWith("nvidia", StringComparison.Ordinal)
        || module.StartsWith("libnvoptix", StringComparison.Ordinal);

    /// <summary>The C and C++ runtime and the dynamic linker: code every program runs, and that very rarely has a crash bug of its own.</summary>
    public static bool IsCoreRuntime(string module) =>
        module.StartsWith("libc.so", StringComparison.Ordinal) || module.StartsWith("libc-", StringComparison.Ordinal)
        || module.StartsWith("libstdc++", StringComparison.Ordinal) || module.StartsWith("ld-linux", StringComparison.Ordinal)
        || module.StartsWith("ld-2.", StringComparison.Ordinal) || module.StartsWith("libm.so", StringComparison.Ordinal)
        || module.StartsWith("libpthread", StringComparison.Ordinal) || module.StartsWith("libgcc_s", StringComparison.Ordinal);

    /// <summary>A real module name (not the placeholders for ip 0 or a missing module).</summary>
    public static bool IsReal(string module) => module is not MachineEvidence.IpZero and not MachineEvidence.NoModule;

    /// <summary>The program's own executable ("python3.11" for python3.11, "numa-BP" for numa-BP).</summary>
    public static bool IsProgramItself(string module, IEnumerable<string> programs) =>
        programs.Any(p => p.Length >= 3 && (module == p || module.StartsWith(p, StringComparison.Ordinal) || p.StartsWith(module, StringComparison.Ordinal)));
}
