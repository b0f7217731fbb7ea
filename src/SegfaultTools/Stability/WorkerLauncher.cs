using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SegfaultTools;

/// <summary>
/// Starts SegfaultTools.Worker.dll (shipped beside the module) on the .NET runtime that runs this
/// PowerShell: through the dotnet host with that runtime's exact version where a host is found,
/// else inside a child pwsh (a self-contained pwsh has no dotnet host).
/// </summary>
internal sealed class WorkerLauncher
{
    public const string WorkerFileName = "SegfaultTools.Worker.dll";

    private WorkerLauncher(string program, IReadOnlyList<string> prefix, string workerPath, bool viaPwsh)
    {
        Program = program;
        Prefix = prefix;
        WorkerPath = workerPath;
        ViaPwsh = viaPwsh;
    }

    /// <summary>The program started: the dotnet host, or pwsh.</summary>
    public string Program { get; }

    /// <summary>Arguments before the worker's own.</summary>
    public IReadOnlyList<string> Prefix { get; }

    public string WorkerPath { get; }

    /// <summary>True when the worker runs inside a child pwsh (slower to start, same results).</summary>
    public bool ViaPwsh { get; }

    /// <summary>Variables set for the workers on top of this process's environment (the tests' fault injection).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; private init; } = new Dictionary<string, string>();

    public WorkerLauncher WithEnvironment(IReadOnlyDictionary<string, string> environment) =>
        new(Program, Prefix, WorkerPath, ViaPwsh) { Environment = environment, WorkingDirectory = WorkingDirectory };

    /// <summary>Finds how to start the worker; null with <paramref name="problem"/> set when it cannot be.</summary>
    public static WorkerLauncher? Find(out string? problem, bool preferPwsh = false)
    {
        var workerPath = Path.Combine(Path.GetDirectoryName(typeof(WorkerLauncher).Assembly.Location) ?? ".", WorkerFileName);
        if (!File.Exists(workerPath))
        {
            problem = $"The worker '{workerPath}' is missing; the module was not built or installed completely. Rebuild it (dotnet pwsh ./build.ps1) or reinstall the module.";
            return null;
        }
        var runtimeDir = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd('/');
        var version = Path.GetFileName(runtimeDir);
        if (!preferPwsh && FindDotnetHost(runtimeDir) is { } host)
        {
            // --fx-version: the exact runtime this pwsh runs on, not whichever one roll-forward picks.
            var prefix = new List<string> { "exec" };
            if (File.Exists(Path.Combine(runtimeDir, "System.Private.CoreLib.dll"))
                && Path.GetFullPath(Path.Combine(Path.GetDirectoryName(host)!, "shared", "Microsoft.NETCore.App", version)) == Path.GetFullPath(runtimeDir))
            {
                prefix.Add("--fx-version");
                prefix.Add(version);
            }
            prefix.Add(workerPath);
            problem = null;
            return new WorkerLauncher(host, prefix, workerPath, viaPwsh: false);
        }
        var pwsh = System.Environment.ProcessPath;
        if (pwsh is not null && Path.GetFileName(pwsh).StartsWith("pwsh", StringComparison.Ordinal))
        {
            problem = null;
            return ThroughPwsh(pwsh, Array.Empty<string>(), workerPath);
        }
        problem = "No dotnet host was found next to the .NET runtime running PowerShell, and this process is not pwsh. Put 'dotnet' on PATH or set DOTNET_ROOT.";
        return null;
    }

    /// <summary>Runs the worker inside a child pwsh started as <paramref name="program"/> <paramref name="arguments"/> (e.g. "pwsh", or "dotnet pwsh").</summary>
    internal static WorkerLauncher ThroughPwsh(string program, IEnumerable<string> arguments, string workerPath, string? workingDirectory = null) =>
        new(program, arguments.Concat(new[] { "-NoProfile", "-NonInteractive", "-NoLogo" }).ToList(), workerPath, viaPwsh: true) { WorkingDirectory = workingDirectory };

    /// <summary>Where the worker starts; this process's directory when null.</summary>
    internal string? WorkingDirectory { get; private init; }

    private static string? FindDotnetHost(string runtimeDir)
    {
        var candidates = new List<string?>();
        if (System.Environment.ProcessPath is { } self && Path.GetFileName(self) == "dotnet")
        {
            candidates.Add(self);
        }
        candidates.Add(System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH"));
        // <root>/shared/Microsoft.NETCore.App/<version>/ → <root>/dotnet
        candidates.Add(Path.Combine(runtimeDir, "..", "..", "..", "dotnet"));
        if (System.Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } root)
        {
            candidates.Add(Path.Combine(root, "dotnet"));
        }
        foreach (var dir in (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            candidates.Add(Path.Combine(dir, "dotnet"));
        }
        return candidates.Where(c => !string.IsNullOrEmpty(c) && File.Exists(c)).Select(c => Path.GetFullPath(c!)).FirstOrDefault();
    }

    /// <summary>The start info for the worker with <paramref name="workerArguments"/> (a verb and its options).</summary>
    public ProcessStartInfo StartInfo(IReadOnlyList<string> workerArguments)
    {
        var info = new ProcessStartInfo(Program)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (WorkingDirectory is not null)
        {
            info.WorkingDirectory = WorkingDirectory;
        }
        foreach (var a in Prefix)
        {
            info.ArgumentList.Add(a);
        }
        if (ViaPwsh)
        {
            var quoted = string.Join(",", workerArguments.Select(a => "'" + a.Replace("'", "''") + "'"));
            info.ArgumentList.Add("-Command");
            info.ArgumentList.Add($"Add-Type -LiteralPath '{WorkerPath.Replace("'", "''")}'; exit [SegfaultTools.WorkerProgram]::Main(@({quoted}))");
        }
        else
        {
            foreach (var a in workerArguments)
            {
                info.ArgumentList.Add(a);
            }
        }
        foreach (var (name, value) in Environment)
        {
            info.Environment[name] = value;
        }
        return info;
    }
}
