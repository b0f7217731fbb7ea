# Get-GpuDriverInfo on this machine (no GPU, no NVIDIA driver: nothing, and no error), on the captured
# trees under tests/fixtures/gpu/trees (sources in tests/fixtures/gpu/README.md), with a stand-in
# nvidia-smi on PATH that hangs, prints garbage or prints the version-mismatch error, and through
# Export-Csv and ConvertTo-Json.

BeforeDiscovery {
    $script:HasGpuOrDriver = (Test-Path /proc/driver/nvidia/version) -or (Test-Path /sys/class/drm) -or
        [bool](Get-Command nvidia-smi -CommandType Application -ErrorAction Ignore)
    $script:IsLinuxHost = $IsLinux
}

BeforeAll {
    $Manifest = Join-Path $PSScriptRoot ../../SegfaultTools.psd1
    Import-Module $Manifest -Force
    $Trees = (Resolve-Path (Join-Path $PSScriptRoot ../fixtures/gpu/trees)).ProviderPath

    # Runs a script in its own PowerShell with the module loaded; fails the test if it has not ended
    # after $Seconds (a bound for a hang, not a speed assertion).
    function Invoke-Bounded([string] $Script, [int] $Seconds = 120) {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$Manifest'; $Script")
            $async = $ps.BeginInvoke()
            if (-not $async.AsyncWaitHandle.WaitOne($Seconds * 1000)) {
                $ps.Stop()
                throw "'$Script' did not finish within $Seconds s"
            }
            [pscustomobject]@{
                Output   = @($ps.EndInvoke($async))
                Errors   = @($ps.Streams.Error)
                Warnings = @($ps.Streams.Warning | ForEach-Object Message)
            }
        }
        finally {
            $ps.Dispose()
        }
    }
}

AfterAll {
    Remove-Module SegfaultTools -Force -ErrorAction SilentlyContinue
}

Describe 'Get-GpuDriverInfo on this machine' -Skip:(-not $IsLinuxHost) {
    It 'returns nothing and no error where there is no GPU and no NVIDIA driver' -Skip:$HasGpuOrDriver {
        $r = Invoke-Bounded 'Get-GpuDriverInfo'
        $r.Output | Should -BeNullOrEmpty
        $r.Errors | Should -BeNullOrEmpty
        $r.Warnings | Should -BeNullOrEmpty
    }
}

Describe 'Get-GpuDriverInfo -Root (captured trees)' {
    It 'reads the open-module tree: versions, flavour, GSP, dkms, processes' {
        $g = Get-GpuDriverInfo -Root (Join-Path $Trees nvidia-open-590) -WarningVariable w
        $w | Should -BeNullOrEmpty
        $g | Should -HaveCount 1
        $g.ComputerName | Should -Be 'gpu-open'
        $g.Vendor | Should -Be 'NVIDIA'
        $g.Name | Should -Be 'NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition'
        $g.PciBusId | Should -Be '0000:61:00.0'
        $g.KernelDriver | Should -Be 'nvidia'
        $g.MemoryTotalMiB | Should -Be 97887
        $g.MemoryUsedMiB | Should -Be 65720
        $g.DriverVersion | Should -Be '590.44.01'
        $g.KernelModuleFlavor | Should -Be ([SegfaultTools.KernelModuleFlavor]::Open)
        $g.UserSpaceDriverVersion | Should -Be '590.44.01'
        $g.VersionMismatch | Should -BeFalse
        $g.CudaDriverVersion | Should -Be '13.1'
        $g.GspFirmwareVersion | Should -Be '590.44.01'
        $g.DkmsStatus | Should -Be 'nvidia/590.44.01, 6.18.2-zen1-1-zen, x86_64: installed'
        $g.PersistenceMode | Should -BeTrue
        $g.Processes.ProcessId | Should -Be 116860
        "$($g.Processes)" | Should -Be '116860 llama-server 65710 MiB'
    }

    It 'reads the proprietary-module tree' {
        $g = Get-GpuDriverInfo -Root (Join-Path $Trees nvidia-proprietary-525)
        $g.Name | Should -Be 'Quadro P2000'
        $g.DriverVersion | Should -Be '525.125.06'
        $g.KernelModuleFlavor | Should -Be 'Proprietary'
        $g.GspFirmwareVersion | Should -BeNullOrEmpty
        $g.DkmsStatus | Should -BeNullOrEmpty
        $g.Processes | Should -HaveCount 0
    }

    It 'flags a kernel module 550 with user-space libraries 555, with a warning that says reboot' {
        $g = Get-GpuDriverInfo -Root (Join-Path $Trees nvidia-mismatch-550-555) -WarningVariable w -WarningAction SilentlyContinue
        $g.VersionMismatch | Should -BeTrue
        $g.DriverVersion | Should -Be '550.54.14'
        $g.UserSpaceDriverVersion | Should -Be '555.42.06'
        $g.Notes | Should -Match 'reboot'
        $w | Should -HaveCount 1
        $w[0].Message | Should -Match '550\.54\.14.*555\.42\.06.*Reboot'
    }

    It 'lists AMD and Intel GPUs from /sys/class/drm' {
        $g = Get-GpuDriverInfo -Root (Join-Path $Trees amd-intel-drm)
        $g.Vendor | Should -Be @('Intel', 'AMD')
        $g.KernelDriver | Should -Be @('i915', 'amdgpu')
        $g[1].MemoryTotalMiB | Should -Be 24560
        $g | ForEach-Object { $_.DriverVersion | Should -BeNullOrEmpty }
    }

    It 'writes RootNotFound for a missing tree' {
        Get-GpuDriverInfo -Root (Join-Path $TestDrive nope) -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -Be 'RootNotFound,SegfaultTools.Commands.GetGpuDriverInfoCommand'
    }

    It 'survives Export-Csv / Import-Csv with the processes in one readable cell' {
        $csv = Join-Path $TestDrive gpu.csv
        Get-GpuDriverInfo -Root (Join-Path $Trees nvidia-open-590) | Export-Csv -Path $csv -NoTypeInformation
        $back = Import-Csv $csv
        $back.Processes | Should -Be '116860 llama-server 65710 MiB'
        $back.DriverVersion | Should -Be '590.44.01'
        $back.KernelModuleFlavor | Should -Be 'Open'
        $back.VersionMismatch | Should -Be 'False'
        $back.PciBusId | Should -Be '0000:61:00.0'
    }

    It 'survives ConvertTo-Json / ConvertFrom-Json' {
        $json = Get-GpuDriverInfo -Root (Join-Path $Trees nvidia-mismatch-550-555) -WarningAction SilentlyContinue | ConvertTo-Json -Depth 4
        $back = $json | ConvertFrom-Json
        $back.VersionMismatch | Should -BeTrue
        $back.UserSpaceDriverVersion | Should -Be '555.42.06'
        $back.Name | Should -Be 'NVIDIA GeForce RTX 4090'
        $json2 = Get-GpuDriverInfo -Root (Join-Path $Trees nvidia-open-590) | ConvertTo-Json -Depth 4
        ($json2 | ConvertFrom-Json).Processes[0].UsedMemoryMiB | Should -Be 65710
    }
}

Describe 'Get-GpuDriverInfo with a stand-in nvidia-smi on PATH' -Skip:(-not $IsLinuxHost) {
    BeforeAll {
        $SavedPath = $env:PATH
        $FakeDir = Join-Path $TestDrive fake-bin
        New-Item -ItemType Directory -Path $FakeDir | Out-Null
        $Fake = Join-Path $FakeDir nvidia-smi
        function Set-FakeNvidiaSmi([string] $Body) {
            Set-Content -Path $Fake -Value "#!/bin/sh`n$Body" -NoNewline
            chmod +x $Fake
        }
        $env:PATH = "$FakeDir$([IO.Path]::PathSeparator)$SavedPath"
    }

    AfterAll {
        $env:PATH = $SavedPath
    }

    It 'answers within its time limit with a warning when nvidia-smi prints part of a report, then hangs' {
        Set-FakeNvidiaSmi "echo '<?xml version=`"1.0`" ?>'; while true; do echo '<x/>'; sleep 1; done"
        $r = Invoke-Bounded 'Get-GpuDriverInfo' -Seconds 120
        $r.Errors | Should -BeNullOrEmpty
        $r.Warnings | Should -HaveCount 1
        $r.Warnings[0] | Should -Match 'did not answer within 10 s and was stopped'
    }

    It 'answers within its time limit with a warning when nvidia-smi hangs' {
        Set-FakeNvidiaSmi 'sleep 600'
        $r = Invoke-Bounded 'Get-GpuDriverInfo' -Seconds 120
        $r.Errors | Should -BeNullOrEmpty
        $r.Warnings | Should -HaveCount 1
        $r.Warnings[0] | Should -Match 'did not answer within 10 s and was stopped'
    }

    It 'warns, and does not throw, when nvidia-smi prints garbage' {
        Set-FakeNvidiaSmi "echo 'zsh: illegal hardware instruction'; exit 132"
        $r = Invoke-Bounded 'Get-GpuDriverInfo'
        $r.Errors | Should -BeNullOrEmpty
        $r.Output | Should -BeNullOrEmpty
        $r.Warnings | Should -HaveCount 1
        $r.Warnings[0] | Should -Match "not its XML report \(first line: 'zsh: illegal hardware instruction'\)"
    }

    It 'explains a driver/library version mismatch' {
        Set-FakeNvidiaSmi "echo 'Failed to initialize NVML: Driver/library version mismatch'; exit 18"
        $r = Invoke-Bounded 'Get-GpuDriverInfo'
        $r.Errors | Should -BeNullOrEmpty
        $r.Warnings | Should -HaveCount 1
        $r.Warnings[0] | Should -Match 'version mismatch.*Reboot'
        # nvidia-smi's word is the only evidence here (this machine has no /proc/driver/nvidia): one driver record.
        $r.Output | Should -HaveCount 1
        $r.Output[0].VersionMismatch | Should -BeTrue
        $r.Output[0].DriverVersion | Should -BeNullOrEmpty
        $r.Output[0].Notes | Should -Match 'Driver/library version mismatch'
    }

    It 'runs no program for a captured tree' {
        Set-FakeNvidiaSmi 'sleep 600'
        $g = Get-GpuDriverInfo -Root (Join-Path $Trees nvidia-open-590) -WarningVariable w
        $w | Should -BeNullOrEmpty
        $g.CudaDriverVersion | Should -Be '13.1'
    }
}
