<#
.SYNOPSIS
    Measures each Test-CpuStability workload's rate on one CPU, the Vector workload against the
    machine's C FMA peak, and stress-ng's matrixprod on the same CPU for the same time.

.DESCRIPTION
    Run it in a fresh pwsh after a Release build. Steps:
      1. Compile tests/bench/fma-peak.c (gcc, cc, clang, then g++) into the bench folder under
         TMPDIR, and run it pinned to -Cpu for -Seconds: the single-core double FMA peak in GFLOP/s.
         Skipped, with the reason, where there is no compiler or the CPU has neither AVX-512F nor AVX2+FMA.
      2. Import the module and run, one workload at a time,
         Test-CpuStability -Cpu <n> -Workload <name> -Duration <Seconds> -Mode AllCores -Retest 0
         and record OpsPerSecond, OperationUnit, CpuUtilizationPercent, Variant, Iterations and Passed.
      3. The Vector workload's GFLOP/s over the C peak (target: at least 80%).
      4. stress-ng --cpu 1 --cpu-method matrixprod --metrics-brief --taskset <n> -t <Seconds>s, its bogo
         ops/s and CPU use. When stress-ng is missing it is installed with apt-get if this runs as root
         with apt-get present (-NoInstall turns that off); otherwise the row says why it was skipped.
      5. Print a table and the target's verdict; write the figures to TestResults/cpu-bench.json.
    The script exits 0 even when the target is missed or a step fails: it is a report, and tests never
    assert speed. Other load on the machine lowers every figure; the load average is recorded and a
    NOTE is printed when it was high.

.EXAMPLE
    dotnet pwsh -NoProfile -File tests/bench/Invoke-CpuBenchmark.ps1 -Seconds 5
#>
[CmdletBinding()]
param(
    # How long each workload, the C peak and stress-ng run.
    [ValidateRange(1, 3600)]
    [int] $Seconds = 10,

    # The logical CPU everything is pinned to.
    [ValidateRange(0, 4095)]
    [int] $Cpu = 0,

    # Workloads to measure (default: all of them).
    [string[]] $Workload,

    # Module manifest to import (default: the repository root's SegfaultTools.psd1).
    [string] $ModulePath,

    # JSON report (default: <repo>/TestResults/cpu-bench.json).
    [string] $OutFile,

    # Where fma-peak is compiled (default $env:TMPDIR or /tmp, /segfaulttools-bench).
    [string] $BuildDirectory,

    # Never install stress-ng; skip it when it is missing.
    [switch] $NoInstall,

    # Free text recorded with the figures.
    [string] $Note
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
if (-not $ModulePath) { $ModulePath = Join-Path $repoRoot 'SegfaultTools.psd1' }
if (-not $OutFile) { $OutFile = Join-Path $repoRoot 'TestResults/cpu-bench.json' }
if (-not $BuildDirectory) {
    $tmp = if ($env:TMPDIR) { $env:TMPDIR } else { '/tmp' }
    $BuildDirectory = Join-Path $tmp 'segfaulttools-bench'
}
$vectorTarget = 0.80

function Get-LoadAverage { try { [double]((Get-Content /proc/loadavg -Raw) -split ' ')[0] } catch { $null } }

$report = [ordered]@{
    Date        = (Get-Date).ToUniversalTime().ToString('o')
    Note        = $Note
    Commit      = $null
    SrcDirty    = $null
    Machine     = $null
    Cores       = [Environment]::ProcessorCount
    Cpu         = $Cpu
    Seconds     = $Seconds
    PowerShell  = $PSVersionTable.PSVersion.ToString()
    DotNet      = [Runtime.InteropServices.RuntimeInformation]::FrameworkDescription
    LoadAverage = [ordered]@{ Start = (Get-LoadAverage); End = $null }
    FmaPeak     = $null
    Workloads   = @()
    Vector      = $null
    StressNg    = $null
}
try {
    $report.Commit = (& git -C $repoRoot rev-parse --short HEAD 2>$null)
    $report.SrcDirty = [bool](& git -C $repoRoot status --porcelain -- src 2>$null)
}
catch { }
try { $report.Machine = ((Get-Content /proc/cpuinfo | Where-Object { $_ -like 'model name*' } | Select-Object -First 1) -split ':\s*', 2)[1] } catch { }

Write-Host "SegfaultTools CPU benchmark: CPU $Cpu, $Seconds s per figure ($($report.Machine); repository at $($report.Commit)$(if ($report.SrcDirty) { ', src has uncommitted changes' }))"
if ($Note) { Write-Host "  note: $Note" }

# ---------------------------------------------------------------- 1. C FMA peak

$peak = [ordered]@{ Ok = $false; Skipped = $null; Compiler = $null; Isa = $null; Accumulators = $null; Seconds = $null; GFlops = $null }
try {
    $source = Join-Path $PSScriptRoot 'fma-peak.c'
    $compiler = 'gcc', 'cc', 'clang', 'g++' | Where-Object { Get-Command $_ -CommandType Application -ErrorAction Ignore } | Select-Object -First 1
    if (-not $compiler) {
        $peak.Skipped = 'no C compiler (gcc, cc, clang or g++) on PATH'
    }
    else {
        $null = New-Item -ItemType Directory -Force -Path $BuildDirectory
        $binary = Join-Path $BuildDirectory 'fma-peak'
        # g++ would read a .c file as C++ anyway; say so rather than rely on it.
        $language = if ($compiler -eq 'g++') { @('-x', 'c++') } else { @() }
        $output = & $compiler -O2 @language -o $binary $source 2>&1
        if ($LASTEXITCODE -ne 0) {
            $peak.Skipped = "$compiler failed: $(($output | Out-String).Trim())"
        }
        else {
            $peak.Compiler = ((& $compiler --version 2>$null | Select-Object -First 1) -as [string])
            $line = & $binary $Seconds $Cpu 2>&1
            if ($LASTEXITCODE -ne 0) {
                $peak.Skipped = "fma-peak exited $($LASTEXITCODE): $(($line | Out-String).Trim())"
            }
            else {
                $json = $line | Select-Object -Last 1 | ConvertFrom-Json
                $peak.Isa = $json.isa
                $peak.Accumulators = $json.accumulators
                $peak.Seconds = $json.seconds
                $peak.GFlops = [double]$json.gflops
                $peak.Ok = $true
            }
        }
    }
}
catch {
    $peak.Skipped = "$($_.Exception.GetType().Name): $($_.Exception.Message)"
}
$report.FmaPeak = $peak
if ($peak.Ok) { Write-Host ("  C FMA peak ({0}, {1} accumulators): {2:N2} GFLOP/s" -f $peak.Isa, $peak.Accumulators, $peak.GFlops) }
else { Write-Host "  C FMA peak skipped: $($peak.Skipped)" -ForegroundColor Yellow }

# ---------------------------------------------------------------- 2. the workloads

$workloadError = $null
try {
    Import-Module $ModulePath -Force
    if (-not (Get-Command Test-CpuStability -ErrorAction Ignore)) { throw "the module at $ModulePath has no Test-CpuStability" }
    # pwsh -File passes "-Workload Vector,Memory" as one string; accept both forms.
    $names = if ($Workload) { @($Workload -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ }) } else { [Enum]::GetNames([SegfaultTools.CpuWorkload]) }
}
catch {
    $workloadError = "$($_.Exception.GetType().Name): $($_.Exception.Message)"
    Write-Host "  workloads skipped: $workloadError" -ForegroundColor Red
    $names = @()
}

$rows = @()
foreach ($name in $names) {
    $row = [ordered]@{
        Workload = $name; OpsPerSecond = $null; OperationUnit = $null; CpuUtilizationPercent = $null; Variant = $null
        Iterations = $null; Passed = $null; Seconds = $null; Error = $null
    }
    try {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $result = Test-CpuStability -Cpu $Cpu -Workload $name -Duration ([TimeSpan]::FromSeconds($Seconds)) -Mode AllCores -Retest 0 |
            Select-Object -First 1
        $sw.Stop()
        if (-not $result) { throw 'Test-CpuStability returned nothing' }
        $row.OpsPerSecond = [double]$result.OpsPerSecond
        $row.OperationUnit = $result.OperationUnit
        $row.CpuUtilizationPercent = [double]$result.CpuUtilizationPercent
        $row.Variant = $result.Variant
        $row.Iterations = [long]$result.Iterations
        $row.Passed = [bool]$result.Passed
        $row.Seconds = [math]::Round($sw.Elapsed.TotalSeconds, 2)
        Write-Host ("  {0,-15} {1,12:E3} {2}/s  CPU {3,5:N1}%  {4} iterations  {5}  [{6}]" -f $name, $row.OpsPerSecond, $row.OperationUnit,
            $row.CpuUtilizationPercent, $row.Iterations, $(if ($row.Passed) { 'passed' } else { 'FAILED' }), $row.Variant)
    }
    catch {
        $row.Error = "$($_.Exception.GetType().Name): $($_.Exception.Message)"
        Write-Host "  $name FAILED to run: $($row.Error)" -ForegroundColor Red
    }
    $rows += [pscustomobject]$row
}
$report.Workloads = $rows

# ---------------------------------------------------------------- 3. Vector against the C peak

$vectorRow = $rows | Where-Object { $_.Workload -eq 'Vector' -and $null -ne $_.OpsPerSecond } | Select-Object -First 1
$vector = [ordered]@{ GFlops = $null; PeakGFlops = $peak.GFlops; Ratio = $null; Target = $vectorTarget; Verdict = 'not judged'; Why = $null }
if ($vectorRow) { $vector.GFlops = [math]::Round($vectorRow.OpsPerSecond / 1e9, 2) }
if ($vector.GFlops -and $peak.Ok -and $peak.GFlops -gt 0) {
    $vector.Ratio = [math]::Round($vector.GFlops / $peak.GFlops, 3)
    $vector.Verdict = if ($vector.Ratio -ge $vectorTarget) { 'met' } else { 'missed' }
}
else {
    $vector.Why = if (-not $vectorRow) { 'the Vector workload was not measured' } else { "no C peak: $($peak.Skipped)" }
}
$report.Vector = $vector

# ---------------------------------------------------------------- 4. stress-ng

$stress = [ordered]@{ Ok = $false; Skipped = $null; Installed = $false; Version = $null; Command = $null; BogoOps = $null; RealSeconds = $null; BogoOpsPerSecond = $null; CpuUtilizationPercent = $null }
try {
    if (-not (Get-Command stress-ng -CommandType Application -ErrorAction Ignore)) {
        $isRoot = (& id -u 2>$null) -eq '0'
        if ($NoInstall) { $stress.Skipped = 'stress-ng is not installed (-NoInstall)' }
        elseif (-not $isRoot) { $stress.Skipped = 'stress-ng is not installed and this is not root, so it was not installed' }
        elseif (-not (Get-Command apt-get -CommandType Application -ErrorAction Ignore)) { $stress.Skipped = 'stress-ng is not installed and there is no apt-get' }
        else {
            Write-Host '  installing stress-ng with apt-get'
            $env:DEBIAN_FRONTEND = 'noninteractive'
            $null = & apt-get install -y -q stress-ng 2>&1
            if ($LASTEXITCODE -ne 0) {
                # A fresh image may have no package lists yet.
                $null = & apt-get update -q 2>&1
                $null = & apt-get install -y -q stress-ng 2>&1
            }
            if (Get-Command stress-ng -CommandType Application -ErrorAction Ignore) { $stress.Installed = $true }
            else { $stress.Skipped = 'apt-get install stress-ng failed' }
        }
    }
    if (-not $stress.Skipped) {
        $stress.Version = ((& stress-ng --version 2>&1 | Select-Object -First 1) -as [string])
        $stressArgs = @('--cpu', '1', '--cpu-method', 'matrixprod', '--metrics-brief', '--taskset', "$Cpu", '-t', "${Seconds}s")
        $stress.Command = "stress-ng $($stressArgs -join ' ')"
        $out = & stress-ng @stressArgs 2>&1 | ForEach-Object { "$_" }
        # The metrics line: "... cpu  <bogo ops>  <real s>  <usr s>  <sys s>  <bogo ops/s real>  <bogo ops/s usr+sys>".
        $metrics = $out | Where-Object { $_ -match '\]\s+cpu\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)' } | Select-Object -First 1
        if ($metrics -and $metrics -match '\]\s+cpu\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)') {
            $stress.BogoOps = [long]$Matches[1]
            $stress.RealSeconds = [double]$Matches[2]
            $stress.BogoOpsPerSecond = [double]$Matches[5]
            if ($stress.RealSeconds -gt 0) { $stress.CpuUtilizationPercent = [math]::Round(100 * ([double]$Matches[3] + [double]$Matches[4]) / $stress.RealSeconds, 1) }
            $stress.Ok = $true
            Write-Host ("  stress-ng matrixprod: {0:N2} bogo ops/s, CPU {1:N1}%" -f $stress.BogoOpsPerSecond, $stress.CpuUtilizationPercent)
        }
        else {
            $stress.Skipped = "no metrics line in stress-ng's output: $(($out | Select-Object -Last 3) -join ' | ')"
        }
    }
}
catch {
    $stress.Skipped = "$($_.Exception.GetType().Name): $($_.Exception.Message)"
}
if ($stress.Skipped) { Write-Host "  stress-ng skipped: $($stress.Skipped)" -ForegroundColor Yellow }
$report.StressNg = $stress

# ---------------------------------------------------------------- 5. table

function Format-Value($v, [string] $fmt = '{0}') { if ($null -eq $v -or "$v" -eq '') { 'n/a' } else { $fmt -f $v } }
$table = @()
foreach ($r in $rows) {
    $table += [pscustomobject]@{
        Figure = $r.Workload
        Rate   = if ($r.Error) { "error: $($r.Error)" } else { '{0:E3} {1}/s' -f $r.OpsPerSecond, $r.OperationUnit }
        'CPU %' = Format-Value $r.CpuUtilizationPercent '{0:N1}'
        Detail = if ($r.Error) { '' } else { "$($r.Variant); $($r.Iterations) iterations, $(if ($r.Passed) { 'passed' } else { 'FAILED' })" }
    }
}
$table += [pscustomobject]@{
    Figure = 'C FMA peak'; Rate = if ($peak.Ok) { '{0:N2} GFLOP/s' -f $peak.GFlops } else { 'skipped' }; 'CPU %' = ''
    Detail = if ($peak.Ok) { "$($peak.Isa), $($peak.Accumulators) accumulators; $($peak.Compiler)" } else { $peak.Skipped }
}
$table += [pscustomobject]@{
    Figure = 'Vector / C peak'; Rate = if ($vector.Ratio) { '{0:P1}' -f $vector.Ratio } else { 'n/a' }; 'CPU %' = ''
    Detail = if ($vector.Ratio) { "$($vector.GFlops) of $($peak.GFlops) GFLOP/s (target >= $('{0:P0}' -f $vectorTarget))" } else { $vector.Why }
}
$table += [pscustomobject]@{
    Figure = 'stress-ng matrixprod'; Rate = if ($stress.Ok) { '{0:N2} bogo ops/s' -f $stress.BogoOpsPerSecond } else { 'skipped' }
    'CPU %' = Format-Value $stress.CpuUtilizationPercent '{0:N1}'
    Detail = if ($stress.Ok) { $stress.Command } else { $stress.Skipped }
}
Write-Host ''
Write-Host ($table | Format-Table -AutoSize -Wrap | Out-String -Width 200).TrimEnd()
Write-Host ''
$color = switch ($vector.Verdict) { 'met' { 'Green' } 'missed' { 'Red' } default { 'Yellow' } }
Write-Host ("  {0,-10} Vector workload at least {1:P0} of the C FMA peak" -f $vector.Verdict.ToUpperInvariant(), $vectorTarget) -ForegroundColor $color
$failed = @($rows | Where-Object { $_.Error -or ($null -ne $_.Passed -and -not $_.Passed) })
if ($failed.Count) { Write-Host "  *** $($failed.Count) workload(s) failed or did not run: $($failed.Workload -join ', ') ***" -ForegroundColor Red }
if ($workloadError) { Write-Host "  workloads not measured: $workloadError" -ForegroundColor Red }

$report.LoadAverage.End = Get-LoadAverage
# The end figure includes about 1.0 of this script's own pinned work; only the rest is competition.
$others = [math]::Max([double]$report.LoadAverage.Start, [double]$report.LoadAverage.End - 1)
if ($others -gt [Environment]::ProcessorCount / 2) {
    Write-Host ("  NOTE: 1-minute load average was {0} at start and {1} at end on {2} cores: other work competed for the CPU, so the rates are low and noisy." -f `
            $report.LoadAverage.Start, $report.LoadAverage.End, [Environment]::ProcessorCount) -ForegroundColor Yellow
}
$null = New-Item -ItemType Directory -Force -Path (Split-Path -Parent $OutFile)
$report | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $OutFile
Write-Host "  figures written to $OutFile"
exit 0
