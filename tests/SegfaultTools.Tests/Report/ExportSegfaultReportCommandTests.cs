using System.Management.Automation;
using System.Management.Automation.Runspaces;
using SegfaultTools.Commands;

namespace SegfaultTools.Tests;

/// <summary>
/// Export-SegfaultReport in a runspace (registered by type): piped evidence, -WhatIf, -Force and the
/// errors for a file that exists, a missing folder and a directory.
/// </summary>
public sealed class ExportSegfaultReportCommandTests : IDisposable
{
    private const string CommandId = "SegfaultTools.Commands.ExportSegfaultReportCommand";

    // Evidence as Import-Csv gives it back: property bags of strings.
    private const string Evidence = """
        $crashes = foreach ($i in 0..5) {
            [pscustomobject]@{ ComputerName = 'box1'; TimeCreated = "2026-01-03T1${i}:00:00+01:00"; ProcessName = ('python', 'bash')[$i % 2]
              Module = ('libc.so.6', 'libstdc++.so.6', 'libz.so.1')[$i % 3]; Cpu = "$($i * 2)"; InstructionPointer = '0x7f0000001000'
              FaultAddress = '0x10'; FileOffset = "0x$(1000 + $i)"; Kind = 'Segfault' }
        }
        $cores = foreach ($c in 0..11) { [pscustomobject]@{ ComputerName = 'box1'; Cpu = "$c"; CoreType = 'Uniform'; CoreId = "$c"; Cluster = ''; Capacity = '1024'; MaxFrequencyMHz = '5000'; IsOnline = 'True'; Evidence = 'test' } }
        $profile = [pscustomobject]@{ ComputerName = 'box1'; CpuModel = 'AMD Ryzen 9 7950X'; CpuVendor = 'AuthenticAMD'; CpuFamily = '25'; CpuModelNumber = '97'; CpuStepping = '2'; Microcode = '0xa601206'; MicrocodeSource = 'Bios'; KernelRelease = '6.12.1'; MemoryTotal = '68719476736'; Notes = 'System.String[]'; IsRaptorLakeAffected = 'False' }
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("segfaulttools-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static PowerShell Shell()
    {
        var iss = InitialSessionState.CreateDefault2();
        iss.Commands.Add(new SessionStateCmdletEntry("Export-SegfaultReport", typeof(ExportSegfaultReportCommand), null));
        return PowerShell.Create(iss);
    }

    /// <summary>A terminating error stops the statement; in a script it lands in the error stream.</summary>
    private static ErrorRecord Failure(List<ErrorRecord> errors, Exception? thrown) =>
        thrown is IContainsErrorRecord c ? c.ErrorRecord : Assert.Single(errors);

    private (List<object> Output, List<ErrorRecord> Errors, Exception? Thrown) Run(string script)
    {
        using var ps = Shell();
        ps.Runspace.SessionStateProxy.SetVariable("dir", _dir);
        ps.AddScript(Evidence + "\n" + script);
        try
        {
            var output = ps.Invoke().Select(o => o.BaseObject).ToList();
            return (output, ps.Streams.Error.ToList(), null);
        }
        catch (RuntimeException e)
        {
            return (new List<object>(), ps.Streams.Error.ToList(), e);
        }
    }

    [Fact]
    public void PipedEvidenceBecomesAReportFileAndTheFileIsTheOutput()
    {
        var (output, errors, thrown) = Run("@($crashes) + @($cores) + @($profile) | Export-SegfaultReport -Path (Join-Path $dir r.html)");
        Assert.Null(thrown);
        Assert.Empty(errors);
        var file = Assert.IsType<FileInfo>(Assert.Single(output));
        Assert.Equal(Path.Combine(_dir, "r.html"), file.FullName);
        Assert.Single(Directory.GetFiles(_dir));
        var html = File.ReadAllText(file.FullName);
        Assert.False(File.ReadAllBytes(file.FullName).AsSpan().StartsWith(new byte[] { 0xEF, 0xBB, 0xBF }), "UTF-8 without a byte-order mark");
        Assert.Contains("data-machine=\"box1\"", html);
        Assert.Contains("data-cpus=\"12\"", html);
        Assert.Equal(12, System.Text.RegularExpressions.Regex.Matches(html, "<rect class=\"cpu cpu-uniform\"").Count);
        Assert.Contains("data-cpu=\"10\" data-count=\"1\"", html);
        Assert.Contains("data-chart=\"modules\" data-bars=\"3\"", html);
        // The whole piped SystemProfile makes the table, not only what the diagnosis keeps.
        Assert.Contains("<dt>CPU</dt><dd>AMD Ryzen 9 7950X</dd>", html);
        Assert.Contains("<dt>Microcode</dt><dd>0xa601206 (from the BIOS)</dd>", html);
        Assert.Contains("<dt>Total RAM</dt><dd>64.0 GiB</dd>", html);
        Assert.DoesNotContain("System.String[]", html);
    }

    [Fact]
    public void WhatIfWritesNothing()
    {
        var (output, errors, thrown) = Run("$crashes | Export-SegfaultReport -Path (Join-Path $dir r.html) -WhatIf");
        Assert.Null(thrown);
        Assert.Empty(errors);
        Assert.Empty(output);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void AnExistingFileNeedsForce()
    {
        var path = Path.Combine(_dir, "r.html");
        File.WriteAllText(path, "keep");
        var (output, errors, thrown) = Run("$crashes | Export-SegfaultReport -Path (Join-Path $dir r.html)");
        Assert.Empty(output);
        var error = Failure(errors, thrown);
        Assert.Equal($"ReportExists,{CommandId}", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceExists, error.CategoryInfo.Category);
        Assert.Contains("-Force", error.ErrorDetails.RecommendedAction);
        Assert.Equal("keep", File.ReadAllText(path));

        (output, errors, thrown) = Run("$crashes | Export-SegfaultReport -Path (Join-Path $dir r.html) -Force");
        Assert.Null(thrown);
        Assert.Empty(errors);
        Assert.Single(output);
        Assert.StartsWith("<!DOCTYPE html>", File.ReadAllText(path));
    }

    [Theory]
    [InlineData("(Join-Path $dir nowhere/r.html)", "ReportFolderNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("$dir", "ReportPathIsDirectory", ErrorCategory.InvalidArgument)]
    public void APathThatCannotBeWrittenIsATerminatingError(string path, string id, ErrorCategory category)
    {
        var (output, errors, thrown) = Run($"$crashes | Export-SegfaultReport -Path {path}");
        Assert.Empty(output);
        var error = Failure(errors, thrown);
        Assert.Equal($"{id},{CommandId}", error.FullyQualifiedErrorId);
        Assert.Equal(category, error.CategoryInfo.Category);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void ObjectsThatAreNoEvidenceAreReportedOnceAndLeftOut()
    {
        var (output, errors, thrown) = Run("@($crashes) + @(1, 2, 'text') | Export-SegfaultReport -Path (Join-Path $dir r.html) -WarningVariable w; $w");
        Assert.Null(thrown);
        var error = Assert.Single(errors);
        Assert.Equal($"UnsupportedInput,{CommandId}", error.FullyQualifiedErrorId);
        Assert.Contains(output, o => o is FileInfo);
        Assert.Contains(output, o => o is WarningRecord w && w.Message.StartsWith("3 piped objects", StringComparison.Ordinal));
    }

    [Fact]
    public void RedactReplacesTheHostName()
    {
        var (_, errors, thrown) = Run("$crashes | Export-SegfaultReport -Path (Join-Path $dir r.html) -Redact");
        Assert.Null(thrown);
        Assert.Empty(errors);
        var html = File.ReadAllText(Path.Combine(_dir, "r.html"));
        Assert.DoesNotContain("box1", html);
        // The redactor also knows this machine's names (piped evidence is most often this machine's): box1 gets the next token.
        Assert.Matches("data-machine=\"host-\\d+\"", html);
    }

    [Fact]
    public void SinceAfterUntilIsRefused()
    {
        var (_, errors, thrown) = Run("$crashes | Export-SegfaultReport -Path (Join-Path $dir r.html) -Since 2026-02-01 -Until 2026-01-01");
        Assert.Equal($"SinceAfterUntil,{CommandId}", Failure(errors, thrown).FullyQualifiedErrorId);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void AMissingTreeIsRootNotFoundAndNoFile()
    {
        var (output, errors, thrown) = Run("Export-SegfaultReport -Path (Join-Path $dir r.html) -Root (Join-Path $dir no-tree)");
        Assert.Null(thrown);
        Assert.Empty(output);
        Assert.Equal($"RootNotFound,{CommandId}", Assert.Single(errors).FullyQualifiedErrorId);
        Assert.Empty(Directory.GetFiles(_dir));
    }
}
