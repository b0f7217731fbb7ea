namespace SegfaultTools;

/// <summary>
/// Finds the file a kernel crash line names ("libc.so.6", "libcuda.so.590.48.01", "python3.11": the
/// base name of the mapped file, as %pD prints it) on the machine it came from.
/// </summary>
/// <remarks>
/// Order: the caller's folders; the folders of the dynamic linker's cache (ldconfig -p), those of
/// an entry with exactly this name first, which also finds "libcuda.so.590.48.01" beside the
/// "libcuda.so.1" link the cache lists; then the standard library and program folders. In a
/// captured tree, links are followed inside the tree (an absolute link means the tree's root), so a
/// copied /lib64 -&gt; /usr/lib never leads to this machine's files. A name found in several
/// folders is taken from the first; a program that ran in a container, a Flatpak or a Steam runtime
/// mapped that environment's copy, which no search here can see.
/// </remarks>
internal static class ModuleFileLocator
{
    /// <summary>Folders (relative to the root) searched after the linker cache.</summary>
    internal static readonly string[] StandardDirs =
    {
        "lib", "lib64", "usr/lib", "usr/lib64", "usr/lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu",
        "usr/local/lib", "usr/local/lib64", "usr/bin", "bin", "usr/local/bin", "usr/sbin", "sbin",
    };

    private const int MaxLinkHops = 40;

    /// <summary>
    /// The module's file on this machine (a path to open), or null where it is not found.
    /// <paramref name="searchPaths"/> are folders on this machine, searched first as they are (not
    /// under the root). Runs <c>ldconfig -p</c> for the live root; callers looking up many modules
    /// read <see cref="LinkerCache"/> once and use the other overload.
    /// </summary>
    public static string? Find(string moduleName, SystemRoot root, IEnumerable<string>? searchPaths = null) =>
        Find(moduleName, root, LinkerCache(root), searchPaths);

    /// <summary>As above, with the linker cache's lines already read (null: none available).</summary>
    public static string? Find(string moduleName, SystemRoot root, IReadOnlyList<string>? linkerCache, IEnumerable<string>? searchPaths)
    {
        var name = CleanName(moduleName);
        if (name is null)
        {
            return null;
        }
        foreach (var dir in searchPaths ?? Enumerable.Empty<string>())
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        foreach (var dir in CacheDirs(linkerCache ?? Array.Empty<string>(), name).Concat(StandardDirs.Select(d => "/" + d)))
        {
            var found = Resolve(root, dir.TrimEnd('/') + "/" + name);
            if (found is not null && File.Exists(found))
            {
                return found;
            }
        }
        return null;
    }

    /// <summary>
    /// <c>ldconfig -p</c> of the root: run on the live machine, the saved
    /// <c>.segfaulttools/ldconfig-p.txt</c> of a captured tree; null where neither is available.
    /// </summary>
    public static IReadOnlyList<string>? LinkerCache(SystemRoot root)
    {
        IProgramOutputs programs = root.IsLive ? new LivePrograms(TimeSpan.FromSeconds(15), CancellationToken.None) : new CapturedPrograms(root);
        return programs.Read(ProgramCapture.Ldconfig, out _);
    }

    /// <summary>The kernel's name without " (deleted)"; null for anything that is not a plain file name.</summary>
    private static string? CleanName(string? moduleName)
    {
        var name = moduleName?.Trim();
        const string Deleted = " (deleted)";
        if (name is not null && name.EndsWith(Deleted, StringComparison.Ordinal))
        {
            name = name[..^Deleted.Length];
        }
        // The name comes from a log: it must not walk out of the folders searched.
        return string.IsNullOrEmpty(name) || name is "." or ".." || name.Contains('/') || name.Contains('\0') ? null : name;
    }

    /// <summary>
    /// Folders of the cache's entries, "libc.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libc.so.6":
    /// those of entries named <paramref name="name"/> first, then those of the same library under
    /// another version suffix ("libcuda.so.1" for "libcuda.so.590.48.01"), 64-bit entries before
    /// others within each.
    /// </summary>
    private static IEnumerable<string> CacheDirs(IReadOnlyList<string> lines, string name)
    {
        var stem = Stem(name);
        var entries = new List<(string Library, string Path, bool Native, string Dir)>();
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            int arrow = line.IndexOf("=>", StringComparison.Ordinal);
            int paren = line.IndexOf(" (", StringComparison.Ordinal);
            if (arrow < 0 || paren < 0 || paren > arrow)
            {
                continue; // the "N libs found in cache" header and anything else
            }
            var path = line[(arrow + 2)..].Trim();
            var dir = Path.GetDirectoryName(path);
            if (!path.StartsWith('/') || string.IsNullOrEmpty(dir))
            {
                continue;
            }
            var flags = line[paren..arrow];
            bool native = flags.Contains("x86-64", StringComparison.Ordinal) || flags.Contains("AArch64", StringComparison.OrdinalIgnoreCase);
            entries.Add((line[..paren], path, native, dir));
        }
        return entries
            .OrderByDescending(e => e.Library == name || Path.GetFileName(e.Path) == name)
            .ThenByDescending(e => stem is not null && Stem(e.Library) == stem)
            .ThenByDescending(e => e.Native)
            .Select(e => e.Dir)
            .Distinct(StringComparer.Ordinal);
    }

    /// <summary>"libcuda.so.590.48.01" → "libcuda.so"; null for names without ".so".</summary>
    private static string? Stem(string name)
    {
        int at = name.IndexOf(".so", StringComparison.Ordinal);
        return at > 0 && (at + 3 == name.Length || name[at + 3] == '.') ? name[..(at + 3)] : null;
    }

    /// <summary>
    /// The path on this machine of <paramref name="absolute"/> on the root's machine: for a captured
    /// tree, every link on the way is followed inside the tree. Null where the links loop.
    /// </summary>
    internal static string? Resolve(SystemRoot root, string absolute)
    {
        if (root.IsLive)
        {
            return absolute;
        }
        var pending = new List<string>(absolute.Split('/', StringSplitOptions.RemoveEmptyEntries));
        var current = new List<string>();
        int hops = 0;
        while (pending.Count > 0)
        {
            var part = pending[0];
            pending.RemoveAt(0);
            if (part == ".")
            {
                continue;
            }
            if (part == "..")
            {
                if (current.Count > 0)
                {
                    current.RemoveAt(current.Count - 1);
                }
                continue;
            }
            current.Add(part);
            string? target;
            try
            {
                target = new FileInfo(root.PathOf(string.Join('/', current))).LinkTarget;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                target = null;
            }
            if (target is null)
            {
                continue;
            }
            if (++hops > MaxLinkHops)
            {
                return null;
            }
            current.RemoveAt(current.Count - 1);
            if (target.StartsWith('/'))
            {
                current.Clear();
            }
            pending.InsertRange(0, target.Split('/', StringSplitOptions.RemoveEmptyEntries));
        }
        return root.PathOf(string.Join('/', current));
    }
}
