# Get-SegfaultEvent against this machine's real kernel log: the tests crash small C programs
# (tests/fixtures/crashers/crasher.c) in five different ways and read the kernel's records back.
#
# The kernel rate-limits these lines (printk_ratelimit: a burst of 10, then one per 5 s, shared by every
# process on the machine), so the crashes are started at least 5.5 s apart and there are only six of
# them (five, then one for -Wait). Each run names its programs crash-<tag>-<kind> with a random tag
# (at most 15 characters, the kernel's comm limit), so runs on the same boot never see each other's
# crashes. What the kernel printed is read independently with dmesg and compared with the objects; a
# crash the kernel did not log (rate limit) makes its tests skip with that reason.

BeforeDiscovery {
    $script:Crashes = @(
        @{ Mode = 'nullread'; Suffix = 'nr'; Kind = 'Segfault'; ExitCode = 139; Signal = 'SIGSEGV'; ErrorCode = 0x4; Access = 'Read'; Protection = $false; NullPointer = $true; IpZero = $false; PageFault = $true }
        @{ Mode = 'nullcall'; Suffix = 'nc'; Kind = 'Segfault'; ExitCode = 139; Signal = 'SIGSEGV'; ErrorCode = 0x14; Access = 'Execute'; Protection = $false; NullPointer = $true; IpZero = $true; PageFault = $true }
        @{ Mode = 'rowrite'; Suffix = 'ro'; Kind = 'Segfault'; ExitCode = 139; Signal = 'SIGSEGV'; ErrorCode = 0x7; Access = 'Write'; Protection = $true; NullPointer = $false; IpZero = $false; PageFault = $true }
        @{ Mode = 'ud2'; Suffix = 'ud'; Kind = 'InvalidOpcode'; ExitCode = 132; Signal = 'SIGILL'; ErrorCode = 0x0; Access = $null; Protection = $null; NullPointer = $false; IpZero = $false; PageFault = $false }
        @{ Mode = 'div0'; Suffix = 'de'; Kind = 'DivideError'; ExitCode = 136; Signal = 'SIGFPE'; ErrorCode = 0x0; Access = $null; Protection = $null; NullPointer = $false; IpZero = $false; PageFault = $false }
    )
}

Describe 'Get-SegfaultEvent reads real crashes from this machine''s kernel log' {
    BeforeAll {
        $Manifest = (Resolve-Path (Join-Path $PSScriptRoot ../../SegfaultTools.psd1)).ProviderPath
        Import-Module $Manifest -Force

        # Why the live tests cannot run here, or $null.
        function Get-LiveSkipReason {
            if (-not $IsLinux) { return 'not Linux' }
            if (-not (Get-Command gcc -CommandType Application -ErrorAction SilentlyContinue)) { return 'gcc is not installed: cannot build the crash programs' }
            if (-not (Get-Command bash -CommandType Application -ErrorAction SilentlyContinue)) { return 'bash is not installed' }
            if (-not (Test-Path -LiteralPath /dev/kmsg)) { return '/dev/kmsg does not exist: the kernel log cannot be read' }
            $isRoot = (& id -u) -eq '0'
            if (-not $isRoot -and (Test-Path /proc/sys/kernel/dmesg_restrict) -and (Get-Content /proc/sys/kernel/dmesg_restrict -Raw).Trim() -eq '1') {
                return 'kernel.dmesg_restrict = 1 and not root: reading the kernel log needs CAP_SYSLOG'
            }
            try { [System.IO.File]::Open('/dev/kmsg', 'Open', 'Read', 'ReadWrite').Dispose() }
            catch { return "/dev/kmsg cannot be opened: $($_.Exception.Message)" }
            if ((Test-Path /proc/sys/debug/exception-trace) -and (Get-Content /proc/sys/debug/exception-trace -Raw).Trim() -eq '0') {
                return 'debug.exception-trace = 0: the kernel does not log user-space crashes'
            }
            return $null
        }

        # Starts one crash program no sooner than 5.5 s after the previous crash (the kernel's rate limit).
        $LastCrash = [System.Diagnostics.Stopwatch]::new()
        function Wait-CrashSlot {
            if ($LastCrash.IsRunning) {
                $left = 5500 - $LastCrash.ElapsedMilliseconds
                if ($left -gt 0) { Start-Sleep -Milliseconds $left }
            }
        }
        # Returns @{ Pid; ExitCode; Line; Code }: Line is the kernel's record for that pid (from dmesg) or $null.
        function Invoke-Crash([string]$Exe, [string]$Mode) {
            Wait-CrashSlot
            $out = & bash -c 'ulimit -c 0; "$1" "$2" & p=$!; wait $p; rc=$?; echo "$p $rc"' crash-runner $Exe $Mode 2>$null
            $LastCrash.Restart()
            $parts = "$out".Trim() -split ' '
            $r = @{ Pid = [int]$parts[0]; ExitCode = [int]$parts[1]; Line = $null; Code = $null }
            $name = Split-Path -Leaf $Exe
            $pattern = '^\[\s*\d+\.\d+\] (?<msg>(?:traps: )?' + [regex]::Escape("$name[$($r.Pid)]") + '.*)$'
            $lines = @(& dmesg 2>$null)
            for ($i = 0; $i -lt $lines.Count; $i++) {
                if ($lines[$i] -match $pattern) {
                    $r.Line = $Matches.msg
                    if ($i + 1 -lt $lines.Count -and $lines[$i + 1] -match '^\[\s*\d+\.\d+\] Code: (?<code>.*)$') { $r.Code = $Matches.code }
                }
            }
            return $r
        }

        $SkipReason = Get-LiveSkipReason
        if ($SkipReason) { return }

        $Tag = '{0:x4}' -f (Get-Random -Maximum 0x10000)
        $Source = (Resolve-Path (Join-Path $PSScriptRoot ../fixtures/crashers/crasher.c)).ProviderPath
        $Programs = @{}
        foreach ($suffix in 'nr', 'nc', 'ro', 'ud', 'de', 'wt') {
            $exe = Join-Path $TestDrive "crash-$Tag-$suffix"
            & gcc -O0 -o $exe $Source 2>&1 | Out-Null
            if ($LASTEXITCODE -ne 0 -or -not (Test-Path $exe)) { $SkipReason = "gcc could not build $Source"; return }
            $Programs[$suffix] = $exe
        }

        $Start = (Get-Date).AddSeconds(-1)
        $Runs = @{}
        foreach ($c in @(
                @{ Mode = 'nullread'; Suffix = 'nr' }, @{ Mode = 'nullcall'; Suffix = 'nc' }, @{ Mode = 'rowrite'; Suffix = 'ro' },
                @{ Mode = 'ud2'; Suffix = 'ud' }, @{ Mode = 'div0'; Suffix = 'de' })) {
            $run = Invoke-Crash $Programs[$c.Suffix] $c.Mode
            if ($null -eq $run.Line -and $run.ExitCode -gt 128) {
                # Not logged: most likely another process used up the kernel's rate limit. Try once more.
                $run = Invoke-Crash $Programs[$c.Suffix] $c.Mode
            }
            $Runs[$c.Suffix] = $run
        }
        $End = Get-Date

        $Events = @(Get-SegfaultEvent -Since $Start -Oldest -ErrorVariable LiveErrors)
        $Mine = @($Events | Where-Object { $_.ProcessName -like "crash-$Tag-*" })
    }

    It 'reads the kernel log without errors' {
        if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason; return }
        $LiveErrors | Should -BeNullOrEmpty
    }

    It 'returns exactly the five crashes, oldest first, with -Since and -Oldest' {
        if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason; return }
        $logged = @('nr', 'nc', 'ro', 'ud', 'de' | Where-Object { $null -ne $Runs[$_].Line })
        if ($logged.Count -lt 5) { Set-ItResult -Skipped -Because "the kernel did not log every crash (rate limit): logged $($logged -join ',')"; return }
        $Mine.ProcessName | Should -Be @('nr', 'nc', 'ro', 'ud', 'de' | ForEach-Object { "crash-$Tag-$_" })
        $Mine.ProcessId | Should -Be @('nr', 'nc', 'ro', 'ud', 'de' | ForEach-Object { $Runs[$_].Pid })
    }

    It '-ProcessName with a wildcard selects the same five' {
        if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason; return }
        $got = @(Get-SegfaultEvent -Since $Start -ProcessName "crash-$Tag-*" -Oldest)
        $got.ProcessId | Should -Be $Mine.ProcessId
    }

    It 'returns newest first without -Oldest' {
        if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason; return }
        $got = @(Get-SegfaultEvent -Since $Start -ProcessName "crash-$Tag-*")
        $ids = @($Mine.ProcessId)
        [array]::Reverse($ids)
        $got.ProcessId | Should -Be $ids
    }

    It '-Kind and -MaxEvents filter live events' {
        if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason; return }
        @(Get-SegfaultEvent -Since $Start -ProcessName "crash-$Tag-*" -Kind DivideError, InvalidOpcode -Oldest).ProcessName |
            Should -Be @("crash-$Tag-ud", "crash-$Tag-de")
        @(Get-SegfaultEvent -Since $Start -ProcessName "crash-$Tag-*" -MaxEvents 1).ProcessName | Should -Be @($Mine[-1].ProcessName)
    }

    It '-Source Kernel reads the same five' {
        if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason; return }
        $got = @(Get-SegfaultEvent -Source Kernel -Since $Start -ProcessName "crash-$Tag-*" -Oldest)
        $got.ProcessId | Should -Be $Mine.ProcessId
    }

    It 'reads the same five from dmesg output on the pipeline' {
        if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason; return }
        if (-not (Get-Command dmesg -CommandType Application -ErrorAction SilentlyContinue)) { Set-ItResult -Skipped -Because 'dmesg is not installed'; return }
        $got = @(& dmesg | Get-SegfaultEvent -ProcessName "crash-$Tag-*" -Oldest)
        $got.ProcessId | Should -Be $Mine.ProcessId
        for ($i = 0; $i -lt $got.Count; $i++) {
            $got[$i].Kind | Should -Be $Mine[$i].Kind
            $got[$i].InstructionPointer | Should -Be $Mine[$i].InstructionPointer
            $got[$i].Module | Should -Be $Mine[$i].Module
            $got[$i].Code | Should -Be $Mine[$i].Code
        }
    }

    Context 'the <Mode> crash' -ForEach $Crashes {
        BeforeAll {
            function Test-Logged {
                if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason; return $false }
                if ($null -eq $Run.Line) { Set-ItResult -Skipped -Because "the kernel did not log this crash (rate limit or exception-trace)"; return $false }
                return $true
            }
            if ($SkipReason) { return }
            $Run = $Runs[$Suffix]
            $Name = "crash-$Tag-$Suffix"
            $Ev = @($Mine | Where-Object ProcessName -EQ $Name)
        }

        It 'the program died of <Signal> (exit code <ExitCode> under bash)' {
            if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason; return }
            $Run.ExitCode | Should -Be $ExitCode
        }

        It 'is one event with the name and the pid of the process that crashed' {
            if (-not (Test-Logged)) { return }
            $Ev | Should -HaveCount 1
            $Ev[0].ProcessName | Should -BeExactly $Name
            $Ev[0].ProcessId | Should -Be $Run.Pid -Because 'a single-threaded program''s tid is its pid'
            $Ev[0].Source | Should -BeExactly 'kernel'
        }

        It 'has Kind <Kind> and error code <ErrorCode>' {
            if (-not (Test-Logged)) { return }
            $Ev[0].Kind | Should -Be ([SegfaultTools.SegfaultKind]$Kind)
            $Ev[0].ErrorCode | Should -Be $ErrorCode
        }

        It 'decodes the page-fault error code (access, protection, user mode) for segfaults only' {
            if (-not (Test-Logged)) { return }
            if ($PageFault) {
                $Ev[0].Access | Should -Be ([SegfaultTools.FaultAccess]$Access)
                $Ev[0].ProtectionViolation | Should -Be $Protection
                $Ev[0].UserMode | Should -BeTrue
                $Ev[0].ReservedBit | Should -BeFalse
                $Ev[0].FaultAddress | Should -Not -BeNullOrEmpty
            }
            else {
                $Ev[0].Access | Should -BeNullOrEmpty
                $Ev[0].ProtectionViolation | Should -BeNullOrEmpty
                $Ev[0].UserMode | Should -BeNullOrEmpty
            }
            $Ev[0].IsNullPointer | Should -Be $NullPointer
            $Ev[0].InstructionPointer | Should -Not -BeNullOrEmpty
            $Ev[0].StackPointer | Should -Not -BeNullOrEmpty
            if ($IpZero) { $Ev[0].InstructionPointer | Should -Be 0 } else { $Ev[0].InstructionPointer | Should -Not -Be 0 }
        }

        It 'names the program as Module where the kernel line does' {
            if (-not (Test-Logged)) { return }
            if ($Run.Line -match ' in (?<module>[^\[]+)\[') {
                $Ev[0].Module | Should -BeExactly $Matches.module
                $Ev[0].Module | Should -BeExactly $Name
                $Ev[0].ModuleBase | Should -Not -BeNullOrEmpty
                $Ev[0].ModuleSize | Should -Not -BeNullOrEmpty
                if (-not $IpZero) {
                    $Ev[0].ModuleContainsIp | Should -BeTrue
                    $Ev[0].ModuleOffset | Should -Be ($Ev[0].InstructionPointer - $Ev[0].ModuleBase)
                }
                else {
                    $Ev[0].ModuleContainsIp | Should -BeFalse -Because 'ip 0 lies below every mapping'
                }
            }
            else {
                $IpZero | Should -BeTrue -Because "the kernel names the module for every crash but the NULL call; it printed: $($Run.Line)"
                $Ev[0].Module | Should -BeNullOrEmpty
                $Ev[0].ModuleContainsIp | Should -BeNullOrEmpty
            }
        }

        It 'has the CPU where the kernel printed "likely on CPU"' {
            if (-not (Test-Logged)) { return }
            if ($Run.Line -match 'likely on CPU (?<cpu>\d+) \(core (?<core>\d+), socket (?<socket>\d+)\)') {
                $Ev[0].Cpu | Should -Be ([int]$Matches.cpu)
                $Ev[0].CoreId | Should -Be ([int]$Matches.core)
                $Ev[0].Socket | Should -Be ([int]$Matches.socket)
            }
            else {
                $PageFault | Should -BeFalse -Because "kernels since 6.1 print the CPU for page faults (this is $(uname -r)); the line was: $($Run.Line)"
                $Ev[0].Cpu | Should -BeNullOrEmpty
            }
        }

        It 'has the Code: line the kernel printed after it' {
            if (-not (Test-Logged)) { return }
            if ($PageFault) {
                $Run.Code | Should -Not -BeNullOrEmpty -Because 'the kernel prints a Code: line after every segfault line'
                $Ev[0].Code | Should -BeExactly $Run.Code
            }
            else {
                $Ev[0].Code | Should -BeNullOrEmpty -Because 'traps print no Code: line'
            }
        }

        It 'has TimeCreated between the start of the run and now' {
            if (-not (Test-Logged)) { return }
            $Ev[0].TimeCreated | Should -Not -BeNullOrEmpty
            $Ev[0].TimeCreated.UtcDateTime | Should -BeGreaterOrEqual $Start.ToUniversalTime()
            $Ev[0].TimeCreated.UtcDateTime | Should -BeLessOrEqual $End.ToUniversalTime().AddSeconds(5)
        }

        It 'keeps the kernel line as Message' {
            if (-not (Test-Logged)) { return }
            $Ev[0].Message | Should -BeIn @($Run.Line, ($Run.Line -replace '^traps: ', ''))
        }

        It 'has ComputerName = this host' {
            if (-not (Test-Logged)) { return }
            $Ev[0].ComputerName | Should -BeExactly ([System.Net.Dns]::GetHostName())
        }
    }

    Context '-Wait' {
        BeforeAll {
            $WaitStopped = $false
            if ($SkipReason) { return }
            $WaitName = "crash-$Tag-wt"
            $WaitPs = [powershell]::Create()
            $null = $WaitPs.AddScript('param($Manifest, $Name) Import-Module $Manifest -Force; Get-SegfaultEvent -Wait -ProcessName $Name').
                AddArgument($Manifest).AddArgument($WaitName)
            $WaitOut = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $WaitIn = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $WaitIn.Complete()
            $WaitAsync = $WaitPs.BeginInvoke($WaitIn, $WaitOut)

            # Give the runspace time to import the module and start following the log.
            Start-Sleep -Seconds 3
            $WaitStateBeforeCrash = $WaitPs.InvocationStateInfo.State
            $WaitRun = Invoke-Crash $Programs['wt'] 'nullread'

            $deadline = [DateTime]::UtcNow.AddSeconds(20)
            while ($WaitOut.Count -lt 1 -and [DateTime]::UtcNow -lt $deadline -and -not $WaitAsync.IsCompleted) { Start-Sleep -Milliseconds 200 }
            $WaitEvents = @($WaitOut.ReadAll())
            $WaitErrors = @($WaitPs.Streams.Error.ReadAll())

            $stopWatch = [System.Diagnostics.Stopwatch]::StartNew()
            $stopAsync = $WaitPs.BeginStop($null, $null)
            $WaitStopped = $stopAsync.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(10))
            $WaitStopSeconds = $stopWatch.Elapsed.TotalSeconds
            $WaitStateAfterStop = $WaitPs.InvocationStateInfo.State
        }
        AfterAll {
            if ($WaitStopped) { $WaitPs.Dispose() }
        }

        It 'is still waiting before the crash' {
            if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason; return }
            $WaitStateBeforeCrash | Should -Be ([System.Management.Automation.PSInvocationState]::Running) -Because "errors: $($WaitErrors -join '; ')"
        }

        It 'emits the new crash while it happens' {
            if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason; return }
            if ($null -eq $WaitRun.Line) { Set-ItResult -Skipped -Because 'the kernel did not log the crash (rate limit)'; return }
            $WaitEvents | Should -HaveCount 1 -Because "errors: $($WaitErrors -join '; ')"
            $WaitEvents[0].ProcessName | Should -BeExactly $WaitName
            $WaitEvents[0].ProcessId | Should -Be $WaitRun.Pid
            $WaitEvents[0].Kind | Should -Be ([SegfaultTools.SegfaultKind]::Segfault)
            $WaitEvents[0].ErrorCode | Should -Be 4
            $WaitEvents[0].Source | Should -BeExactly 'kernel'
        }

        It 'writes no error' {
            if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason; return }
            $WaitErrors | Should -BeNullOrEmpty
        }

        It 'stops within 5 seconds when the pipeline is stopped' {
            if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason; return }
            $WaitStopped | Should -BeTrue -Because 'Stop() must interrupt the wait'
            $WaitStopSeconds | Should -BeLessThan 5
            $WaitStateAfterStop | Should -Be ([System.Management.Automation.PSInvocationState]::Stopped)
        }
    }
}
