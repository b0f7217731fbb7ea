using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace SegfaultTools;

/// <summary>glibc, libstdc++, gcc and python versions (DOMAIN.md 6.4).</summary>
internal static partial class Toolchain
{
    [LibraryImport("libc", EntryPoint = "gnu_get_libc_version")]
    private static partial nint GnuGetLibcVersion();

    /// <summary>The version of the C library this process runs on, from the library itself.</summary>
    public static string? LiveGlibcVersion(out string? problem)
    {
        problem = null;
        try
        {
            var p = GnuGetLibcVersion();
            var text = p == 0 ? null : Marshal.PtrToStringUTF8(p);
            if (string.IsNullOrEmpty(text))
            {
                problem = "gnu_get_libc_version returned nothing.";
            }
            return string.IsNullOrEmpty(text) ? null : text;
        }
        catch (EntryPointNotFoundException)
        {
            problem = "The C library has no gnu_get_libc_version: it is not glibc (musl, for example).";
        }
        catch (DllNotFoundException ex)
        {
            problem = "The C library could not be loaded: " + ex.Message;
        }
        return null;
    }

    /// <summary>`ldd --version` first line: "ldd (GNU libc) 2.42", "ldd (Debian GLIBC 2.36-9+deb12u14) 2.36" → the last token.</summary>
    public static string? GlibcFromLdd(IReadOnlyList<string> lines)
    {
        var first = lines.FirstOrDefault(l => l.Trim().Length > 0)?.Trim();
        if (first is null || !first.StartsWith("ldd", StringComparison.Ordinal))
        {
            return null;
        }
        var last = first.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1];
        return char.IsAsciiDigit(last[0]) ? last : null;
    }

    /// <summary>
    /// `gcc --version` first line, the text after the package name in parentheses: "gcc (GCC) 15.2.1 20251112" → "15.2.1 20251112";
    /// "gcc (Debian 12.2.0-14+deb12u1) 12.2.0" → "12.2.0"; "gcc (GCC) 8.5.0 20210514 (Red Hat 8.5.0-20)" → "8.5.0 20210514 (Red Hat 8.5.0-20)".
    /// </summary>
    public static string? GccVersion(IReadOnlyList<string> lines)
    {
        var first = lines.FirstOrDefault(l => l.Trim().Length > 0)?.Trim();
        if (first is null)
        {
            return null;
        }
        var close = first.IndexOf(')', StringComparison.Ordinal);
        var rest = (close >= 0 ? first[(close + 1)..] : first.Split(' ', 2).ElementAtOrDefault(1) ?? "").Trim();
        return rest.Length > 0 && char.IsAsciiDigit(rest[0]) ? rest : null;
    }

    /// <summary>`python3 --version`: "Python 3.12.2" → "3.12.2".</summary>
    public static string? PythonVersion(IReadOnlyList<string> lines)
    {
        var first = lines.FirstOrDefault(l => l.Trim().Length > 0)?.Trim();
        if (first is null || !first.StartsWith("Python ", StringComparison.Ordinal))
        {
            return null;
        }
        var v = first["Python ".Length..].Trim();
        return v.Length > 0 && char.IsAsciiDigit(v[0]) ? v : null;
    }

    [GeneratedRegex(@"^\s*libstdc\+\+\.so\.6 \((?<abi>[^)]*)\) => (?<path>\S+)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex LdconfigEntry();

    /// <summary>The libstdc++.so.6 paths `ldconfig -p` lists, the ones of this machine's ABI first.</summary>
    public static List<string> LibstdcxxFromLdconfig(IReadOnlyList<string> lines)
    {
        var abi = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x86-64",
            Architecture.Arm64 => "AArch64",
            _ => "",
        };
        return lines.Select(l => LdconfigEntry().Match(l)).Where(m => m.Success)
            .OrderByDescending(m => abi.Length > 0 && m.Groups["abi"].Value.Contains(abi, StringComparison.Ordinal))
            .Select(m => m.Groups["path"].Value).ToList();
    }

    /// <summary>Where distributions put the libstdc++ the dynamic linker finds, when ldconfig's cache is not at hand.</summary>
    public static readonly string[] StandardLibstdcxxPaths =
    {
        "usr/lib/libstdc++.so.6",                       // Arch
        "usr/lib/x86_64-linux-gnu/libstdc++.so.6",      // Debian, Ubuntu (merged /usr)
        "lib/x86_64-linux-gnu/libstdc++.so.6",
        "usr/lib64/libstdc++.so.6",                     // Fedora, openSUSE, RHEL
        "usr/lib/aarch64-linux-gnu/libstdc++.so.6",
    };

    /// <summary>Follows symbolic links inside <paramref name="root"/> (absolute targets are taken relative to it).</summary>
    public static string? ResolveInRoot(SystemRoot root, string machinePath)
    {
        var path = root.PathOf(machinePath);
        for (int i = 0; i < 16; i++)
        {
            FileSystemInfo info = new FileInfo(path);
            if (!info.Exists)
            {
                return null;
            }
            var target = info.LinkTarget;
            if (target is null)
            {
                return path;
            }
            path = target.StartsWith('/') ? root.PathOf(target) : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, target));
        }
        return null;
    }

    /// <summary>A path under the root as the machine sees it ("/usr/lib/libstdc++.so.6.0.34").</summary>
    public static string MachinePath(SystemRoot root, string path) =>
        root.IsLive ? path : "/" + Path.GetRelativePath(root.Root, path).Replace('\\', '/');

    /// <summary>
    /// The GLIBCXX_3.4.N version names a libstdc++ defines: read from the ELF's version-definition
    /// section (.gnu.version_d, names in its linked string table); where the file is not an ELF the
    /// module can parse, a byte scan for "GLIBCXX_3.4." strings instead.
    /// </summary>
    public static IReadOnlyList<string> GlibcxxVersions(string file, out bool fromElf)
    {
        var bytes = File.ReadAllBytes(file);
        var names = ElfVersionDefinitions(bytes);
        fromElf = names is not null;
        return (names ?? ScanStrings(bytes, "GLIBCXX_3.4")).Where(IsGlibcxx).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The newest of the GLIBCXX_3.4[.N] names ("GLIBCXX_3.4.34").</summary>
    public static string? Newest(IEnumerable<string> names) =>
        names.Where(IsGlibcxx).OrderBy(Minor).LastOrDefault();

    private static bool IsGlibcxx(string s) => s == "GLIBCXX_3.4" || (s.StartsWith("GLIBCXX_3.4.", StringComparison.Ordinal) && Minor(s) >= 0);

    private static int Minor(string s)
    {
        if (s == "GLIBCXX_3.4")
        {
            return 0;
        }
        return int.TryParse(s.AsSpan("GLIBCXX_3.4.".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;
    }

    private const uint ShtGnuVerdef = 0x6ffffffd;

    /// <summary>The names in SHT_GNU_verdef (Elf{32,64}_Verdef/Verdaux, little- or big-endian); null where the bytes are not such an ELF.</summary>
    internal static List<string>? ElfVersionDefinitions(byte[] b)
    {
        if (b.Length < 64 || b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F')
        {
            return null;
        }
        bool is64 = b[4] == 2;
        bool little = b[5] == 1;
        try
        {
            ulong shoff = is64 ? U64(b, 0x28, little) : U32(b, 0x20, little);
            int shentsize = U16(b, is64 ? 0x3A : 0x2E, little);
            int shnum = U16(b, is64 ? 0x3C : 0x30, little);
            if (shoff == 0 || shnum == 0 || shentsize < (is64 ? 64 : 40))
            {
                return null;
            }
            (uint Type, ulong Offset, ulong Size, uint Link, uint Info) Section(int i)
            {
                int at = checked((int)shoff + i * shentsize);
                return is64
                    ? (U32(b, at + 4, little), U64(b, at + 24, little), U64(b, at + 32, little), U32(b, at + 40, little), U32(b, at + 44, little))
                    : (U32(b, at + 4, little), U32(b, at + 16, little), U32(b, at + 20, little), U32(b, at + 24, little), U32(b, at + 28, little));
            }
            for (int i = 0; i < shnum; i++)
            {
                var s = Section(i);
                if (s.Type != ShtGnuVerdef)
                {
                    continue;
                }
                var strtab = Section((int)s.Link);
                var names = new List<string>();
                long entry = (long)s.Offset;
                for (uint n = 0; n < Math.Max(s.Info, 1) && n < 10000; n++)
                {
                    // Elf_Verdef: vd_version, vd_flags, vd_ndx, vd_cnt (2 each), vd_hash, vd_aux, vd_next (4 each).
                    uint aux = U32(b, (int)entry + 12, little);
                    uint next = U32(b, (int)entry + 16, little);
                    uint nameOffset = U32(b, checked((int)(entry + aux)), little); // Elf_Verdaux.vda_name
                    names.Add(CString(b, checked((int)((long)strtab.Offset + nameOffset))));
                    if (next == 0)
                    {
                        break;
                    }
                    entry += next;
                }
                return names;
            }
            return null;
        }
        catch (Exception ex) when (ex is IndexOutOfRangeException or ArgumentOutOfRangeException or OverflowException)
        {
            return null;
        }
    }

    private static List<string> ScanStrings(byte[] b, string prefix)
    {
        var needle = Encoding.ASCII.GetBytes(prefix);
        var found = new List<string>();
        var span = b.AsSpan();
        int pos = 0;
        while (pos < span.Length)
        {
            int at = span[pos..].IndexOf(needle);
            if (at < 0)
            {
                break;
            }
            at += pos;
            found.Add(CString(b, at));
            pos = at + needle.Length;
        }
        return found;
    }

    private static string CString(byte[] b, int at)
    {
        int end = Array.IndexOf(b, (byte)0, at);
        if (end < 0)
        {
            end = b.Length;
        }
        return Encoding.ASCII.GetString(b, at, Math.Min(end - at, 256));
    }

    private static ushort U16(byte[] b, int at, bool little) =>
        little ? System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(at)) : System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(at));

    private static uint U32(byte[] b, int at, bool little) =>
        little ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at)) : System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(at));

    private static ulong U64(byte[] b, int at, bool little) =>
        little ? System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(at)) : System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(b.AsSpan(at));
}
