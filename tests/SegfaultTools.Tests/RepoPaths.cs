namespace SegfaultTools.Tests;

/// <summary>Finds the repository at run time so tests read tests/fixtures in place (no copy to the output).</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    /// <summary>The folder holding SegfaultTools.sln (also the module folder).</summary>
    public static string Root => s_root.Value;

    public static string Fixtures => Path.Combine(Root, "tests", "fixtures");

    public static string KernelLines => Path.Combine(Fixtures, "kernel-lines");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SegfaultTools.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException(
            $"SegfaultTools.sln not found above {AppContext.BaseDirectory}; run the tests from the repository.");
    }
}
