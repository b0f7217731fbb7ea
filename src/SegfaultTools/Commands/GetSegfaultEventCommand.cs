using System.Management.Automation;

namespace SegfaultTools.Commands;

/// <summary>Reads user-space crash records (segfaults and traps) from the kernel log.</summary>
[Cmdlet(VerbsCommon.Get, "SegfaultEvent", DefaultParameterSetName = LiveSet)]
[OutputType(typeof(SegfaultEvent))]
public sealed class GetSegfaultEventCommand : PSCmdlet
{
    private const string LiveSet = "Live";
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";
    private const string RootSet = "Root";
    private const string InputObjectSet = "InputObject";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ParameterSetName = RootSet)]
    [ValidateNotNullOrEmpty]
    public string Root { get; set; } = "/";

    [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
    [AllowEmptyString]
    [AllowNull]
    public string?[] InputObject { get; set; } = Array.Empty<string>();

    [Parameter(ParameterSetName = LiveSet)]
    public EventSource Source { get; set; } = EventSource.Auto;

    [Parameter(ParameterSetName = LiveSet)]
    [ValidateNotNullOrEmpty]
    public string? Boot { get; set; }

    [Parameter(ParameterSetName = LiveSet)]
    public SwitchParameter Wait { get; set; }

    [Parameter]
    public DateTime? Since { get; set; }

    [Parameter]
    public DateTime? Until { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? ProcessName { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Module { get; set; }

    [Parameter]
    public SegfaultKind[]? Kind { get; set; }

    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    public long? MaxEvents { get; set; }

    [Parameter]
    public SwitchParameter Oldest { get; set; }
}
