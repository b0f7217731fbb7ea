using System.Globalization;

namespace SegfaultTools;

/// <summary>The outputs of the programs a live run calls, saved where a captured tree's readers look for them.</summary>
internal sealed partial class SnapshotBuilder
{
    /// <summary>What a tree holds under .segfaulttools that is not a program's output (and is made anew for each snapshot).</summary>
    private static readonly string[] NotProgramOutputs = { "modules", FileTimesName, ProgramCapture.Dmesg.FileName };

    /// <summary>
    /// Runs each program a live run calls (each with a time limit; a program that is not installed
    /// is skipped), or copies a tree's saved outputs. The whole ring buffer (dmesg.txt) is never
    /// saved: kern.log holds the records that matter. Returns `ldconfig -p`'s lines for the searches
    /// that follow.
    /// </summary>
    private IReadOnlyList<string>? CapturePrograms()
    {
        if (!_root.IsLive)
        {
            var dir = _root.PathOf(CapturedPrograms.Folder);
            foreach (var file in SafeEntries(dir).Where(File.Exists))
            {
                var name = Path.GetFileName(file);
                if (!NotProgramOutputs.Contains(name))
                {
                    CopyFile($"{CapturedPrograms.Folder}/{name}");
                }
            }
            return new CapturedPrograms(_root).Read(ProgramCapture.Ldconfig, out _);
        }

        var programs = new LivePrograms(_options.ProgramTimeout, _cancel);
        IReadOnlyList<string>? ldconfig = null;
        foreach (var capture in new[] { ProgramCapture.Ldconfig, ProgramCapture.Gcc, ProgramCapture.Python, ProgramCapture.Ldd })
        {
            var lines = programs.Read(capture, out var problem);
            if (lines is null)
            {
                Skipped(capture.FileName, capture.Display, problem);
                continue;
            }
            if (capture == ProgramCapture.Ldconfig)
            {
                ldconfig = lines;
            }
            SaveOutput(capture.FileName, string.Join('\n', lines) + "\n", capture.Display);
        }

        var gpu = new LiveGpuTools(_options.ProgramTimeout, _cancel);
        foreach (var (file, run, display) in new (string, Func<ToolOutput>, string)[]
        {
            (CapturedGpuTools.NvidiaSmiFile, gpu.NvidiaSmi, "nvidia-smi -q -x"),
            (CapturedGpuTools.DkmsFile, gpu.DkmsStatus, "dkms status"),
            (CapturedGpuTools.ModinfoFile, gpu.ModinfoNvidia, "modinfo nvidia"),
        })
        {
            var output = run();
            switch (output.Outcome)
            {
                case ToolOutcome.Ok:
                    SaveOutput(file, (output.Text ?? string.Empty).TrimEnd('\n') + "\n", display);
                    break;
                case ToolOutcome.Missing:
                    Skipped(file, display, output.Detail);
                    break;
                default:
                    if (file == CapturedGpuTools.NvidiaSmiFile)
                    {
                        // A hung or failing nvidia-smi is evidence itself: its error text is what the tree holds.
                        SaveOutput(file, (output.Detail ?? "nvidia-smi gave no report") + "\n", display + " (its error, as it ran here)");
                    }
                    else
                    {
                        Skipped(file, display, output.Detail);
                    }
                    break;
            }
        }
        return ldconfig;
    }

    private void SaveOutput(string file, string text, string display) =>
        Add(SnapshotEntry.Text($"{CapturedPrograms.Folder}/{file}", text, $"the output of `{display}`", DateTimeOffset.Now));

    private void Skipped(string file, string display, string? why)
    {
        var reason = why ?? "no output";
        _notes.Add(string.Create(CultureInfo.InvariantCulture, $"{CapturedPrograms.Folder}/{file} is not in the snapshot: `{display}` gave nothing here ({reason.TrimEnd('.')})."));
    }
}
