# Export-SegfaultReport as a user drives it: the report of the seed's machine from its captured tree
# (tests/fixtures/diagnosis/seed-13900ks), opened in headless Chromium (Debian's chromium package,
# installed here when root and missing): a screenshot, and the rendered DOM with its charts and no
# script error. Set SEGFAULTTOOLS_UPDATE_SCREENSHOT=1 to copy the screenshot to
# tests/fixtures/report/seed-report.png, the picture the README shows.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../SegfaultTools.psd1) -Force
    $Repo = (Resolve-Path (Join-Path $PSScriptRoot ../..)).ProviderPath
    $Fixtures = Join-Path $Repo tests/fixtures/diagnosis
    $Expectations = Get-Content -Raw (Join-Path $Fixtures expectations.json) | ConvertFrom-Json -AsHashtable

    # A syslog stamp has no year: readers take the latest year that does not put it after the log
    # file's last write. A git checkout writes the files now, so the tree is copied and its logs
    # given the time the tree was captured (expectations.json), as a real capture would keep.
    function Get-Tree([string] $Name) {
        $copy = Join-Path $TestDrive "trees/$Name"
        if (-not (Test-Path $copy)) {
            New-Item -ItemType Directory -Path (Split-Path $copy) -Force | Out-Null
            Copy-Item -Recurse (Join-Path $Fixtures $Name) $copy
            $when = [DateTimeOffset]::Parse($Expectations[$Name].capturedAt, [Globalization.CultureInfo]::InvariantCulture).LocalDateTime
            Get-ChildItem -Recurse -File (Join-Path $copy 'var/log') | ForEach-Object { $_.LastWriteTime = $when }
        }
        $copy
    }

    $Tree = Get-Tree seed-13900ks
    $Out = Join-Path $TestDrive 'out'
    New-Item -ItemType Directory -Path $Out | Out-Null
    $Report = Join-Path $Out 'seed-report.html'
    $File = Export-SegfaultReport -Path $Report -Root $Tree -WarningAction SilentlyContinue -ErrorVariable reportErrors
    $Html = Get-Content -Raw $Report

    # Headless Chromium: Debian's package, installed when root and missing.
    $ChromiumSkip = $null
    $Chromium = (Get-Command chromium -CommandType Application -ErrorAction Ignore | Select-Object -First 1).Source
    if (-not $Chromium) {
        if (-not $IsLinux -or -not (Get-Command apt-get -ErrorAction Ignore)) {
            $ChromiumSkip = 'chromium is not installed and there is no apt-get to install it'
        }
        elseif ((id -u) -ne '0') {
            $ChromiumSkip = 'chromium is not installed and installing it needs root (apt-get install chromium)'
        }
        else {
            $env:DEBIAN_FRONTEND = 'noninteractive'
            $took = Measure-Command {
                $log = apt-get install -y --no-install-recommends chromium 2>&1
                if ($LASTEXITCODE -ne 0) {
                    # Stale package lists: refresh them once and try again.
                    $log = (apt-get update 2>&1) + (apt-get install -y --no-install-recommends chromium 2>&1)
                }
            }
            $Chromium = (Get-Command chromium -CommandType Application -ErrorAction Ignore | Select-Object -First 1).Source
            if (-not $Chromium) { $ChromiumSkip = "apt-get install chromium failed: $(@($log)[-3..-1] -join ' ')" }
            else { Write-Host "  (installed chromium in $([int]$took.TotalSeconds) s)" }
        }
    }

    function Invoke-Chromium([string[]] $Arguments) {
        # A profile of its own in TestDrive; --no-sandbox because CI runs as root.
        $common = '--headless', '--no-sandbox', '--disable-gpu', "--user-data-dir=$TestDrive/chromium-profile", '--no-first-run'
        $output = & $Chromium @common @Arguments 2>$null
        $output -join "`n"
    }

    if ($Chromium) {
        $Png = Join-Path $TestDrive 'seed-report.png'
        $null = Invoke-Chromium "--screenshot=$Png", '--window-size=1280,2400', "file://$Report"
        $Dom = Invoke-Chromium '--dump-dom', "file://$Report"
        if ($env:SEGFAULTTOOLS_UPDATE_SCREENSHOT -and (Test-Path $Png)) {
            $target = Join-Path $Repo 'tests/fixtures/report/seed-report.png'
            New-Item -ItemType Directory -Path (Split-Path $target) -Force | Out-Null
            Copy-Item $Png $target -Force
        }
    }
}

AfterAll {
    Remove-Module SegfaultTools -Force -ErrorAction SilentlyContinue
}

Describe 'The report of the seed''s machine' {
    It 'is one file, returned as a FileInfo, written without errors' {
        $reportErrors | Should -BeNullOrEmpty
        $File | Should -BeOfType System.IO.FileInfo
        $File.FullName | Should -Be $Report
        @(Get-ChildItem $Out).Name | Should -Be 'seed-report.html'
        $File.Length | Should -BeGreaterThan 20KB
    }

    It 'ranks CPU instability first, with its evidence, the next test and the advice' {
        $ranks = [regex]::Matches($Html, 'data-rank="(\d+)" data-cause="(\w+)"') | ForEach-Object { $_.Groups[2].Value }
        $ranks[0] | Should -Be 'CpuInstability'
        $ranks | Should -Contain 'GpuDriver'
        $Html | Should -Match '<span class="w pos">\+1\.5</span> 13th Gen Intel\(R\) Core\(TM\) i9-13900KS'
        $Html | Should -Match '<code class="next-test">Test-CpuStability'
        $Html | Should -Match '<b>Recommendation:</b> Update the BIOS'
    }

    It 'draws all 32 CPUs by core type, with the crashes of CPUs 16 and 20' {
        $cells = [regex]::Matches($Html, '<rect class="cpu (cpu-\w+)" data-cpu="(\d+)" data-count="(\d+)"')
        $cells.Count | Should -Be 32
        ($cells | Where-Object { [int]$_.Groups[2].Value -lt 16 } | ForEach-Object { $_.Groups[1].Value } | Sort-Object -Unique) | Should -Be 'cpu-p'
        ($cells | Where-Object { [int]$_.Groups[2].Value -ge 16 } | ForEach-Object { $_.Groups[1].Value } | Sort-Object -Unique) | Should -Be 'cpu-e'
        $Html | Should -Match 'data-cpu="20" data-count="5"'
        $Html | Should -Match 'data-cpu="16" data-count="4"'
    }

    It 'has the module and program charts, the hourly timeline, the package changes and the profile' {
        $Html | Should -Match 'data-chart="modules" data-bars="9"'
        $Html | Should -Match 'data-chart="programs" data-bars="4"'
        $Html | Should -Match '<svg class="chart timeline"[^>]*data-unit="hour"'
        $Html | Should -Match '<td>upgraded</td><td>linux-zen</td>'
        $Html | Should -Match '<dt>Microcode</dt><dd>0x119 \(from the BIOS\)</dd>'
        $Html | Should -Match '<dt>NVIDIA driver</dt><dd>kernel module 590\.48\.01'
    }

    It 'fetches nothing' {
        $Html | Should -Not -Match '(?i)\b(src|href)\s*=\s*["'']?\s*(https?:)?//'
        $Html | Should -Match '<meta http-equiv="Content-Security-Policy" content="default-src ''none'';'
    }

    It 'is the same for the same evidence piped, also after remoting''s serialization' {
        $evidence = @(Get-SegfaultEvent -Root $Tree) + @(Get-HybridCoreMap -Root $Tree) + @(Get-SystemProfile -Root $Tree)
        $remote = @($evidence | ForEach-Object { [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($_)) })
        $piped = $remote | Export-SegfaultReport -Path (Join-Path $TestDrive 'piped.html')
        $text = Get-Content -Raw $piped.FullName
        [regex]::Matches($text, '<rect class="cpu cpu-[pe]"').Count | Should -Be 32
        $text | Should -Match 'data-rank="1" data-cause="CpuInstability"'
        $text | Should -Match '<dt>CPU</dt><dd>13th Gen Intel\(R\) Core\(TM\) i9-13900KS</dd>'
    }

    It 'writes nothing with -WhatIf, and needs -Force to overwrite' {
        $what = Join-Path $TestDrive 'whatif.html'
        Export-SegfaultReport -Path $what -Root $Tree -WhatIf | Should -BeNullOrEmpty
        Test-Path $what | Should -BeFalse
        { Export-SegfaultReport -Path $Report -Root $Tree -WarningAction SilentlyContinue } |
            Should -Throw -ErrorId 'ReportExists,SegfaultTools.Commands.ExportSegfaultReportCommand'
        (Export-SegfaultReport -Path $Report -Root $Tree -Force -WarningAction SilentlyContinue).FullName | Should -Be $Report
    }

    It 'hides the host name with -Redact' {
        $redacted = Export-SegfaultReport -Path (Join-Path $TestDrive 'redacted.html') -Root $Tree -Redact -WarningAction SilentlyContinue
        $text = Get-Content -Raw $redacted.FullName
        $text | Should -Not -Match 'garuda-13900ks'
        $text | Should -Match 'data-machine="host-1"'
    }
}

Describe 'The report in headless Chromium' {
    It 'renders its charts and runs its script without an error' {
        if ($ChromiumSkip) { Set-ItResult -Skipped -Because $ChromiumSkip; return }
        $body = [regex]::Match($Dom, '<body[^>]*>').Value
        $body | Should -Match 'data-rendered="ok"' -Because "the page's script ends by setting it ($body)"
        $body | Should -Not -Match 'data-error='
        $body | Should -Match 'data-cpu-cells="32"'
        $body | Should -Match 'data-charts="4"'
        [regex]::Matches($Dom, '<rect class="cpu cpu-(p|e)"').Count | Should -Be 32
        [regex]::Matches($Dom, '<svg class="chart bars"').Count | Should -Be 2
        $Dom | Should -Match '<svg class="chart timeline"'
        [regex]::Matches($Dom, '<rect class="tl-bar"').Count | Should -BeGreaterThan 0
    }

    It 'takes a screenshot of the page' {
        if ($ChromiumSkip) { Set-ItResult -Skipped -Because $ChromiumSkip; return }
        Test-Path $Png | Should -BeTrue
        (Get-Item $Png).Length | Should -BeGreaterThan 20KB
        $head = [byte[]]::new(8)
        $stream = [IO.File]::OpenRead($Png)
        try { $null = $stream.Read($head, 0, 8) } finally { $stream.Dispose() }
        $head | Should -Be @(0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A)
    }
}
