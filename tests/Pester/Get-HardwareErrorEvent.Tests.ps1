# Get-HardwareErrorEvent: -Path (wildcards, .gz, journal JSON), -LiteralPath by property name, strings
# on the pipeline, a captured tree (-Root), -Since/-Until/-MaxEvents/-Kind, the order (newest first
# unless -Oldest), errors, the CSV round trip, and the live kernel log of this machine.
#
# Every log line below is a real kernel line copied verbatim from a public report (named above each
# block; collected in tests/fixtures/kernel-lines and tests/fixtures/hardware with their sources).
# Only file names, the layout of the captured tree and etc/hostname are made up.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../SegfaultTools.psd1) -Force

    # https://github.com/NVIDIA/gpu-operator/issues/1146: a GPU Operator worker's syslog (RFC3164 + uptime),
    # driver init failure, then Xid 48 and Xid 64.
    $Worker4Lines = @(
        'Dec  2 11:38:27 worker4 kernel: [  199.234935] NVRM: GPU 0000:0a:00.0: rm_init_adapter failed, device minor number 5'
        'Dec  2 11:38:46 worker4 kernel: [  218.250408] NVRM: GPU 0000:0a:00.0: RmInitAdapter failed! (0x24:0x72:1568)'
        'Dec  2 11:38:47 worker4 kernel: [  219.470994] NVRM: Xid (PCI:0000:07:00): 48, pid=''<unknown>'', name=<unknown>, An uncorrectable double bit error (DBE) has been detected on GPU in the framebuffer at physAddr 0x7fffa8860 partition 7, subpartition 1.'
        'Dec  2 11:38:47 worker4 kernel: [  219.471050] NVRM: Xid (PCI:0000:07:00): 64, pid=''<unknown>'', name=<unknown>, Dynamic Page Retirement: Blacklisting failed.  Page should have been blacklisted on boot(0x00000000007fffa8).'
    )
    # https://github.com/home-assistant/operating-system/issues/2989: journalctl, Intel NUC6i3SYH, two machine checks.
    $HaosLines = @(
        'Dec 13 13:46:12 homeassistant kernel: mce: [Hardware Error]: CPU 3: Machine Check: 0 Bank 6: cc59214000041152'
        'Dec 13 13:46:12 homeassistant kernel: mce: [Hardware Error]: TSC 0 ADDR 143200200 MISC 7022004086 '
        'Dec 13 13:46:12 homeassistant kernel: mce: [Hardware Error]: PROCESSOR 0:406e3 TIME 1702475172 SOCKET 0 APIC 3 microcode d6'
        'Dec 13 13:46:12 homeassistant kernel: mce: [Hardware Error]: CPU 0: Machine Check: 0 Bank 6: cc4edd0000041136'
        'Dec 13 13:46:12 homeassistant kernel: mce: [Hardware Error]: TSC 0 ADDR 142230500 MISC 3002004086 '
        'Dec 13 13:46:12 homeassistant kernel: mce: [Hardware Error]: PROCESSOR 0:406e3 TIME 1702475172 SOCKET 0 APIC 0 microcode d6'
    )
    # https://github.com/radiasoft/devops/issues/134: syslog without host field, sb_edac memory CE (MCE + EDAC line).
    $SbridgeLines = @(
        'Feb 23 03:28:16 kernel: mce: [Hardware Error]: Machine check events logged'
        'Feb 23 03:28:16 kernel: EDAC sbridge MC1: HANDLING MCE MEMORY ERROR'
        'Feb 23 03:28:16 kernel: EDAC sbridge MC1: CPU 1: Machine Check Event: 0 Bank 11: 8c00004f000800c2'
        'Feb 23 03:28:16 kernel: EDAC sbridge MC1: TSC 0'
        'Feb 23 03:28:16 kernel: EDAC sbridge MC1: ADDR ee30a0000'
        'Feb 23 03:28:16 kernel: EDAC sbridge MC1: MISC 900040004001e8c'
        'Feb 23 03:28:16 kernel: EDAC sbridge MC1: PROCESSOR 0:306e4 TIME 1519356496 SOCKET 1 APIC 20'
        'Feb 23 03:28:16  kernel: EDAC MC1: 1 CE memory scrubbing error on CPU_SrcID#1_Ha#0_Chan#0_DIMM#0 (channel:0 slot:0 page:0xee30a0 offset:0x0 grain:32 syndrome:0x0 -  area:DRAM err_code:0008:00c2 socket:1 ha:0 channel_mask:1 rank:0)'
    )
    # https://github.com/stackhpc/ansible-slurm-appliance/issues/287: rsyslog line, the 4-line notice joined by #012.
    $MismatchLine = 'Jun 30 11:07:05 gpu-0 kernel: NVRM: API mismatch: the client has the version 535.54.03, but#012NVRM: this kernel module has the version 530.30.02.  Please#012NVRM: make sure that this kernel module and all NVIDIA driver#012NVRM: components have the same version.'
    # https://github.com/Frogging-Family/nvidia-all/issues/394: dmesg, continuation lines indented under the message.
    $KwinLines = @(
        '[    9.424670] NVRM: API mismatch: the client ''kwin_wayland'' (pid 1005)'
        '               NVRM: has the version 595.84, but this kernel module has'
        '               NVRM: the version 595.80.  Please make sure that this'
        '               NVRM: kernel module and all NVIDIA driver components'
        '               NVRM: have the same version.'
    )
    # https://github.com/GSConnect/gnome-shell-extension-gsconnect/issues/1052: journalctl, Russian month, AER.
    $AerLines = @(
        'фев 12 00:48:02 kernel: pcieport 0000:00:1c.5: AER: Corrected error received: 0000:00:1c.5'
        'фев 12 00:48:02 kernel: pcieport 0000:00:1c.5: AER: PCIe Bus Error: severity=Corrected, type=Physical Layer, (Receiver ID)'
        'фев 12 00:48:02 kernel: pcieport 0000:00:1c.5: AER:   device [8086:9d15] error status/mask=00000001/00002000'
        'фев 12 00:48:02 kernel: pcieport 0000:00:1c.5: AER:    [ 0] RxErr                  (First)'
    )
    # https://github.com/clearlinux/clr-power-tweaks/issues/15: dmesg raw, thermal throttling (no wall time).
    $ThermalLines = @(
        '[ 1907.289481] mce: CPU4: Package temperature above threshold, cpu clock throttled (total events = 740)'
        '[ 1907.289685] mce: CPU7: Core temperature/speed normal'
    )
    # https://github.com/graygnuorg/pound/issues/7 (a user-space line) and https://github.com/open-ch/log-user-session/issues/15
    # (a segfault): not hardware errors.
    $QuietLines = @(
        'Mar 30 17:09:56 pound-98 pound[26221]: (7f9c30143640) Can''t read BIO_f_base64'
        'Apr  4 05:00:12 test-f kernel: log-user-sessio[66297]: segfault at 0 ip 0000000000402669 sp 00007ffe203fb570 error 4 in log-user-session[400000+5000]'
    )

    function Write-Lines([string]$Path, [string[]]$Lines) {
        $dir = Split-Path -Parent $Path
        if (-not (Test-Path -LiteralPath $dir)) { New-Item -ItemType Directory -Path $dir | Out-Null }
        [System.IO.File]::WriteAllText($Path, (($Lines | ForEach-Object { "$_`n" }) -join ''))
        # Year-less stamps take the latest year not after the file's last write.
        [System.IO.File]::SetLastWriteTimeUtc($Path, [datetime]::new(2026, 6, 1, 0, 0, 0, [System.DateTimeKind]::Utc))
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
        [System.IO.File]::SetLastWriteTimeUtc($Path, [datetime]::new(2026, 6, 1, 0, 0, 0, [System.DateTimeKind]::Utc))
    }

    $Dir = Join-Path $TestDrive 'files'
    Write-Lines (Join-Path $Dir 'gpu.log') $Worker4Lines
    Write-Lines (Join-Path $Dir 'mce.log') $HaosLines
    Write-GzipLines (Join-Path $Dir 'edac.log.gz') $SbridgeLines
    Write-Lines (Join-Path $Dir 'notes.txt') $AerLines
    Write-Lines (Join-Path $TestDrive 'quiet.log') $QuietLines

    $Root = Join-Path $TestDrive 'captured'
    Write-Lines (Join-Path $Root 'var/log/kern.log') $HaosLines
    Write-GzipLines (Join-Path $Root 'var/log/kern.log.1.gz') $SbridgeLines
    Write-Lines (Join-Path $Root 'etc/hostname') @('captured-host')

    $OldTz = $env:TZ
    $env:TZ = 'UTC'
}

AfterAll {
    $env:TZ = $OldTz
}

Describe 'Get-HardwareErrorEvent -Path' {
    BeforeAll {
        $All = @(Get-HardwareErrorEvent -Path (Join-Path $Dir '*.log*') -ErrorVariable pathErr)
    }

    It 'reads every matching file, .gz included, and writes no error' {
        $pathErr | Should -BeNullOrEmpty
        $All.Count | Should -Be 7
        ($All.Source | Sort-Object -Unique | ForEach-Object { Split-Path -Leaf $_ }) | Should -Be @('edac.log.gz', 'gpu.log', 'mce.log')
    }

    It 'returns the newest first by default' {
        $times = $All.TimeCreated
        for ($i = 1; $i -lt $times.Count; $i++) { $times[$i] | Should -BeLessOrEqual $times[$i - 1] }
        # Feb 23 (2026, the files' year) is newer than Dec 13 and Dec 2 (2025).
        $All[0].Kind | Should -Be ([SegfaultTools.HardwareErrorKind]::Edac)
        $All[0].Code | Should -BeExactly 'MC1'
        $All[1].Code | Should -BeExactly 'Bank 11'
        $All[-1].Code | Should -BeExactly 'RmInitAdapterFailed'
    }

    It '-Oldest returns the oldest first' {
        $oldest = @(Get-HardwareErrorEvent -Path (Join-Path $Dir '*.log*') -Oldest)
        $oldest.Code | Should -Be @('RmInitAdapterFailed', '48', '64', 'Bank 6', 'Bank 6', 'Bank 11', 'MC1')
        $oldest[-2].Component | Should -BeExactly 'CPU 1'
        $oldest[-2].TimeCreated | Should -Be ([datetimeoffset]::new(2026, 2, 23, 3, 28, 16, [timespan]::Zero))
        $oldest[-1].Kind | Should -Be ([SegfaultTools.HardwareErrorKind]::Edac)
        $oldest[-1].Component | Should -BeExactly 'CPU_SrcID#1_Ha#0_Chan#0_DIMM#0'
    }

    It 'parses an Xid: code, bus id, severity, meaning, host and time' {
        $xid = $All | Where-Object Code -EQ '48'
        $xid.Kind | Should -Be ([SegfaultTools.HardwareErrorKind]::Xid)
        $xid.PciBusId | Should -BeExactly '0000:07:00.0'
        $xid.Component | Should -BeExactly '0000:07:00.0'
        $xid.ProcessId | Should -BeNullOrEmpty
        $xid.ProcessName | Should -BeNullOrEmpty
        $xid.Severity | Should -Be ([SegfaultTools.HardwareErrorSeverity]::Uncorrected)
        $xid.Meaning | Should -BeExactly 'Double-bit ECC error in GPU memory'
        $xid.ComputerName | Should -BeExactly 'worker4'
        $xid.TimeCreated | Should -Be ([datetimeoffset]::new(2025, 12, 2, 11, 38, 47, [timespan]::Zero))
        $xid.Message | Should -BeLike 'NVRM: Xid (PCI:0000:07:00): 48, *subpartition 1.'
    }

    It 'parses the adapter init failure and not its rm_init_adapter echo' {
        $init = @($All | Where-Object Kind -EQ 'GpuDriverError')
        $init.Count | Should -Be 1
        $init[0].Code | Should -BeExactly 'RmInitAdapterFailed'
        $init[0].PciBusId | Should -BeExactly '0000:0a:00.0'
        $init[0].Severity | Should -Be ([SegfaultTools.HardwareErrorSeverity]::Fatal)
    }

    It 'assembles each Intel machine check from its three lines' {
        $mce = @($All | Where-Object ComputerName -EQ 'homeassistant')
        $mce.Count | Should -Be 2
        ($mce.Cpu | Sort-Object) | Should -Be @(0, 3)
        $mce.Code | Should -Be @('Bank 6', 'Bank 6')
        $mce.Severity | Should -Be @('Corrected', 'Corrected')
        ($mce | Where-Object Cpu -EQ 3).Message | Should -BeExactly (($HaosLines[0..2] | ForEach-Object { $_.Substring($_.IndexOf('mce: ')).TrimEnd() }) -join "`n")
    }

    It 'takes -Kind' {
        $edac = @(Get-HardwareErrorEvent -Path (Join-Path $Dir '*.log*') -Kind Edac, Xid)
        ($edac.Kind | Sort-Object -Unique) | Should -Be @('Xid', 'Edac')
        $edac.Count | Should -Be 3
    }

    It '-Since, -Until and -MaxEvents filter' {
        $since = @(Get-HardwareErrorEvent -Path (Join-Path $Dir '*.log*') -Since ([datetime]'2025-12-13T13:46:12Z').ToLocalTime())
        $since.Code | Should -Be @('MC1', 'Bank 11', 'Bank 6', 'Bank 6')
        $window = @(Get-HardwareErrorEvent -Path (Join-Path $Dir '*.log*') -Since ([datetime]'2025-12-02T11:38:47Z').ToLocalTime() -Until ([datetime]'2025-12-02T11:38:47Z').ToLocalTime())
        $window.Code | Should -Be @('64', '48')
        $until = @(Get-HardwareErrorEvent -Path (Join-Path $Dir '*.log*') -Until ([datetime]'2025-12-02T11:38:46Z').ToLocalTime())
        $until.Code | Should -Be @('RmInitAdapterFailed')
        $max = @(Get-HardwareErrorEvent -Path (Join-Path $Dir '*.log*') -MaxEvents 2 -Oldest)
        $max.Code | Should -Be @('RmInitAdapterFailed', '48')
        $newest = @(Get-HardwareErrorEvent -Path (Join-Path $Dir '*.log*') -MaxEvents 1)
        $newest.Code | Should -Be @('MC1')
    }

    It 'reads a file with a name that needs no wildcard: AER, Russian month' {
        $aer = @(Get-HardwareErrorEvent -LiteralPath (Join-Path $Dir 'notes.txt'))
        $aer.Count | Should -Be 1
        $aer[0].Kind | Should -Be ([SegfaultTools.HardwareErrorKind]::PcieAer)
        $aer[0].PciBusId | Should -BeExactly '0000:00:1c.5'
        $aer[0].Code | Should -BeExactly 'RxErr'
        $aer[0].Severity | Should -Be ([SegfaultTools.HardwareErrorSeverity]::Corrected)
        $aer[0].Meaning | Should -BeExactly 'PCIe Physical Layer error (Receiver ID): RxErr'
        $aer[0].TimeCreated | Should -Be ([datetimeoffset]::new(2026, 2, 12, 0, 48, 2, [timespan]::Zero))
    }

    It 'binds Get-Item output to -LiteralPath by property name' {
        $viaItem = @(Get-Item (Join-Path $Dir 'gpu.log') | Get-HardwareErrorEvent)
        $viaItem.Code | Should -Be @('64', '48', 'RmInitAdapterFailed')
    }

    It 'returns nothing and no error for a log without hardware errors' {
        @(Get-HardwareErrorEvent -Path (Join-Path $TestDrive 'quiet.log') -ErrorVariable quietErr).Count | Should -Be 0
        $quietErr | Should -BeNullOrEmpty
    }

    It 'writes a non-terminating PathNotFound for a missing file and reads the others' {
        $got = @(Get-HardwareErrorEvent -Path (Join-Path $TestDrive 'nope.log'), (Join-Path $Dir 'mce.log') -ErrorVariable missing -ErrorAction SilentlyContinue)
        $got.Count | Should -Be 2
        $missing.Count | Should -Be 1
        $missing[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound,*'
    }

    It 'stops with SinceAfterUntil when -Since is after -Until' {
        { Get-HardwareErrorEvent -Path (Join-Path $Dir 'mce.log') -Since '2026-01-02' -Until '2026-01-01' -ErrorAction Stop } |
            Should -Throw -ErrorId 'SinceAfterUntil,SegfaultTools.Commands.GetHardwareErrorEventCommand'
    }

    It 'round-trips through Export-Csv and Import-Csv' {
        $csv = Join-Path $TestDrive 'hw.csv'
        $All | Export-Csv -Path $csv
        $back = @(Import-Csv -Path $csv)
        $back.Count | Should -Be $All.Count
        $x = $back | Where-Object Code -EQ '64'
        $x.Kind | Should -BeExactly 'Xid'
        $x.PciBusId | Should -BeExactly '0000:07:00.0'
        $x.Severity | Should -BeExactly 'Uncorrected'
        $x.ComputerName | Should -BeExactly 'worker4'
        ($back | Where-Object Code -EQ 'Bank 11').Message.Split("`n").Count | Should -Be 7
    }
}

Describe 'Get-HardwareErrorEvent on the pipeline' {
    It 'reads a #012-escaped rsyslog line as one API mismatch record' {
        $e = @($MismatchLine | Get-HardwareErrorEvent)
        $e.Count | Should -Be 1
        $e[0].Kind | Should -Be ([SegfaultTools.HardwareErrorKind]::GpuDriverError)
        $e[0].Code | Should -BeExactly 'ApiMismatch'
        $e[0].ComputerName | Should -BeExactly 'gpu-0'
        $e[0].Meaning | Should -BeLike 'A program brought NVIDIA user-space libraries 535.54.03 but the loaded kernel module is 530.30.02*'
        $e[0].Message.Split("`n").Count | Should -Be 4
    }

    It 'assembles the indented dmesg form with the client''s name and pid' {
        $e = @($KwinLines | Get-HardwareErrorEvent)
        $e.Count | Should -Be 1
        $e[0].ProcessName | Should -BeExactly 'kwin_wayland'
        $e[0].ProcessId | Should -Be 1005
        $e[0].Meaning | Should -BeLike '*libraries 595.84 but the loaded kernel module is 595.80*'
        $e[0].Source | Should -BeExactly 'input'
    }

    It 'reads thermal throttling and skips the "normal" line' {
        $e = @($ThermalLines | Get-HardwareErrorEvent)
        $e.Count | Should -Be 1
        $e[0].Kind | Should -Be ([SegfaultTools.HardwareErrorKind]::Thermal)
        $e[0].Cpu | Should -Be 4
        $e[0].Code | Should -BeExactly 'Package'
        $e[0].Severity | Should -Be ([SegfaultTools.HardwareErrorSeverity]::Info)
    }

    It 'returns pipeline records newest first unless -Oldest' {
        ($Worker4Lines | Get-HardwareErrorEvent).Code | Should -Be @('64', '48', 'RmInitAdapterFailed')
        ($Worker4Lines | Get-HardwareErrorEvent -Oldest).Code | Should -Be @('RmInitAdapterFailed', '48', '64')
    }

    It 'reads Get-Content output and ignores user-space and segfault lines' {
        @(Get-Content (Join-Path $TestDrive 'quiet.log') | Get-HardwareErrorEvent).Count | Should -Be 0
        @(Get-Content (Join-Path $Dir 'mce.log') | Get-HardwareErrorEvent).Count | Should -Be 2
    }
}

Describe 'Get-HardwareErrorEvent -Root (a captured tree)' {
    BeforeAll {
        $RootEvents = @(Get-HardwareErrorEvent -Root $Root -ErrorVariable rootErr)
    }

    It 'reads var/log/kern.log and kern.log.1.gz without error' {
        $rootErr | Should -BeNullOrEmpty
        $RootEvents.Count | Should -Be 4
        ($RootEvents.Kind | Sort-Object -Unique) | Should -Be @('MachineCheck', 'Edac')
    }

    It 'takes ComputerName from the lines, or the tree''s etc/hostname where they name none' {
        ($RootEvents | Where-Object Cpu -EQ 3).ComputerName | Should -BeExactly 'homeassistant'
        ($RootEvents | Where-Object Kind -EQ 'Edac').ComputerName | Should -BeExactly 'captured-host'
    }

    It 'warns when the tree holds no kernel log' {
        $empty = Join-Path $TestDrive 'empty-tree'
        New-Item -ItemType Directory -Path (Join-Path $empty 'etc') -Force | Out-Null
        $got = @(Get-HardwareErrorEvent -Root $empty -WarningVariable w -WarningAction SilentlyContinue)
        $got.Count | Should -Be 0
        $w.Count | Should -Be 1
    }
}

Describe 'Get-HardwareErrorEvent on this machine' {
    BeforeAll {
        $kernelLogDenied = $null
        try { [IO.File]::OpenRead('/dev/kmsg').Dispose() } catch { $kernelLogDenied = $_.Exception.Message }
    }

    It 'reads the live kernel log without error and returns only hardware error records' {
        if ($kernelLogDenied) { Set-ItResult -Skipped -Because "this user cannot read the kernel log: $kernelLogDenied"; return }
        # The machine running the tests may hold no hardware errors at all: the call must simply
        # succeed. A hang is bounded generously; no speed is asserted.
        $ps = [powershell]::Create()
        $null = $ps.AddScript({
                param($Manifest)
                Import-Module $Manifest -Force
                $errs = $null
                $out = @(Get-HardwareErrorEvent -ErrorVariable errs -WarningAction SilentlyContinue)
                [pscustomobject]@{ Out = $out; Errors = @($errs) }
            }).AddArgument((Join-Path $PSScriptRoot ../../SegfaultTools.psd1))
        $handle = $ps.BeginInvoke()
        $finished = $handle.AsyncWaitHandle.WaitOne([timespan]::FromMinutes(3))
        if (-not $finished) { $ps.Stop() }
        $finished | Should -BeTrue -Because 'reading the kernel log must end'
        $result = $ps.EndInvoke($handle)[0]
        $ps.Dispose()
        $result.Errors | Should -BeNullOrEmpty
        foreach ($e in $result.Out) {
            $e.GetType().FullName | Should -BeExactly 'SegfaultTools.HardwareErrorEvent'
            $e.ComputerName | Should -Not -BeNullOrEmpty
        }
    }

    It '-Source Kernel reads the ring buffer without error' {
        if ($kernelLogDenied) { Set-ItResult -Skipped -Because "this user cannot read the kernel log: $kernelLogDenied"; return }
        $errs = $null
        $null = @(Get-HardwareErrorEvent -Source Kernel -ErrorVariable errs -WarningAction SilentlyContinue)
        $errs | Should -BeNullOrEmpty
    }

    It 'says how to get access when the kernel log cannot be read' {
        if (-not $kernelLogDenied) { Set-ItResult -Skipped -Because 'this user can read the kernel log'; return }
        $errs = $null
        $null = @(Get-HardwareErrorEvent -Source Kernel -ErrorAction SilentlyContinue -ErrorVariable errs)
        $errs[0].FullyQualifiedErrorId | Should -BeExactly 'KernelLogAccessDenied,SegfaultTools.Commands.GetHardwareErrorEventCommand'
        $errs[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::PermissionDenied)
        $errs[0].ErrorDetails.RecommendedAction | Should -Match 'sudo'
    }
}
