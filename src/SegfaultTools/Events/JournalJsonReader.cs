using System.Text;
using System.Text.Json;

namespace SegfaultTools;

/// <summary>
/// Reads `journalctl -o json` entries (one JSON object a line). Values are strings, but journald
/// writes a field that is not clean UTF-8 as an array of byte values, a repeated field as an array
/// of values, and a too-large one as null.
/// </summary>
internal static class JournalJsonReader
{
    /// <summary>Frames one JSON entry; false for lines that are not journal entries.</summary>
    public static bool TryFrame(string line, out FramedLine framed)
    {
        framed = default;
        var trimmed = line.AsSpan().Trim();
        if (trimmed.Length < 2 || trimmed[0] != '{')
        {
            return false;
        }
        try
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return false;
            }
            var message = Field(root, "MESSAGE");
            if (message is null)
            {
                return false;
            }
            DateTimeOffset? time = null;
            if (Field(root, "__REALTIME_TIMESTAMP") is string rt && long.TryParse(rt, out var usec)
                && usec >= 0 && usec / 1000 <= MaxUnixMilliseconds)
            {
                time = DateTimeOffset.FromUnixTimeMilliseconds(usec / 1000).AddTicks(usec % 1000 * 10);
            }
            double? mono = Field(root, "_SOURCE_MONOTONIC_TIMESTAMP") is string sm && long.TryParse(sm, out var m) ? m / 1e6 : null;
            var transport = Field(root, "_TRANSPORT");
            var identifier = Field(root, "SYSLOG_IDENTIFIER");
            bool isKernel = transport == "kernel" || (transport is null && identifier is null or "kernel");
            framed = new FramedLine(message.TrimEnd('\n'), time, mono, Field(root, "_HOSTNAME"), Field(root, "_BOOT_ID"), null, isKernel);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    // DateTimeOffset.MaxValue, in Unix milliseconds; a stamp beyond it is garbage, not a time.
    private const long MaxUnixMilliseconds = 253_402_300_799_999;

    public static bool LooksLikeJournalJson(ReadOnlySpan<byte> head)
    {
        head = head.TrimStart(" \t\r\n"u8);
        return head.Length > 0 && head[0] == (byte)'{'
            && (head.IndexOf("\"__CURSOR\""u8) >= 0 || head.IndexOf("\"__REALTIME_TIMESTAMP\""u8) >= 0 || head.IndexOf("\"MESSAGE\""u8) >= 0);
    }

    private static string? Field(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var v))
        {
            return null;
        }
        return Value(v);
    }

    private static string? Value(JsonElement v)
    {
        switch (v.ValueKind)
        {
            case JsonValueKind.String:
                return v.GetString();
            case JsonValueKind.Number:
                return v.GetRawText();
            case JsonValueKind.Array:
                if (v.GetArrayLength() == 0)
                {
                    return null;
                }
                if (v[0].ValueKind == JsonValueKind.Number)
                {
                    var bytes = new byte[v.GetArrayLength()];
                    int i = 0;
                    foreach (var b in v.EnumerateArray())
                    {
                        bytes[i++] = b.ValueKind == JsonValueKind.Number && b.TryGetByte(out var x) ? x : (byte)'?';
                    }
                    return Encoding.UTF8.GetString(bytes);
                }
                return Value(v[0]);
            default:
                return null;
        }
    }
}
