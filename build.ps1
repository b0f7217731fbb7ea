#Requires -Version 7.4
<#
.SYNOPSIS
    Builds and tests SegfaultTools. Plain PowerShell and dotnet: no InvokeBuild, no PowerShell Gallery.
.DESCRIPTION
    Run it with the repository's local pwsh tool, from anywhere inside the repository:

        dotnet tool restore
        dotnet pwsh ./build.ps1 [-Task Build|Help|Test|Bench|Package|Run] [-Configuration Release|Debug]

    Build  dotnet build SegfaultTools.sln: the module into ./bin (so ./SegfaultTools.psd1 imports)
           and the xunit project. The version comes from ModuleVersion in SegfaultTools.psd1.
    Test   Build, then the xunit suite (dotnet test, TRX in TestResults/xunit/) and the Pester suite
           (tests/Pester/*.Tests.ps1 in a fresh pwsh; NUnit XML in TestResults/pester/). Prints one
           final line over both suites, "N passed, N failed[, N skipped]", and exits 1 when a test,
           a Pester block or file failed, or when a suite did not run.
    Help   Build, then write en-US/SegfaultTools.dll-Help.xml from src/help/*.md and the built
           cmdlets' metadata (.build/ConvertTo-MamlHelp.ps1). The MAML is committed; a test fails when
           it drifts from what this writes.
    Bench  Build in Release, then run tests/bench/Invoke-Benchmark.ps1 (log reading),
           tests/bench/Invoke-CpuBenchmark.ps1 (Test-CpuStability's workloads) and
           tests/bench/Invoke-DiagnosisBenchmark.ps1 (Get-SegfaultDiagnosis on a million crash records),
           each in a fresh pwsh; exits non-zero when any of them does.
    Package  Build, then out/SegfaultTools/ (the module as users install it) and
           out/repository/SegfaultTools.<version>.nupkg (.build/New-ModulePackage.ps1).
    Run    Build, then in a fresh pwsh: this machine's newest crash events and its diagnosis
           (Get-SegfaultDiagnosis).
.PARAMETER Task
    What to do. Build by default.
.PARAMETER Configuration
    The dotnet build configuration. Release by default. The module lands in ./bin either way.
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Help', 'Test', 'Bench', 'Package', 'Run')]
    [string] $Task = 'Build',

    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
$PSNativeCommandUseErrorActionPreference = $false # every native call is checked explicitly below
Set-StrictMode -Version 3.0
if ([Console]::IsOutputRedirected -or [Console]::IsErrorRedirected) { $PSStyle.OutputRendering = 'PlainText' }

$RepoRoot = $PSScriptRoot
$Solution = Join-Path $RepoRoot 'SegfaultTools.sln'
$Manifest = Join-Path $RepoRoot 'SegfaultTools.psd1'
$XunitProject = Join-Path $RepoRoot 'tests/SegfaultTools.Tests/SegfaultTools.Tests.csproj'
$PesterTests = Join-Path $RepoRoot 'tests/Pester'
$PesterRestoreProject = Join-Path $RepoRoot 'tests/tools/Pester.Restore.csproj'
$PesterRunner = Join-Path $RepoRoot 'tests/tools/Invoke-PesterSuite.ps1'
$BenchScript = Join-Path $RepoRoot 'tests/bench/Invoke-Benchmark.ps1'
$CpuBenchScript = Join-Path $RepoRoot 'tests/bench/Invoke-CpuBenchmark.ps1'
$DiagnosisBenchScript = Join-Path $RepoRoot 'tests/bench/Invoke-DiagnosisBenchmark.ps1'
$ResultsRoot = Join-Path $RepoRoot 'TestResults'

function Write-Step([string] $Text) {
    Write-Host ''
    Write-Host "=== $Text"
}

# Runs a native command and throws when it exits non-zero, unless -AllowNonZeroExit is given (then
# the caller reads $LASTEXITCODE). The command writes straight to this console (so colours and the
# terminal width survive): call it as a statement, never where its output would be captured.
function Invoke-Native {
    param(
        [Parameter(Mandatory)] [string] $FilePath,
        [string[]] $ArgumentList = @(),
        [switch] $AllowNonZeroExit,
        [string] $Display # what to echo instead of the full command line
    )
    $commandLine = (@($FilePath) + $ArgumentList) -join ' '
    Write-Host "> $(if ($Display) { $Display } else { $commandLine })"
    & $FilePath @ArgumentList
    if ($LASTEXITCODE -ne 0 -and -not $AllowNonZeroExit) {
        throw "'$commandLine' failed with exit code $LASTEXITCODE."
    }
}

# Starts the repository's pwsh (the local dotnet tool) as a fresh process and leaves its exit code in
# $LASTEXITCODE: a binary module loaded into a process cannot be reloaded, so everything that imports
# the module runs in a child.
function Invoke-ChildPwsh([string[]] $ArgumentList, [string] $Display) {
    Invoke-Native -FilePath 'dotnet' -ArgumentList (@('pwsh', '-NoProfile', '-NonInteractive') + $ArgumentList) -AllowNonZeroExit -Display $Display
}

function Get-ModuleVersion {
    $version = (Import-PowerShellDataFile -LiteralPath $Manifest).ModuleVersion
    if (-not $version) { throw "No ModuleVersion in $Manifest." }
    $version
}

function Invoke-BuildTask([string] $Config) {
    $version = Get-ModuleVersion
    Write-Step "Build ($Config, version $version)"
    Invoke-Native -FilePath 'dotnet' -ArgumentList @('build', $Solution, '-c', $Config, "-p:Version=$version", '--nologo')
}

function Get-PesterVersion {
    $download = Select-Xml -LiteralPath $PesterRestoreProject -XPath '//PackageDownload[@Include="Pester"]'
    if (-not $download) { throw "No PackageDownload of Pester in $PesterRestoreProject." }
    $download.Node.Version.Trim('[', ']', ' ')
}

# Restores Pester from NuGet (tests/tools/Pester.Restore.csproj) into the NuGet global packages folder.
function Restore-Pester {
    Write-Step "Restore Pester $(Get-PesterVersion)"
    Invoke-Native -FilePath 'dotnet' -ArgumentList @('restore', $PesterRestoreProject, '--nologo')
}

# Returns the path of the restored Pester's manifest.
function Find-PesterManifest {
    $version = Get-PesterVersion
    # project.assets.json names the package folders this restore used (honours NUGET_PACKAGES and
    # NuGet.Config), so no guessing about where the global packages folder is.
    $assets = Join-Path (Split-Path $PesterRestoreProject) 'obj/project.assets.json'
    $folders = @((Get-Content -Raw -LiteralPath $assets | ConvertFrom-Json -AsHashtable).packageFolders.Keys)
    foreach ($folder in $folders) {
        $candidate = Join-Path $folder "pester/$version/tools/Pester.psd1"
        if (Test-Path -LiteralPath $candidate) { return $candidate }
    }
    throw "Pester $version was restored, but tools/Pester.psd1 is in none of the package folders: $($folders -join ', ')."
}

# Each suite adds one result here (the suites' functions return nothing, so that the tools they run
# can write straight to the console).
$SuiteResults = [System.Collections.Generic.List[object]]::new()

function New-SuiteResult([string] $Name) {
    $suite = [pscustomobject]@{
        Name     = $Name
        Passed   = 0
        Failed   = 0
        Skipped  = 0
        Failures = [System.Collections.Generic.List[object]]::new()
        Error    = $null   # set when the suite did not run or did not complete (counted as one failure)
    }
    $SuiteResults.Add($suite)
    $suite
}

function Invoke-XunitSuite([string] $Config) {
    $suite = New-SuiteResult 'xunit'
    $resultDir = Join-Path $ResultsRoot 'xunit'
    $trx = Join-Path $resultDir 'xunit.trx'

    Write-Step 'xunit: dotnet test'
    Invoke-Native -FilePath 'dotnet' -AllowNonZeroExit -ArgumentList @(
        'test', $XunitProject, '--no-build', '-c', $Config, '--nologo',
        '--logger', 'trx;LogFileName=xunit.trx', '--results-directory', $resultDir)
    $exitCode = $LASTEXITCODE

    if (-not (Test-Path -LiteralPath $trx)) {
        $suite.Error = "dotnet test exited with $exitCode and wrote no $trx."
        return
    }
    [xml] $doc = Get-Content -Raw -LiteralPath $trx
    $ns = @{ t = 'http://microsoft.com/schemas/VisualStudio/TeamTest/2010' }
    foreach ($node in @(Select-Xml -Xml $doc -XPath '//t:Results/t:UnitTestResult' -Namespace $ns | ForEach-Object Node)) {
        switch ($node.outcome) {
            'Passed' { $suite.Passed++ }
            { $_ -in 'NotExecuted', 'Inconclusive', 'NotRunnable', 'Pending' } { $suite.Skipped++ }
            default {
                $suite.Failed++
                $message = @(Select-Xml -Xml $node -XPath './t:Output/t:ErrorInfo/t:Message' -Namespace $ns | ForEach-Object { $_.Node.InnerText }) -join [Environment]::NewLine
                $suite.Failures.Add([pscustomobject]@{ Name = $node.testName; Message = "[$($node.outcome)] $message".TrimEnd() })
            }
        }
    }
    # A crashed test host or an aborted run leaves a run-level error in the TRX.
    $runError = @(Select-Xml -Xml $doc -XPath '//t:RunInfos/t:RunInfo[@outcome="Error"]/t:Text' -Namespace $ns |
            ForEach-Object { ($_.Node.InnerText -split '\r?\n')[0] }) | Select-Object -First 1
    if ($runError) {
        $suite.Error = "dotnet test: $runError"
    }
    elseif ($suite.Passed + $suite.Failed + $suite.Skipped -eq 0) {
        $suite.Error = if ($exitCode -ne 0) {
            "dotnet test exited with $exitCode and reported no test results (did the test host crash? see its output above)."
        }
        else { "dotnet test found no tests in $XunitProject." }
    }
    elseif ($exitCode -ne 0 -and $suite.Failed -eq 0) {
        $suite.Error = "dotnet test exited with $exitCode although no test failed (did the test host crash or the run abort?)."
    }
}

function Invoke-PesterSuite([string] $PesterManifest) {
    $suite = New-SuiteResult 'pester'
    $resultDir = Join-Path $ResultsRoot 'pester'
    $summaryFile = Join-Path $resultDir 'pester-summary.json'
    $null = New-Item -ItemType Directory -Force -Path $resultDir

    Write-Step 'Pester: tests/Pester/*.Tests.ps1 in a fresh pwsh'
    Invoke-ChildPwsh @('-File', $PesterRunner, '-PesterManifest', $PesterManifest,
        '-TestPath', $PesterTests, '-ResultDirectory', $resultDir)
    $exitCode = $LASTEXITCODE

    if (-not (Test-Path -LiteralPath $summaryFile)) {
        $suite.Error = "the Pester process exited with $exitCode and wrote no $summaryFile."
        return
    }
    $summary = Get-Content -Raw -LiteralPath $summaryFile | ConvertFrom-Json
    $suite.Passed = $summary.Passed
    # A BeforeAll/AfterAll that throws fails its block; a file that throws during discovery (or in a
    # top-level BeforeAll) fails its container. Both count as failures next to the failed tests.
    $suite.Failed = $summary.Failed + $summary.FailedBlocks + $summary.FailedContainers
    $suite.Skipped = $summary.Skipped + $summary.Inconclusive + $summary.NotRun
    foreach ($failure in $summary.Failures) { $suite.Failures.Add($failure) }
    if ($summary.Total -eq 0 -and $summary.FailedContainers -eq 0) {
        $suite.Error = "Pester found no tests under $PesterTests."
    }
}

# Prints the failures, then one plain line over all suites; returns the process exit code.
function Write-TestSummary([object[]] $Suites) {
    $passed = 0; $failed = 0; $skipped = 0
    Write-Host ''
    foreach ($suite in $Suites) {
        foreach ($failure in $suite.Failures) {
            Write-Host "FAILED [$($suite.Name)] $($failure.Name)"
            foreach ($line in ("$($failure.Message)" -split '\r?\n')) { Write-Host "    $line" }
        }
        if ($suite.Error) {
            Write-Host "FAILED [$($suite.Name)] suite did not run or did not complete: $($suite.Error)"
        }
        $passed += $suite.Passed
        $failed += $suite.Failed + [int][bool]$suite.Error
        $skipped += $suite.Skipped
    }
    foreach ($suite in $Suites) {
        $state = if ($suite.Error) { ' (+1 failed: suite did not run or did not complete)' } else { '' }
        Write-Host ("{0,-7} passed={1} failed={2} skipped={3}{4}" -f $suite.Name, $suite.Passed, $suite.Failed, $suite.Skipped, $state)
    }
    $line = "$passed passed, $failed failed"
    if ($skipped -gt 0) { $line += ", $skipped skipped" }
    Write-Host $line
    if ($failed -gt 0) { 1 } else { 0 }
}

Push-Location -LiteralPath $RepoRoot
try {
    switch ($Task) {
        'Build' {
            Invoke-BuildTask $Configuration
        }
        'Test' {
            Invoke-BuildTask $Configuration
            Restore-Pester
            $pesterManifest = Find-PesterManifest
            foreach ($dir in 'xunit', 'pester') {
                Remove-Item -LiteralPath (Join-Path $ResultsRoot $dir) -Recurse -Force -ErrorAction Ignore
            }
            Invoke-XunitSuite $Configuration
            Invoke-PesterSuite $pesterManifest
            exit (Write-TestSummary $SuiteResults)
        }
        'Bench' {
            if ($Configuration -ne 'Release') { throw '-Task Bench always builds Release; leave out -Configuration.' }
            if (-not (Test-Path -LiteralPath $BenchScript)) {
                throw "-Task Bench runs $BenchScript, which does not exist."
            }
            Invoke-BuildTask 'Release'
            Write-Step 'Bench: tests/bench/Invoke-Benchmark.ps1 in a fresh pwsh'
            Invoke-ChildPwsh @('-File', $BenchScript)
            $logExit = $LASTEXITCODE
            Write-Step 'Bench: tests/bench/Invoke-CpuBenchmark.ps1 (Test-CpuStability workloads) in a fresh pwsh'
            Invoke-ChildPwsh @('-File', $CpuBenchScript)
            $cpuExit = $LASTEXITCODE
            Write-Step 'Bench: tests/bench/Invoke-DiagnosisBenchmark.ps1 (Get-SegfaultDiagnosis on a fleet log and its CSV) in a fresh pwsh'
            Invoke-ChildPwsh @('-File', $DiagnosisBenchScript)
            exit ([Math]::Max([Math]::Max($logExit, $cpuExit), $LASTEXITCODE))
        }
        'Help' {
            Invoke-BuildTask $Configuration
            Write-Step 'Help: en-US/SegfaultTools.dll-Help.xml from src/help/*.md'
            Invoke-ChildPwsh @('-File', (Join-Path $RepoRoot '.build/ConvertTo-MamlHelp.ps1'))
            exit $LASTEXITCODE
        }
        'Package' {
            Invoke-BuildTask $Configuration
            Write-Step 'Package: out/SegfaultTools and its .nupkg'
            Invoke-ChildPwsh @('-File', (Join-Path $RepoRoot '.build/New-ModulePackage.ps1'))
            exit $LASTEXITCODE
        }
        'Run' {
            Invoke-BuildTask $Configuration
            Write-Step 'Run: Get-SegfaultDiagnosis in a fresh pwsh'
            # The crashes behind it first (newest ten), then the diagnosis that weighs them with the rest.
            $command = @'
Import-Module ./SegfaultTools.psd1 -ErrorAction Stop
$events = @(Get-SegfaultEvent -Since (Get-Date).AddDays(-30) -ErrorAction SilentlyContinue)
if ($events.Count -gt 0) { "Crash records of the last 30 days: $($events.Count); the newest ten:"; $events | Select-Object -First 10 | Format-Table }
Get-SegfaultDiagnosis -ErrorVariable readErrors
if ($readErrors) { exit 1 }
'@
            Invoke-ChildPwsh @('-Command', $command) -Display 'dotnet pwsh -NoProfile -c ''Import-Module ./SegfaultTools.psd1; Get-SegfaultDiagnosis'''
            exit $LASTEXITCODE
        }
    }
}
catch {
    $Host.UI.WriteErrorLine("build.ps1 -Task ${Task}: $($_.Exception.Message)")
    exit 1
}
finally {
    Pop-Location
}
