# Get-SegfaultDiagnosis as a user drives it: captured trees of the seed's machine, of resolved public
# crash cases and of contrasting causes (tests/fixtures/diagnosis, sources in its README), the same
# evidence after Export-Csv/Import-Csv and after remoting's serialization, and log files by host.

BeforeDiscovery {
    $fixtures = Join-Path $PSScriptRoot ../fixtures/diagnosis
    $expectations = Get-Content -Raw (Join-Path $fixtures expectations.json) | ConvertFrom-Json -AsHashtable
    $script:Trees = foreach ($name in ($expectations.Keys | Sort-Object)) {
        $e = $expectations[$name]
        @{ Name = $name; Expected = $e.expected; Acceptable = @($e.acceptable); MaybeInconclusive = [bool]$e.maybeInconclusive; Why = $e.why; CapturedAt = $e.capturedAt }
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../SegfaultTools.psd1) -Force
    $Fixtures = (Resolve-Path (Join-Path $PSScriptRoot ../fixtures/diagnosis)).ProviderPath
    $CommandId = 'SegfaultTools.Commands.GetSegfaultDiagnosisCommand'
    $Expectations = Get-Content -Raw (Join-Path $Fixtures expectations.json) | ConvertFrom-Json -AsHashtable
    # A syslog stamp has no year: readers take the latest year that does not put it after the log
    # file's last write. A git checkout writes the files now, so each tree is copied and its logs
    # given the time the tree was captured (expectations.json), as a real capture would keep.
    function Get-Tree([string] $Name) {
        $copy = Join-Path $TestDrive "trees/$Name"
        if (-not (Test-Path $copy)) {
            New-Item -ItemType Directory -Path (Split-Path $copy) -Force | Out-Null
            Copy-Item -Recurse (Join-Path $Fixtures $Name) $copy
            if ($Expectations[$Name].capturedAt) {
                $when = [DateTimeOffset]::Parse($Expectations[$Name].capturedAt, [Globalization.CultureInfo]::InvariantCulture).LocalDateTime
                Get-ChildItem -Recurse -File (Join-Path $copy 'var/log') -ErrorAction Ignore | ForEach-Object { $_.LastWriteTime = $when }
            }
        }
        $copy
    }
    function Get-Ranking($findings) { ($findings | Where-Object { $_.Summary -notlike 'Evidence gap*' } | ForEach-Object { "$($_.ComputerName)/$($_.Cause)/$($_.Confidence)" }) -join ' ' }
}

AfterAll {
    Remove-Module SegfaultTools -Force -ErrorAction SilentlyContinue
}

Describe 'Diagnosis of <Name>' -ForEach $Trees {
    BeforeAll {
        $Findings = @(Get-SegfaultDiagnosis -Root (Get-Tree $Name) -ErrorVariable problems -WarningAction SilentlyContinue)
        $Top = $Findings[0]
    }

    It 'writes ranked findings without errors' {
        $problems | Should -BeNullOrEmpty
        $Findings.Count | Should -BeGreaterThan 0
        $Findings | ForEach-Object { $_ | Should -BeOfType SegfaultTools.SegfaultFinding }
        $Findings[0].Rank | Should -Be 1
    }

    It 'ranks the confirmed cause first, or says it cannot decide (<Why>)' {
        $allowed = @($Expected) + $Acceptable
        if ($MaybeInconclusive) {
            # A cause the evidence cannot decide: Inconclusive, or a Low guess at worst; never a wrong cause with High confidence.
            if ($Top.Cause -notin $allowed) {
                $Top.Cause | Should -Be 'Inconclusive' -Because "top was $($Top.Cause) ($($Top.Level)): $($Top.Summary)"
            }
            $Findings | Where-Object { $_.Cause -notin $allowed -and $_.Cause -ne 'Inconclusive' -and $_.Level -eq 'High' } | Should -BeNullOrEmpty
        }
        else {
            $Top.Cause | Should -BeIn $allowed -Because "top was $($Top.Cause) ($($Top.Level), $($Top.Confidence)): $($Top.Summary)"
        }
    }
}

Describe 'The seed''s machine' {
    BeforeAll {
        $Findings = @(Get-SegfaultDiagnosis -Root (Get-Tree seed-13900ks) -WarningAction SilentlyContinue)
        $Cpu = $Findings | Where-Object Cause -eq CpuInstability
    }

    It 'puts CPU instability first, with the numbers behind it' {
        $Findings[0].Cause | Should -Be CpuInstability
        $Findings[0].Level | Should -Not -Be Low
        $text = $Cpu.Evidence -join "`n"
        $text | Should -Match 'different modules across \d+ programs'
        $text | Should -Match 'i9-13900KS'
        $text | Should -Match 'microcode'
        ($Findings.Evidence + $Findings.AgainstIt) -join "`n" | Should -Match 'chi-square .* p '
    }

    It 'names a next test the user can run' {
        $Cpu.NextTest | Should -Match '^Test-CpuStability'
        $Cpu.Recommendation | Should -Match 'BIOS'
    }

    It 'prints a short report' {
        $text = $Findings | Out-String -Width 200
        $text | Should -Match 'Diagnosis of: '
        $text | Should -Match '1\. CpuInstability: (High|Medium) \(\d+ ?%\)'
        $text | Should -Match 'for +\+1\.5: '
        $text | Should -Match 'test +Test-CpuStability'
    }

    It 'gives the same ranking after Export-Csv and Import-Csv' {
        $tree = Get-Tree seed-13900ks
        $evidence = @(Get-SegfaultEvent -Root $tree) + @(Get-HardwareErrorEvent -Root $tree) + @(Get-HybridCoreMap -Root $tree) + @(Get-SystemProfile -Root $tree) + @(Get-GpuDriverInfo -Root $tree -WarningAction SilentlyContinue)
        $live = @($evidence | Get-SegfaultDiagnosis)
        # One CSV per kind of object, as a user would keep them.
        foreach ($group in ($evidence | Group-Object { $_.GetType().Name })) {
            $group.Group | Export-Csv -Path (Join-Path $TestDrive "evidence-$($group.Name).csv") -NoTypeInformation
        }
        @(Get-ChildItem (Join-Path $TestDrive 'evidence-*.csv')).Count | Should -Be 4
        $imported = @(Get-ChildItem (Join-Path $TestDrive 'evidence-*.csv') | ForEach-Object { Import-Csv $_.FullName })
        $fromCsv = @($imported | Get-SegfaultDiagnosis)
        Get-Ranking $fromCsv | Should -Be (Get-Ranking $live)
        $fromCsv[0].Cause | Should -Be CpuInstability
    }

    It 'gives the same ranking after remoting''s serialization' {
        $tree = Get-Tree seed-13900ks
        $evidence = @(Get-SegfaultEvent -Root $tree) + @(Get-HybridCoreMap -Root $tree) + @(Get-SystemProfile -Root $tree)
        $live = @($evidence | Get-SegfaultDiagnosis)
        # What Invoke-Command hands back: deserialized property bags ("Deserialized.SegfaultTools.*").
        $remote = @($evidence | ForEach-Object { [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($_)) })
        $remote[0].PSObject.TypeNames[0] | Should -BeLike 'Deserialized.SegfaultTools.*'
        Get-Ranking @($remote | Get-SegfaultDiagnosis) | Should -Be (Get-Ranking $live)
    }
}

Describe 'Piped objects of several machines' {
    It 'gives one diagnosis per machine and borrows no facts' {
        $a = Get-SegfaultEvent -Root (Get-Tree seed-13900ks)
        $b = Get-SegfaultEvent -Root (Get-Tree contrast-library-bug)
        $findings = @(@($a) + @($b) + @(Get-SystemProfile -Root (Get-Tree seed-13900ks)) | Get-SegfaultDiagnosis)
        $machines = @($findings.ComputerName | Select-Object -Unique)
        $machines.Count | Should -Be 2
        $library = $findings | Where-Object ComputerName -eq $b[0].ComputerName | Select-Object -First 1
        $library.Cause | Should -BeIn LibraryBug, ApplicationBug
        # The second machine had no profile piped: its findings must not carry the first one's CPU.
        (($findings | Where-Object ComputerName -eq $b[0].ComputerName).Evidence -join ' ') | Should -Not -Match '13900KS'
    }

    It 'reports objects it cannot use and weighs the rest' {
        $findings = @(@('just a string', 42) + @(Get-SegfaultEvent -Root (Get-Tree contrast-library-bug)) | Get-SegfaultDiagnosis -ErrorVariable bad -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
        $bad[0].FullyQualifiedErrorId | Should -Be "UnsupportedInput,$CommandId"
        $findings[0].Cause | Should -BeIn LibraryBug, ApplicationBug
    }
}

Describe 'Get-SegfaultDiagnosis -Path' {
    It 'diagnoses each host named in the log' {
        $log = Join-Path $TestDrive 'two-hosts.log'
        $lines = foreach ($tree in 'seed-13900ks', 'contrast-library-bug') { Get-Content (Join-Path (Get-Tree $tree) 'var/log/kern.log') }
        Set-Content -Path $log -Value $lines
        (Get-Item $log).LastWriteTime = (Get-Item (Join-Path (Get-Tree seed-13900ks) 'var/log/kern.log')).LastWriteTime
        $findings = @(Get-SegfaultDiagnosis -Path $log)
        @($findings.ComputerName | Select-Object -Unique).Count | Should -Be 2
        $findings | Where-Object Rank -eq 1 | ForEach-Object { $_.Cause | Should -Not -BeNullOrEmpty }
    }

    It 'says PathNotFound for a missing file' {
        $null = Get-SegfaultDiagnosis -Path (Join-Path $TestDrive 'nope.log') -ErrorVariable missing -ErrorAction SilentlyContinue
        $missing[0].FullyQualifiedErrorId | Should -Be "PathNotFound,$CommandId"
    }

    It 'says RootNotFound for a missing tree' {
        $null = Get-SegfaultDiagnosis -Root (Join-Path $TestDrive 'no-tree') -ErrorVariable missing -ErrorAction SilentlyContinue
        $missing[0].FullyQualifiedErrorId | Should -Be "RootNotFound,$CommandId"
    }
}
