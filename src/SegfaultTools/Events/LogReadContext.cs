namespace SegfaultTools;

/// <summary>What a parser needs to know about the source it reads, beyond the lines themselves.</summary>
internal sealed record LogReadContext
{
    /// <summary>Written to <see cref="SegfaultEvent.Source"/>: "journal", "kernel", or a file path.</summary>
    public string Source { get; init; } = "input";

    /// <summary>
    /// Year-less stamps (syslog, journal short) take the latest year that does not put them after
    /// this moment: the file's last write, or now.
    /// </summary>
    public DateTimeOffset ReferenceTime { get; init; } = DateTimeOffset.Now;

    /// <summary>Zone of stamps that carry none: the machine's, or the captured tree's.</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Local;

    /// <summary>Host for records whose line names none.</summary>
    public string? ComputerName { get; init; }

    /// <summary>Wall-clock time of boot, for turning monotonic stamps into times; null where unknown.</summary>
    public DateTimeOffset? BootTime { get; init; }

    /// <summary>Boot the lines come from, where the source says.</summary>
    public string? BootId { get; init; }
}
