<#
.SYNOPSIS
    Times Get-SegfaultDiagnosis on a fleet's log (a million crash records from 1,000 machines) read with
    -Path, and on the same events as a CSV file through Import-Csv.

.DESCRIPTION
    Run it after a Release build (build.ps1 -Task Bench does both). Steps:
      1. Generate (or reuse) the fleet log (New-FleetLogFixture.ps1: -Records crash records from -Hosts
         machines, RFC 3339 syslog lines in time order) and read it once so it sits in the page cache.
      2. In a fresh pwsh: `Get-SegfaultDiagnosis -Path <log>`, timed with a Stopwatch around the cmdlet
         alone (module import excluded, first-call JIT included: what a user's one-off call costs), with
         the process's peak resident memory; the findings, the distinct ComputerName values (must equal
         -Hosts), the leading cause per host and how many findings name a crash signature shared by other
         machines (the fleet rule).
      3. In a fresh pwsh: `Get-SegfaultEvent -Path <log> -Oldest | Measure-Object`, the events counted (must
         equal -Records) and the time reading alone takes through the pipeline.
      4. Unless -NoCsv: in a fresh pwsh, `Get-SegfaultEvent -Path <log> -Oldest | Export-Csv` once (kept beside
         the log as <log>.csv and reused while its stamp still matches the log and the module's columns),
         then in a fresh pwsh `Import-Csv <csv> | Get-SegfaultDiagnosis`, timed and measured the same way.
      5. With -Breakdown, where the time goes: `Get-SegfaultDiagnosis -Path <log> -Since 2100-01-01` (every
         line read and parsed, nothing aggregated or weighed) and `Import-Csv <csv> | Measure-Object`.
      6. Print a table with the figures against the targets and write TestResults/diagnosis-bench.json.
    Every measurement runs in its own pwsh process so the memory figures are the cmdlet's own. Memory:
    VmHWM from /proc/self/status after the run (reset with "5" > /proc/self/clear_refs just before it, or
    VmRSS sampled every 5 ms where the reset is not allowed). "Process peak" is the whole pwsh process's
    high-water mark (runtime and module included): the target is judged on it. "Growth" is that peak minus
    the resident size just before the cmdlet started.

    Targets (from the issue): -Path diagnosis under 10 s with memory under 1 GiB; Import-Csv |
    Get-SegfaultDiagnosis under 60 s. The script exits 0 even when a target is missed or a step fails: it
    is a report, and tests never assert speed.

.EXAMPLE
    dotnet pwsh -NoProfile -File tests/bench/Invoke-DiagnosisBenchmark.ps1 -Records 100000 -Hosts 100
#>
[CmdletBinding(DefaultParameterSetName = 'Report')]
param(
    # Crash records in the fleet log.
    [Parameter(ParameterSetName = 'Report')]
    [ValidateRange(1, 100000000)]
    [int] $Records = 1000000,

    # Machines the records come from.
    [Parameter(ParameterSetName = 'Report')]
    [ValidateRange(1, 1000000)]
    [int] $Hosts = 1000,

    # Leave out the CSV part (export and Import-Csv | Get-SegfaultDiagnosis).
    [Parameter(ParameterSetName = 'Report')]
    [switch] $NoCsv,

    # Also measure where the time goes: parsing alone (-Since in the future) and Import-Csv alone.
    [Parameter(ParameterSetName = 'Report')]
    [switch] $Breakdown,

    # Timed repetitions of each diagnosis (each in a fresh pwsh); the best is reported.
    [Parameter(ParameterSetName = 'Report')]
    [ValidateRange(1, 20)]
    [int] $Runs = 1,

    # Where the generated files are kept (default $env:TMPDIR or /tmp, /segfaulttools-bench).
    [Parameter(ParameterSetName = 'Report')]
    [string] $FixtureDirectory,

    # Module manifest to import (default: the repository root's SegfaultTools.psd1).
    [string] $ModulePath,

    # JSON report (default: <repo>/TestResults/diagnosis-bench.json).
    [Parameter(ParameterSetName = 'Report')]
    [string] $OutFile,

    # Free text recorded with the figures.
    [Parameter(ParameterSetName = 'Report')]
    [string] $Note,

    # Internal: the measurement a child process runs.
    [Parameter(ParameterSetName = 'Child', Mandatory, DontShow)]
    [ValidateSet('PathDiagnosis', 'ReadEvents', 'ParseOnly', 'ExportCsv', 'CsvDiagnosis', 'CsvImport')]
    [string] $Measure,

    # Internal: the log (or CSV) the child reads.
    [Parameter(ParameterSetName = 'Child', Mandatory, DontShow)]
    [string] $InputFile,

    # Internal: where the child writes its figures (JSON).
    [Parameter(ParameterSetName = 'Child', Mandatory, DontShow)]
    [string] $ResultFile
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
if (-not $ModulePath) { $ModulePath = Join-Path $repoRoot 'SegfaultTools.psd1' }

# ================================================================ child: one measurement
if ($PSCmdlet.ParameterSetName -eq 'Child') {
    if (-not ('SegfaultToolsBench.ProcMemory' -as [type])) {
        Add-Type -Path (Join-Path $PSScriptRoot 'BenchProcess.cs')
    }
    $mem = [SegfaultToolsBench.ProcMemory]
    $out = [ordered]@{
        Measure = $Measure; Ok = $false; Error = $null; ImportedFrom = $null; Build = $null; ModuleDll = $null; ModuleDllWritten = $null; ImportSeconds = $null
        Seconds = $null; CpuSeconds = $null; AllocatedMB = $null; GcGen0 = $null; GcGen1 = $null; GcGen2 = $null; ServerGc = [Runtime.GCSettings]::IsServerGC
        RssBeforeMB = $null; RunPeakMB = $null; PeakGrowthMB = $null; ProcessPeakMB = $null; MemoryMethod = $null
        Errors = 0; FirstError = $null; Warnings = 0; FirstWarning = $null
    }
    try {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        try {
            Import-Module $ModulePath -Force
            $out.ImportedFrom = $ModulePath
        }
        catch {
            # The manifest can be unimportable while the module is being built up; the timing only needs the cmdlets.
            $dll = Join-Path (Split-Path -Parent $ModulePath) 'bin/SegfaultTools.dll'
            if (-not (Test-Path -LiteralPath $dll)) { throw }
            Import-Module $dll -Force
            $out.ImportedFrom = "$dll (the manifest failed: $($_.Exception.Message))"
        }
        $out.ImportSeconds = [math]::Round($sw.Elapsed.TotalSeconds, 3)
        $assembly = (Get-Command Get-SegfaultDiagnosis).ImplementingType.Assembly
        $debuggable = $assembly.GetCustomAttributes([Diagnostics.DebuggableAttribute], $false) | Select-Object -First 1
        $out.Build = if ($debuggable -and $debuggable.IsJITOptimizerDisabled) { 'Debug (JIT optimizer disabled: figures are not representative)' } else { 'Release' }
        $out.ModuleDll = $assembly.Location
        $out.ModuleDllWritten = (Get-Item -LiteralPath $assembly.Location).LastWriteTimeUtc.ToString('o') # which build was measured

        $csvPath = "$InputFile.csv"
        if ($Measure -eq 'ExportCsv') {
            # Reuse the CSV while its stamp still names this log and the module still writes the same columns.
            $header = Get-SegfaultEvent -Path $InputFile -Oldest | Select-Object -First 1 | ConvertTo-Csv -NoTypeInformation | Select-Object -First 1
            $logBytes = (Get-Item -LiteralPath $InputFile).Length
            $stampPath = "$csvPath.stamp.json"
            $out.CsvPath = $csvPath
            if ((Test-Path -LiteralPath $csvPath) -and (Test-Path -LiteralPath $stampPath)) {
                try {
                    $stamp = Get-Content -LiteralPath $stampPath -Raw | ConvertFrom-Json
                    if ($stamp.LogBytes -eq $logBytes -and $stamp.Header -eq $header -and $stamp.Bytes -eq (Get-Item -LiteralPath $csvPath).Length) {
                        $out.Reused = $true; $out.Rows = [long]$stamp.Rows; $out.Bytes = [long]$stamp.Bytes; $out.Seconds = 0.0; $out.Ok = $true
                    }
                }
                catch { }
            }
        }
        if (-not ($Measure -eq 'ExportCsv' -and $out.Contains('Reused'))) {
            $script:findings = $null; $script:count = $null
            $body = switch ($Measure) {
                'PathDiagnosis' { { $script:findings = @(Get-SegfaultDiagnosis -Path $InputFile -ErrorAction SilentlyContinue -ErrorVariable +benchErrors -WarningAction SilentlyContinue -WarningVariable +benchWarnings) } }
                'ParseOnly' { { $script:findings = @(Get-SegfaultDiagnosis -Path $InputFile -Since ([datetime]'2100-01-01') -ErrorAction SilentlyContinue -ErrorVariable +benchErrors -WarningAction SilentlyContinue -WarningVariable +benchWarnings) } }
                'ReadEvents' { { $script:count = (Get-SegfaultEvent -Path $InputFile -Oldest -ErrorAction SilentlyContinue -ErrorVariable +benchErrors -WarningAction SilentlyContinue -WarningVariable +benchWarnings | Measure-Object).Count } }
                'ExportCsv' { { Get-SegfaultEvent -Path $InputFile -Oldest -ErrorAction SilentlyContinue -ErrorVariable +benchErrors -WarningAction SilentlyContinue -WarningVariable +benchWarnings | Export-Csv -LiteralPath "$csvPath.$PID" -NoTypeInformation } }
                'CsvDiagnosis' { { $script:findings = @(Import-Csv -LiteralPath $InputFile | Get-SegfaultDiagnosis -ErrorAction SilentlyContinue -ErrorVariable +benchErrors -WarningAction SilentlyContinue -WarningVariable +benchWarnings) } }
                'CsvImport' { { $script:count = (Import-Csv -LiteralPath $InputFile | Measure-Object).Count } }
            }
            $benchErrors = [Collections.ArrayList]::new()
            $benchWarnings = [Collections.ArrayList]::new()

            [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
            $hwmBefore = $mem::ReadKb('VmHWM') # the import's peak, before the reset
            $rssBefore = $mem::ReadKb('VmRSS')
            $reset = $mem::TryResetPeak()
            if ($reset) { $reset = ($mem::ReadKb('VmHWM') -le $rssBefore + 4096) } # trust it only if the mark really dropped
            $sampler = if ($reset) { $null } else { [SegfaultToolsBench.RssSampler]::new(5) }
            $gc0 = [GC]::CollectionCount(0); $gc1 = [GC]::CollectionCount(1); $gc2 = [GC]::CollectionCount(2)
            $allocated = [GC]::GetTotalAllocatedBytes($false)
            $cpu = $mem::SelfCpuSeconds()
            $sw = [Diagnostics.Stopwatch]::StartNew()
            try {
                . $body # dot-sourced: -ErrorVariable/-WarningVariable append to the lists above
            }
            finally {
                $sw.Stop()
                $cpu = $mem::SelfCpuSeconds() - $cpu
                if ($sampler) { $sampler.Dispose() }
            }
            $peakKb = if ($reset) { $mem::ReadKb('VmHWM') } else { $sampler.MaxKb }
            $out.Seconds = [math]::Round($sw.Elapsed.TotalSeconds, 3)
            $out.CpuSeconds = [math]::Round($cpu, 2)
            $out.AllocatedMB = [math]::Round(([GC]::GetTotalAllocatedBytes($false) - $allocated) / 1MB, 0)
            $out.GcGen0 = [GC]::CollectionCount(0) - $gc0; $out.GcGen1 = [GC]::CollectionCount(1) - $gc1; $out.GcGen2 = [GC]::CollectionCount(2) - $gc2
            $out.RssBeforeMB = [math]::Round($rssBefore / 1024.0, 1)
            $out.RunPeakMB = [math]::Round($peakKb / 1024.0, 1)
            $out.PeakGrowthMB = [math]::Round(($peakKb - $rssBefore) / 1024.0, 1)
            $out.ProcessPeakMB = [math]::Round([math]::Max($peakKb, $hwmBefore) / 1024.0, 1)
            $out.MemoryMethod = if ($reset) { 'VmHWM after clear_refs reset' } else { 'VmRSS sampled every 5 ms' }
            $out.Errors = $benchErrors.Count
            if ($benchErrors.Count) { $out.FirstError = "$($benchErrors[0])" }
            $out.Warnings = $benchWarnings.Count
            if ($benchWarnings.Count) { $out.FirstWarning = "$($benchWarnings[0])" }

            if ($null -ne $script:count) { $out.Count = [long]$script:count }
            if ($null -ne $script:findings) {
                $f = $script:findings
                $out.Findings = $f.Count
                $out.Hosts = @($f | ForEach-Object ComputerName | Sort-Object -Unique).Count
                $leading = [ordered]@{}
                foreach ($x in $f) { if ($x.Rank -eq 1) { $leading[[string]$x.ComputerName] = [string]$x.Cause } }
                $out.LeadingCause = $leading
                $out.LeadingCauseCounts = [ordered]@{}
                foreach ($g in ($leading.Values | Group-Object | Sort-Object Count -Descending)) { $out.LeadingCauseCounts[$g.Name] = $g.Count }
                $fleet = @($f | Where-Object { @($_.Evidence) -match 'also crashed on other machines' })
                $out.FleetRuleFindings = $fleet.Count
                $out.FleetRuleHosts = @($fleet | ForEach-Object ComputerName | Sort-Object -Unique).Count
            }
            if ($Measure -eq 'ExportCsv') {
                # Rows: lines after the header (no field holds a line break).
                $lines = $mem::CountNewlines("$csvPath.$PID")
                Move-Item -LiteralPath "$csvPath.$PID" -Destination $csvPath -Force
                $out.Reused = $false
                $out.Rows = $lines - 1
                $out.Bytes = (Get-Item -LiteralPath $csvPath).Length
                [ordered]@{ LogBytes = $logBytes; Header = $header; Rows = $out.Rows; Bytes = $out.Bytes } | ConvertTo-Json | Set-Content -LiteralPath "$stampPath.$PID"
                Move-Item -LiteralPath "$stampPath.$PID" -Destination $stampPath -Force
            }
            $out.Ok = $true
        }
    }
    catch {
        $out.Error = "$($_.Exception.GetType().FullName): $($_.Exception.Message)"
    }
    $out | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $ResultFile
    exit 0
}

# ================================================================ parent: the report
if (-not $OutFile) { $OutFile = Join-Path $repoRoot 'TestResults/diagnosis-bench.json' }
$secondsTarget = 10
$memoryTargetMB = 1024
$csvSecondsTarget = 60

function Get-LoadAverage { try { [double]((Get-Content /proc/loadavg -Raw) -split ' ')[0] } catch { $null } }

function Read-WholeFile([string] $Path) {
    $buffer = [byte[]]::new(1MB)
    $fs = [IO.FileStream]::new($Path, [IO.FileMode]::Open, [IO.FileAccess]::Read, [IO.FileShare]::Read, 1, [IO.FileOptions]::SequentialScan)
    try { while ($fs.Read($buffer, 0, $buffer.Length) -gt 0) { } } finally { $fs.Dispose() }
}

# The pwsh running this script, to start the children with: the dotnet tool runs as "dotnet <PSHOME>/pwsh.dll".
$childExe = [Environment]::ProcessPath
$childPrefix = @()
if ([IO.Path]::GetFileNameWithoutExtension($childExe) -eq 'dotnet') { $childPrefix = @(Join-Path $PSHOME 'pwsh.dll') }

# Runs one measurement in a fresh pwsh; returns its figures (an ordered dictionary) with ChildSeconds added.
function Invoke-Child([string] $What, [string] $File) {
    $resultFile = Join-Path ([IO.Path]::GetTempPath()) "segfaulttools-diagbench-$PID-$What-$([guid]::NewGuid().ToString('n')).json"
    $arguments = $childPrefix + @('-NoProfile', '-NonInteractive', '-File', $PSCommandPath, '-Measure', $What, '-InputFile', $File, '-ResultFile', $resultFile, '-ModulePath', $ModulePath)
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $output = & $childExe @arguments 2>&1
    $sw.Stop()
    $exit = $LASTEXITCODE
    $r = $null
    if (Test-Path -LiteralPath $resultFile) {
        $r = Get-Content -LiteralPath $resultFile -Raw | ConvertFrom-Json -AsHashtable
        Remove-Item -LiteralPath $resultFile -Force
    }
    if (-not $r) {
        $r = [ordered]@{ Measure = $What; Ok = $false; Error = "the child pwsh exited $exit without figures: $((($output | Out-String).Trim() -split "`n" | Select-Object -Last 5) -join ' | ')" }
    }
    $r.ChildSeconds = [math]::Round($sw.Elapsed.TotalSeconds, 2)
    $r
}

function Show-Child($r, [string] $Label) {
    if (-not $r.Ok) { Write-Host "  $Label FAILED: $($r.Error)" -ForegroundColor Red; return }
    $extra = @()
    if ($r.Contains('Findings')) { $extra += "$($r.Findings) findings, $($r.Hosts) hosts" }
    if ($r.Contains('Count')) { $extra += "$($r.Count) objects" }
    Write-Host ("  {0}: {1:N2} s (CPU {2:N2} s, {3:N0} MB allocated, GC {4}/{5}/{6}), process peak {7} MiB (growth {8} MiB){9}" -f $Label, $r.Seconds, $r.CpuSeconds,
        $r.AllocatedMB, $r.GcGen0, $r.GcGen1, $r.GcGen2, $r.ProcessPeakMB, $r.PeakGrowthMB, $(if ($extra) { '; ' + ($extra -join ', ') } else { '' }))
    if ($r.Errors) { Write-Host "    $($r.Errors) error(s), e.g.: $($r.FirstError)" -ForegroundColor Yellow }
    if ($r.Warnings) { Write-Host "    $($r.Warnings) warning(s), e.g.: $($r.FirstWarning)" -ForegroundColor Yellow }
}

# Several runs of one measurement; the best (fastest successful) one, with every run's time and the worst memory.
function Invoke-Best([string] $What, [string] $File, [string] $Label) {
    $all = @()
    for ($i = 1; $i -le $Runs; $i++) {
        $r = Invoke-Child $What $File
        Show-Child $r $(if ($Runs -gt 1) { "$Label (run $i)" } else { $Label })
        $all += , $r
    }
    $ok = @($all | Where-Object { $_.Ok })
    if ($ok.Count -eq 0) { return $all[0] }
    $best = $ok | Sort-Object { $_.Seconds } | Select-Object -First 1
    $best.RunSeconds = @($ok | ForEach-Object { $_.Seconds })
    $best.WorstProcessPeakMB = ($ok | ForEach-Object { $_.ProcessPeakMB } | Measure-Object -Maximum).Maximum
    $best
}

$report = [ordered]@{
    Date         = (Get-Date).ToUniversalTime().ToString('o')
    Note         = $Note
    Commit       = $null
    SrcDirty     = $null
    Machine      = $null
    Cores        = [Environment]::ProcessorCount
    PowerShell   = $PSVersionTable.PSVersion.ToString()
    DotNet       = [Runtime.InteropServices.RuntimeInformation]::FrameworkDescription
    LoadAverage  = [ordered]@{ Start = (Get-LoadAverage); End = $null }
    Records      = $Records
    Hosts        = $Hosts
    Fixture      = $null
    PathDiagnosis = $null
    ReadEvents   = $null
    ParseOnly    = $null
    Csv          = $null
    CsvDiagnosis = $null
    CsvImport    = $null
    Checks       = $null
    Targets      = $null
}
try {
    $report.Commit = (& git -C $repoRoot rev-parse --short HEAD 2>$null)
    $report.SrcDirty = [bool](& git -C $repoRoot status --porcelain -- src SegfaultTools.psd1 2>$null)
}
catch { }
try { $report.Machine = ((Get-Content /proc/cpuinfo | Where-Object { $_ -like 'model name*' } | Select-Object -First 1) -split ':\s*', 2)[1] } catch { }

Write-Host ("SegfaultTools diagnosis benchmark: {0:N0} crash records from {1:N0} hosts (repository at {2}{3}; load average {4} on {5} cores)" -f $Records, $Hosts,
    $report.Commit, $(if ($report.SrcDirty) { ', src has uncommitted changes' }), $report.LoadAverage.Start, $report.Cores)
if ($Note) { Write-Host "  note: $Note" }

# 1. The log
$fixtureArgs = @{ Records = $Records; Hosts = [math]::Min($Hosts, $Records) }
if ($FixtureDirectory) { $fixtureArgs.Directory = $FixtureDirectory }
$fixture = & (Join-Path $PSScriptRoot 'New-FleetLogFixture.ps1') @fixtureArgs
$log = $fixture.Path
$report.Fixture = $fixture
Write-Host ("  log: {0} ({1:N0} bytes, {2:N0} lines: {3:N0} records = {4:N0} segfaults + {5:N0} traps, {6:N0} Code: lines, {7:N0} noise lines; {8} to {9} records per host; {10})" -f $log,
    $fixture.Bytes, $fixture.Lines, $fixture.Records, $fixture.Segfaults, $fixture.Traps, $fixture.CodeLines, $fixture.NoiseLines, $fixture.MinRecordsPerHost,
    $fixture.MaxRecordsPerHost, $(if ($fixture.Reused) { 'reused' } else { "generated in $($fixture.Seconds) s" }))
Read-WholeFile $log

# 2. Get-SegfaultDiagnosis -Path
$report.PathDiagnosis = Invoke-Best 'PathDiagnosis' $log 'Get-SegfaultDiagnosis -Path'

# 3. Get-SegfaultEvent -Path (reading alone, through the pipeline), and the record count
$report.ReadEvents = Invoke-Child 'ReadEvents' $log
Show-Child $report.ReadEvents 'Get-SegfaultEvent -Path -Oldest | Measure-Object'

if ($Breakdown) {
    $report.ParseOnly = Invoke-Child 'ParseOnly' $log
    Show-Child $report.ParseOnly 'Get-SegfaultDiagnosis -Path -Since 2100-01-01 (read and parse only)'
}

# 4. The CSV
if (-not $NoCsv) {
    $report.Csv = Invoke-Child 'ExportCsv' $log
    if ($report.Csv.Ok) {
        Write-Host ("  CSV: {0} ({1:N0} bytes, {2:N0} rows; {3})" -f $report.Csv.CsvPath, $report.Csv.Bytes, $report.Csv.Rows,
            $(if ($report.Csv.Reused) { 'reused' } else { "Get-SegfaultEvent -Path -Oldest | Export-Csv took $($report.Csv.Seconds) s" }))
        Read-WholeFile $report.Csv.CsvPath
        $report.CsvDiagnosis = Invoke-Best 'CsvDiagnosis' $report.Csv.CsvPath 'Import-Csv | Get-SegfaultDiagnosis'
        if ($Breakdown) {
            $report.CsvImport = Invoke-Child 'CsvImport' $report.Csv.CsvPath
            Show-Child $report.CsvImport 'Import-Csv | Measure-Object (import only)'
        }
    }
    else {
        Write-Host "  CSV export FAILED: $($report.Csv.Error)" -ForegroundColor Red
    }
}

# 5. Checks, targets, table
$pd = $report.PathDiagnosis
$cd = $report.CsvDiagnosis
$re = $report.ReadEvents
$expectedHosts = [math]::Min($Hosts, $Records)
function Get-Value($r, [string] $name) { if ($r -and $r.Ok -and $r.Contains($name)) { $r[$name] } else { $null } }

$leadAgree = $null
if ((Get-Value $pd 'LeadingCause') -and (Get-Value $cd 'LeadingCause')) {
    $same = 0
    foreach ($k in $pd.LeadingCause.Keys) { if ($cd.LeadingCause.Contains($k) -and $cd.LeadingCause[$k] -eq $pd.LeadingCause[$k]) { $same++ } }
    $leadAgree = $same
}
$checks = [ordered]@{
    EventsCounted     = Get-Value $re 'Count'
    EventsExpected    = $fixture.Records
    CsvRows           = Get-Value $report.Csv 'Rows'
    PathHosts         = Get-Value $pd 'Hosts'
    CsvHosts          = Get-Value $cd 'Hosts'
    HostsExpected     = $expectedHosts
    LeadingCauseSameInCsv = $leadAgree
}
$checks.CountsAgree = ($checks.EventsCounted -eq $checks.EventsExpected) -and ($checks.PathHosts -eq $expectedHosts) -and
    ($NoCsv -or (($checks.CsvRows -eq $checks.EventsExpected) -and ($checks.CsvHosts -eq $expectedHosts)))
$report.Checks = $checks

function Get-Verdict($ok, $r) { if (-not ($r -and $r.Ok)) { 'not judged' } elseif ($ok) { 'met' } else { 'missed' } }
$targets = [ordered]@{
    CountsAgree             = if ($checks.CountsAgree) { 'met' } else { 'missed' }
    PathUnder10Seconds      = Get-Verdict ((Get-Value $pd 'Seconds') -lt $secondsTarget) $pd
    PathMemoryUnder1GiB     = Get-Verdict ((Get-Value $pd 'ProcessPeakMB') -lt $memoryTargetMB) $pd
    CsvUnder60Seconds       = if ($NoCsv) { 'not run' } else { Get-Verdict ((Get-Value $cd 'Seconds') -lt $csvSecondsTarget) $cd }
}
$report.Targets = $targets

function Format-Value($v, [string] $fmt = '{0}') { if ($null -eq $v -or "$v" -eq '') { 'n/a' } else { $fmt -f $v } }
function Format-Causes($r) {
    $c = Get-Value $r 'LeadingCauseCounts'
    if (-not $c) { return 'n/a' }
    ($c.GetEnumerator() | ForEach-Object { "$($_.Key) $($_.Value)" }) -join ', '
}
$rows = [Collections.Generic.List[object]]::new()
function Add-Row([string] $Figure, [string] $Value, [string] $Target = '') { $rows.Add([pscustomobject]@{ Figure = $Figure; Value = $Value; Target = $Target }) }
Add-Row 'log' ("{0:N0} bytes, {1:N0} records, {2:N0} hosts" -f $fixture.Bytes, $fixture.Records, $fixture.Hosts)
Add-Row 'Get-SegfaultDiagnosis -Path: seconds' (Format-Value (Get-Value $pd 'Seconds') '{0:N2}') "< $secondsTarget"
Add-Row '  CPU seconds / MB allocated' ("{0} / {1}" -f (Format-Value (Get-Value $pd 'CpuSeconds')), (Format-Value (Get-Value $pd 'AllocatedMB') '{0:N0}'))
Add-Row '  process peak MiB (growth during the call)' ("{0} ({1})" -f (Format-Value (Get-Value $pd 'ProcessPeakMB')), (Format-Value (Get-Value $pd 'PeakGrowthMB'))) "< $memoryTargetMB"
Add-Row '  findings / distinct ComputerName' ("{0} / {1}" -f (Format-Value (Get-Value $pd 'Findings')), (Format-Value (Get-Value $pd 'Hosts'))) "hosts = $expectedHosts"
Add-Row '  leading causes' (Format-Causes $pd)
Add-Row '  fleet rule: findings / hosts' ("{0} / {1}" -f (Format-Value (Get-Value $pd 'FleetRuleFindings')), (Format-Value (Get-Value $pd 'FleetRuleHosts')))
Add-Row 'Get-SegfaultEvent -Path -Oldest | Measure-Object: seconds' (Format-Value (Get-Value $re 'Seconds') '{0:N2}')
Add-Row '  events counted' (Format-Value (Get-Value $re 'Count') '{0:N0}') ("= {0:N0}" -f $fixture.Records)
if ($Breakdown) {
    Add-Row 'read + parse only (-Since 2100): seconds' (Format-Value (Get-Value $report.ParseOnly 'Seconds') '{0:N2}')
}
if (-not $NoCsv) {
    Add-Row 'CSV' ("{0} bytes, {1} rows" -f (Format-Value (Get-Value $report.Csv 'Bytes') '{0:N0}'), (Format-Value (Get-Value $report.Csv 'Rows') '{0:N0}'))
    Add-Row 'Import-Csv | Get-SegfaultDiagnosis: seconds' (Format-Value (Get-Value $cd 'Seconds') '{0:N2}') "< $csvSecondsTarget"
    Add-Row '  CPU seconds / MB allocated' ("{0} / {1}" -f (Format-Value (Get-Value $cd 'CpuSeconds')), (Format-Value (Get-Value $cd 'AllocatedMB') '{0:N0}'))
    Add-Row '  process peak MiB (growth during the call)' ("{0} ({1})" -f (Format-Value (Get-Value $cd 'ProcessPeakMB')), (Format-Value (Get-Value $cd 'PeakGrowthMB')))
    Add-Row '  findings / distinct ComputerName' ("{0} / {1}" -f (Format-Value (Get-Value $cd 'Findings')), (Format-Value (Get-Value $cd 'Hosts'))) "hosts = $expectedHosts"
    Add-Row '  hosts with the same leading cause as -Path' (Format-Value $leadAgree)
    if ($Breakdown) { Add-Row 'Import-Csv | Measure-Object: seconds' (Format-Value (Get-Value $report.CsvImport 'Seconds') '{0:N2}') }
}
Write-Host ''
Write-Host ($rows | Format-Table -AutoSize | Out-String -Width 300).TrimEnd()
Write-Host ''
if (-not $checks.CountsAgree) {
    Write-Host ('*** MISMATCH: records {0}, events counted {1}, CSV rows {2}; hosts expected {3}, -Path {4}, CSV {5} ***' -f $checks.EventsExpected,
        (Format-Value $checks.EventsCounted), (Format-Value $checks.CsvRows), $expectedHosts, (Format-Value $checks.PathHosts), (Format-Value $checks.CsvHosts)) -ForegroundColor Red
}
foreach ($t in $targets.GetEnumerator()) {
    $color = switch ($t.Value) { 'met' { 'Green' } 'missed' { 'Red' } default { 'Yellow' } }
    Write-Host ("  {0,-10} {1}" -f $t.Value.ToUpperInvariant(), $t.Key) -ForegroundColor $color
}
Write-Host ("  (memory: {0}; build: {1}; each figure from a fresh pwsh, module import excluded)" -f (Format-Value (Get-Value $pd 'MemoryMethod')), (Format-Value (Get-Value $pd 'Build')))

$report.LoadAverage.End = Get-LoadAverage
$busiest = ($report.LoadAverage.Start, $report.LoadAverage.End | Measure-Object -Maximum).Maximum
if ($busiest -gt [Environment]::ProcessorCount / 2) {
    Write-Host ("  NOTE: 1-minute load average was {0} at start and {1} at end on {2} cores: other work competed for the CPU, so these timings are noisy." -f `
            $report.LoadAverage.Start, $report.LoadAverage.End, [Environment]::ProcessorCount) -ForegroundColor Yellow
}
$null = New-Item -ItemType Directory -Force -Path (Split-Path -Parent $OutFile)
$report | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $OutFile
Write-Host "  figures written to $OutFile"
exit 0
