using System.Text;

namespace SegfaultTools;

/// <summary>
/// Reads text logs at memory speed: a vectorized search for the few byte strings every crash record
/// contains skips the other 99.9% of lines without decoding them; only candidate lines, and the
/// lines right after a crash head (where its continuation records are), reach the parser.
/// </summary>
internal static class TextLogScanner
{
    internal const int ChunkSize = 4 * 1024 * 1024;

    // Every crash record holds one of these: "egfault" (fault.c's "segfault at"), "ip:" (traps.c's
    // "ip:... sp:... error:"), "unhandled" (arm64, riscv) and "signal" (print-fatal-signals'
    // "fatal signal", and the rate-limit notice "show_signal_msg: N callbacks suppressed"). They are
    // chosen for the byte search's speed too: its vector compare keys on a needle's first and last
    // byte, and pairs like " " + ":" (in every time stamp) would make it check every line; and each
    // needle is one more pass, so one covers two records where it can.
    // "syslogd@" finds the header of a syslogd wall broadcast, which holds the time and host of the
    // " kernel:..." line after it.
    internal static readonly ScanNeedles CrashNeedles = new(
        "egfault"u8.ToArray(),
        "ip:"u8.ToArray(),
        "unhandled"u8.ToArray(),
        "signal"u8.ToArray(),
        "syslogd@"u8.ToArray());

    private const int SearchBlock = 64 * 1024;

    /// <summary>Whether a file must be read front to back: dmesg -H stamps count on the lines before them.</summary>
    public static bool NeedsForwardReading(ReadOnlySpan<byte> head)
    {
        int nl = head.IndexOf((byte)'\n');
        return LineFramer.IsRelativeBaseLine(Encoding.UTF8.GetString(nl < 0 ? head : head[..nl]));
    }

    /// <summary>Reads a stream front to back; yields events in the order they happened.</summary>
    public static IEnumerable<SegfaultEvent> ReadForward(Stream stream, KernelLogParser parser, CancellationToken cancel) =>
        ReadForward(stream, parser, CrashNeedles, cancel);

    /// <summary>Reads a stream front to back for any assembler, whose records all hold one of <paramref name="needles"/>.</summary>
    public static IEnumerable<T> ReadForward<T>(Stream stream, IKernelRecordAssembler<T> parser, ScanNeedles needles, CancellationToken cancel)
    {
        var buffer = new byte[ChunkSize];
        int filled = 0;
        long bufferOffset = 0;
        bool eof = false;
        while (!eof)
        {
            cancel.ThrowIfCancellationRequested();
            int n = stream.Read(buffer, filled, buffer.Length - filled);
            if (n == 0)
            {
                eof = true;
            }
            filled += n;

            int limit = eof ? filled : buffer.AsSpan(0, filled).LastIndexOf((byte)'\n') + 1;
            if (limit == 0 && filled == buffer.Length)
            {
                // One line longer than the whole buffer: not a kernel record. Drop it up to its end.
                parser.CountSkipped();
                bufferOffset += filled;
                filled = 0;
                SkipToNextLine(stream, buffer, ref filled, ref bufferOffset);
                continue;
            }

            ScanRange(buffer.AsSpan(0, limit), bufferOffset, parser, needles);
            foreach (var e in parser.TakeReady())
            {
                yield return e.Event;
            }

            int rest = filled - limit;
            Buffer.BlockCopy(buffer, limit, buffer, 0, rest);
            bufferOffset += limit;
            filled = rest;
        }
        parser.Finish();
        foreach (var e in parser.TakeReady())
        {
            yield return e.Event;
        }
    }

    /// <summary>
    /// Reads a seekable file from its end, one chunk at a time, so the newest events come first and
    /// -MaxEvents stops after the last chunk it needs. Each chunk is parsed forwards together with
    /// the first lines of the chunk after it, where a crash at the chunk's end has its continuations.
    /// </summary>
    public static IEnumerable<SegfaultEvent> ReadBackward(FileStream file, Func<KernelLogParser> newParser, Action<KernelLogParser> done, CancellationToken cancel) =>
        ReadBackward<SegfaultEvent>(file, newParser, p => done((KernelLogParser)p), CrashNeedles, cancel);

    /// <summary>Reads a seekable file from its end for any assembler (see the overload above).</summary>
    public static IEnumerable<T> ReadBackward<T>(FileStream file, Func<IKernelRecordAssembler<T>> newParser, Action<IKernelRecordAssembler<T>> done,
        ScanNeedles needles, CancellationToken cancel)
    {
        var buffer = new byte[ChunkSize];
        long end = file.Length;
        var overlap = new List<string>();
        while (end > 0)
        {
            cancel.ThrowIfCancellationRequested();
            var events = ReadChunkBefore(file, buffer, ref end, ref overlap, newParser, done, needles);
            for (int i = events.Count - 1; i >= 0; i--)
            {
                yield return events[i].Event;
            }
        }
    }

    private static List<(long Position, T Event)> ReadChunkBefore<T>(FileStream file, byte[] buffer, ref long end,
        ref List<string> overlap, Func<IKernelRecordAssembler<T>> newParser, Action<IKernelRecordAssembler<T>> done, ScanNeedles needles)
    {
        long start = Math.Max(0, end - ChunkSize);
        int length = (int)(end - start);
        file.Position = start;
        file.ReadExactly(buffer, 0, length);
        var span = buffer.AsSpan(0, length);

        int skip = 0;
        if (start > 0)
        {
            int nl = span.IndexOf((byte)'\n');
            if (nl < 0)
            {
                end = start; // a single line longer than a chunk: not a kernel record
                return new();
            }
            skip = nl + 1;
        }
        var range = span[skip..];
        long rangeStart = start + skip;

        var parser = newParser();
        ScanRange(range, rangeStart, parser, needles);
        parser.ContinuationOnly = true;
        foreach (var line in overlap)
        {
            parser.FeedLine(line, end);
        }
        parser.Finish();
        done(parser);

        overlap = FirstLines(range, KernelLogParser.ContinuationWindow);
        end = rangeStart;
        return parser.TakeReady();
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void ScanRange<T>(ReadOnlySpan<byte> data, long baseOffset, IKernelRecordAssembler<T> parser, ScanNeedles needles)
    {
        int pos = 0;
        if (baseOffset == 0)
        {
            // The first line says which format the file is in; dmesg -H needs all of them.
            int firstEnd = data.IndexOf((byte)'\n');
            var first = data[..(firstEnd < 0 ? data.Length : firstEnd)];
            if (first.Length <= KernelLogParser.MaxLineLength)
            {
                parser.FeedLine(Encoding.UTF8.GetString(first), 0);
            }
            pos = firstEnd < 0 ? data.Length : firstEnd + 1;
        }
        while (pos < data.Length)
        {
            if (!parser.HasPending && !parser.NeedsEveryLine)
            {
                int candidate = NextCandidate(data, pos, needles);
                if (candidate < 0)
                {
                    return;
                }
                int lineStart = data[..candidate].LastIndexOf((byte)'\n') + 1;
                pos = Math.Max(pos, lineStart);
            }
            int nl = data[pos..].IndexOf((byte)'\n');
            int lineEnd = nl < 0 ? data.Length : pos + nl;
            var lineBytes = data[pos..lineEnd];
            if (lineBytes.Length > KernelLogParser.MaxLineLength)
            {
                parser.CountSkipped();
            }
            else
            {
                parser.FeedLine(Encoding.UTF8.GetString(lineBytes), baseOffset + pos);
            }
            pos = lineEnd + 1;
        }
    }

    /// <summary>
    /// Offset of the next needle at or after <paramref name="from"/>, or -1. Searches a cache-sized
    /// block at a time so the several needle passes read the block from L2, not from memory.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static int NextCandidate(ReadOnlySpan<byte> data, int from, ScanNeedles needles)
    {
        for (int block = from; block < data.Length; block += SearchBlock)
        {
            int end = Math.Min(data.Length, block + SearchBlock + needles.Longest - 1);
            var window = data[block..end];
            int best = -1;
            foreach (var needle in needles.Items)
            {
                var scope = best < 0 ? window : window[..Math.Min(window.Length, best + needle.Length - 1)];
                int found = scope.IndexOf(needle);
                if (found >= 0 && (best < 0 || found < best))
                {
                    best = found;
                }
            }
            if (best >= 0)
            {
                return block + best;
            }
        }
        return -1;
    }

    private static List<string> FirstLines(ReadOnlySpan<byte> data, int count)
    {
        var lines = new List<string>(count);
        int pos = 0;
        while (lines.Count < count && pos < data.Length)
        {
            int nl = data[pos..].IndexOf((byte)'\n');
            int end = nl < 0 ? data.Length : pos + nl;
            lines.Add(end - pos > KernelLogParser.MaxLineLength ? string.Empty : Encoding.UTF8.GetString(data[pos..end]));
            pos = end + 1;
        }
        return lines;
    }

    private static void SkipToNextLine(Stream stream, byte[] buffer, ref int filled, ref long offset)
    {
        while (true)
        {
            int n = stream.Read(buffer, 0, buffer.Length);
            if (n == 0)
            {
                return;
            }
            int nl = buffer.AsSpan(0, n).IndexOf((byte)'\n');
            if (nl >= 0)
            {
                int rest = n - nl - 1;
                Buffer.BlockCopy(buffer, nl + 1, buffer, 0, rest);
                offset += nl + 1;
                filled = rest;
                return;
            }
            offset += n;
        }
    }
}

/// <summary>
/// The byte strings of which every record an assembler builds holds at least one; lines with none
/// of them are skipped undecoded. Prefer needles whose first and last bytes are rare in logs.
/// </summary>
internal sealed class ScanNeedles
{
    public ScanNeedles(params byte[][] items)
    {
        Items = items;
        Longest = items.Max(n => n.Length);
    }

    public byte[][] Items { get; }

    public int Longest { get; }
}
