<#
.SYNOPSIS
    Times Get-SegfaultEvent -Path on a large kernel log beside grep and a Select-String idiom.

.DESCRIPTION
    Run it in a fresh pwsh after a Release build (build.ps1 -Task Bench does both). Steps:
      1. Generate (or reuse) a deterministic syslog-format kernel log (New-KernelLogFixture.ps1).
      2. Read it once so it sits in the page cache (and report what fincore says, when present).
      3. Time `grep -c -E 'segfault at|traps:' <file>` (best of -Runs).
      4. Import the module and time `Get-SegfaultEvent -Path <file> -Oldest | Measure-Object` in-process
         (best of -Runs), then the default newest-first order once. For every cmdlet run, measure the
         process's peak resident memory growth: VmHWM from /proc/self/status after the run minus VmRSS
         before it, with the high-water mark reset (write "5" to /proc/self/clear_refs) just before the
         run; where the reset is not possible, a thread samples VmRSS every 5 ms instead.
      5. Time the idiom a user would write without the module (Select-String + -match + [pscustomobject])
         on the first -SelectStringSliceMB MiB; if that rate predicts the whole file takes at most
         -SelectStringMaxSeconds, time it on the whole file too and use that figure.
      6. Print a table and which targets were met; write the figures to TestResults/bench.json.
    Speeds are decimal GB/s (1e9 bytes per second). The script exits 0 even when targets are missed or the
    cmdlet fails: it is a report, and tests never assert speed.

.EXAMPLE
    dotnet pwsh -NoProfile -File tests/bench/Invoke-Benchmark.ps1 -SizeMB 64
#>
[CmdletBinding()]
param(
    # Size of the generated log in MiB (default 1 GiB).
    [ValidateRange(1, 1048576)]
    [int] $SizeMB = 1024,

    # Timed repetitions for grep and the cmdlet; the best is reported.
    [ValidateRange(1, 100)]
    [int] $Runs = 3,

    # Size of the slice the Select-String idiom is first timed on.
    [ValidateRange(1, 1048576)]
    [int] $SelectStringSliceMB = 64,

    # Time the idiom on the whole file too when the slice predicts it takes at most this long.
    [ValidateRange(0, 86400)]
    [int] $SelectStringMaxSeconds = 300,

    # Where the generated logs are kept (default $env:TMPDIR or /tmp, /segfaulttools-bench).
    [string] $FixtureDirectory,

    # Module manifest to import (default: the repository root's SegfaultTools.psd1).
    [string] $ModulePath,

    # JSON report (default: <repo>/TestResults/bench.json).
    [string] $OutFile,

    # Free text recorded with the figures (say which build was measured when -ModulePath points elsewhere).
    [string] $Note
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
if (-not $ModulePath) { $ModulePath = Join-Path $repoRoot 'SegfaultTools.psd1' }
if (-not $OutFile) { $OutFile = Join-Path $repoRoot 'TestResults/bench.json' }
$pattern = 'segfault at|traps:'

# ---------------------------------------------------------------- helpers

if (-not ('SegfaultToolsBench.ProcMemory' -as [type])) {
    Add-Type -Path (Join-Path $PSScriptRoot 'BenchProcess.cs')
}

function Get-GBps([long] $bytes, [double] $seconds) {
    if ($seconds -le 0) { return $null }
    [math]::Round($bytes / $seconds / 1e9, 3)
}

# Warms the page cache by reading the whole file; returns the seconds it took.
function Read-WholeFile([string] $Path) {
    $buffer = [byte[]]::new(1MB)
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $fs = [IO.FileStream]::new($Path, [IO.FileMode]::Open, [IO.FileAccess]::Read, [IO.FileShare]::Read, 1, [IO.FileOptions]::SequentialScan)
    try { while ($fs.Read($buffer, 0, $buffer.Length) -gt 0) { } } finally { $fs.Dispose() }
    $sw.Elapsed.TotalSeconds
}

function Get-CacheResidency([string] $Path) {
    if (-not (Get-Command fincore -ErrorAction Ignore)) { return $null }
    try {
        $line = & fincore --bytes --noheadings --output RES,SIZE -- $Path 2>$null | Select-Object -First 1
        $fields = -split $line
        if ($fields.Count -ge 2 -and [double]$fields[1] -gt 0) { return [math]::Round(100.0 * [double]$fields[0] / [double]$fields[1], 1) }
    }
    catch { }
    $null
}

# Runs $Script once with the memory probe; returns @{ Seconds; Result; PeakGrowthMB; Method }.
function Measure-WithMemory([scriptblock] $Script) {
    [GC]::Collect()
    [GC]::WaitForPendingFinalizers()
    [GC]::Collect()
    $rssBefore = [SegfaultToolsBench.ProcMemory]::ReadKb('VmRSS')
    $reset = [SegfaultToolsBench.ProcMemory]::TryResetPeak()
    if ($reset) {
        # Trust the reset only if the mark really dropped to (about) the current RSS.
        $hwm = [SegfaultToolsBench.ProcMemory]::ReadKb('VmHWM')
        $reset = ($hwm -le $rssBefore + 4096)
    }
    $sampler = if ($reset) { $null } else { [SegfaultToolsBench.RssSampler]::new(5) }
    $cpu = [SegfaultToolsBench.ProcMemory]::SelfCpuSeconds()
    $sw = [Diagnostics.Stopwatch]::StartNew()
    try {
        $result = & $Script
    }
    finally {
        $sw.Stop()
        $cpu = [SegfaultToolsBench.ProcMemory]::SelfCpuSeconds() - $cpu
        if ($sampler) { $sampler.Dispose() }
    }
    $peakKb = if ($reset) { [SegfaultToolsBench.ProcMemory]::ReadKb('VmHWM') } else { $sampler.MaxKb }
    @{
        Seconds      = $sw.Elapsed.TotalSeconds
        CpuSeconds   = $cpu
        Result       = $result
        PeakGrowthMB = [math]::Round(($peakKb - $rssBefore) / 1024.0, 1)
        Method       = if ($reset) { 'VmHWM after clear_refs reset' } else { 'VmRSS sampled every 5 ms' }
        RssBeforeMB  = [math]::Round($rssBefore / 1024.0, 1)
    }
}

function Get-Slice([string] $Path, [long] $Bytes) {
    # The first $Bytes bytes, cut back to the last whole line; kept beside the full file and reused.
    $slicePath = "$Path.first$([math]::Round($Bytes / 1MB))MiB.log"
    if (-not (Test-Path -LiteralPath $slicePath) -or (Get-Item -LiteralPath $slicePath).LastWriteTimeUtc -lt (Get-Item -LiteralPath $Path).LastWriteTimeUtc) {
        $buffer = [byte[]]::new($Bytes)
        $fs = [IO.File]::OpenRead($Path)
        try {
            $read = 0
            while ($read -lt $Bytes) {
                $n = $fs.Read($buffer, $read, $Bytes - $read)
                if ($n -le 0) { break }
                $read += $n
            }
        }
        finally { $fs.Dispose() }
        $end = [Array]::LastIndexOf($buffer, [byte]10, $read - 1) + 1
        $out = [IO.File]::Create("$slicePath.$PID")
        try { $out.Write($buffer, 0, $end) } finally { $out.Dispose() }
        Move-Item -LiteralPath "$slicePath.$PID" -Destination $slicePath -Force
    }
    Get-Item -LiteralPath $slicePath
}

# The idiom a user writes without the module: find the lines, pull out process, pid, address, ip.
$selectStringIdiom = {
    param([string] $Path)
    Select-String -Path $Path -Pattern 'segfault at|traps:' | ForEach-Object {
        if ($_.Line -match '(\S+)\[(\d+)\]: segfault at ([0-9a-f]+) ip ([0-9a-f]+)') {
            [pscustomobject]@{ Process = $Matches[1]; Pid = [int]$Matches[2]; Address = $Matches[3]; Ip = $Matches[4] }
        }
        elseif ($_.Line -match 'traps: (\S+)\[(\d+)\] (.+?) ip:([0-9a-f]+)') {
            [pscustomobject]@{ Process = $Matches[1]; Pid = [int]$Matches[2]; Address = $null; Ip = $Matches[4] }
        }
    } | Measure-Object
}

# ---------------------------------------------------------------- run

$report = [ordered]@{
    Date         = (Get-Date).ToUniversalTime().ToString('o')
    Note         = $Note
    Commit       = $null
    SrcDirty     = $null
    Machine      = $null
    Cores        = [Environment]::ProcessorCount
    PowerShell   = $PSVersionTable.PSVersion.ToString()
    DotNet       = [Runtime.InteropServices.RuntimeInformation]::FrameworkDescription
    LoadAverage  = [ordered]@{ Start = $null; End = $null }
    Locale       = if ($env:LC_ALL) { $env:LC_ALL } elseif ($env:LANG) { $env:LANG } else { 'C (unset)' }
    File         = $null
    Bytes        = $null
    Lines        = $null
    Generator    = $null
    PageCache    = $null
    Grep         = $null
    Cmdlet       = $null
    SelectString = $null
    Counts       = $null
    Ratios       = $null
    Targets      = $null
}

try {
    $report.Commit = (& git -C $repoRoot rev-parse --short HEAD 2>$null)
    $report.SrcDirty = [bool](& git -C $repoRoot status --porcelain -- src SegfaultTools.psd1 2>$null)
}
catch { }
function Get-LoadAverage { try { [double]((Get-Content /proc/loadavg -Raw) -split ' ')[0] } catch { $null } }
$report.LoadAverage.Start = Get-LoadAverage
try { $report.Machine = ((Get-Content /proc/cpuinfo | Where-Object { $_ -like 'model name*' } | Select-Object -First 1) -split ':\s*', 2)[1] } catch { }

Write-Host "SegfaultTools benchmark: $SizeMB MiB, best of $Runs (repository at $($report.Commit)$(if ($report.SrcDirty) { ', src has uncommitted changes' }))"
if ($Note) { Write-Host "  note: $Note" }

# 1. The file
$fixtureArgs = @{ SizeMB = $SizeMB }
if ($FixtureDirectory) { $fixtureArgs.Directory = $FixtureDirectory }
$fixture = & (Join-Path $PSScriptRoot 'New-KernelLogFixture.ps1') @fixtureArgs
$file = $fixture.Path
$bytes = [long]$fixture.Bytes
$report.File = $file
$report.Bytes = $bytes
$report.Lines = $fixture.Lines
$report.Generator = [ordered]@{
    Reused = $fixture.Reused; Seconds = $fixture.Seconds; Heads = $fixture.Heads
    Segfaults = $fixture.Segfaults; Traps = $fixture.Traps; CodeLines = $fixture.CodeLines; Seed = $fixture.Seed; Version = $fixture.Version
}
Write-Host ("  file: {0} ({1:N0} bytes, {2:N0} lines, {3:N0} crash records; {4})" -f $file, $bytes, $fixture.Lines, $fixture.Heads,
    $(if ($fixture.Reused) { 'reused' } else { "generated in $($fixture.Seconds) s" }))

# 2. Page cache
$null = Read-WholeFile $file
$warmSeconds = Read-WholeFile $file
$report.PageCache = [ordered]@{ ResidentPercent = (Get-CacheResidency $file); WarmReadGBps = (Get-GBps $bytes $warmSeconds) }
Write-Host ("  page cache: {0}% resident (fincore); a cached 1 MiB-buffer read runs at {1} GB/s" -f $report.PageCache.ResidentPercent, $report.PageCache.WarmReadGBps)

# 3. grep
$grepTimes = @()
$grepCpu = @()
$grepCount = $null
for ($i = 0; $i -lt $Runs; $i++) {
    $cpu = [SegfaultToolsBench.ProcMemory]::ChildrenCpuSeconds()
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $out = & grep -c -E $pattern -- $file
    $sw.Stop()
    $grepCpu += [SegfaultToolsBench.ProcMemory]::ChildrenCpuSeconds() - $cpu
    $grepTimes += $sw.Elapsed.TotalSeconds
    $grepCount = [long]($out | Select-Object -First 1)
}
$grepBest = ($grepTimes | Measure-Object -Minimum).Minimum
$grepBestCpu = ($grepCpu | Measure-Object -Minimum).Minimum
$report.Grep = [ordered]@{
    Command = "grep -c -E '$pattern' <file>"; Version = ((& grep --version | Select-Object -First 1) -as [string])
    Count = $grepCount; BestSeconds = [math]::Round($grepBest, 4); Seconds = @($grepTimes | ForEach-Object { [math]::Round($_, 4) }); GBps = (Get-GBps $bytes $grepBest)
    BestCpuSeconds = [math]::Round($grepBestCpu, 3); CpuSeconds = @($grepCpu | ForEach-Object { [math]::Round($_, 3) }); CpuGBps = (Get-GBps $bytes $grepBestCpu)
}
Write-Host ("  grep: {0} lines, best {1:N3} s (CPU {2:N2} s)" -f $grepCount, $grepBest, $grepBestCpu)

# 4. The cmdlet
$cmdlet = [ordered]@{
    Ok = $false; Error = $null; ImportedFrom = $null; Build = $null; Count = $null; NewestFirstCount = $null; BestSeconds = $null; Seconds = @()
    GBps = $null; FirstRunGBps = $null; BestCpuSeconds = $null; CpuSeconds = @(); CpuGBps = $null; NewestFirstSeconds = $null; NewestFirstGBps = $null; PeakGrowthMB = $null; PeakGrowthMBPerRun = @()
    NewestFirstPeakGrowthMB = $null; MemoryMethod = $null; Warnings = 0; Errors = 0
}
$benchWarnings = @()
$benchErrors = @()
try {
    try {
        Import-Module $ModulePath -Force
        $cmdlet.ImportedFrom = $ModulePath
    }
    catch {
        # The manifest can be unimportable while the module is being built up (a missing format file,
        # say); the timing only needs the cmdlet, so fall back to the assembly and say so.
        $dll = Join-Path (Split-Path -Parent $ModulePath) 'bin/SegfaultTools.dll'
        if (-not (Test-Path -LiteralPath $dll)) { throw }
        Write-Host "  Import-Module $ModulePath failed ($($_.Exception.Message)); importing $dll instead" -ForegroundColor Yellow
        Import-Module $dll -Force
        $cmdlet.ImportedFrom = $dll
    }
    $assembly = (Get-Command Get-SegfaultEvent).ImplementingType.Assembly
    $debuggable = $assembly.GetCustomAttributes([Diagnostics.DebuggableAttribute], $false) | Select-Object -First 1
    $cmdlet.Build = if ($debuggable -and $debuggable.IsJITOptimizerDisabled) { 'Debug (JIT optimizer disabled: figures are not representative)' } else { 'Release' }

    $cmdletRuns = @()
    for ($i = 0; $i -lt $Runs; $i++) {
        $m = Measure-WithMemory {
            $w = $null; $e = $null
            Get-SegfaultEvent -Path $file -Oldest -WarningAction SilentlyContinue -WarningVariable w -ErrorVariable e | Measure-Object
            $script:benchWarnings += @($w); $script:benchErrors += @($e)
        }
        $cmdletRuns += $m
        Write-Host ("  Get-SegfaultEvent -Oldest run {0}: {1:N3} s (CPU {2:N2} s), {3} events, peak memory growth {4} MB" -f ($i + 1), $m.Seconds, $m.CpuSeconds, $m.Result.Count, $m.PeakGrowthMB)
    }
    $best = $cmdletRuns | Sort-Object { $_.Seconds } | Select-Object -First 1
    $cmdlet.Count = [long]$best.Result.Count
    $cmdlet.BestSeconds = [math]::Round($best.Seconds, 4)
    $cmdlet.Seconds = @($cmdletRuns | ForEach-Object { [math]::Round($_.Seconds, 4) })
    $cmdlet.GBps = Get-GBps $bytes $best.Seconds
    $cmdlet.FirstRunGBps = Get-GBps $bytes $cmdletRuns[0].Seconds
    $cmdlet.CpuSeconds = @($cmdletRuns | ForEach-Object { [math]::Round($_.CpuSeconds, 3) })
    $cmdlet.BestCpuSeconds = ($cmdlet.CpuSeconds | Measure-Object -Minimum).Minimum
    $cmdlet.CpuGBps = Get-GBps $bytes $cmdlet.BestCpuSeconds
    $cmdlet.PeakGrowthMBPerRun = @($cmdletRuns | ForEach-Object { $_.PeakGrowthMB })
    $cmdlet.PeakGrowthMB = ($cmdletRuns | ForEach-Object { $_.PeakGrowthMB } | Measure-Object -Maximum).Maximum
    $cmdlet.MemoryMethod = $best.Method

    $m = Measure-WithMemory {
        $w = $null; $e = $null
        Get-SegfaultEvent -Path $file -WarningAction SilentlyContinue -WarningVariable w -ErrorVariable e | Measure-Object
        $script:benchWarnings += @($w); $script:benchErrors += @($e)
    }
    $cmdlet.NewestFirstCount = [long]$m.Result.Count
    $cmdlet.NewestFirstSeconds = [math]::Round($m.Seconds, 4)
    $cmdlet.NewestFirstGBps = Get-GBps $bytes $m.Seconds
    $cmdlet.NewestFirstPeakGrowthMB = $m.PeakGrowthMB
    Write-Host ("  Get-SegfaultEvent (newest first): {0:N3} s (CPU {1:N2} s), {2} events, peak memory growth {3} MB" -f $m.Seconds, $m.CpuSeconds, $m.Result.Count, $m.PeakGrowthMB)
    $cmdlet.Ok = $true
}
catch {
    $cmdlet.Error = "$($_.Exception.GetType().FullName): $($_.Exception.Message)"
    Write-Host "  Get-SegfaultEvent FAILED: $($cmdlet.Error)" -ForegroundColor Red
}
$cmdlet.Warnings = $benchWarnings.Count
$cmdlet.Errors = $benchErrors.Count
if ($cmdlet.Warnings) { Write-Host "  the cmdlet wrote $($cmdlet.Warnings) warning(s), e.g.: $($benchWarnings[0])" -ForegroundColor Yellow }
if ($cmdlet.Errors) { Write-Host "  the cmdlet wrote $($cmdlet.Errors) error(s), e.g.: $($benchErrors[0])" -ForegroundColor Yellow }
$report.Cmdlet = $cmdlet

# 5. The Select-String idiom
$ss = [ordered]@{ Idiom = $selectStringIdiom.ToString().Trim(); Scope = $null; Bytes = $null; Seconds = $null; GBps = $null; CpuSeconds = $null; CpuGBps = $null; Count = $null; SliceBytes = $null; SliceSeconds = $null; SliceGBps = $null; SliceCount = $null; PredictedFullSeconds = $null }
$sliceBytes = [long]$SelectStringSliceMB * 1MB
$sliceWorthIt = $sliceBytes -lt 0.9 * $bytes # a slice nearly as big as the file saves nothing
if ($sliceWorthIt) {
    $slice = Get-Slice $file $sliceBytes
    $null = Read-WholeFile $slice.FullName
    $cpu = [SegfaultToolsBench.ProcMemory]::SelfCpuSeconds()
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $r = & $selectStringIdiom $slice.FullName
    $sw.Stop()
    $sliceCpu = [SegfaultToolsBench.ProcMemory]::SelfCpuSeconds() - $cpu
    $ss.SliceBytes = $slice.Length
    $ss.SliceSeconds = [math]::Round($sw.Elapsed.TotalSeconds, 3)
    $ss.SliceGBps = Get-GBps $slice.Length $sw.Elapsed.TotalSeconds
    $ss.SliceCount = $r.Count
    $ss.PredictedFullSeconds = [math]::Round($sw.Elapsed.TotalSeconds * $bytes / $slice.Length, 1)
    Write-Host ("  Select-String idiom on the first {0} MiB: {1:N2} s ({2} objects); the whole file would take about {3} s" -f $SelectStringSliceMB, $ss.SliceSeconds, $r.Count, $ss.PredictedFullSeconds)
}
if (-not $sliceWorthIt -or $ss.PredictedFullSeconds -le $SelectStringMaxSeconds) {
    $cpu = [SegfaultToolsBench.ProcMemory]::SelfCpuSeconds()
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $r = & $selectStringIdiom $file
    $sw.Stop()
    $cpu = [SegfaultToolsBench.ProcMemory]::SelfCpuSeconds() - $cpu
    $ss.Scope = 'whole file'
    $ss.Bytes = $bytes
    $ss.Seconds = [math]::Round($sw.Elapsed.TotalSeconds, 3)
    $ss.GBps = Get-GBps $bytes $sw.Elapsed.TotalSeconds
    $ss.CpuSeconds = [math]::Round($cpu, 3)
    $ss.CpuGBps = Get-GBps $bytes $cpu
    $ss.Count = $r.Count
    Write-Host ("  Select-String idiom on the whole file: {0:N2} s ({1} objects)" -f $ss.Seconds, $r.Count)
}
else {
    $ss.Scope = "first $SelectStringSliceMB MiB only (whole file predicted $($ss.PredictedFullSeconds) s > $SelectStringMaxSeconds s); rate scaled per byte"
    $ss.Bytes = $ss.SliceBytes
    $ss.Seconds = $ss.SliceSeconds
    $ss.GBps = $ss.SliceGBps
    $ss.CpuSeconds = [math]::Round($sliceCpu, 3)
    $ss.CpuGBps = Get-GBps $ss.SliceBytes $sliceCpu
}
$report.SelectString = $ss

# 6. Figures, checks, table
$counts = [ordered]@{ Generator = [long]$fixture.Heads; Grep = $grepCount; Cmdlet = $cmdlet.Count; CmdletNewestFirst = $cmdlet.NewestFirstCount; SelectStringIdiom = $ss.Count }
$counts.Agree = $cmdlet.Ok -and ($counts.Generator -eq $counts.Grep) -and ($counts.Cmdlet -eq $counts.Grep) -and ($counts.CmdletNewestFirst -eq $counts.Grep)
$report.Counts = $counts

$ratios = [ordered]@{
    CmdletOverGrep         = if ($cmdlet.GBps -and $report.Grep.GBps) { [math]::Round($cmdlet.GBps / $report.Grep.GBps, 3) } else { $null }
    SpeedupVsSelectString  = if ($cmdlet.GBps -and $ss.GBps) { [math]::Round($cmdlet.GBps / $ss.GBps, 1) } else { $null }
    # The same two ratios from CPU time (user + system), which other load on the machine disturbs less.
    CmdletOverGrepCpu        = if ($cmdlet.CpuGBps -and $report.Grep.CpuGBps) { [math]::Round($cmdlet.CpuGBps / $report.Grep.CpuGBps, 3) } else { $null }
    SpeedupVsSelectStringCpu = if ($cmdlet.CpuGBps -and $ss.CpuGBps) { [math]::Round($cmdlet.CpuGBps / $ss.CpuGBps, 1) } else { $null }
}
$report.Ratios = $ratios
# A speed or memory figure only counts when the cmdlet found every record; otherwise it is "not judged".
function Get-Verdict([bool] $ok) { if (-not $counts.Agree) { 'not judged' } elseif ($ok) { 'met' } else { 'missed' } }
$targets = [ordered]@{
    CountsAgree            = if ($counts.Agree) { 'met' } else { 'missed' }
    NoSlowerThanGrep       = Get-Verdict ($ratios.CmdletOverGrep -and $ratios.CmdletOverGrep -ge 1.0)
    PeakGrowthUnder100MB   = Get-Verdict ($cmdlet.Ok -and $cmdlet.PeakGrowthMB -lt 100 -and $cmdlet.NewestFirstPeakGrowthMB -lt 100)
    AtLeast20xSelectString = Get-Verdict ($ratios.SpeedupVsSelectString -and $ratios.SpeedupVsSelectString -ge 20)
}
$report.Targets = $targets

function Format-Value($v, [string] $fmt = '{0}') { if ($null -eq $v -or "$v" -eq '') { 'n/a' } else { $fmt -f $v } }
$rows = @(
    [pscustomobject]@{ Figure = 'file bytes'; Value = (Format-Value $bytes '{0:N0}') }
    [pscustomobject]@{ Figure = 'grep GB/s'; Value = (Format-Value $report.Grep.GBps) }
    [pscustomobject]@{ Figure = 'Get-SegfaultEvent -Oldest GB/s'; Value = (Format-Value $cmdlet.GBps) }
    [pscustomobject]@{ Figure = '  its first run in this process (cold JIT) GB/s'; Value = (Format-Value $cmdlet.FirstRunGBps) }
    [pscustomobject]@{ Figure = 'Get-SegfaultEvent (newest first) GB/s'; Value = (Format-Value $cmdlet.NewestFirstGBps) }
    [pscustomobject]@{ Figure = 'ratio cmdlet / grep (target >= 1)'; Value = (Format-Value $ratios.CmdletOverGrep) }
    [pscustomobject]@{ Figure = 'peak memory growth MB (target < 100)'; Value = (Format-Value $cmdlet.PeakGrowthMB) + $(if ($cmdlet.Ok) { " (newest first: $($cmdlet.NewestFirstPeakGrowthMB))" }) }
    [pscustomobject]@{ Figure = 'Select-String idiom GB/s'; Value = (Format-Value $ss.GBps) + " ($($ss.Scope -replace ';.*$', ''))" }
    [pscustomobject]@{ Figure = 'speedup vs Select-String (target >= 20)'; Value = (Format-Value $ratios.SpeedupVsSelectString '{0}x') }
    [pscustomobject]@{ Figure = 'CPU-time basis: grep / cmdlet / Select-String GB/s'; Value = "$(Format-Value $report.Grep.CpuGBps) / $(Format-Value $cmdlet.CpuGBps) / $(Format-Value $ss.CpuGBps)" }
    [pscustomobject]@{ Figure = 'CPU-time basis: cmdlet / grep, speedup vs S-S'; Value = "$(Format-Value $ratios.CmdletOverGrepCpu) / $(Format-Value $ratios.SpeedupVsSelectStringCpu '{0}x')" }
    [pscustomobject]@{ Figure = 'events: generator / grep / cmdlet / newest-first'; Value = "$($counts.Generator) / $($counts.Grep) / $(Format-Value $counts.Cmdlet) / $(Format-Value $counts.CmdletNewestFirst)" }
)
Write-Host ''
Write-Host ($rows | Format-Table -AutoSize | Out-String).TrimEnd()
Write-Host ''
if (-not $counts.Agree) {
    Write-Host ('*** MISMATCH: crash-record counts differ (generator {0}, grep {1}, cmdlet -Oldest {2}, cmdlet newest-first {3}) ***' -f `
            $counts.Generator, $counts.Grep, (Format-Value $counts.Cmdlet), (Format-Value $counts.CmdletNewestFirst)) -ForegroundColor Red
}
foreach ($t in $targets.GetEnumerator()) {
    $color = switch ($t.Value) { 'met' { 'Green' } 'missed' { 'Red' } default { 'Yellow' } }
    Write-Host ("  {0,-10} {1}" -f $t.Value.ToUpperInvariant(), $t.Key) -ForegroundColor $color
}
Write-Host ("  (memory: {0}; Select-String: {1}; cmdlet build: {2})" -f (Format-Value $cmdlet.MemoryMethod), $ss.Scope, (Format-Value $cmdlet.Build))

$report.LoadAverage.End = Get-LoadAverage
$busiest = ($report.LoadAverage.Start, $report.LoadAverage.End | Measure-Object -Maximum).Maximum
if ($busiest -gt [Environment]::ProcessorCount / 2) {
    Write-Host ("  NOTE: 1-minute load average was {0} at start and {1} at end on {2} cores: other work competed for the CPU, so these timings are noisy." -f `
            $report.LoadAverage.Start, $report.LoadAverage.End, [Environment]::ProcessorCount) -ForegroundColor Yellow
    Write-Host "        The CPU-time rows are steadier under load than the wall-clock ones." -ForegroundColor Yellow
}
$null = New-Item -ItemType Directory -Force -Path (Split-Path -Parent $OutFile)
$report | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $OutFile
Write-Host "  figures written to $OutFile"
exit 0
