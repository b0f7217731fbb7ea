using System.Management.Automation;
using System.Management.Automation.Runspaces;
using SegfaultTools.Commands;

namespace SegfaultTools.Tests;

/// <summary>
/// Get-HybridCoreMap in a runspace (the cmdlet registered by type, so these run whether or not the
/// manifest exports it yet): -Root, -Cpu and -CoreType filters, errors, CSV, completers, and the live machine.
/// </summary>
public sealed class TopologyCmdletTests
{
    private const string CommandId = "SegfaultTools.Commands.GetHybridCoreMapCommand";

    private static PowerShell Shell()
    {
        var iss = InitialSessionState.CreateDefault2();
        iss.Commands.Add(new SessionStateCmdletEntry("Get-HybridCoreMap", typeof(GetHybridCoreMapCommand), null));
        return PowerShell.Create(iss);
    }

    private static string Tree(string name) => TopologyFixtureTests.TreePath(name);

    private static (List<CpuCoreInfo> Output, List<ErrorRecord> Errors) Run(string script, string? root = null)
    {
        using var ps = Shell();
        ps.Runspace.SessionStateProxy.SetVariable("root", root);
        ps.AddScript(script);
        var output = ps.Invoke().Select(o => o.BaseObject).OfType<CpuCoreInfo>().ToList();
        return (output, ps.Streams.Error.ToList());
    }

    [Fact]
    public void CpuFilterReturnsThoseCpusInOrder()
    {
        var (output, errors) = Run("Get-HybridCoreMap -Root $root -Cpu 20,16,8", Tree("raptorlake-13900ks"));
        Assert.Empty(errors);
        Assert.Equal(new[] { 8, 16, 20 }, output.Select(c => c.Cpu));
        Assert.Equal(new[] { CoreType.Performance, CoreType.Efficiency, CoreType.Efficiency }, output.Select(c => c.CoreType));
        Assert.All(output, c => Assert.Equal("rpl-13900ks", c.ComputerName));
    }

    [Fact]
    public void CpuIsPositional()
    {
        var (output, _) = Run("Get-HybridCoreMap 3 -Root $root", Tree("arm64-rk3588"));
        Assert.Equal(3, Assert.Single(output).Cpu);
    }

    [Fact]
    public void CoreTypeFilter()
    {
        var (e, _) = Run("Get-HybridCoreMap -Root $root -CoreType Efficiency", Tree("raptorlake-13900ks"));
        Assert.Equal(Enumerable.Range(16, 16), e.Select(c => c.Cpu));

        var (lp, _) = Run("Get-HybridCoreMap -Root $root -CoreType LowPowerEfficiency, Performance", Tree("meteorlake-155h"));
        Assert.Equal(Enumerable.Range(0, 12).Append(20).Append(21), lp.Select(c => c.Cpu));

        var (none, errors) = Run("Get-HybridCoreMap -Root $root -CoreType Efficiency", Tree("xeon-2s-server"));
        Assert.Empty(none);
        Assert.Empty(errors);
    }

    [Fact]
    public void CpuAndCoreTypeTogether()
    {
        var (output, _) = Run("Get-HybridCoreMap -Root $root -Cpu 0,5,7 -CoreType Unknown", Tree("offline-cpus-7700k"));
        Assert.Equal(new[] { 5, 7 }, output.Select(c => c.Cpu));
        Assert.All(output, c => Assert.False(c.IsOnline));
    }

    [Fact]
    public void MissingCpuIsANonTerminatingError()
    {
        var (output, errors) = Run("Get-HybridCoreMap -Root $root -Cpu 1,99", Tree("arm64-rk3588"));
        Assert.Equal(1, Assert.Single(output).Cpu);
        var error = Assert.Single(errors);
        Assert.Equal($"CpuNotFound,{CommandId}", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal("CPU 99 is not on rock5b (CPUs 0-7).", error.ErrorDetails.Message);
        Assert.Equal(99, error.TargetObject);
    }

    [Fact]
    public void MissingRootIsANonTerminatingError()
    {
        var (output, errors) = Run("Get-HybridCoreMap -Root $root", "/nonexistent/segfaulttools-root");
        Assert.Empty(output);
        var error = Assert.Single(errors);
        Assert.Equal($"RootNotFound,{CommandId}", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
    }

    [Fact]
    public void RootWithoutSysIsTopologyNotFound()
    {
        var (output, errors) = Run("Get-HybridCoreMap -Root $root", RepoPaths.KernelLines);
        Assert.Empty(output);
        var error = Assert.Single(errors);
        Assert.Equal($"TopologyNotFound,{CommandId}", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
    }

    [Theory]
    [InlineData("Cpu", -1)]
    [InlineData("CoreType", "Big")]
    [InlineData("Root", "")]
    public void InvalidArgumentsFailBinding(string parameter, object value)
    {
        using var ps = Shell();
        ps.AddCommand("Get-HybridCoreMap").AddParameter(parameter, value);
        Assert.ThrowsAny<ParameterBindingException>(() => ps.Invoke());
    }

    [Fact]
    public void DeclaresItsOutputType()
    {
        using var ps = Shell();
        ps.AddScript("(Get-Command Get-HybridCoreMap).OutputType.Type");
        Assert.Equal(typeof(CpuCoreInfo), Assert.Single(ps.Invoke()).BaseObject);
    }

    [Fact]
    public void CsvKeepsTheSiblingListReadable()
    {
        using var ps = Shell();
        ps.Runspace.SessionStateProxy.SetVariable("root", Tree("raptorlake-13900ks"));
        ps.AddScript("Get-HybridCoreMap -Root $root -Cpu 0,16 | ConvertTo-Csv | ConvertFrom-Csv");
        var rows = ps.Invoke();
        Assert.Equal("0-1", rows[0].Properties["ThreadSiblingList"].Value);
        Assert.Equal("16", rows[1].Properties["ThreadSiblingList"].Value);
        Assert.Equal("Efficiency", rows[1].Properties["CoreType"].Value);
        Assert.Equal("perf PMU cpu_atom lists this CPU", rows[1].Properties["Evidence"].Value);
    }

    [Fact]
    public void GroupsByCoreType()
    {
        using var ps = Shell();
        ps.Runspace.SessionStateProxy.SetVariable("root", Tree("amd-zen5-hx370"));
        ps.AddScript("Get-HybridCoreMap -Root $root | Group-Object CoreType | ForEach-Object { '{0}={1}' -f $_.Name, $_.Count }");
        Assert.Equal(new[] { "Performance=8", "Efficiency=16" }, ps.Invoke().Select(o => (string)o.BaseObject));
    }

    [Fact]
    public void LiveMachineListsEveryPresentCpu()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        var (output, errors) = Run("Get-HybridCoreMap");
        Assert.Empty(errors);
        var present = CpuList.Parse(File.ReadAllText("/sys/devices/system/cpu/present"))!;
        Assert.Equal(present, output.Select(c => c.Cpu));
        foreach (var c in output.Where(c => c.IsOnline))
        {
            var dir = $"/sys/devices/system/cpu/cpu{c.Cpu}/topology";
            Assert.Equal(int.Parse(File.ReadAllText(Path.Combine(dir, "core_id")).Trim()), c.CoreId);
            Assert.Equal(int.Parse(File.ReadAllText(Path.Combine(dir, "physical_package_id")).Trim()), c.Socket);
            Assert.Equal(Environment.MachineName, c.ComputerName);
        }
    }

    [Fact]
    public void CpuCompleterListsTheMachinesCpus()
    {
        var completer = new CpuCompleter();
        var all = completer.CompleteArgument("Get-HybridCoreMap", "Cpu", "", null!, new Dictionary<string, object>()).Select(r => r.CompletionText).ToList();
        var present = TopologyReader.CpuNumbers(SystemRoot.Live).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(present, all);

        var bound = new Dictionary<string, object> { ["Root"] = Tree("raptorlake-13900ks") };
        var ones = completer.CompleteArgument("Get-HybridCoreMap", "Cpu", "1", null!, bound).Select(r => r.CompletionText);
        Assert.Equal(new[] { "1", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19" }, ones);
    }

    [Fact]
    public void CoreTypeCompleterListsEnumNames()
    {
        var completer = new CoreTypeCompleter();
        var all = completer.CompleteArgument("Get-HybridCoreMap", "CoreType", "", null!, new Dictionary<string, object>()).Select(r => r.CompletionText);
        Assert.Equal(Enum.GetNames<CoreType>(), all);
        var e = completer.CompleteArgument("Get-HybridCoreMap", "CoreType", "e", null!, new Dictionary<string, object>()).Select(r => r.CompletionText);
        Assert.Equal(new[] { "Efficiency" }, e);
    }

    [Fact]
    public void CompletersAreAttached()
    {
        var cpu = typeof(GetHybridCoreMapCommand).GetProperty(nameof(GetHybridCoreMapCommand.Cpu))!;
        var type = typeof(GetHybridCoreMapCommand).GetProperty(nameof(GetHybridCoreMapCommand.CoreType))!;
        Assert.Equal(typeof(CpuCompleter), ((ArgumentCompleterAttribute)Attribute.GetCustomAttribute(cpu, typeof(ArgumentCompleterAttribute))!).Type);
        Assert.Equal(typeof(CoreTypeCompleter), ((ArgumentCompleterAttribute)Attribute.GetCustomAttribute(type, typeof(ArgumentCompleterAttribute))!).Type);
    }
}
