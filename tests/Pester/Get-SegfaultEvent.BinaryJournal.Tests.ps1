# Binary *.journal files, read for real through journalctl --file. The journal is made from
# tests/fixtures/journal/kernel.export with systemd-journal-remote (Debian package
# systemd-journal-remote), installed here when running as root and not already present.

BeforeDiscovery {
    $script:remote = '/lib/systemd/systemd-journal-remote'
    $script:skipReason = $null
    if (-not (Get-Command journalctl -ErrorAction Ignore)) {
        $script:skipReason = 'journalctl is not installed'
    }
    elseif (-not (Test-Path $remote)) {
        $isRoot = (& id -u) -eq '0'
        if ($isRoot -and (Get-Command apt-get -ErrorAction Ignore)) {
            $env:DEBIAN_FRONTEND = 'noninteractive'
            & apt-get install -y -q systemd-journal-remote *> $null
            if (-not (Test-Path $remote)) {
                & apt-get update -q *> $null
                & apt-get install -y -q systemd-journal-remote *> $null
            }
        }
        if (-not (Test-Path $remote)) {
            $script:skipReason = if ($isRoot) { 'systemd-journal-remote could not be installed (apt-get failed)' } else { 'systemd-journal-remote is not installed and installing it needs root' }
        }
    }
    if ($skipReason) { Write-Host "Skipping the binary journal tests: $skipReason." }
}

Describe 'Get-SegfaultEvent on binary journal files' -Skip:($null -ne $skipReason) {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot ../../SegfaultTools.psd1) -Force
        $fixtures = Join-Path $PSScriptRoot ../fixtures/journal
        $machineDir = Join-Path $TestDrive 'tree/var/log/journal/5b3f2a1c9d8e4f7a6b5c4d3e2f1a0b9c'
        New-Item -ItemType Directory -Path $machineDir -Force | Out-Null
        $journal = Join-Path $machineDir 'system.journal'
        & /lib/systemd/systemd-journal-remote "--output=$journal" (Join-Path $fixtures 'kernel.export') 2>$null
        $fromJson = @(Get-SegfaultEvent -Path (Join-Path $fixtures 'kernel.json') -Oldest | Where-Object ProcessName -ne "bad$([char]27)comm")
    }

    It 'made a real journal file (magic LPKSHHRH)' {
        $journal | Should -Exist
        [Text.Encoding]::ASCII.GetString([IO.File]::ReadAllBytes($journal), 0, 8) | Should -Be 'LPKSHHRH'
    }

    It 'reads it with -Path, newest first' {
        $events = @(Get-SegfaultEvent -Path $journal -ErrorVariable err)
        $err | Should -BeNullOrEmpty
        $events.ProcessName | Should -Be @('div', 'cups-browsed', 'evolution', 'ollama-runner', 'xskxceiver', 'bpftrace')
        $events[0].Source | Should -Be $journal
    }

    It 'gives the same events as the JSON export of the same entries' {
        $events = @(Get-SegfaultEvent -Path $journal -Oldest)
        $events.Count | Should -Be $fromJson.Count
        for ($i = 0; $i -lt $events.Count; $i++) {
            foreach ($p in 'TimeCreated', 'ComputerName', 'BootId', 'ProcessName', 'ProcessId', 'Kind', 'FaultAddress', 'InstructionPointer', 'ErrorCode', 'Module', 'FileOffset', 'Cpu', 'Code') {
                $events[$i].$p | Should -Be $fromJson[$i].$p -Because "$p of event $i"
            }
        }
    }

    It 'assembles the split record and attaches each Code: line to its own crash' {
        $events = @(Get-SegfaultEvent -Path $journal -Oldest)
        $xsk = $events | Where-Object ProcessName -eq 'xskxceiver'
        $xsk.Module | Should -Be 'libc.so.6'
        $xsk.Code | Should -BeNullOrEmpty
        ($events | Where-Object ProcessName -eq 'evolution').Code | Should -Be 'Unable to access opcode bytes at 0xffffffffffffffd6.'
    }

    It 'reads the journal of a captured tree with -Root' {
        $events = @(Get-SegfaultEvent -Root (Join-Path $TestDrive 'tree') -MaxEvents 2)
        $events.ProcessName | Should -Be @('div', 'cups-browsed')
        $events[0].ComputerName | Should -Be 'workstation'
    }
}
