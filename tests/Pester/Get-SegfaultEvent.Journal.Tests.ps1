# The journal path of Get-SegfaultEvent, driven through a stub `journalctl` placed first on PATH.
# The stub records its arguments and prints tests/fixtures/journal/kernel.json (see the README beside
# it for where each MESSAGE comes from), so these tests need no journald and pass the same everywhere.

BeforeDiscovery {
    # The crash events kernel.json holds, oldest first. Numbers as printed in the MESSAGE (hex).
    $script:JournalEvents = @(
        @{ Name = 'bpftrace'; ProcessName = 'bpftrace'; ProcessId = 2166; Kind = 'Segfault'; Us = 1735722922123456
           BootId = '3f0c9a7e5d2b4c6f8a1e0b9d7c5a3e21'; FaultAddress = '50'; InstructionPointer = '7f88766c71e0'; StackPointer = '7ffe8c583868'
           ErrorCode = '4'; Access = 'Read'; IsNullPointer = $true; Module = 'libbpf.so.1.4.7'; ModuleBase = '7f88766c0000'; ModuleSize = '3e000'
           FileOffset = '131e0'; ModuleContainsIp = $true; Cpu = 0; CoreId = 0; Socket = 0
           Code = '74 15 31 c0 48 83 c4 08 31 d2 31 c9 31 f6 31 ff 45 31 c0 45 31 c9 c3 b8 f4 ff ff ff eb e6 66 66 2e 0f 1f 84 00 00 00 00 00 90 <8b> 47 50 03 47 40 31 ff c3 0f 1f 80 00 00 00 00 55 be 78 00 00 00'
           Message = 'bpftrace[2166]: segfault at 50 ip 00007f88766c71e0 sp 00007ffe8c583868 error 4 in libbpf.so.1.4.7[131e0,7f88766c0000+3e000] likely on CPU 0 (core 0, socket 0)' }
        @{ Name = 'xskxceiver (split record)'; ProcessName = 'xskxceiver'; ProcessId = 1440; Kind = 'Segfault'; Us = 1735774805000100
           BootId = '3f0c9a7e5d2b4c6f8a1e0b9d7c5a3e21'; FaultAddress = '1da718'; InstructionPointer = '7f4161aeac9d'; StackPointer = '7f41615a6a00'
           ErrorCode = '6'; Access = 'Write'; IsNullPointer = $false; Module = 'libc.so.6'; ModuleBase = '7f4161aaf000'; ModuleSize = '160000'
           FileOffset = '61c9d'; ModuleContainsIp = $true; Cpu = $null; CoreId = $null; Socket = $null; Code = $null; Message = $null }
        @{ Name = 'ollama-runner (trap invalid opcode)'; ProcessName = 'ollama-runner'; ProcessId = 16373; Kind = 'InvalidOpcode'; Us = 1735819200250000
           BootId = '3f0c9a7e5d2b4c6f8a1e0b9d7c5a3e21'; FaultAddress = $null; InstructionPointer = '5012fc'; StackPointer = '7ffd01fd2090'
           ErrorCode = '0'; Access = $null; IsNullPointer = $false; Module = 'ollama-runner'; ModuleBase = '408000'; ModuleSize = '163000'
           FileOffset = $null; ModuleContainsIp = $true; Cpu = $null; CoreId = $null; Socket = $null; Code = $null; Message = $null }
        @{ Name = 'evolution (null call)'; ProcessName = 'evolution'; ProcessId = 760889; Kind = 'Segfault'; Us = 1735985472131415
           BootId = 'a8d41c07e2f94b3b9c56e1f0d2b7a48c'; FaultAddress = '0'; InstructionPointer = '0'; StackPointer = '7ffd94877b48'
           ErrorCode = '14'; Access = 'Execute'; IsNullPointer = $true; Module = 'evolution'; ModuleBase = '55a0bcea4000'; ModuleSize = '4000'
           FileOffset = $null; ModuleContainsIp = $false; Cpu = 11; CoreId = 6; Socket = 0
           Code = 'Unable to access opcode bytes at 0xffffffffffffffd6.'
           Message = 'evolution[760889]: segfault at 0 ip 0000000000000000 sp 00007ffd94877b48 error 14 in evolution[55a0bcea4000+4000] likely on CPU 11 (core 6, socket 0)' }
        @{ Name = 'cups-browsed (general protection)'; ProcessName = 'cups-browsed'; ProcessId = 1499; Kind = 'GeneralProtection'; Us = 1736067600000001
           BootId = 'a8d41c07e2f94b3b9c56e1f0d2b7a48c'; FaultAddress = $null; InstructionPointer = '7e00c56ba97a'; StackPointer = '7ffdc57583e8'
           ErrorCode = '0'; Access = $null; IsNullPointer = $false; Module = 'libc.so.6'; ModuleBase = '7e00c5628000'; ModuleSize = '195000'
           FileOffset = $null; ModuleContainsIp = $true; Cpu = $null; CoreId = $null; Socket = $null; Code = $null; Message = $null }
        @{ Name = 'div (trap divide error)'; ProcessName = 'div'; ProcessId = 2500; Kind = 'DivideError'; Us = 1736094030405060
           BootId = 'a8d41c07e2f94b3b9c56e1f0d2b7a48c'; FaultAddress = $null; InstructionPointer = '400524'; StackPointer = '7ffcd27fd630'
           ErrorCode = '0'; Access = $null; IsNullPointer = $false; Module = 'div'; ModuleBase = '400000'; ModuleSize = '1000'
           FileOffset = $null; ModuleContainsIp = $true; Cpu = $null; CoreId = $null; Socket = $null; Code = $null; Message = $null }
        @{ Name = 'bad<ESC>comm (MESSAGE as a byte array)'; ProcessName = "bad$([char]27)comm"; ProcessId = 4242; Kind = 'Segfault'; Us = 1736125323040506
           BootId = 'a8d41c07e2f94b3b9c56e1f0d2b7a48c'; FaultAddress = '8'; InstructionPointer = '55d0c0ffe123'; StackPointer = '7ffc12345670'
           ErrorCode = '4'; Access = 'Read'; IsNullPointer = $true; Module = 'badcomm'; ModuleBase = '55d0c0ffd000'; ModuleSize = '2000'
           FileOffset = '1123'; ModuleContainsIp = $true; Cpu = 2; CoreId = 2; Socket = 0; Code = $null
           Message = "bad$([char]27)comm[4242]: segfault at 8 ip 000055d0c0ffe123 sp 00007ffc12345670 error 4 in badcomm[1123,55d0c0ffd000+2000] likely on CPU 2 (core 2, socket 0)" }
    )
}

Describe 'Get-SegfaultEvent -Source Journal (stub journalctl)' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot ../../SegfaultTools.psd1) -Force

        $Fixture = (Resolve-Path (Join-Path $PSScriptRoot ../fixtures/journal/kernel.json)).ProviderPath
        $ArgLog = Join-Path $TestDrive 'journalctl.args'
        $Bin = Join-Path $TestDrive 'bin'
        $FailBin = Join-Path $TestDrive 'bin-fail'
        New-Item -ItemType Directory -Path $Bin, $FailBin | Out-Null

        # Records every call (a '--- call' line, then one argument per line), answers --version, and
        # prints the fixture (reversed for -r/--reverse, as journalctl would) whatever else is asked.
        $stub = @'
#!/bin/bash
{ printf '%s\n' '--- call'; printf '%s\n' "$@"; } >> '__LOG__'
for a in "$@"; do
  case "$a" in
    --version) echo 'systemd 252 (252.22-1~deb12u1)'; echo '+PAM +AUDIT +SELINUX +APPARMOR +IMA +SMACK +SECCOMP +GCRYPT -GNUTLS +OPENSSL +ACL +BLKID +CURL +ELFUTILS +FIDO2 +IDN2 -IDN +IPTC +KMOD +LIBCRYPTSETUP +LIBFDISK +PCRE2 -PWQUALITY +P11KIT +QRENCODE +TPM2 +BZIP2 +LZ4 +XZ +ZLIB +ZSTD -BPF_FRAMEWORK -XKBCOMMON +UTMP +SYSVINIT default-hierarchy=unified'; exit 0 ;;
  esac
done
for a in "$@"; do
  case "$a" in
    -r|--reverse) tac '__FIXTURE__'; exit 0 ;;
    # -f: like journalctl -f -n 0, only new entries: the evolution crash and its Code: line a
    # moment later, then nothing until stopped.
    -f|--follow) sleep 1; sed -n '8,9p' '__FIXTURE__'; exec sleep 120 ;;
  esac
done
cat '__FIXTURE__'
'@
        $stub = $stub.Replace('__LOG__', $ArgLog).Replace('__FIXTURE__', $Fixture)
        $failStub = @'
#!/bin/bash
{ printf '%s\n' '--- call'; printf '%s\n' "$@"; } >> '__LOG__'
for a in "$@"; do
  case "$a" in
    --version) echo 'systemd 252 (252.22-1~deb12u1)'; exit 0 ;;
  esac
done
echo 'No journal files were found.' >&2
exit 1
'@
        $failStub = $failStub.Replace('__LOG__', $ArgLog)
        # LF line endings: a CR would end up in the shebang and in every argument.
        [System.IO.File]::WriteAllText((Join-Path $Bin journalctl), $stub.Replace("`r`n", "`n"))
        [System.IO.File]::WriteAllText((Join-Path $FailBin journalctl), $failStub.Replace("`r`n", "`n"))
        & chmod 755 (Join-Path $Bin journalctl) (Join-Path $FailBin journalctl)

        $SavedPath = $env:PATH
        $env:PATH = $Bin + [System.IO.Path]::PathSeparator + $env:PATH

        function Clear-ArgLog { Remove-Item -LiteralPath $ArgLog -ErrorAction SilentlyContinue }
        # Each recorded call as one string[] of its arguments; assign the result before piping it.
        function Get-StubCall {
            if (-not (Test-Path -LiteralPath $ArgLog)) { return ,@() }
            $calls = [System.Collections.Generic.List[object]]::new()
            $current = $null
            foreach ($line in [System.IO.File]::ReadAllLines($ArgLog)) {
                if ($line -eq '--- call') { $current = [System.Collections.Generic.List[string]]::new(); $calls.Add($current); continue }
                $current.Add($line)
            }
            return ,@($calls | ForEach-Object { , $_.ToArray() })
        }
        # True when the argument list has option $Name with value $Value, written either way
        # journalctl accepts: "--opt value" / "--opt=value" (long) or "-o value" / "-ovalue" (short).
        function Test-Option([string[]]$Arguments, [string[]]$Name, [string]$Value) {
            for ($i = 0; $i -lt $Arguments.Count; $i++) {
                foreach ($n in $Name) {
                    if ($Arguments[$i] -ceq $n -and $i + 1 -lt $Arguments.Count -and $Arguments[$i + 1] -ceq $Value) { return $true }
                    if ($n.StartsWith('--') -and $Arguments[$i] -ceq "$n=$Value") { return $true }
                    if (-not $n.StartsWith('--') -and $Arguments[$i] -ceq "$n$Value") { return $true }
                }
            }
            return $false
        }
        function Test-KernelJsonCall([string[]]$Arguments) {
            $kernel = ($Arguments -ccontains '-k') -or ($Arguments -ccontains '--dmesg') -or ($Arguments -ccontains '_TRANSPORT=kernel')
            $json = Test-Option $Arguments '-o', '--output' 'json'
            return $kernel -and $json
        }
        function ConvertFrom-Hex([string]$Hex) {
            if ([string]::IsNullOrEmpty($Hex)) { return $null }
            return [System.Convert]::ToUInt64($Hex, 16)
        }
        # __REALTIME_TIMESTAMP (µs since the Unix epoch) as UTC ticks.
        function ConvertFrom-RealtimeUs([long]$Us) { return [DateTimeOffset]::UnixEpoch.UtcTicks + $Us * 10 }

        Clear-ArgLog
        $All = @(Get-SegfaultEvent -Source Journal -ErrorVariable AllErrors)
        $AllCalls = Get-StubCall
    }

    AfterAll {
        $env:PATH = $SavedPath
    }

    It 'writes no error' {
        $AllErrors | Should -BeNullOrEmpty
    }

    It 'returns one SegfaultEvent per crash record: the split record and the Code lines add none, non-crash lines none' {
        $All | Should -HaveCount 7
        $All | ForEach-Object { $_ | Should -BeOfType ([SegfaultTools.SegfaultEvent]) }
    }

    It 'returns newest first by default' {
        $All.ProcessId | Should -Be @(4242, 2500, 1499, 760889, 16373, 1440, 2166)
    }

    It 'returns oldest first with -Oldest' {
        (Get-SegfaultEvent -Source Journal -Oldest).ProcessId | Should -Be @(2166, 1440, 16373, 760889, 1499, 2500, 4242)
    }

    It 'asked journalctl for kernel entries as JSON (-k or _TRANSPORT=kernel, -o json)' {
        $AllCalls | Should -Not -BeNullOrEmpty
        @($AllCalls | Where-Object { Test-KernelJsonCall $_ }) | Should -Not -BeNullOrEmpty -Because "calls were: $(($AllCalls | ForEach-Object { $_ -join ' ' }) -join ' | ')"
    }

    Context 'the <Name> event' -ForEach $JournalEvents {
        BeforeAll {
            $Ev = $All | Where-Object ProcessId -EQ $ProcessId
        }

        It 'is there exactly once' {
            @($Ev) | Should -HaveCount 1
        }

        It 'has the process name, pid and kind' {
            $Ev.ProcessName | Should -BeExactly $ProcessName
            $Ev.ProcessId | Should -Be $ProcessId
            $Ev.Kind | Should -Be ([SegfaultTools.SegfaultKind]$Kind)
        }

        It 'has TimeCreated = __REALTIME_TIMESTAMP to the microsecond' {
            $Ev.TimeCreated | Should -Not -BeNullOrEmpty
            $Ev.TimeCreated.UtcTicks | Should -Be (ConvertFrom-RealtimeUs $Us)
        }

        It 'has BootId = _BOOT_ID, ComputerName = _HOSTNAME and Source journal' {
            $Ev.BootId | Should -BeExactly $BootId
            $Ev.ComputerName | Should -BeExactly 'workstation'
            $Ev.Source | Should -BeExactly 'journal'
        }

        It 'has the addresses and the error code' {
            $Ev.FaultAddress | Should -Be (ConvertFrom-Hex $FaultAddress)
            $Ev.InstructionPointer | Should -Be (ConvertFrom-Hex $InstructionPointer)
            $Ev.StackPointer | Should -Be (ConvertFrom-Hex $StackPointer)
            $Ev.ErrorCode | Should -Be (ConvertFrom-Hex $ErrorCode)
            $Ev.IsNullPointer | Should -Be $IsNullPointer
            if ($null -eq $Access) { $Ev.Access | Should -BeNullOrEmpty } else { $Ev.Access | Should -Be ([SegfaultTools.FaultAccess]$Access) }
        }

        It 'has the module, its mapping and the file offset' {
            $Ev.Module | Should -BeExactly $Module
            $Ev.ModuleBase | Should -Be (ConvertFrom-Hex $ModuleBase)
            $Ev.ModuleSize | Should -Be (ConvertFrom-Hex $ModuleSize)
            $Ev.FileOffset | Should -Be (ConvertFrom-Hex $FileOffset)
            $Ev.ModuleContainsIp | Should -Be $ModuleContainsIp
            if ($ModuleContainsIp) {
                $Ev.ModuleOffset | Should -Be ((ConvertFrom-Hex $InstructionPointer) - (ConvertFrom-Hex $ModuleBase))
            }
            else {
                $Ev.ModuleOffset | Should -BeNullOrEmpty
            }
        }

        It 'has the CPU, core and socket where the line names them' {
            $Ev.Cpu | Should -Be $Cpu
            $Ev.CoreId | Should -Be $CoreId
            $Ev.Socket | Should -Be $Socket
        }

        It 'has the following Code: line attached, verbatim' {
            if ($null -eq $Code) { $Ev.Code | Should -BeNullOrEmpty } else { $Ev.Code | Should -BeExactly $Code }
        }

        It 'keeps the crash line as Message' {
            if ($null -ne $Message) { $Ev.Message | Should -BeExactly $Message }
            else { $Ev.Message | Should -BeLike ('*' + [WildcardPattern]::Escape("$ProcessName[$ProcessId]") + '*') }
        }
    }

    It 'decodes a MESSAGE that journald serialized as an array of byte values (the comm has an ESC byte)' {
        $ev = $All | Where-Object ProcessId -EQ 4242
        $ev.ProcessName | Should -BeExactly "bad$([char]27)comm"
        $ev.ProcessName.Contains([char]27) | Should -BeTrue
    }

    It 'assembles the split record: the module comes from the " in libc.so.6[...]" continuation entry' {
        $ev = $All | Where-Object ProcessId -EQ 1440
        $ev.Module | Should -BeExactly 'libc.so.6'
        $ev.FileOffset | Should -Be 0x61c9d
        $ev.ModuleBase | Should -Be 0x7f4161aaf000
        $ev.ModuleSize | Should -Be 0x160000
    }

    It '-Since/-Until pass --since/--until to journalctl in local time and filter the events' {
        $since = Get-Date '2025-01-02 03:04:05'
        $until = Get-Date '2025-01-05 12:00:00'
        Clear-ArgLog
        $got = @(Get-SegfaultEvent -Source Journal -Since $since -Until $until -Oldest)
        $calls = Get-StubCall
        $main = @($calls | Where-Object { Test-KernelJsonCall $_ })
        $main | Should -Not -BeNullOrEmpty
        $described = ($calls | ForEach-Object { $_ -join ' ' }) -join ' | '
        @($main | Where-Object { Test-Option $_ '--since', '-S' '2025-01-02 03:04:05' }) | Should -Not -BeNullOrEmpty -Because "calls were: $described"
        # journalctl's --until has second resolution, so rounding it up by a second is fine too.
        @($main | Where-Object { (Test-Option $_ '--until', '-U' '2025-01-05 12:00:00') -or (Test-Option $_ '--until', '-U' '2025-01-05 12:00:01') }) |
            Should -Not -BeNullOrEmpty -Because "calls were: $described"

        # The stub ignores --since/--until, so what comes back was filtered in-process.
        $sinceTicks = $since.ToUniversalTime().Ticks
        $untilTicks = $until.ToUniversalTime().Ticks
        $expected = @(@{ Id = 2166; Us = 1735722922123456 }, @{ Id = 1440; Us = 1735774805000100 }, @{ Id = 16373; Us = 1735819200250000 },
            @{ Id = 760889; Us = 1735985472131415 }, @{ Id = 1499; Us = 1736067600000001 }, @{ Id = 2500; Us = 1736094030405060 },
            @{ Id = 4242; Us = 1736125323040506 }) |
            Where-Object { $t = ConvertFrom-RealtimeUs $_.Us; $t -ge $sinceTicks -and $t -le $untilTicks } |
            ForEach-Object { $_.Id }
        $got.ProcessId | Should -Be $expected
    }

    It '-Boot -1 passes -b -1 to journalctl' {
        Clear-ArgLog
        $null = Get-SegfaultEvent -Source Journal -Boot -1
        $calls = Get-StubCall
        $described = ($calls | ForEach-Object { $_ -join ' ' }) -join ' | '
        @($calls | Where-Object { (Test-KernelJsonCall $_) -and (Test-Option $_ '-b', '--boot' '-1') }) | Should -Not -BeNullOrEmpty -Because "calls were: $described"
    }

    It '-MaxEvents 2 returns the two newest' {
        $got = @(Get-SegfaultEvent -Source Journal -MaxEvents 2)
        $got.ProcessId | Should -Be @(4242, 2500)
    }

    It '-MaxEvents 2 -Oldest returns the two oldest' {
        $got = @(Get-SegfaultEvent -Source Journal -MaxEvents 2 -Oldest)
        $got.ProcessId | Should -Be @(2166, 1440)
    }

    It '-ProcessName, -Module and -Kind filter the journal events' {
        (Get-SegfaultEvent -Source Journal -ProcessName 'ev*', 'div').ProcessId | Sort-Object | Should -Be @(2500, 760889)
        (Get-SegfaultEvent -Source Journal -Module 'libc.so.6').ProcessId | Sort-Object | Should -Be @(1440, 1499)
        (Get-SegfaultEvent -Source Journal -Kind InvalidOpcode, DivideError).ProcessId | Sort-Object | Should -Be @(2500, 16373)
    }

    It '-Source Auto uses the journal when journalctl returns kernel entries' {
        Clear-ArgLog
        $got = @(Get-SegfaultEvent -ErrorVariable autoErrors)
        $autoErrors | Should -BeNullOrEmpty
        $got | Should -HaveCount 7
        $got | ForEach-Object { $_.Source | Should -BeExactly 'journal' }
        $calls = Get-StubCall
        @($calls | Where-Object { Test-KernelJsonCall $_ }) | Should -Not -BeNullOrEmpty
    }

    It '-Wait follows journalctl -f and stops when the pipeline stops' {
        Clear-ArgLog
        $ps = [powershell]::Create()
        $null = $ps.AddScript("Import-Module '$(Join-Path $PSScriptRoot ../../SegfaultTools.psd1)'; Get-SegfaultEvent -Source Journal -Wait -MaxEvents 1")
        $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
        $async = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $output)
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(20)
            while ($output.Count -lt 2 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            $output.Count | Should -Be 2
            $output[0].ProcessName | Should -BeExactly "bad$([char]27)comm"
            $output[1].ProcessName | Should -BeExactly 'evolution'
            $output[1].Code | Should -BeExactly 'Unable to access opcode bytes at 0xffffffffffffffd6.'
            $async.IsCompleted | Should -BeFalse
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
            $ps.Streams.Error | Should -BeNullOrEmpty
            $calls = Get-StubCall
            $follow = @($calls | Where-Object { $_ -contains '-f' } | ForEach-Object { , @($_) })
            $follow.Count | Should -Be 1
            $follow[0] | Should -Contain '-n'
            $follow[0] | Should -Contain '_TRANSPORT=kernel'
        }
        finally { $ps.Dispose() }
    }

    Context 'when journalctl fails ("No journal files were found.", exit 1)' {
        BeforeAll {
            $PathWithStub = $env:PATH
            $env:PATH = $FailBin + [System.IO.Path]::PathSeparator + $env:PATH
        }
        AfterAll {
            $env:PATH = $PathWithStub
        }

        It '-Source Journal writes a non-terminating JournalReadFailed error and no events' {
            $err = $null
            $got = @(Get-SegfaultEvent -Source Journal -ErrorAction SilentlyContinue -ErrorVariable err)
            $got | Should -HaveCount 0
            $err | Should -Not -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeExactly 'JournalReadFailed,SegfaultTools.Commands.GetSegfaultEventCommand'
            $err[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ReadError)
        }

        It '-Source Journal with -ErrorAction Stop throws that error' {
            { Get-SegfaultEvent -Source Journal -ErrorAction Stop } | Should -Throw -ErrorId 'JournalReadFailed,SegfaultTools.Commands.GetSegfaultEventCommand'
        }

        It '-Source Auto does not fail: it falls back to the kernel ring buffer or reports JournalReadFailed' {
            $err = $null
            $thrown = $null
            $autoResult = @()
            try { $autoResult = @(Get-SegfaultEvent -ErrorAction SilentlyContinue -ErrorVariable err) } catch { $thrown = $_ }
            $thrown | Should -BeNullOrEmpty
            foreach ($e in @($err)) {
                $e.FullyQualifiedErrorId | Should -BeIn @('JournalReadFailed,SegfaultTools.Commands.GetSegfaultEventCommand', 'KernelLogAccessDenied,SegfaultTools.Commands.GetSegfaultEventCommand')
            }
            $autoResult | ForEach-Object { $_.Source | Should -Not -Be 'journal' }
        }
    }
}
