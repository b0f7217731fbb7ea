# Test-CpuStability as a user drives it: real pinned workers on this machine's CPUs. The wrong
# answers, crashes and the "bad CPU" of the -Command replay are the tests' own stand-ins: a
# test-only variable read by the worker alone, and a program that fails when pinned to one CPU.

BeforeDiscovery {
    $allowed = @()
    if ($IsLinux) {
        $line = Select-String -Path /proc/self/status -Pattern '^Cpus_allowed_list:\s*(\S+)' | Select-Object -First 1
        if ($line) {
            $allowed = @(foreach ($part in $line.Matches[0].Groups[1].Value.Split(',')) { $e = $part.Split('-'); [int]$e[0]..[int]$e[-1] })
        }
    }
    $script:TwoCpus = $allowed.Count -ge 2
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../SegfaultTools.psd1) -Force
    $FaultVariable = 'SEGFAULTTOOLS_TEST_FAULT'
    $Cpus = @(Get-HybridCoreMap | Where-Object IsOnline)
    $Good = $Cpus[0].Cpu
    $Bad = $Cpus[-1].Cpu

    # Worker processes of this module still alive, by their command line.
    function Get-WorkerProcess {
        foreach ($dir in Get-ChildItem /proc -Directory | Where-Object Name -match '^\d+$') {
            $cmdline = try { [IO.File]::ReadAllText("$($dir.FullName)/cmdline") } catch { '' }
            if ($cmdline -match 'SegfaultTools\.Worker\.dll') { [int]$dir.Name }
        }
    }
}

AfterAll {
    Remove-Item "env:$FaultVariable" -ErrorAction Ignore
    Remove-Module SegfaultTools -Force -ErrorAction SilentlyContinue
}

Describe 'Test-CpuStability finds the CPU that computes wrong answers' -Skip:(-not $TwoCpus) {
    BeforeAll {
        Set-Item "env:$FaultVariable" "wrong@$($Bad):Hash"
        try {
            $Results = @(Test-CpuStability -Cpu $Good, $Bad -Workload Integer, Hash -Mode Cycle -Duration 00:00:03 -Seed 31337 -WarningAction SilentlyContinue)
        }
        finally { Remove-Item "env:$FaultVariable" }
    }

    It 'returns one result per CPU and workload' {
        $Results.Count | Should -Be 4
        $Results | ForEach-Object { $_ | Should -BeOfType SegfaultTools.CpuStabilityResult }
        ($Results | Sort-Object Cpu, Workload | ForEach-Object { "$($_.Cpu)/$($_.Workload)" }) -join ' ' |
            Should -Be "$Good/Integer $Good/Hash $Bad/Integer $Bad/Hash"
    }

    It 'fails the bad CPU with the wrong answer, reproduced on every retest' {
        $failed = $Results | Where-Object { $_.Cpu -eq $Bad -and $_.Workload -eq 'Hash' }
        $failed.Passed | Should -BeFalse
        $failed.Errors | Should -BeGreaterOrEqual 1
        $failed.Expected | Should -Not -BeNullOrEmpty
        $failed.Actual | Should -Not -Be $failed.Expected
        $failed.Reproduced | Should -Be '3 of 3'
        $failed.Seed | Should -Be 31337
    }

    It 'passes everything else, with work done' {
        $others = @($Results | Where-Object { -not ($_.Cpu -eq $Bad -and $_.Workload -eq 'Hash') })
        $others.Count | Should -Be 3
        $others | ForEach-Object {
            $_.Passed | Should -BeTrue -Because "CPU $($_.Cpu) $($_.Workload): $($_.Note)"
            $_.Iterations | Should -BeGreaterThan 0
            $_.Retests | Should -Be 0
        }
    }

    It 'shows a table per CPU that names the failure' {
        $text = $Results | Out-String -Width 200
        $text | Should -Match "Tested: CPU $Bad "
        $text | Should -Match 'WRONG ANSWERS'
        $text | Should -Match '3 of 3'
    }

    It 'survives Export-Csv and Import-Csv with every field' {
        $csv = Join-Path $TestDrive 'stability.csv'
        $Results | Export-Csv -Path $csv -NoTypeInformation
        $back = @(Import-Csv $csv)
        $back.Count | Should -Be 4
        $row = $back | Where-Object { $_.Cpu -eq "$Bad" -and $_.Workload -eq 'Hash' }
        $row.Passed | Should -Be 'False'
        $row.Reproduced | Should -Be '3 of 3'
        $row.PSObject.Properties.Name | Should -Contain 'MaxFrequencyMHzSeen'
    }

    It '-Quiet says $false for the run' {
        Set-Item "env:$FaultVariable" "wrong@$($Bad):Integer"
        try { $quiet = @(Test-CpuStability -Cpu $Bad -Workload Integer -Mode Cycle -Duration 00:00:01 -Retest 0 -Quiet -WarningAction SilentlyContinue) }
        finally { Remove-Item "env:$FaultVariable" }
        $quiet.Count | Should -Be 1
        $quiet[0] | Should -BeExactly $false
    }
}

Describe 'A worker that dies' -Skip:(-not $TwoCpus) {
    It 'is a crash of its CPU, with the signal, and the other CPU still passes' {
        Set-Item "env:$FaultVariable" "crash@$Bad"
        try { $r = @(Test-CpuStability -Cpu $Good, $Bad -Workload FloatingPoint -Mode AllCores -Duration 00:00:02 -Retest 1 -WarningAction SilentlyContinue) }
        finally { Remove-Item "env:$FaultVariable" }
        $crashed = $r | Where-Object Cpu -eq $Bad
        $crashed.Crashed | Should -BeTrue
        $crashed.Signal | Should -Be 'SIGSEGV'
        $crashed.Reproduced | Should -Be '1 of 1'
        ($r | Where-Object Cpu -eq $Good).Passed | Should -BeTrue
        @(Get-WorkerProcess).Count | Should -Be 0
    }
}

Describe 'Ctrl+C' {
    It 'stops every worker at once and keeps the results already written' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$(Join-Path $PSScriptRoot ../../SegfaultTools.psd1)'; Test-CpuStability -Workload Integer -Mode Both -Duration 00:00:40 -WarningAction SilentlyContinue")
            $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $async = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]$null, $output)
            # Wait for the first core's results (its step is done, about 13 s in), then press Ctrl+C mid-run.
            $deadline = [DateTime]::UtcNow.AddSeconds(120)
            while ($output.Count -lt 1 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
            $output.Count | Should -BeGreaterThan 0 -Because 'the first core finishes within two minutes'
            Start-Sleep -Milliseconds 500
            @(Get-WorkerProcess).Count | Should -BeGreaterThan 0 -Because 'the run is still going'
            $stopped = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $stopped.Elapsed.TotalSeconds | Should -BeLessThan 30
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            @($output | Where-Object { $_ -is [SegfaultTools.CpuStabilityResult] }).Count | Should -BeGreaterThan 0
            @(Get-WorkerProcess).Count | Should -Be 0 -Because 'no worker outlives the cmdlet'
        }
        finally { $ps.Dispose() }
    }
}

Describe 'Test-CpuStability -Command' -Skip:(-not $TwoCpus) {
    BeforeAll {
        # The stand-in for a bad CPU 1: a program that fails whenever it may run only on CPU 1.
        $script = Join-Path $TestDrive 'job.sh'
        Set-Content -Path $script -Value @(
            '#!/bin/sh'
            'allowed=$(awk ''/^Cpus_allowed_list/ {print $2}'' /proc/self/status)'
            '[ "$allowed" = "1" ] && exit 139'
            'exit 0')
        chmod +x $script
    }

    It 'points at CPU 1 when the job fails only there' {
        $r = @(Test-CpuStability -Command $script -Cpu 0, 1 -Repeat 3)
        $r.Count | Should -Be 2
        $r | ForEach-Object { $_ | Should -BeOfType SegfaultTools.CommandStabilityResult }
        $one = $r | Where-Object Cpu -eq 1
        $one.Failures | Should -Be 3
        $one.FailureRate | Should -Be 1
        $one.ExitCodes | Should -Be '139 (SIGSEGV) x3'
        $zero = $r | Where-Object Cpu -eq 0
        $zero.Failures | Should -Be 0
        $zero.Passed | Should -BeTrue
    }

    It 'pins a script block and the programs it starts' {
        $r = @(Test-CpuStability -Command { & $args[0] } -ArgumentList $script -Cpu 0, 1 -Repeat 2)
        ($r | Where-Object Cpu -eq 1).Failures | Should -Be 2
        ($r | Where-Object Cpu -eq 0).Failures | Should -Be 0
    }

    It 'groups by core type when no CPU is named' {
        $r = @(Test-CpuStability -Command sh -ArgumentList '-c', 'exit 0' -Repeat 1)
        $types = @(Get-HybridCoreMap | Where-Object IsOnline | Group-Object CoreType)
        if ($types.Count -gt 1) { $r.Count | Should -Be $types.Count } else { $r.Count | Should -Be @(Get-HybridCoreMap | Where-Object IsOnline).Count }
        $r | ForEach-Object { $_.Passed | Should -BeTrue }
    }

    It 'says CommandNotFound for a program that does not exist' {
        { Test-CpuStability -Command 'no-such-program-segfaulttools' -ErrorAction Stop } | Should -Throw -ErrorId 'CommandNotFound,SegfaultTools.Commands.TestCpuStabilityCommand'
    }
}

Describe 'Choosing CPUs' {
    It 'binds CPUs from Get-HybridCoreMap and reports a CPU the machine lacks' {
        $r = @(Get-HybridCoreMap -Cpu $Good | Test-CpuStability -Workload Integer -Mode AllCores -Duration 00:00:01 -WarningAction SilentlyContinue)
        $r.Count | Should -Be 1
        $r[0].Cpu | Should -Be $Good
        $r[0].Passed | Should -BeTrue
        $r2 = @(Test-CpuStability -Cpu $Good, 4095 -Workload Integer -Mode AllCores -Duration 00:00:01 -ErrorVariable bad -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
        $r2.Count | Should -Be 1
        $bad[0].FullyQualifiedErrorId | Should -Be 'CpuNotFound,SegfaultTools.Commands.TestCpuStabilityCommand'
    }

    It 'says NoCpuSelected when nothing matches' {
        $null = Test-CpuStability -CoreType LowPowerEfficiency -Cpu $Good -Duration 00:00:01 -ErrorVariable none -ErrorAction SilentlyContinue
        $none[-1].FullyQualifiedErrorId | Should -Be 'NoCpuSelected,SegfaultTools.Commands.TestCpuStabilityCommand'
    }
}
