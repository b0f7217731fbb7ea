using System.Globalization;
using System.Text;

namespace SegfaultTools;

/// <summary>
/// Stand-ins of the big files the readers open: each crash module found on disk (the bytes around
/// each faulting offset), libstdc++.so.6 (its version names) and the NVIDIA libraries (their
/// versioned names). A stand-in has the original's path, size and modification time, with only
/// those bytes kept, so ModuleFileLocator, the code-bytes check and the profile find in the
/// extracted tree what they found on the machine.
/// </summary>
internal sealed partial class SnapshotBuilder
{
    /// <summary>Bytes kept before and after a faulting offset (the kernel's Code: line holds 42 before and 21 after).</summary>
    internal const int WindowBefore = 64;
    internal const int WindowAfter = 64;

    /// <summary>The most (module, offset) windows one snapshot keeps.</summary>
    internal const int MaxWindows = 256;

    /// <summary>Each stand-in's change time on the machine (the later of mtime and ctime): extraction gives the copy a new ctime.</summary>
    internal const string FileTimesName = "file-change-times.txt";

    private sealed class StandIn
    {
        public required string MachinePath { get; init; }
        public required string FullPath { get; init; }
        public List<ByteRegion> Regions { get; } = new();
        public List<string> Why { get; } = new();
    }

    private readonly Dictionary<string, StandIn> _standIns = new(StringComparer.Ordinal);

    private void CaptureStandIns(KernelResult kernel, IReadOnlyList<string>? ldconfig)
    {
        ModuleWindows(kernel.Crashes, ldconfig);
        Libstdcxx(ldconfig);
        NvidiaLibraries(ldconfig);

        var times = new StringBuilder();
        times.Append("# When each stand-in's original last changed on the machine (the later of its mtime and ctime), tab, its path.\n");
        foreach (var s in _standIns.Values.OrderBy(s => s.MachinePath, StringComparer.Ordinal))
        {
            FileInfo info;
            try
            {
                info = new FileInfo(s.FullPath);
                if (!info.Exists)
                {
                    continue;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            var executable = !OperatingSystem.IsWindows() && (File.GetUnixFileMode(s.FullPath) & UnixFileMode.UserExecute) != 0;
            Add(SnapshotEntry.StandInFile(s.MachinePath.TrimStart('/'), info.Length, s.Regions,
                $"a stand-in of {s.MachinePath} ({info.Length} bytes): {string.Join("; ", s.Why.Distinct())}; zeros elsewhere",
                new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero), executable));
            if (FileChangeTime.Of(s.FullPath) is { } changed)
            {
                times.Append(changed.ToString("o", CultureInfo.InvariantCulture)).Append('\t').Append(s.MachinePath).Append('\n');
            }
        }
        if (_standIns.Count > 0)
        {
            Add(SnapshotEntry.Text($"{CapturedPrograms.Folder}/{FileTimesName}", times.ToString(), "the stand-ins' change times on the machine"));
        }
    }

    /// <summary>The stand-in of a file on the machine (<paramref name="full"/> is where this process opens it).</summary>
    private StandIn StandInOf(string full)
    {
        var machine = _root.IsLive ? full : "/" + Path.GetRelativePath(_root.Root, full).Replace('\\', '/');
        if (!_standIns.TryGetValue(machine, out var s))
        {
            _standIns[machine] = s = new StandIn { MachinePath = machine, FullPath = full };
        }
        return s;
    }

    /// <summary>
    /// For each distinct (module, file offset) of the crashes in the window, where the module's file
    /// is found as the code-bytes check finds it: the bytes around the offset, beside a description
    /// (path, size, times, build id, and what the check found here), and the same bytes in the stand-in.
    /// </summary>
    private void ModuleWindows(List<SegfaultEvent> crashes, IReadOnlyList<string>? ldconfig)
    {
        var groups = crashes
            .Where(c => c.Module is not null && c.FileOffset is not null && c.InstructionPointer != 0)
            .GroupBy(c => (Module: c.Module!, Offset: c.FileOffset!.Value))
            // Those the diagnosis samples first (the first crash at an offset printed a Code: line), in the order they happened.
            .OrderBy(g => g.First().Code is null ? 1 : 0)
            .ToList();
        if (groups.Count > MaxWindows)
        {
            _notes.Add(string.Create(CultureInfo.InvariantCulture, $"The crashes hold {groups.Count} different module offsets; the bytes of the first {MaxWindows} were kept."));
        }
        var notFound = new SortedSet<string>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var g in groups.Take(MaxWindows))
        {
            var full = ModuleFileLocator.Find(g.Key.Module, _root, ldconfig, null);
            if (full is null)
            {
                notFound.Add(g.Key.Module);
                continue;
            }
            var standIn = StandInOf(full);
            var offset = g.Key.Offset;
            string fileName = Path.GetFileName(full);
            var baseName = string.Create(CultureInfo.InvariantCulture, $"{fileName}@{offset:x}");
            for (int n = 2; !names.Add(baseName); n++)
            {
                baseName = string.Create(CultureInfo.InvariantCulture, $"{fileName}@{offset:x}-{n}");
            }
            long size;
            byte[]? window = null;
            long start = 0;
            try
            {
                using var f = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
                size = f.Length;
                if (offset < (ulong)size)
                {
                    long at = (long)offset;
                    start = Math.Max(0, at - WindowBefore);
                    window = ElfFile.Read(f, start, (int)(Math.Min(size, at + WindowAfter) - start));
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Unreadable(standIn.MachinePath, ex.Message, ex);
                _standIns.Remove(standIn.MachinePath);
                continue;
            }
            var first = g.First();
            string verdict = "no Code: line to compare";
            if (g.FirstOrDefault(c => CodeLine.Parse(c.Code) is not null) is { } sample)
            {
                var v = CodeBytesCheck.Compare(CodeLine.Parse(sample.Code)!, full, offset, sample.TimeCreated, sample.ModuleOffset, sample.ModuleSize);
                verdict = $"{v.Outcome}: {v.Detail}";
            }
            var info = new StringBuilder();
            info.Append(CultureInfo.InvariantCulture, $"Module: {g.Key.Module}\n");
            info.Append(CultureInfo.InvariantCulture, $"Path: {standIn.MachinePath}\n");
            info.Append(CultureInfo.InvariantCulture, $"Size: {size}\n");
            info.Append(CultureInfo.InvariantCulture, $"Modified: {File.GetLastWriteTimeUtc(full):yyyy-MM-dd'T'HH:mm:ss'Z'}\n");
            if (FileChangeTime.Of(full) is { } changed)
            {
                info.Append(CultureInfo.InvariantCulture, $"Changed: {changed.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} (the later of mtime and ctime)\n");
            }
            info.Append(CultureInfo.InvariantCulture, $"Build ID: {ElfFile.BuildId(full) ?? "(none)"}\n");
            info.Append(CultureInfo.InvariantCulture, $"File offset: 0x{offset:x}\n");
            info.Append(window is null
                ? "Bytes: none (the offset lies beyond the end of the file)\n"
                : string.Create(CultureInfo.InvariantCulture, $"Bytes: 0x{start:x} to 0x{start + window.Length:x} ({window.Length} bytes) in {baseName}.bin\n"));
            info.Append(CultureInfo.InvariantCulture, $"Crashes: {g.Count()} ({string.Join(", ", g.Select(c => c.ProcessName).Distinct().Take(5))}), first at {first.TimeCreated:o}\n");
            info.Append(CultureInfo.InvariantCulture, $"Code bytes at capture: {verdict}\n");
            Add(SnapshotEntry.Text($"{ModulesFolder}/{baseName}.txt", info.ToString(), $"a description of {standIn.MachinePath} at 0x{offset:x}"));
            if (window is not null)
            {
                Add(SnapshotEntry.Bytes($"{ModulesFolder}/{baseName}.bin", window, $"{standIn.MachinePath}, bytes 0x{start:x}..0x{start + window.Length:x}", isText: false));
                standIn.Regions.Add(new ByteRegion(start, window));
            }
            standIn.Why.Add("the bytes around crash offsets");
        }
        if (notFound.Count > 0)
        {
            _notes.Add($"Crash modules not found on disk (no bytes kept; the code-bytes check skips them here too): {string.Join(", ", notFound.Take(20))}{(notFound.Count > 20 ? ", ..." : "")}.");
        }
    }

    /// <summary>libstdc++.so.6 as Get-SystemProfile finds it (ldconfig's entries, else the standard folders), with its version names.</summary>
    private void Libstdcxx(IReadOnlyList<string>? ldconfig)
    {
        var candidates = ldconfig is null ? new List<string>() : Toolchain.LibstdcxxFromLdconfig(ldconfig);
        if (candidates.Count == 0)
        {
            candidates.AddRange(Toolchain.StandardLibstdcxxPaths.Select(p => "/" + p));
        }
        foreach (var candidate in candidates)
        {
            var final = KeepChain(candidate);
            if (final is null)
            {
                continue;
            }
            var full = _root.PathOf(final);
            try
            {
                if (Toolchain.Newest(Toolchain.GlibcxxVersions(full, out _)) is null)
                {
                    continue;
                }
                var regions = ElfFile.VersionDefinitionRegions(full) ?? ElfFile.StringRegions(full, "GLIBCXX_3.4");
                var standIn = StandInOf(full);
                standIn.Regions.AddRange(regions);
                standIn.Why.Add("its GLIBCXX version names");
                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Unreadable(final, ex.Message, ex);
            }
        }
    }

    /// <summary>libcuda.so.1 and libnvidia-ml.so.1 as the driver reader finds them: their links and versioned names.</summary>
    private void NvidiaLibraries(IReadOnlyList<string>? ldconfig)
    {
        var text = ldconfig is null ? null : string.Join('\n', ldconfig);
        foreach (var library in NvidiaUserSpace.Libraries)
        {
            var path = text is null ? null : NvidiaUserSpace.PathInLinkerCache(text, library);
            path ??= NvidiaUserSpace.LibraryDirs.Select(d => "/" + d + "/" + library).FirstOrDefault(p => File.Exists(_root.PathOf(p)) || LinkOf(_root.PathOf(p)) is not null);
            if (path is null)
            {
                continue;
            }
            var final = KeepChain(path);
            if (final is not null)
            {
                StandInOf(_root.PathOf(final)).Why.Add("the NVIDIA driver's versioned file name");
            }
            if (NvidiaUserSpace.VersionOfFileName(final ?? path) is not null)
            {
                continue;
            }
            // No versioned name at the end of the links: the reader looks for one beside it.
            var dir = Path.GetDirectoryName(path) ?? "/";
            var stem = Path.GetFileName(path);
            stem = stem[..(stem.IndexOf(".so", StringComparison.Ordinal) + 3)];
            foreach (var sibling in SafeEntries(_root.PathOf(dir)).Where(e => Path.GetFileName(e).StartsWith(stem + ".", StringComparison.Ordinal) && NvidiaUserSpace.VersionOfFileName(e) is not null))
            {
                KeepChain(dir.TrimEnd('/') + "/" + Path.GetFileName(sibling));
                if (File.Exists(sibling) && LinkOf(sibling) is null)
                {
                    StandInOf(sibling).Why.Add("the NVIDIA driver's versioned file name");
                }
            }
        }
    }

    /// <summary>
    /// Keeps the links on the way from <paramref name="machinePath"/> (each hop's last component) as
    /// links, and returns the machine path of the file they end at; null where there is none.
    /// </summary>
    private string? KeepChain(string machinePath)
    {
        var current = machinePath;
        for (int hop = 0; hop < 16; hop++)
        {
            var full = _root.PathOf(current);
            var target = LinkOf(full);
            if (target is null)
            {
                return File.Exists(full) ? current : null;
            }
            Add(SnapshotEntry.Symlink(current.TrimStart('/'), target, $"the link {current}"));
            current = target.StartsWith('/') ? target : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(current) ?? "/", target));
        }
        return null;
    }

    private static string? LinkOf(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
