using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Management.Automation.Runspaces;

namespace SegfaultTools.Commands.Completers;

/// <summary>
/// Completes names seen in crash records (process or module) from the source the command line
/// names (-Path, -LiteralPath, -Root) or else from this machine's log. Bounded in time and count:
/// a completion must come back at once and never fail.
/// </summary>
internal abstract class CrashNameCompleter : IArgumentCompleter
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(3);
    private const int MaxEventsScanned = 5000;

    protected abstract string? NameOf(SegfaultEvent e);

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = wordToComplete.Trim('\'', '"');
        var pattern = new WildcardPattern(prefix + "*", WildcardOptions.IgnoreCase);
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var cancel = new CancellationTokenSource(Budget);
        try
        {
            var reader = new CrashEventReader(_ => { }, _ => { }, cancel.Token);
            int seen = 0;
            foreach (var e in Events(reader, fakeBoundParameters))
            {
                if (cancel.IsCancellationRequested || ++seen > MaxEventsScanned)
                {
                    break;
                }
                if (NameOf(e) is { Length: > 0 } name && pattern.IsMatch(name))
                {
                    names.Add(name);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or UnauthorizedAccessException
            or ExternalProgramException or InvalidOperationException or ArgumentException or PSInvalidOperationException)
        {
            // What was found before the source failed or the time ran out is still offered.
        }
        return names.OrderBy(n => n, StringComparer.OrdinalIgnoreCase).ThenBy(n => n, StringComparer.Ordinal).Select(n => new CompletionResult(CompletionText(n), n, CompletionResultType.ParameterValue, n));
    }

    /// <summary>
    /// The text to insert: wildcard characters escaped (the parameter takes wildcards), control
    /// characters from untrusted log text turned into "?" so they never reach the command line
    /// raw, and single quotes where the name holds spaces or PowerShell metacharacters.
    /// </summary>
    internal static string CompletionText(string name)
    {
        var escaped = WildcardPattern.Escape(name);
        var chars = escaped.Select(c => char.IsControl(c) ? '?' : c).ToArray();
        var text = new string(chars);
        if (text.IndexOfAny(new[] { ' ', '\'', '"', '$', '`', ';', '(', ')', '{', '}', '@', '&', '|', ',', '<', '>', '#' }) >= 0)
        {
            text = "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
        }
        return text;
    }

    private static IEnumerable<SegfaultEvent> Events(CrashEventReader reader, IDictionary bound)
    {
        IEnumerable<SegfaultEvent> Unlimited(IEnumerable<SegfaultEvent> s) => s;
        var live = SystemRoot.Live;
        var dirs = Strings(bound, "Root");
        if (Strings(bound, "LiteralPath") is { Count: > 0 } literal)
        {
            return reader.ReadFiles(literal.Select(p => ResolvePaths(p, literal: true)).SelectMany(x => x), live, newestFirst: true, Unlimited);
        }
        if (Strings(bound, "Path") is { Count: > 0 } paths)
        {
            return reader.ReadFiles(paths.Select(p => ResolvePaths(p, literal: false)).SelectMany(x => x), live, newestFirst: true, Unlimited);
        }
        if (dirs is { Count: > 0 })
        {
            var dir = ResolveDirectory(dirs[0]);
            return dir is not null && Directory.Exists(dir)
                ? reader.ReadRoot(new SystemRoot(dir), newestFirst: true, Unlimited) ?? Array.Empty<SegfaultEvent>()
                : Array.Empty<SegfaultEvent>();
        }
        if (!OperatingSystem.IsLinux())
        {
            return Array.Empty<SegfaultEvent>();
        }
        return reader.JournalHasKernelEntries()
            ? reader.ReadJournal(new List<string>(), CrashEventReader.LiveJournalContext(), newestFirst: true, follow: false)
            : reader.ReadKernelRing(CrashEventReader.LiveKernelContext(), newestFirst: true, follow: false);
    }

    private static string? ResolveDirectory(string path)
    {
        if (Runspace.DefaultRunspace is null)
        {
            return System.IO.Path.GetFullPath(path);
        }
        using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
        ps.AddCommand("Microsoft.PowerShell.Management\\Resolve-Path").AddParameter("LiteralPath", path).AddParameter("ErrorAction", ActionPreference.Ignore);
        return ps.Invoke<PathInfo>().Select(p => p.ProviderPath).FirstOrDefault();
    }

    private static List<string>? Strings(IDictionary bound, string key)
    {
        if (!bound.Contains(key) || bound[key] is not { } value)
        {
            return null;
        }
        value = value is PSObject pso ? pso.BaseObject : value;
        return value switch
        {
            string s => new List<string> { s },
            IEnumerable items => items.Cast<object?>().Select(i => i is PSObject p ? p.BaseObject : i).OfType<string>().ToList(),
            _ => null,
        };
    }

    /// <summary>
    /// Paths as the session sees them (its current location, its wildcards). A completer runs on
    /// the pipeline thread, where a nested pipeline in the current runspace may ask the session.
    /// </summary>
    private static IEnumerable<string> ResolvePaths(string path, bool literal)
    {
        if (Runspace.DefaultRunspace is null)
        {
            return new[] { System.IO.Path.GetFullPath(path) };
        }
        using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
        ps.AddCommand("Microsoft.PowerShell.Management\\Resolve-Path")
            .AddParameter(literal ? "LiteralPath" : "Path", path)
            .AddParameter("ErrorAction", ActionPreference.Ignore);
        return ps.Invoke<PathInfo>()
            .Where(p => p.Provider.Name == "FileSystem")
            .Select(p => p.ProviderPath)
            .Where(File.Exists)
            .ToArray();
    }
}

/// <summary>Completes -ProcessName with the thread names seen in crash records.</summary>
internal sealed class ProcessNameCompleter : CrashNameCompleter
{
    protected override string? NameOf(SegfaultEvent e) => e.ProcessName;
}

/// <summary>Completes -Module with the module names seen in crash records.</summary>
internal sealed class ModuleNameCompleter : CrashNameCompleter
{
    protected override string? NameOf(SegfaultEvent e) => e.Module;
}
