using System.Globalization;
using System.Numerics;

namespace SegfaultTools;

/// <summary>What comparing a crash's <c>Code:</c> bytes with the module file showed.</summary>
internal enum CodeBytesOutcome
{
    /// <summary>The bytes in memory are the bytes on disk.</summary>
    Match,

    /// <summary>Some bytes differ, and the file has not changed since the crash.</summary>
    Differ,

    /// <summary>Bytes differ (or the offset misses the file), but the file changed after the crash: the comparison says nothing.</summary>
    FileChangedSinceCrash,

    /// <summary>The file offset of ip lies beyond the end of the file: not the file that was mapped, or an ip outside the module.</summary>
    OffsetOutsideFile,

    /// <summary>The file could not be read.</summary>
    Unreadable,
}

/// <summary>
/// The comparison's result. <see cref="FirstDifferenceAt"/> is an index into the Code: bytes (-1
/// where none differ); <see cref="SingleBitDifferences"/> counts the differing bytes that differ in
/// one bit only, the signature of a flipped bit rather than of other code.
/// </summary>
internal sealed record CodeBytesVerdict(CodeBytesOutcome Outcome, int Compared, int Differing, int FirstDifferenceAt, string Detail)
{
    public int SingleBitDifferences { get; init; }
}

/// <summary>
/// Compares the instruction bytes the kernel printed after a crash (read from the process's memory)
/// with the module file at the crash's file offset. Code pages are mapped from the file unchanged
/// on x86-64 (position-independent code is not relocated in place), so a difference means the copy
/// in memory, or what the CPU fetched, was not what the file holds — unless the file itself changed
/// since, a debugger planted a breakpoint, or the process ran another build of the file (a
/// container's, a Flatpak's). A single differing byte, especially one flipped bit, is the shape of
/// corruption; dozens of differences are the shape of another build.
/// </summary>
internal static class CodeBytesCheck
{
    /// <summary>
    /// Compares <paramref name="code"/> with <paramref name="modulePath"/> at
    /// <paramref name="fileOffset"/> (the file offset of ip, SegfaultEvent.FileOffset).
    /// <paramref name="moduleOffset"/> and <paramref name="moduleSize"/> (SegfaultEvent.ModuleOffset
    /// and ModuleSize: ip's offset in the mapping and the mapping's size), where known, keep the
    /// comparison to bytes of the same mapping: bytes beyond it come from a neighbouring mapping whose
    /// file offset is unknown.
    /// </summary>
    public static CodeBytesVerdict Compare(CodeBytes code, string modulePath, ulong fileOffset, DateTimeOffset? crashTime,
        ulong? moduleOffset = null, ulong? moduleSize = null) =>
        Compare(code, modulePath, fileOffset, crashTime, moduleOffset, moduleSize, FileChangeTime.Of(modulePath));

    /// <summary>
    /// As above, with when the file last changed given by the caller: a snapshot's stand-in was
    /// given a new ctime by its extraction, and the snapshot records the original's
    /// (<see cref="SnapshotFileTimes.Recorded"/>); null where it is not known.
    /// </summary>
    public static CodeBytesVerdict Compare(CodeBytes code, string modulePath, ulong fileOffset, DateTimeOffset? crashTime,
        ulong? moduleOffset, ulong? moduleSize, DateTimeOffset? fileChanged)
    {
        var name = Path.GetFileName(modulePath);
        var at = string.Create(CultureInfo.InvariantCulture, $"{name} at file offset 0x{fileOffset:x}");
        if (code.IpIndex < 0 || code.IpIndex >= code.Bytes.Length)
        {
            throw new ArgumentException("The ip index lies outside the Code: bytes.", nameof(code));
        }

        long length;
        try
        {
            var info = new FileInfo(modulePath);
            if (!info.Exists)
            {
                return Unreadable($"{modulePath} does not exist (or is not a file).");
            }
            length = info.Length;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Unreadable($"{modulePath} could not be examined: {ex.Message}");
        }

        var changed = fileChanged;
        bool changedSince = crashTime is DateTimeOffset crash && changed is DateTimeOffset c && c > crash;
        string ChangedNote() => string.Create(CultureInfo.InvariantCulture,
            $"{name} changed on disk at {Stamp(changed!.Value, crashTime!.Value.Offset)}, after the crash at {Stamp(crashTime.Value, crashTime.Value.Offset)}");

        if (moduleOffset is ulong mo && moduleSize is ulong ms && mo >= ms)
        {
            return new CodeBytesVerdict(CodeBytesOutcome.OffsetOutsideFile, 0, 0, -1,
                string.Create(CultureInfo.InvariantCulture, $"ip lies outside the mapping of {name} (offset 0x{mo:x}, size 0x{ms:x}): the module named is not where the crash happened."));
        }
        if (fileOffset >= (ulong)length)
        {
            var detail = string.Create(CultureInfo.InvariantCulture, $"File offset 0x{fileOffset:x} lies beyond the end of {name} ({length} bytes)");
            return changedSince
                ? new CodeBytesVerdict(CodeBytesOutcome.FileChangedSinceCrash, 0, 0, -1, $"{detail}, but {ChangedNote()}: the file on disk is not the one that was mapped.")
                : new CodeBytesVerdict(CodeBytesOutcome.OffsetOutsideFile, 0, 0, -1, $"{detail}: it is not the file that was mapped.");
        }

        // Which of the Code: bytes to compare: inside the file and, where known, inside ip's mapping.
        int first = code.Bytes.Length, last = -1;
        for (int i = 0; i < code.Bytes.Length; i++)
        {
            long rel = i - code.IpIndex;
            if (rel < 0 && (ulong)(-rel) > fileOffset)
            {
                continue;
            }
            ulong position = rel < 0 ? fileOffset - (ulong)(-rel) : fileOffset + (ulong)rel;
            if (position >= (ulong)length)
            {
                continue;
            }
            if (moduleOffset is ulong offsetInMapping)
            {
                if (rel < 0 && (ulong)(-rel) > offsetInMapping)
                {
                    continue;
                }
                if (moduleSize is ulong size && rel > 0 && offsetInMapping + (ulong)rel >= size)
                {
                    continue;
                }
            }
            first = Math.Min(first, i);
            last = i;
        }

        var disk = new byte[last - first + 1];
        try
        {
            using var stream = new FileStream(modulePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
            stream.Position = (long)fileOffset - (code.IpIndex - first);
            stream.ReadExactly(disk);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Unreadable($"{modulePath} could not be read: {ex.Message}");
        }

        int compared = disk.Length, differing = 0, firstDifference = -1, singleBit = 0;
        for (int i = first; i <= last; i++)
        {
            byte inFile = disk[i - first];
            if (inFile == code.Bytes[i])
            {
                continue;
            }
            differing++;
            firstDifference = firstDifference < 0 ? i : firstDifference;
            singleBit += BitOperations.PopCount((uint)(inFile ^ code.Bytes[i])) == 1 ? 1 : 0;
        }
        int skipped = code.Bytes.Length - compared;
        var range = string.Create(CultureInfo.InvariantCulture, $"{Relative(first - code.IpIndex)} to {Relative(last - code.IpIndex)}");
        var notCompared = skipped == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $"; {skipped} outside the file or the mapping were not compared");

        if (differing == 0)
        {
            var text = string.Create(CultureInfo.InvariantCulture,
                $"{(skipped == 0 ? "All" : "The")} {compared} bytes of the Code: line ({range}) match {at}{notCompared}: the instructions in memory were the ones on disk.");
            if (changedSince)
            {
                text += $" ({ChangedNote()}, yet these bytes are the same.)";
            }
            return new CodeBytesVerdict(CodeBytesOutcome.Match, compared, 0, -1, text);
        }

        byte diskByte = disk[firstDifference - first], memoryByte = code.Bytes[firstDifference];
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{differing} of {compared} bytes ({range}) differ from {at}; first at {Relative(firstDifference - code.IpIndex)}: 0x{diskByte:x2} in the file, 0x{memoryByte:x2} in memory{notCompared}.");
        if (changedSince)
        {
            return new CodeBytesVerdict(CodeBytesOutcome.FileChangedSinceCrash, compared, differing, firstDifference,
                $"{summary} But {ChangedNote()}: the file on disk is not necessarily the one that was executing.")
            { SingleBitDifferences = singleBit };
        }

        var notes = new List<string> { summary };
        if (differing == 1 && singleBit == 1)
        {
            int bit = BitOperations.TrailingZeroCount((uint)(diskByte ^ memoryByte));
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"One bit flipped: 0x{diskByte:x2} vs 0x{memoryByte:x2} (bit {bit})."));
        }
        else if (singleBit > 0)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"{singleBit} of the {differing} differing bytes differ in one bit only."));
        }
        if (code.Bytes[firstDifference] == 0xcc)
        {
            notes.Add("0xcc in memory is int3: a debugger's breakpoint puts it there.");
        }
        if (differing * 4 > compared)
        {
            notes.Add("So many differences suggest another build of the file (an update, a container's or another program's copy) rather than a corrupted copy.");
        }
        return new CodeBytesVerdict(CodeBytesOutcome.Differ, compared, differing, firstDifference, string.Join(' ', notes))
        {
            SingleBitDifferences = singleBit,
        };
    }

    private static CodeBytesVerdict Unreadable(string detail) => new(CodeBytesOutcome.Unreadable, 0, 0, -1, detail);

    /// <summary>"ip", "ip-2", "ip+21".</summary>
    private static string Relative(int offset) =>
        offset == 0 ? "ip" : string.Create(CultureInfo.InvariantCulture, $"ip{(offset > 0 ? "+" : "-")}{Math.Abs(offset)}");

    private static string Stamp(DateTimeOffset t, TimeSpan offset) =>
        t.ToOffset(offset).ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture);
}
