using System.Management.Automation;

namespace SegfaultTools.Tests;

/// <summary>Get-SegfaultEvent through the imported module (manifest, formats, cmdlet) in a real runspace.</summary>
public sealed class GetSegfaultEventModuleTests : IClassFixture<ModuleRunspaceFixture>
{
    private const string CommandType = "SegfaultTools.Commands.GetSegfaultEventCommand";
    private readonly ModuleRunspaceFixture _f;

    public GetSegfaultEventModuleTests(ModuleRunspaceFixture fixture) => _f = fixture;

    private List<SegfaultEvent> Events(string script, params (string, object?)[] vars)
    {
        var (output, errors) = _f.Run(script, vars);
        Assert.True(errors.Count == 0, "unexpected errors: " + string.Join("; ", errors.Select(e => e.FullyQualifiedErrorId + " " + e)));
        return output.Select(o => Assert.IsType<SegfaultEvent>(o.BaseObject)).ToList();
    }

    [Fact]
    public void PathReturnsTypedEventsNewestFirst()
    {
        var events = Events("Get-SegfaultEvent -Path $p", ("p", _f.KernLogPath));
        Assert.Equal(new[] { "bash", "firefox", "pytest", "python3" }, events.Select(e => e.ProcessName));

        var python = events[3];
        Assert.Equal(100, python.ProcessId);
        Assert.Equal(SegfaultKind.Segfault, python.Kind);
        Assert.Equal(0x7f0000001234UL, python.InstructionPointer);
        Assert.Equal("libc.so.6", python.Module);
        Assert.Equal(0x1234UL, python.ModuleOffset);
        Assert.Equal(1, python.Cpu);
        Assert.Equal("Unable to access opcode bytes at 0x7f000000120a.", python.Code);
        Assert.Equal("host1", python.ComputerName);
        Assert.Equal(_f.KernLogPath, python.Source);
        Assert.Equal(new DateTimeOffset(new DateTime(2026, 4, 4, 5, 0, 12, DateTimeKind.Local)), python.TimeCreated);
        Assert.Equal(SegfaultKind.InvalidOpcode, events[2].Kind);
    }

    [Fact]
    public void OldestIsChronological()
    {
        var events = Events("Get-SegfaultEvent -Path $p -Oldest", ("p", _f.KernLogPath));
        Assert.Equal(new[] { "python3", "pytest", "firefox", "bash" }, events.Select(e => e.ProcessName));
    }

    [Fact]
    public void MaxEventsTakesTheNewest()
    {
        var events = Events("Get-SegfaultEvent -Path $p -MaxEvents 2", ("p", _f.KernLogPath));
        Assert.Equal(new[] { "bash", "firefox" }, events.Select(e => e.ProcessName));
    }

    [Fact]
    public void ProcessNameWildcard()
    {
        var events = Events("Get-SegfaultEvent -Path $p -ProcessName 'py*' -Oldest", ("p", _f.KernLogPath));
        Assert.Equal(new[] { "python3", "pytest" }, events.Select(e => e.ProcessName));
    }

    [Fact]
    public void ModuleWildcard()
    {
        var events = Events("Get-SegfaultEvent -Path $p -Module 'libc*' -Oldest", ("p", _f.KernLogPath));
        Assert.Equal(new[] { "python3", "bash" }, events.Select(e => e.ProcessName));
    }

    [Fact]
    public void KindFilter()
    {
        var e = Assert.Single(Events("Get-SegfaultEvent -Path $p -Kind InvalidOpcode", ("p", _f.KernLogPath)));
        Assert.Equal("pytest", e.ProcessName);
        Assert.Equal(0x1234UL, e.ModuleOffset);
    }

    [Fact]
    public void SinceAndUntilOnSyslogFile()
    {
        var since = new DateTime(2026, 4, 5, 0, 0, 0, DateTimeKind.Local);
        var until = new DateTime(2026, 4, 6, 12, 0, 0, DateTimeKind.Local);
        var events = Events("Get-SegfaultEvent -Path $p -Since $s -Until $u -Oldest", ("p", _f.KernLogPath), ("s", since), ("u", until));
        Assert.Equal(new[] { "pytest", "firefox" }, events.Select(e => e.ProcessName));

        Assert.Equal(new[] { "firefox", "bash" },
            Events("Get-SegfaultEvent -Path $p -Since $s -Oldest", ("p", _f.KernLogPath), ("s", new DateTime(2026, 4, 6, 0, 0, 0, DateTimeKind.Local)))
                .Select(e => e.ProcessName));
    }

    [Fact]
    public void MissingPathIsNonTerminatingAndOtherPathsAreRead()
    {
        var missing = Path.Combine(_f.Dir, "no-such-file.log");
        var (output, errors) = _f.Run("Get-SegfaultEvent -Path $m, $p", ("m", missing), ("p", _f.KernLogPath));
        var err = Assert.Single(errors);
        Assert.Equal("PathNotFound," + CommandType, err.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, err.CategoryInfo.Category);
        Assert.Equal(4, output.Count);
        Assert.All(output, o => Assert.IsType<SegfaultEvent>(o.BaseObject));
    }

    [Fact]
    public void MissingPathWithErrorActionStopThrows()
    {
        var missing = Path.Combine(_f.Dir, "no-such-file.log");
        using var ps = _f.Create();
        ps.AddCommand("Get-SegfaultEvent").AddParameter("Path", missing).AddParameter("ErrorAction", ActionPreference.Stop);
        var ex = Assert.ThrowsAny<RuntimeException>(() => ps.Invoke());
        Assert.Equal("PathNotFound," + CommandType, ex.ErrorRecord.FullyQualifiedErrorId);
    }

    [Fact]
    public void CorruptGzIsReportedAndOtherFilesAreRead()
    {
        var (output, errors) = _f.Run("Get-SegfaultEvent -Path $c, $p", ("c", _f.CorruptGzPath), ("p", _f.KernLogPath));
        var err = Assert.Single(errors);
        Assert.Equal("CompressedFileCorrupt," + CommandType, err.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidData, err.CategoryInfo.Category);
        Assert.Equal(4, output.Count);
    }

    [Fact]
    public void GzFileIsReadTransparently()
    {
        var e = Assert.Single(Events("Get-SegfaultEvent -Path $g", ("g", _f.GzPath)));
        Assert.Equal("gzipped", e.ProcessName);
        Assert.Equal(600, e.ProcessId);
        Assert.Equal(2, e.Cpu);
        Assert.Equal(new DateTimeOffset(new DateTime(2026, 3, 1, 1, 2, 3, DateTimeKind.Local)), e.TimeCreated);
    }

    [Fact]
    public void WildcardPathReadsEveryMatchingFile()
    {
        // kern.log, kern.log.2.gz (the corrupt kern.log.3.gz adds one error).
        var (output, errors) = _f.Run("Get-SegfaultEvent -Path (Join-Path $d 'kern.log*')", ("d", _f.Dir));
        Assert.Equal(5, output.Count);
        Assert.Equal("CompressedFileCorrupt," + CommandType, Assert.Single(errors).FullyQualifiedErrorId);
    }

    [Fact]
    public void JournalJsonExportIsRead()
    {
        var e = Assert.Single(Events("Get-SegfaultEvent -Path $j", ("j", _f.JournalJsonPath)));
        Assert.Equal("jsoncrash", e.ProcessName);
        Assert.Equal("ws", e.ComputerName);
        Assert.Equal("3f0c0000000000000000000000000001", e.BootId);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddTicks(1736931234567890L * 10), e.TimeCreated);
    }

    [Fact]
    public void InputObjectFromPipeline()
    {
        var events = Events("$lines | Get-SegfaultEvent -Oldest", ("lines", ModuleRunspaceFixture.KernLog));
        Assert.Equal(new[] { "python3", "pytest", "firefox", "bash" }, events.Select(e => e.ProcessName));
    }

    [Fact]
    public void LiteralPathByPipelineFromGetChildItem()
    {
        var events = Events("Get-ChildItem -LiteralPath $p | Get-SegfaultEvent", ("p", _f.KernLogPath));
        Assert.Equal(4, events.Count);
    }

    [Fact]
    public void OutputTypeIsSegfaultEvent()
    {
        var (output, _) = _f.Run("(Get-Command Get-SegfaultEvent).OutputType");
        var t = Assert.Single(output);
        var name = Assert.IsType<PSTypeName>(t.BaseObject);
        Assert.Equal(typeof(SegfaultEvent).FullName, name.Name);
        Assert.Equal(typeof(SegfaultEvent), name.Type);
    }

    [Fact]
    public void ModuleExportsExactlyTheCmdletsItHas()
    {
        // Every public cmdlet class is exported, and nothing else (no functions, aliases, variables).
        var cmdlets = typeof(SegfaultEvent).Assembly.GetTypes()
            .Where(t => t.IsPublic && !t.IsAbstract && typeof(System.Management.Automation.Cmdlet).IsAssignableFrom(t))
            .Select(t => t.GetCustomAttributes(typeof(System.Management.Automation.CmdletAttribute), false).Cast<System.Management.Automation.CmdletAttribute>().Single())
            .Select(a => a.VerbName + "-" + a.NounName)
            .OrderBy(n => n, StringComparer.Ordinal);
        var (output, _) = _f.Run("(Get-Module SegfaultTools).ExportedCommands.Keys | Sort-Object");
        Assert.Equal(new[] { "Export-SegfaultReport", "Export-SegfaultSnapshot", "Get-GpuDriverInfo", "Get-HardwareErrorEvent", "Get-HybridCoreMap", "Get-SegfaultDiagnosis", "Get-SegfaultEvent", "Get-SystemProfile", "Test-CpuStability" }, cmdlets);
        Assert.Equal(cmdlets, output.Select(o => o.BaseObject.ToString()));
    }

    [Fact]
    public void DefaultViewIsATableWithHexInstructionPointer()
    {
        var (output, errors) = _f.Run("$PSStyle.OutputRendering = 'PlainText'; Get-SegfaultEvent -Path $p | Out-String -Width 250", ("p", _f.KernLogPath));
        Assert.Empty(errors);
        var text = string.Concat(output.Select(o => o.BaseObject.ToString()));
        Assert.Contains("python3", text);
        Assert.Contains("firefox", text);
        Assert.Contains("7f0000001234", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("139637976731188", text); // the same ip in decimal
        Assert.Matches(@"(?m)^-{2,}", text);            // a table header underline
        Assert.DoesNotMatch(@"(?m)^ProcessName\s*:", text); // not a list view
    }

    [Fact]
    public void EscapeCharacterInCommIsNotWrittenRaw()
    {
        var e = Assert.Single(Events("Get-SegfaultEvent -Path $p", ("p", _f.DmesgPath)));
        Assert.Equal(ModuleRunspaceFixture.EscComm, e.ProcessName); // kept as data on the object

        var (output, _) = _f.Run("$PSStyle.OutputRendering = 'PlainText'; Get-SegfaultEvent -Path $p | Out-String -Width 250", ("p", _f.DmesgPath));
        var text = string.Concat(output.Select(o => o.BaseObject.ToString()));
        Assert.Contains("evil", text);
        Assert.DoesNotContain('\u001b', text);
    }
}
