using System.Globalization;

namespace SegfaultTools;

/// <summary>
/// The instruction bytes the kernel read from the crashed process's memory around ip, and where ip
/// is among them (42 on a full x86 line: 42 bytes before, the byte at ip, 21 after).
/// </summary>
internal sealed record CodeBytes(byte[] Bytes, int IpIndex);

/// <summary>Reads the kernel's <c>Code:</c> line (arch/x86/kernel/dumpstack.c, show_opcodes).</summary>
internal static class CodeLine
{
    /// <summary>
    /// The bytes of a <c>Code:</c> line, with or without the "Code:" prefix (and anything before it,
    /// such as a time stamp). The byte at ip is written <c>&lt;xx&gt;</c>, or <c>(xx)</c> as some
    /// kernels and scripts/decodecode mark it. Null where there are no bytes to compare: "Unable to
    /// access opcode bytes", "Bad RIP value", no ip marker, or anything but two-digit hex bytes
    /// (other architectures print whole instruction words). A line cut short keeps the bytes it has.
    /// </summary>
    public static CodeBytes? Parse(string? code)
    {
        if (string.IsNullOrWhiteSpace(code))
        {
            return null;
        }
        var text = code;
        int prefix = text.IndexOf("Code:", StringComparison.Ordinal);
        if (prefix >= 0)
        {
            text = text[(prefix + "Code:".Length)..];
        }
        var tokens = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length > 1 && tokens[^1].Length == 1 && char.IsAsciiHexDigit(tokens[^1][0]))
        {
            tokens = tokens[..^1]; // a line cut short in the middle of its last byte
        }
        if (tokens.Length == 0)
        {
            return null;
        }
        var bytes = new byte[tokens.Length];
        int ip = -1;
        for (int i = 0; i < tokens.Length; i++)
        {
            var token = tokens[i].AsSpan();
            bool marked = token.Length == 4 && ((token[0] == '<' && token[3] == '>') || (token[0] == '(' && token[3] == ')'));
            if (marked)
            {
                if (ip >= 0)
                {
                    return null; // two markers: not a line this reader understands
                }
                ip = i;
                token = token[1..3];
            }
            if (token.Length != 2 || !byte.TryParse(token, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out bytes[i]))
            {
                return null;
            }
        }
        return ip < 0 ? null : new CodeBytes(bytes, ip);
    }
}
