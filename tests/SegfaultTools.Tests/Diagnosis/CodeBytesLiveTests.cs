using System.Diagnostics;

namespace SegfaultTools.Tests;

/// <summary>
/// Real crashes on this machine: a program built here dies of a NULL read, in its own code and
/// inside libc; the kernel's record is read back with the module's own /dev/kmsg reader, the module
/// file is found as Get-SegfaultDiagnosis would find it, and the Code: bytes must match it. Skipped
/// (with the reason) where gcc, the kernel log or the kernel's crash lines are unavailable.
/// </summary>
public sealed class CodeBytesLiveTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("codebytes-live-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static string? SkipReason()
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64)
        {
            return "not x86-64 Linux (the Code: line is x86's)";
        }
        if (ProcessRunner.Find("gcc") is null)
        {
            return "gcc is not installed: cannot build the crash programs";
        }
        if (ProcessRunner.Find("bash") is null)
        {
            return "bash is not installed";
        }
        if (File.Exists("/proc/sys/debug/exception-trace") && File.ReadAllText("/proc/sys/debug/exception-trace").Trim() == "0")
        {
            return "debug.exception-trace = 0: the kernel does not log user-space crashes";
        }
        try
        {
            using var probe = KmsgReader.Open();
        }
        catch (Exception ex) when (ex is KernelLogAccessException or IOException)
        {
            return $"the kernel log cannot be read: {ex.Message}";
        }
        return null;
    }

    /// <summary>Builds <paramref name="source"/> as <paramref name="name"/> (the comm the kernel prints).</summary>
    private string Build(string source, string name)
    {
        var exe = Path.Combine(_temp, name);
        var psi = new ProcessStartInfo("gcc") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-O0", "-o", exe, Path.Combine(RepoPaths.Fixtures, source) })
        {
            psi.ArgumentList.Add(a);
        }
        using var gcc = Process.Start(psi)!;
        var errors = gcc.StandardError.ReadToEnd();
        gcc.WaitForExit();
        Assert.True(gcc.ExitCode == 0, $"gcc failed: {errors}");
        return exe;
    }

    /// <summary>Runs the program (core dumps off) and returns the kernel's record of its crash, or null when none was logged.</summary>
    private static SegfaultEvent? Crash(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
        // exec keeps the pid, so the pid the kernel prints is the one started here.
        foreach (var a in new[] { "-c", "ulimit -c 0; exec \"$0\" \"$@\"", exe }.Concat(args))
        {
            psi.ArgumentList.Add(a);
        }
        using var process = Process.Start(psi)!;
        process.WaitForExit();
        Assert.Equal(128 + 11, process.ExitCode); // killed by SIGSEGV
        int pid = process.Id;

        // The Code: record follows the crash line within microseconds; allow the log a moment.
        for (int attempt = 0; attempt < 20; attempt++)
        {
            var found = new CrashEventReader(_ => { }, _ => { }, CancellationToken.None)
                .ReadKernelRing(CrashEventReader.LiveKernelContext(), newestFirst: false, follow: false)
                .LastOrDefault(e => e.ProcessId == pid && e.ProcessName == Path.GetFileName(exe));
            if (found?.Code is not null)
            {
                return found;
            }
            Thread.Sleep(100);
        }
        return null;
    }

    private static string Tag() => Random.Shared.Next(0x10000).ToString("x4", System.Globalization.CultureInfo.InvariantCulture);

    [SkippableFact]
    public void CrashInTheProgramMatchesItsFile()
    {
        var reason = SkipReason();
        Skip.If(reason is not null, reason);
        var exe = Build(Path.Combine("crashers", "crasher.c"), $"cbl-{Tag()}-nr");
        var crash = Crash(exe, "nullread");
        Skip.If(crash is null, "the kernel logged no crash line for it (rate limit, or another process's crash handler)");
        Skip.If(crash.FileOffset is null, "this kernel prints no file offset in the crash line (before the [offset,base+size] form)");

        var code = CodeLine.Parse(crash.Code);
        Assert.NotNull(code);
        var path = ModuleFileLocator.Find(crash.Module!, SystemRoot.Live, new[] { _temp });
        Assert.Equal(exe, path);
        var v = CodeBytesCheck.Compare(code, path!, crash.FileOffset.Value, crash.TimeCreated, crash.ModuleOffset, crash.ModuleSize);
        Assert.True(v.Outcome == CodeBytesOutcome.Match, v.Detail);
        Assert.Equal(64, v.Compared);
    }

    [SkippableFact]
    public void CrashInLibcMatchesTheLibraryLdconfigNames()
    {
        var reason = SkipReason();
        Skip.If(reason is not null, reason);
        var exe = Build(Path.Combine("codebytes", "libc-null-strlen.c"), $"cbl-{Tag()}-lc");
        var crash = Crash(exe);
        Skip.If(crash is null, "the kernel logged no crash line for it (rate limit, or another process's crash handler)");
        Skip.If(crash.FileOffset is null, "this kernel prints no file offset in the crash line (before the [offset,base+size] form)");
        Assert.StartsWith("libc", crash.Module, StringComparison.Ordinal);

        var code = CodeLine.Parse(crash.Code);
        Assert.NotNull(code);
        var path = ModuleFileLocator.Find(crash.Module!, SystemRoot.Live);
        Assert.NotNull(path);
        var v = CodeBytesCheck.Compare(code, path, crash.FileOffset.Value, crash.TimeCreated, crash.ModuleOffset, crash.ModuleSize);
        Assert.True(v.Outcome == CodeBytesOutcome.Match, v.Detail);
        Assert.True(v.Compared >= 43, v.Detail);
    }
}
