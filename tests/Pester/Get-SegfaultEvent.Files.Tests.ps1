# Get-SegfaultEvent over files and the pipeline: -Path (wildcards), -LiteralPath by property name,
# strings on the pipeline, .gz, a captured tree (-Root), journal JSON exports, errors, warnings, and
# the round trips (Export-Csv/Import-Csv, ConvertTo-Json, Group-Object, Sort-Object).
#
# Every log line below is a real kernel line, copied verbatim from public reports (the source is named
# above each block; collected in the project's kernel-lines.jsonl). Only file names, the layout of the
# captured tree and etc/hostname are made up.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../SegfaultTools.psd1) -Force

    $CommandId = 'SegfaultTools.Commands.GetSegfaultEventCommand'
    $JournalExport = (Resolve-Path (Join-Path $PSScriptRoot ../fixtures/journal/kernel.json)).ProviderPath

    # martins3/martins3.github.io blog markdown (2025; repository path not recorded): dmesg, segfault + Code.
    $BpftraceLines = @(
        '[  600.436815] bpftrace[2166]: segfault at 50 ip 00007f88766c71e0 sp 00007ffe8c583868 error 4 in libbpf.so.1.4.7[131e0,7f88766c0000+3e000] likely on CPU 0 (core 0, socket 0)'
        '[  600.438981] Code: 74 15 31 c0 48 83 c4 08 31 d2 31 c9 31 f6 31 ff 45 31 c0 45 31 c9 c3 b8 f4 ff ff ff eb e6 66 66 2e 0f 1f 84 00 00 00 00 00 90 <8b> 47 50 03 47 40 31 ff c3 0f 1f 80 00 00 00 00 55 be 78 00 00 00'
    )
    $BpftraceCode = '74 15 31 c0 48 83 c4 08 31 d2 31 c9 31 f6 31 ff 45 31 c0 45 31 c9 c3 b8 f4 ff ff ff eb e6 66 66 2e 0f 1f 84 00 00 00 00 00 90 <8b> 47 50 03 47 40 31 ff c3 0f 1f 80 00 00 00 00 55 be 78 00 00 00'
    # https://github.com/open-ch/log-user-session/issues/15: /var/log/messages, CentOS 7.6 (comm cut to 15 chars).
    $LogUserSessionLines = @(
        'Apr  4 05:00:12 test-f kernel: log-user-sessio[66297]: segfault at 0 ip 0000000000402669 sp 00007ffe203fb570 error 4 in log-user-session[400000+5000]'
        'Apr  4 05:02:03 test-f kernel: log-user-sessio[66448]: segfault at 0 ip 0000000000402669 sp 00007ffe28fff010 error 4 in log-user-session[400000+5000]'
        'Apr  4 05:07:23 test-f kernel: log-user-sessio[66951]: segfault at 0 ip 0000000000402669 sp 00007fff400137d0 error 4 in log-user-session[400000+5000]'
    )
    # Chinese blog markdown on core dump/addr2line (repository path not recorded): dmesg, trap divide error.
    $DivLines = @('[ 4709.210137] traps: div[2500] trap divide error ip:400524 sp:7ffcd27fd630 error:0 in div[400000+1000]')
    # https://github.com/systemd/systemd/issues/29585: syslog, NULL call (error 14) + Code.
    $EvolutionLines = @(
        'Oct 16 11:41:15 cebtenzzre kernel: evolution[760889]: segfault at 0 ip 0000000000000000 sp 00007ffd94877b48 error 14 in evolution[55a0bcea4000+4000] likely on CPU 11 (core 6, socket 0)'
        'Oct 16 11:41:15 cebtenzzre kernel: Code: Unable to access opcode bytes at 0xffffffffffffffd6.'
    )
    # Refone's Jekyll blog post (2018; repository path not recorded): dmesg, writes to read-only pages (error 7).
    $HelloLines = @(
        '[768977.271941] hello[1480]: segfault at 5652202637c5 ip 000056522026370b sp 00007ffe46ac7ae0 error 7 in hello[565220263000+1000]'
        '[771630.319476] hello[2101]: segfault at 5626e3ed4775 ip 00005626e3ed46cb sp 00007ffff608c710 error 7 in hello[5626e3ed4000+1000]'
    )
    # https://github.com/jirka-h/haveged/issues/46: syslog.
    $HavegedLines = @('Jul 22 17:29:15 t44 kernel: haveged[1390]: segfault at 7f2475f4bff8 ip 00007f2475da0c1c sp 00007fffa6b52260 error 4 in libc-2.30.so[7f2475d3b000+146000]')
    # https://github.com/Icinga/icinga2/issues/6564: /var/log/messages from two hosts, module "(deleted)".
    $IcingaLines = @(
        'Aug 15 03:01:14 troubleSomeServer1 kernel: [7396627.346055] traps: icinga2[18969] trap stack segment ip:c277c7 sp:7ffdf21540d0 error:0 in icinga2 (deleted)[400000+cc1000]'
        'Aug 15 03:05:57 troubleSomeServer2 kernel: [7395975.019082] traps: icinga2[61276] trap stack segment ip:c277c7 sp:7fff03da3770 error:0 in icinga2 (deleted)[400000+cc1000]'
    )
    # https://lore.kernel.org/linux-next/e18bac6a57a4a45260e7282a70173fa6226955bc.camel@web.de/ (2024):
    # dmesg with the PRINTK_CALLER column; a rate-limit notice right before the crash line.
    $RateLimitLines = @(
        '[  179.393488] [   T2278] show_signal_msg: 16 callbacks suppressed'
        '[  179.393492] [   T2278] Privileged Cont[2278]: segfault at 22cddf91d3a0 ip 000022cde1aad010 sp 00007ffc616851a8 error 7 likely on CPU 15 (core 7, socket 0)'
        '[  179.393504] [   T2278] Code: Unable to access opcode bytes at 0x22cde1aacfe6.'
    )
    # https://github.com/kachick/dotfiles/issues/1114 and https://github.com/zed-industries/zed/issues/35758: not crashes.
    $QuietLines = @(
        '[ 1989.119610] rfkill: input handler disabled'
        '[    3.557275] nvidia-nvlink: Nvlink Core is being initialized, major device number 234'
    )

    function Write-Lines([string]$Path, [string[]]$Lines) {
        $dir = Split-Path -Parent $Path
        if (-not (Test-Path -LiteralPath $dir)) { New-Item -ItemType Directory -Path $dir | Out-Null }
        [System.IO.File]::WriteAllText($Path, (($Lines | ForEach-Object { "$_`n" }) -join ''))
    }
    function Write-GzipLines([string]$Path, [string[]]$Lines) {
        $dir = Split-Path -Parent $Path
        if (-not (Test-Path -LiteralPath $dir)) { New-Item -ItemType Directory -Path $dir | Out-Null }
        $bytes = [System.Text.Encoding]::UTF8.GetBytes((($Lines | ForEach-Object { "$_`n" }) -join ''))
        $file = [System.IO.File]::Create($Path)
        try {
            $gz = [System.IO.Compression.GZipStream]::new($file, [System.IO.Compression.CompressionLevel]::Optimal)
            try { $gz.Write($bytes, 0, $bytes.Length) } finally { $gz.Dispose() }
        }
        finally { $file.Dispose() }
    }

    $Dir = Join-Path $TestDrive 'files'
    Write-Lines (Join-Path $Dir 'a.log') $BpftraceLines
    Write-Lines (Join-Path $Dir 'b.log') $LogUserSessionLines
    Write-Lines (Join-Path $Dir 'c.txt') $DivLines
    Write-GzipLines (Join-Path $TestDrive 'hello.log.gz') $HelloLines
    # A gzip header followed by bytes that are not a deflate stream.
    [System.IO.File]::WriteAllBytes((Join-Path $TestDrive 'corrupt.log.gz'), [byte[]](0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03) + [byte[]](1..200 | ForEach-Object { 0xff }))
    Write-Lines (Join-Path $TestDrive 'ratelimit.log') $RateLimitLines
    Write-Lines (Join-Path $TestDrive 'quiet.log') $QuietLines
    [System.IO.File]::WriteAllText((Join-Path $TestDrive 'empty.log'), '')

    # A captured tree as another machine's files would be laid out.
    $Root = Join-Path $TestDrive 'captured'
    Write-Lines (Join-Path $Root 'var/log/kern.log') $HavegedLines
    Write-Lines (Join-Path $Root 'var/log/kern.log.1') $LogUserSessionLines
    Write-GzipLines (Join-Path $Root 'var/log/kern.log.2.gz') $IcingaLines
    Write-Lines (Join-Path $Root 'etc/hostname') @('captured-host')
}

Describe 'Get-SegfaultEvent -Path' {
    It 'expands wildcards: *.log reads a.log and b.log, not c.txt' {
        $got = @(Get-SegfaultEvent -Path (Join-Path $Dir '*.log') -ErrorVariable err)
        $err | Should -BeNullOrEmpty
        $got | Should -HaveCount 4
        ($got.ProcessId | Sort-Object) | Should -Be @(2166, 66297, 66448, 66951)
        ($got | Where-Object ProcessId -EQ 2166).Source | Should -BeExactly (Join-Path $Dir 'a.log')
        ($got | Where-Object ProcessId -EQ 66297).Source | Should -BeExactly (Join-Path $Dir 'b.log')
    }

    It 'takes the path by position' {
        @(Get-SegfaultEvent (Join-Path $Dir 'c.txt')).ProcessId | Should -Be @(2500)
    }

    It 'parses a raw dmesg file: fields, Code attached, no wall time' {
        $ev = Get-SegfaultEvent -Path (Join-Path $Dir 'a.log')
        $ev | Should -HaveCount 1
        $ev.ProcessName | Should -BeExactly 'bpftrace'
        $ev.Kind | Should -Be ([SegfaultTools.SegfaultKind]::Segfault)
        $ev.FaultAddress | Should -Be 0x50
        $ev.InstructionPointer | Should -Be 0x7f88766c71e0
        $ev.ErrorCode | Should -Be 4
        $ev.Access | Should -Be ([SegfaultTools.FaultAccess]::Read)
        $ev.Module | Should -BeExactly 'libbpf.so.1.4.7'
        $ev.FileOffset | Should -Be 0x131e0
        $ev.ModuleOffset | Should -Be 0x71e0
        $ev.Cpu | Should -Be 0
        $ev.Code | Should -BeExactly $BpftraceCode
        $ev.TimeCreated | Should -BeNullOrEmpty -Because 'a raw [uptime] stamp in a file has no wall time'
        $ev.Message | Should -BeExactly 'bpftrace[2166]: segfault at 50 ip 00007f88766c71e0 sp 00007ffe8c583868 error 4 in libbpf.so.1.4.7[131e0,7f88766c0000+3e000] likely on CPU 0 (core 0, socket 0)'
    }

    It 'parses syslog lines: host as ComputerName, the stamp as local time' {
        $got = @(Get-SegfaultEvent -Path (Join-Path $Dir 'b.log') -Oldest)
        $got | Should -HaveCount 3
        $got.ProcessName | Should -Be @('log-user-sessio', 'log-user-sessio', 'log-user-sessio')
        $got.ComputerName | Should -Be @('test-f', 'test-f', 'test-f')
        $got[0].Module | Should -BeExactly 'log-user-session'
        $got[0].TimeCreated | Should -Not -BeNullOrEmpty
        $t = $got[0].TimeCreated.LocalDateTime
        @($t.Month, $t.Day, $t.Hour, $t.Minute, $t.Second) | Should -Be @(4, 4, 5, 0, 12)
    }

    It 'reads a .gz file transparently' {
        $got = @(Get-SegfaultEvent -Path (Join-Path $TestDrive 'hello.log.gz') -Oldest -ErrorVariable err)
        $err | Should -BeNullOrEmpty
        $got.ProcessId | Should -Be @(1480, 2101)
        $got | ForEach-Object {
            $_.ErrorCode | Should -Be 7
            $_.Access | Should -Be ([SegfaultTools.FaultAccess]::Write)
            $_.ProtectionViolation | Should -BeTrue
            $_.UserMode | Should -BeTrue
            $_.Module | Should -BeExactly 'hello'
        }
    }

    It 'writes CompressedFileCorrupt for a corrupt .gz and still reads the other file' {
        $err = $null
        $got = @(Get-SegfaultEvent -Path (Join-Path $TestDrive 'corrupt.log.gz'), (Join-Path $Dir 'a.log') -ErrorAction SilentlyContinue -ErrorVariable err)
        $got.ProcessId | Should -Be @(2166)
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly "CompressedFileCorrupt,$CommandId"
        $err[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::InvalidData)
    }

    It 'writes a non-terminating PathNotFound for a missing file and reads the others' {
        $err = $null
        $missing = Join-Path $TestDrive 'no-such-file.log'
        $got = @(Get-SegfaultEvent -Path $missing, (Join-Path $Dir 'c.txt') -ErrorAction SilentlyContinue -ErrorVariable err)
        $got.ProcessId | Should -Be @(2500)
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly "PathNotFound,$CommandId"
        $err[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ObjectNotFound)
    }

    It 'writes a non-terminating FileAccessDenied (PermissionDenied) for an unreadable file' {
        if ([System.Environment]::UserName -eq 'root' -or (& id -u) -eq '0') {
            Set-ItResult -Skipped -Because 'running as root: chmod 000 does not stop root from reading a file'
            return
        }
        $f = Join-Path $TestDrive 'unreadable.log'
        Write-Lines $f $DivLines
        & chmod 000 $f
        try {
            $err = $null
            $got = @(Get-SegfaultEvent -Path $f -ErrorAction SilentlyContinue -ErrorVariable err)
            $got | Should -HaveCount 0
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeExactly "FileAccessDenied,$CommandId"
            $err[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::PermissionDenied)
            $err[0].Exception.Message | Should -Match ([regex]::Escape($f))
            $err[0].ErrorDetails.RecommendedAction | Should -Match 'adm'
        }
        finally { & chmod 644 $f }
    }

    It 'reads a journalctl -o json export' {
        $got = @(Get-SegfaultEvent -Path $JournalExport -Oldest -ErrorVariable err)
        $err | Should -BeNullOrEmpty
        $got.ProcessId | Should -Be @(2166, 1440, 16373, 760889, 1499, 2500, 4242)
        $got | ForEach-Object {
            $_.Source | Should -BeExactly $JournalExport
            $_.ComputerName | Should -BeExactly 'workstation'
            $_.BootId | Should -Match '^[0-9a-f]{32}$'
        }
        ($got | Where-Object ProcessId -EQ 1440).Module | Should -BeExactly 'libc.so.6'
        ($got | Where-Object ProcessId -EQ 4242).ProcessName | Should -BeExactly "bad$([char]27)comm"
        ($got | Where-Object ProcessId -EQ 2166).TimeCreated.UtcTicks | Should -Be ([DateTimeOffset]::UnixEpoch.UtcTicks + 1735722922123456L * 10)
    }

    It '-Since, -Until and -MaxEvents filter file events' {
        (Get-SegfaultEvent -Path $JournalExport -Since ([DateTimeOffset]::FromUnixTimeSeconds(1735985000).LocalDateTime) -Oldest).ProcessId |
            Should -Be @(760889, 1499, 2500, 4242)
        (Get-SegfaultEvent -Path $JournalExport -Until ([DateTimeOffset]::FromUnixTimeSeconds(1735985000).LocalDateTime) -Oldest).ProcessId |
            Should -Be @(2166, 1440, 16373)
        (Get-SegfaultEvent -Path $JournalExport -MaxEvents 1).ProcessId | Should -Be @(4242)
        (Get-SegfaultEvent -Path $JournalExport -MaxEvents 2 -Oldest).ProcessId | Should -Be @(2166, 1440)
    }

    It 'warns once with the number of records the kernel suppressed' {
        $w = $null
        $null = Get-SegfaultEvent -Path (Join-Path $TestDrive 'ratelimit.log') -WarningAction SilentlyContinue -WarningVariable w
        $w | Should -HaveCount 1
        "$($w[0])" | Should -Match '\b16\b'
    }

    It 'reads the crash after a rate-limit notice (dmesg with a caller-id column)' {
        $got = @(Get-SegfaultEvent -Path (Join-Path $TestDrive 'ratelimit.log') -WarningAction SilentlyContinue)
        $got | Should -HaveCount 1
        $got[0].ProcessName | Should -BeExactly 'Privileged Cont'
        $got[0].ProcessId | Should -Be 2278
        $got[0].Code | Should -BeExactly 'Unable to access opcode bytes at 0x22cde1aacfe6.'
    }

    It 'returns nothing and no error for <Name>' -ForEach @(
        @{ Name = 'an empty file'; File = 'empty.log' }
        @{ Name = 'a file without crash lines'; File = 'quiet.log' }
    ) {
        $err = $null
        $w = $null
        $got = @(Get-SegfaultEvent -Path (Join-Path $TestDrive $File) -ErrorVariable err -WarningVariable w)
        $got | Should -HaveCount 0
        $err | Should -BeNullOrEmpty
        $w | Should -BeNullOrEmpty
    }
}

Describe 'Get-SegfaultEvent on the pipeline' {
    It 'binds Get-ChildItem output to -LiteralPath by property name' {
        $got = @(Get-ChildItem -Path (Join-Path $Dir '*.log') | Get-SegfaultEvent -ErrorVariable err)
        $err | Should -BeNullOrEmpty
        ($got.ProcessId | Sort-Object) | Should -Be @(2166, 66297, 66448, 66951)
    }

    It 'takes -LiteralPath literally (a name with wildcard characters)' {
        $odd = Join-Path $TestDrive 'odd[1].log'
        Write-Lines $odd $DivLines
        @(Get-SegfaultEvent -LiteralPath $odd).ProcessId | Should -Be @(2500)
    }

    It 'reads lines from Get-Content' {
        $got = @(Get-Content -LiteralPath (Join-Path $Dir 'a.log') | Get-SegfaultEvent)
        $got | Should -HaveCount 1
        $got[0].ProcessId | Should -Be 2166
        $got[0].Code | Should -BeExactly $BpftraceCode
    }

    It 'reads strings on the pipeline, attaching the Code line that follows' {
        $got = @($EvolutionLines[0], $EvolutionLines[1] | Get-SegfaultEvent)
        $got | Should -HaveCount 1
        $got[0].ProcessName | Should -BeExactly 'evolution'
        $got[0].ProcessId | Should -Be 760889
        $got[0].ComputerName | Should -BeExactly 'cebtenzzre'
        $got[0].InstructionPointer | Should -Be 0
        $got[0].ErrorCode | Should -Be 0x14
        $got[0].Access | Should -Be ([SegfaultTools.FaultAccess]::Execute)
        $got[0].IsNullPointer | Should -BeTrue
        $got[0].Module | Should -BeExactly 'evolution'
        $got[0].ModuleContainsIp | Should -BeFalse
        $got[0].ModuleOffset | Should -BeNullOrEmpty
        $got[0].Cpu | Should -Be 11
        $got[0].CoreId | Should -Be 6
        $got[0].Socket | Should -Be 0
        $got[0].Code | Should -BeExactly 'Unable to access opcode bytes at 0xffffffffffffffd6.'
    }

    It 'attaches a Code: line to the crash line right before it, not to an earlier split record' {
        # A split record (head, then its " in ..." continuation) long before a complete crash line and its Code line.
        # Lines 1-2: https://lore.kernel.org/all/aaG4z7ZIARBAzueO@boxer/; line 3: https://github.com/zed-industries/zed/issues/35758;
        # line 4 is constructed in show_opcodes()' format for that ip (ip - 42), the report did not include it.
        $lines = @(
            '[ 7340.337579] xskxceiver[1440]: segfault at 1da718 ip 00007f4161aeac9d sp 00007f41615a6a00 error 6'
            '[ 7340.338179]  in libc.so.6[61c9d,7f4161aaf000+160000]'
            '[ 8275.824319] zed-editor[11804]: segfault at 25c ip 000075b6d26f2e1a sp 00007ffc262183a0 error 4 in libnvidia-glcore.so.575.64.03[af2e1a,75b6d2000000+c00000] likely on CPU 10 (core 20, socket 0)'
            '[ 8275.824330] Code: Unable to access opcode bytes at 0x75b6d26f2df0.'
        )
        $got = @($lines | Get-SegfaultEvent -Oldest)
        $got.ProcessId | Should -Be @(1440, 11804)
        $got[0].Module | Should -BeExactly 'libc.so.6'
        $got[0].Code | Should -BeNullOrEmpty
        $got[1].Code | Should -BeExactly 'Unable to access opcode bytes at 0x75b6d26f2df0.'
    }

    It 'accepts -InputObject with an array' {
        @(Get-SegfaultEvent -InputObject $HelloLines).ProcessId | Sort-Object | Should -Be @(1480, 2101)
    }
}

Describe 'Get-SegfaultEvent -Root (a captured tree)' {
    BeforeAll {
        $RootEvents = @(Get-SegfaultEvent -Root $Root -ErrorVariable rootErr)
    }

    It 'writes no error' {
        $rootErr | Should -BeNullOrEmpty
    }

    It 'reads var/log/kern.log, kern.log.1 and kern.log.2.gz' {
        ($RootEvents.ProcessId | Sort-Object) | Should -Be @(1390, 18969, 61276, 66297, 66448, 66951)
    }

    It 'takes ComputerName from each line''s host field' {
        ($RootEvents | Where-Object ProcessId -EQ 1390).ComputerName | Should -BeExactly 't44'
        ($RootEvents | Where-Object ProcessId -EQ 66297).ComputerName | Should -BeExactly 'test-f'
        ($RootEvents | Where-Object ProcessId -EQ 18969).ComputerName | Should -BeExactly 'troubleSomeServer1'
        ($RootEvents | Where-Object ProcessId -EQ 61276).ComputerName | Should -BeExactly 'troubleSomeServer2'
    }

    It 'parses the trap lines from the .gz, "(deleted)" stripped from Module' {
        $ev = $RootEvents | Where-Object ProcessId -EQ 18969
        $ev.Kind | Should -Be ([SegfaultTools.SegfaultKind]::StackSegment)
        $ev.Module | Should -BeExactly 'icinga2'
        $ev.ModuleDeleted | Should -BeTrue
        $ev.InstructionPointer | Should -Be 0xc277c7
        $ev.ModuleBase | Should -Be 0x400000
        $ev.ModuleSize | Should -Be 0xcc1000
        $ev.ModuleContainsIp | Should -BeTrue
    }

    It 'names the file each event came from as Source' {
        ($RootEvents | Where-Object ProcessId -EQ 1390).Source | Should -BeLike '*var/log/kern.log'
        ($RootEvents | Where-Object ProcessId -EQ 66297).Source | Should -BeLike '*var/log/kern.log.1'
        ($RootEvents | Where-Object ProcessId -EQ 18969).Source | Should -BeLike '*var/log/kern.log.2.gz'
    }

    It 'writes RootNotFound for a directory that does not exist' {
        $err = $null
        $got = @(Get-SegfaultEvent -Root (Join-Path $TestDrive 'no-such-root') -ErrorAction SilentlyContinue -ErrorVariable err)
        $got | Should -HaveCount 0
        $err | Should -Not -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeExactly "RootNotFound,$CommandId"
    }
}

Describe 'Round trips of SegfaultEvent' {
    BeforeAll {
        # The journal export exercises every kind of field: times, boot ids, Code, an ESC in a comm.
        $Events = @(Get-SegfaultEvent -Path $JournalExport -Oldest)
        $PropertyNames = [SegfaultTools.SegfaultEvent].GetProperties().Name
        # What Export-Csv writes for a value: its ToString(), or nothing for null.
        function ConvertTo-CsvText($Value) { if ($null -eq $Value) { '' } else { $Value.ToString() } }
    }

    It 'Export-Csv writes every property as a column and Import-Csv gives every value back' {
        $Events | Should -HaveCount 7
        $csv = Join-Path $TestDrive 'events.csv'
        $Events | Export-Csv -LiteralPath $csv
        $rows = @(Import-Csv -LiteralPath $csv)
        $rows | Should -HaveCount $Events.Count
        $columns = $rows[0].PSObject.Properties.Name
        foreach ($p in $PropertyNames) { $columns | Should -Contain $p }
        for ($i = 0; $i -lt $Events.Count; $i++) {
            foreach ($p in $PropertyNames) {
                $rows[$i].$p | Should -BeExactly (ConvertTo-CsvText $Events[$i].$p) -Because "row $i, property $p"
            }
        }
    }

    It 'ConvertTo-Json keeps the numeric fields as numbers' {
        $json = $Events | ConvertTo-Json -Depth 3
        $back = @($json | ConvertFrom-Json)
        $back | Should -HaveCount $Events.Count
        for ($i = 0; $i -lt $Events.Count; $i++) {
            foreach ($p in 'FaultAddress', 'InstructionPointer', 'StackPointer', 'ErrorCode', 'ModuleBase', 'ModuleSize', 'ModuleOffset', 'FileOffset', 'ProcessId', 'Cpu') {
                if ($null -eq $Events[$i].$p) { $back[$i].$p | Should -BeNullOrEmpty -Because "event $i, $p" }
                else { [decimal]$back[$i].$p | Should -Be ([decimal]$Events[$i].$p) -Because "event $i, $p" }
            }
            $back[$i].ProcessName | Should -BeExactly $Events[$i].ProcessName
            $back[$i].Code | Should -BeExactly $Events[$i].Code
        }
        $json | Should -Match '"InstructionPointer":\s*\d+'
    }

    It 'Group-Object Module groups the events' {
        $groups = $Events | Group-Object Module
        ($groups | Where-Object Name -EQ 'libc.so.6').Count | Should -Be 2
        $groups | Should -HaveCount 6
    }

    It 'Sort-Object TimeCreated sorts them chronologically' {
        $newestFirst = @(Get-SegfaultEvent -Path $JournalExport)
        ($newestFirst | Sort-Object TimeCreated).ProcessId | Should -Be $Events.ProcessId
        ($Events | Sort-Object TimeCreated -Descending).ProcessId | Should -Be $newestFirst.ProcessId
    }
}
