using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace SegfaultTools;

/// <summary>Completes -Cpu with the CPU numbers of the machine (or of the -Root tree already on the line).</summary>
internal sealed class CpuCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var root = SystemRoot.Live;
        if (fakeBoundParameters.Contains("Root") && fakeBoundParameters["Root"] is string r && Directory.Exists(r))
        {
            root = new SystemRoot(r);
        }
        var pattern = new WildcardPattern((wordToComplete ?? "") + "*", WildcardOptions.IgnoreCase);
        foreach (var cpu in TopologyReader.CpuNumbers(root))
        {
            var text = cpu.ToString(CultureInfo.InvariantCulture);
            if (pattern.IsMatch(text))
            {
                yield return new CompletionResult(text, text, CompletionResultType.ParameterValue, $"CPU {text}");
            }
        }
    }
}

/// <summary>Completes -CoreType with the names of <see cref="CoreType"/>.</summary>
internal sealed class CoreTypeCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = new WildcardPattern((wordToComplete ?? "").Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        foreach (var name in Enum.GetNames<CoreType>())
        {
            if (pattern.IsMatch(name))
            {
                yield return new CompletionResult(name, name, CompletionResultType.ParameterValue, name);
            }
        }
    }
}
