namespace SegfaultTools;

/// <summary>Ordering and de-duplication across several event sources.</summary>
internal static class EventStreams
{
    /// <summary>
    /// Merges streams that are each in time order (newest first or oldest first) into one, lazily,
    /// so -MaxEvents stops every source early. An event without a time keeps its stream's place.
    /// </summary>
    public static IEnumerable<SegfaultEvent> MergeByTime(IReadOnlyList<IEnumerable<SegfaultEvent>> streams, bool newestFirst) =>
        MergeByTime(streams, newestFirst, e => e.TimeCreated);

    /// <summary>Merges streams of any event type by the time <paramref name="timeOf"/> gives (see above).</summary>
    public static IEnumerable<T> MergeByTime<T>(IReadOnlyList<IEnumerable<T>> streams, bool newestFirst, Func<T, DateTimeOffset?> timeOf)
    {
        if (streams.Count == 1)
        {
            foreach (var e in streams[0])
            {
                yield return e;
            }
            yield break;
        }

        var cursors = new List<(IEnumerator<T> It, DateTimeOffset Key)>();
        try
        {
            foreach (var s in streams)
            {
                var it = s.GetEnumerator();
                if (it.MoveNext())
                {
                    cursors.Add((it, timeOf(it.Current) ?? (newestFirst ? DateTimeOffset.MaxValue : DateTimeOffset.MinValue)));
                }
                else
                {
                    it.Dispose();
                }
            }
            while (cursors.Count > 0)
            {
                int pick = 0;
                for (int i = 1; i < cursors.Count; i++)
                {
                    bool better = newestFirst ? cursors[i].Key > cursors[pick].Key : cursors[i].Key < cursors[pick].Key;
                    if (better)
                    {
                        pick = i;
                    }
                }
                var (it, key) = cursors[pick];
                yield return it.Current;
                if (it.MoveNext())
                {
                    cursors[pick] = (it, timeOf(it.Current) ?? key);
                }
                else
                {
                    it.Dispose();
                    cursors.RemoveAt(pick);
                }
            }
        }
        finally
        {
            foreach (var (it, _) in cursors)
            {
                it.Dispose();
            }
        }
    }

    /// <summary>
    /// Drops repeats of one crash read from two places (kern.log and syslog, or a text log and the
    /// journal): same process, thread id, kind, addresses and day.
    /// </summary>
    public static IEnumerable<SegfaultEvent> Distinct(IEnumerable<SegfaultEvent> events)
    {
        var seen = new HashSet<(string?, int?, SegfaultKind, ulong?, ulong?, DateOnly?)>();
        foreach (var e in events)
        {
            var key = (e.ProcessName, e.ProcessId, e.Kind, e.InstructionPointer, e.FaultAddress,
                e.TimeCreated is { } t ? DateOnly.FromDateTime(t.UtcDateTime) : (DateOnly?)null);
            if (e.ProcessId is null || seen.Add(key))
            {
                yield return e;
            }
        }
    }

    /// <summary>Newest first from a source that can only be read front to back.</summary>
    public static IEnumerable<T> Reversed<T>(IEnumerable<T> forward)
    {
        var all = forward.ToList();
        for (int i = all.Count - 1; i >= 0; i--)
        {
            yield return all[i];
        }
    }
}
