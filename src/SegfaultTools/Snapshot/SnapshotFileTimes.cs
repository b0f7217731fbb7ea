using System.Globalization;

namespace SegfaultTools;

/// <summary>
/// The change times a snapshot recorded for its stand-ins (.segfaulttools/file-change-times.txt).
/// Extracting a tar gives every file a new ctime, so the code-bytes check would otherwise take
/// every stand-in for a file that changed after the crash.
/// </summary>
internal static class SnapshotFileTimes
{
    /// <summary>
    /// When <paramref name="path"/> (a file inside the captured tree <paramref name="root"/>) last
    /// changed on the machine it was captured from; null live, or where the tree records nothing for it.
    /// </summary>
    public static DateTimeOffset? Recorded(SystemRoot root, string path)
    {
        if (root.IsLive)
        {
            return null;
        }
        var relative = Path.GetRelativePath(root.Root, path).Replace('\\', '/');
        if (relative.StartsWith("..", StringComparison.Ordinal))
        {
            return null;
        }
        return Read(root).TryGetValue("/" + relative, out var t) ? t : null;
    }

    /// <summary>Every recorded time by machine path.</summary>
    public static Dictionary<string, DateTimeOffset> Read(SystemRoot root)
    {
        var times = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        try
        {
            var file = root.PathOf($"{CapturedPrograms.Folder}/{SnapshotBuilder.FileTimesName}");
            if (!File.Exists(file))
            {
                return times;
            }
            foreach (var line in File.ReadLines(file))
            {
                var tab = line.IndexOf('\t', StringComparison.Ordinal);
                if (line.StartsWith('#') || tab <= 0)
                {
                    continue;
                }
                if (DateTimeOffset.TryParse(line[..tab], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t))
                {
                    times[line[(tab + 1)..]] = t;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
        return times;
    }
}
