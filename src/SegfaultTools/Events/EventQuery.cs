using System.Management.Automation;

namespace SegfaultTools;

/// <summary>The filters a caller asked for; matched against every event read.</summary>
internal sealed class EventQuery
{
    private readonly WildcardPattern[]? _processNames;
    private readonly WildcardPattern[]? _modules;

    public EventQuery(DateTimeOffset? since, DateTimeOffset? until, string[]? processNames, string[]? modules, SegfaultKind[]? kinds)
    {
        Since = since;
        Until = until;
        Kinds = kinds is { Length: > 0 } ? new HashSet<SegfaultKind>(kinds) : null;
        _processNames = processNames?.Select(p => new WildcardPattern(p, WildcardOptions.IgnoreCase)).ToArray();
        _modules = modules?.Select(p => new WildcardPattern(p, WildcardOptions.IgnoreCase)).ToArray();
    }

    public DateTimeOffset? Since { get; }
    public DateTimeOffset? Until { get; }
    public HashSet<SegfaultKind>? Kinds { get; }

    public bool Matches(SegfaultEvent e)
    {
        if (Since is { } since && (e.TimeCreated is null || e.TimeCreated < since))
        {
            return false;
        }
        if (Until is { } until && (e.TimeCreated is null || e.TimeCreated > until))
        {
            return false;
        }
        if (Kinds is not null && !Kinds.Contains(e.Kind))
        {
            return false;
        }
        if (_processNames is not null && !_processNames.Any(p => p.IsMatch(e.ProcessName ?? string.Empty)))
        {
            return false;
        }
        if (_modules is not null && !_modules.Any(p => p.IsMatch(e.Module ?? string.Empty)))
        {
            return false;
        }
        return true;
    }

}
