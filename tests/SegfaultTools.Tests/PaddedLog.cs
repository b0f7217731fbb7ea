using System.Text;

namespace SegfaultTools.Tests;

/// <summary>
/// Real lines with filler lines between them, written to a file, so the records the scanner must
/// find land on both sides of its chunk edges; and the comparison of two event lists.
/// </summary>
internal static class PaddedLog
{
    private const string Filler = "[    1.000000] usb 1-1: new high-speed USB device number 2 using xhci_hcd and a fairly long tail of text";

    /// <summary>Writes the file (last written 2026-06-01 UTC, the fixtures' reference time) and returns its path.</summary>
    public static string Write(string dir, IEnumerable<string> lines, int padding)
    {
        var text = new StringBuilder();
        foreach (var line in lines)
        {
            for (int i = 0; i < padding; i++)
            {
                text.Append(Filler).Append('\n');
            }
            text.Append(line).Append('\n');
        }
        var path = Path.Combine(dir, $"kern-{padding}.log");
        File.WriteAllText(path, text.ToString(), new UTF8Encoding(false));
        File.SetLastWriteTimeUtc(path, new DateTime(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc));
        return path;
    }

    /// <summary>Equal lists, the first difference named.</summary>
    public static void AssertSame(List<string> expected, List<string> actual)
    {
        for (int i = 0; i < Math.Min(expected.Count, actual.Count); i++)
        {
            Assert.True(expected[i] == actual[i], $"record {i}: expected {expected[i]}, got {actual[i]}");
        }
        Assert.Equal(expected.Count, actual.Count);
    }
}
