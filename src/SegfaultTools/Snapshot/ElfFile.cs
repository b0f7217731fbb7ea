using System.Buffers.Binary;
using System.Text;

namespace SegfaultTools;

/// <summary>
/// The few things a snapshot needs from an ELF file, read with small reads (never the whole file):
/// its GNU build id, and the byte ranges that hold its version definitions (what Get-SystemProfile
/// reads of libstdc++.so.6), so a stand-in can keep just those.
/// </summary>
internal static class ElfFile
{
    private const uint PtNote = 4;
    private const uint NtGnuBuildId = 3;
    private const uint ShtGnuVerdef = 0x6ffffffd;

    private sealed record Header(bool Is64, bool Little, ulong PhOff, int PhEntSize, int PhNum, ulong ShOff, int ShEntSize, int ShNum);

    /// <summary>The build id (NT_GNU_BUILD_ID in a PT_NOTE segment) in hex; null for files without one or that are not ELF.</summary>
    public static string? BuildId(string path)
    {
        try
        {
            using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
            var h = ReadHeader(f);
            if (h is null || h.PhOff == 0 || h.PhNum == 0)
            {
                return null;
            }
            for (int i = 0; i < Math.Min(h.PhNum, 512); i++)
            {
                var ph = Read(f, (long)h.PhOff + (long)i * h.PhEntSize, h.Is64 ? 56 : 32);
                if (ph is null || U32(ph, 0, h.Little) != PtNote)
                {
                    continue;
                }
                ulong offset = h.Is64 ? U64(ph, 8, h.Little) : U32(ph, 4, h.Little);
                ulong size = h.Is64 ? U64(ph, 32, h.Little) : U32(ph, 16, h.Little);
                if (size > 1 << 20 || Read(f, (long)offset, (int)size) is not { } notes)
                {
                    continue;
                }
                int at = 0;
                while (at + 12 <= notes.Length)
                {
                    int nameSize = (int)U32(notes, at, h.Little);
                    int descSize = (int)U32(notes, at + 4, h.Little);
                    uint type = U32(notes, at + 8, h.Little);
                    int name = at + 12;
                    int desc = name + Align4(nameSize);
                    if (nameSize < 0 || descSize < 0 || desc + descSize > notes.Length)
                    {
                        break;
                    }
                    if (type == NtGnuBuildId && nameSize == 4 && notes.AsSpan(name, 4).SequenceEqual("GNU\0"u8))
                    {
                        return Convert.ToHexString(notes, desc, descSize).ToLowerInvariant();
                    }
                    at = desc + Align4(descSize);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or OverflowException or ArgumentException)
        {
        }
        return null;
    }

    /// <summary>
    /// The ranges Get-SystemProfile's reading of the GLIBCXX version names touches: the ELF header,
    /// the section header table, the version-definition section and each name it points to in its
    /// string table. Null where the file has no version definitions (then the reader scans the bytes).
    /// </summary>
    public static List<ByteRegion>? VersionDefinitionRegions(string path)
    {
        try
        {
            using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
            var h = ReadHeader(f);
            if (h is null || h.ShOff == 0 || h.ShNum == 0 || h.ShEntSize < (h.Is64 ? 64 : 40))
            {
                return null;
            }
            var regions = new List<ByteRegion>();
            regions.Add(new ByteRegion(0, Read(f, 0, 64)!));
            var table = Read(f, (long)h.ShOff, h.ShNum * h.ShEntSize);
            if (table is null)
            {
                return null;
            }
            regions.Add(new ByteRegion((long)h.ShOff, table));
            (uint Type, ulong Offset, ulong Size, uint Link, uint Info) Section(int i)
            {
                int at = i * h.ShEntSize;
                return h.Is64
                    ? (U32(table, at + 4, h.Little), U64(table, at + 24, h.Little), U64(table, at + 32, h.Little), U32(table, at + 40, h.Little), U32(table, at + 44, h.Little))
                    : (U32(table, at + 4, h.Little), U32(table, at + 16, h.Little), U32(table, at + 20, h.Little), U32(table, at + 24, h.Little), U32(table, at + 28, h.Little));
            }
            for (int i = 0; i < h.ShNum; i++)
            {
                var s = Section(i);
                if (s.Type != ShtGnuVerdef || s.Link >= h.ShNum || s.Size > 1 << 20)
                {
                    continue;
                }
                var verdef = Read(f, (long)s.Offset, (int)s.Size);
                if (verdef is null)
                {
                    return null;
                }
                regions.Add(new ByteRegion((long)s.Offset, verdef));
                var strtab = Section((int)s.Link);
                long entry = 0;
                for (uint n = 0; n < Math.Max(s.Info, 1) && n < 10000 && entry + 20 <= verdef.Length; n++)
                {
                    uint aux = U32(verdef, (int)entry + 12, h.Little);
                    uint next = U32(verdef, (int)entry + 16, h.Little);
                    if (entry + aux + 4 > verdef.Length)
                    {
                        break;
                    }
                    uint nameOffset = U32(verdef, (int)(entry + aux), h.Little);
                    long at = (long)strtab.Offset + nameOffset;
                    if (Read(f, at, 257) is { } name)
                    {
                        int end = Array.IndexOf(name, (byte)0);
                        regions.Add(new ByteRegion(at, name[..(end < 0 ? name.Length : end + 1)]));
                    }
                    if (next == 0)
                    {
                        break;
                    }
                    entry += next;
                }
                return regions;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or OverflowException or ArgumentException)
        {
        }
        return null;
    }

    /// <summary>Every NUL-ended string starting with <paramref name="prefix"/>, as ranges (the reader's fallback byte scan); files over 64 MiB give none.</summary>
    public static List<ByteRegion> StringRegions(string path, string prefix)
    {
        var regions = new List<ByteRegion>();
        if (new FileInfo(path).Length > 64L << 20)
        {
            return regions;
        }
        var bytes = File.ReadAllBytes(path);
        var needle = Encoding.ASCII.GetBytes(prefix);
        int from = 0;
        while (from < bytes.Length && regions.Count < 10000)
        {
            int hit = bytes.AsSpan(from).IndexOf(needle);
            if (hit < 0)
            {
                break;
            }
            hit += from;
            int end = Array.IndexOf(bytes, (byte)0, hit);
            int length = Math.Min((end < 0 ? bytes.Length : end + 1) - hit, 257);
            regions.Add(new ByteRegion(hit, bytes.AsSpan(hit, length).ToArray()));
            from = hit + needle.Length;
        }
        return regions;
    }

    private static Header? ReadHeader(FileStream f)
    {
        var b = Read(f, 0, 64);
        if (b is null || b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F' || b[4] is not (1 or 2) || b[5] is not (1 or 2))
        {
            return null;
        }
        bool is64 = b[4] == 2, little = b[5] == 1;
        return is64
            ? new Header(true, little, U64(b, 0x20, little), U16(b, 0x36, little), U16(b, 0x38, little), U64(b, 0x28, little), U16(b, 0x3A, little), U16(b, 0x3C, little))
            : new Header(false, little, U32(b, 0x1C, little), U16(b, 0x2A, little), U16(b, 0x2C, little), U32(b, 0x20, little), U16(b, 0x2E, little), U16(b, 0x30, little));
    }

    /// <summary>Up to <paramref name="count"/> bytes at <paramref name="offset"/> (fewer at the end of the file); null where nothing is there.</summary>
    internal static byte[]? Read(FileStream f, long offset, int count)
    {
        if (offset < 0 || count <= 0 || offset >= f.Length)
        {
            return null;
        }
        var buffer = new byte[(int)Math.Min(count, f.Length - offset)];
        f.Position = offset;
        f.ReadExactly(buffer);
        return buffer;
    }

    private static int Align4(int n) => (n + 3) & ~3;

    private static ushort U16(byte[] b, int at, bool little) => little ? BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(at)) : BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(at));

    private static uint U32(byte[] b, int at, bool little) => little ? BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at)) : BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(at));

    private static ulong U64(byte[] b, int at, bool little) => little ? BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(at)) : BinaryPrimitives.ReadUInt64BigEndian(b.AsSpan(at));
}
