#Requires -Version 7.4
<#
.SYNOPSIS
    Runs the Pester suite and writes a JSON summary that build.ps1 reads.
.DESCRIPTION
    build.ps1 -Task Test starts this script in a fresh `dotnet pwsh -NoProfile` process, because a
    binary module loaded into a process can be neither unloaded nor reloaded after a rebuild.
    It imports Pester by path, runs every *.Tests.ps1 under -TestPath, and writes:
      <ResultDirectory>/pester.xml           NUnit XML, for CI systems that read it
      <ResultDirectory>/pester-summary.json  counts and failures, for build.ps1
    It exits 0 whenever Pester ran, whatever the tests' outcome; build.ps1 decides from the JSON.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string] $PesterManifest,

    [Parameter(Mandatory)]
    [string] $TestPath,

    [Parameter(Mandatory)]
    [string] $ResultDirectory
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

if ([Console]::IsOutputRedirected -or [Console]::IsErrorRedirected) { $PSStyle.OutputRendering = 'PlainText' }
$summaryPath = Join-Path $ResultDirectory 'pester-summary.json'

if (-not (Get-ChildItem -LiteralPath $TestPath -Recurse -File -Filter '*.Tests.ps1' -ErrorAction Ignore)) {
    # Invoke-Pester throws when there is nothing to run; report zero tests and let build.ps1 fail it.
    [ordered]@{ Result = 'NotRun'; Total = 0; Passed = 0; Failed = 0; Skipped = 0; Inconclusive = 0; NotRun = 0
        FailedBlocks = 0; FailedContainers = 0; Containers = 0; Failures = @() } |
        ConvertTo-Json | Set-Content -LiteralPath $summaryPath -Encoding utf8NoBOM
    exit 0
}

Import-Module -Name $PesterManifest -Force

$config = New-PesterConfiguration
$config.Run.Path = $TestPath
$config.Run.Exit = $false
$config.Run.Throw = $false
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
# Keep logs free of escape codes when stdout is a file or a pipe (CI).
$config.Output.RenderMode = if ([Console]::IsOutputRedirected) { 'Plaintext' } else { 'Auto' }
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = Join-Path $ResultDirectory 'pester.xml'

$result = Invoke-Pester -Configuration $config

function Get-ErrorText([object[]] $ErrorRecord) {
    @($ErrorRecord | Where-Object { $_ } | ForEach-Object { $_.Exception.Message }) -join [Environment]::NewLine
}

# Pester marks every test of a block whose BeforeAll threw as failed, without an error of its own.
# List those once, with the block or file that failed, rather than one line per test.
$notRunBy = [ordered]@{}
$failures = [System.Collections.Generic.List[object]]::new()
foreach ($test in $result.Failed) {
    $message = Get-ErrorText $test.ErrorRecord
    if ($message) {
        $failures.Add([ordered]@{ Name = "$($test.ExpandedPath)"; Message = $message })
        continue
    }
    $block = $test.Block
    while ($block -and -not @($block.ErrorRecord | Where-Object { $_ }).Count) { $block = $block.Parent }
    $key = if ($block -and -not $block.IsRoot) { "block:$($block.ExpandedPath)" } else { "file:$($test.Block.BlockContainer.Item)" }
    $notRunBy[$key] = 1 + [int]$notRunBy[$key]
}
function Get-NotRunNote([string] $Key) {
    $count = [int]$notRunBy[$Key]
    $notRunBy.Remove($Key)
    if ($count) { "$([Environment]::NewLine)($count test(s) in it did not run; each counts as failed)" } else { '' }
}
foreach ($block in $result.FailedBlocks) {
    $failures.Add([ordered]@{
            Name    = "$($block.ExpandedPath) (BeforeAll/AfterAll of the block)"
            Message = (Get-ErrorText $block.ErrorRecord) + (Get-NotRunNote "block:$($block.ExpandedPath)")
        })
}
foreach ($container in $result.FailedContainers) {
    $failures.Add([ordered]@{
            Name    = "$($container.Item) (file: discovery or top-level BeforeAll/AfterAll)"
            Message = (Get-ErrorText $container.ErrorRecord) + (Get-NotRunNote "file:$($container.Item)")
        })
}
foreach ($key in @($notRunBy.Keys)) {
    $failures.Add([ordered]@{ Name = $key; Message = "$($notRunBy[$key]) test(s) failed without an error of their own" })
}

$summary = [ordered]@{
    Result           = "$($result.Result)"
    Total            = $result.TotalCount
    Passed           = $result.PassedCount
    Failed           = $result.FailedCount
    Skipped          = $result.SkippedCount
    Inconclusive     = $result.InconclusiveCount
    NotRun           = $result.NotRunCount
    FailedBlocks     = $result.FailedBlocksCount
    FailedContainers = $result.FailedContainersCount
    Containers       = @($result.Containers).Count
    Failures         = $failures
}
$summary | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $summaryPath -Encoding utf8NoBOM
exit 0
