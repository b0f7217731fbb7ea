# Get-SystemProfile on this machine (values checked against /proc, uname, os-release and ldd) and on the
# captured trees under tests/fixtures/system (see the README there for what each tree holds).

BeforeDiscovery {
    $script:IsLinuxHost = $IsLinux -and (Test-Path /proc/cpuinfo)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../SegfaultTools.psd1) -Force

    $CommandId = 'SegfaultTools.Commands.GetSystemProfileCommand'
    $Trees = (Resolve-Path (Join-Path $PSScriptRoot ../fixtures/system)).ProviderPath

    # The first processor block of /proc/cpuinfo as a hashtable.
    function Get-FirstCpuInfo {
        $info = @{}
        foreach ($line in Get-Content /proc/cpuinfo) {
            if ($line -eq '') { break }
            $key, $value = $line -split ':', 2
            $info[$key.Trim()] = "$value".Trim()
        }
        $info
    }
}

AfterAll {
    Remove-Module SegfaultTools -Force -ErrorAction SilentlyContinue
}

Describe 'Get-SystemProfile on this machine' -Skip:(-not $IsLinuxHost) {
    BeforeAll {
        $Clock = [Diagnostics.Stopwatch]::StartNew()
        $Sp = Get-SystemProfile -ErrorVariable problems
        $Elapsed = $Clock.Elapsed
        $Cpu = Get-FirstCpuInfo
    }

    It 'returns one SystemProfile without errors, in bounded time' {
        @($Sp).Count | Should -Be 1
        $Sp | Should -BeOfType SegfaultTools.SystemProfile
        $problems | Should -BeNullOrEmpty
        $Elapsed.TotalSeconds | Should -BeLessThan 20
        (Get-Command Get-SystemProfile).OutputType.Type | Should -Be ([SegfaultTools.SystemProfile])
    }

    It 'reads the CPU as /proc/cpuinfo shows it' {
        $Sp.CpuModel | Should -Be ($Cpu['model name'] -replace '\s{2,}', ' ')
        $Sp.CpuVendor | Should -Be $Cpu['vendor_id']
        $Sp.CpuFamily | Should -Be ([int] $Cpu['cpu family'])
        $Sp.CpuModelNumber | Should -Be ([int] $Cpu['model'])
        $Sp.CpuStepping | Should -Be ([int] $Cpu['stepping'])
        $Sp.Microcode | Should -Be $Cpu['microcode']
        $Sp.MicrocodeRevision | Should -Be ([Convert]::ToInt64($Cpu['microcode'].Substring(2), 16))
        $flags = $Cpu['flags'] -split ' '
        $Sp.IsVirtualMachine | Should -Be ($flags -contains 'hypervisor')
        $Sp.Virtualization | Should -Be $(if ($flags -contains 'vmx') { 'VT-x' } elseif ($flags -contains 'svm') { 'AMD-V' } else { $null })
        $Sp.LogicalCpus | Should -Be (Get-Content /proc/cpuinfo | Where-Object { $_ -match '^processor\s*:' }).Count
    }

    It 'reads the kernel as uname does' {
        $Sp.KernelRelease | Should -Be (uname -r)
        $Sp.KernelVersion | Should -Be (uname -v)
        $Sp.KernelTainted | Should -Be ([long] (Get-Content /proc/sys/kernel/tainted))
        if ((uname -v) -match '\bPREEMPT_DYNAMIC\b') { $Sp.PreemptionModel | Should -Be 'dynamic' }
    }

    It 'reads the distribution from os-release' {
        $os = @{}
        foreach ($line in Get-Content /etc/os-release) {
            if ($line -match '^(\w+)=(.*)$') { $os[$Matches[1]] = $Matches[2].Trim('"', "'") }
        }
        $Sp.Distribution | Should -Be $os['PRETTY_NAME']
        $Sp.DistributionId | Should -Be $os['ID']
        $Sp.DistributionVersion | Should -Be ($os['VERSION_ID'] ?? $os['BUILD_ID'])
    }

    It 'asks glibc itself, and agrees with ldd --version' -Skip:(-not (Get-Command ldd -ErrorAction Ignore)) {
        $first = (ldd --version 2>&1 | Select-Object -First 1)
        $Sp.GlibcVersion | Should -Be ($first -split ' ')[-1]
    }

    It 'reports gcc and python3 as their --version says, or says why not' {
        if (Get-Command gcc -ErrorAction Ignore) {
            $Sp.GccVersion | Should -Be ((gcc --version | Select-Object -First 1) -replace '^[^)]*\)\s*', '')
        } else {
            $Sp.GccVersion | Should -BeNullOrEmpty
            $Sp.Notes | Should -Contain "gcc version: 'gcc' is not installed (not on PATH)."
        }
        if (Get-Command python3 -ErrorAction Ignore) {
            $Sp.PythonVersion | Should -Be ((python3 --version) -replace '^Python ', '')
        } else {
            $Sp.PythonVersion | Should -BeNullOrEmpty
        }
    }

    It 'reads the newest GLIBCXX version of the libstdc++ ldconfig names' -Skip:(-not (Test-Path /sbin/ldconfig, /usr/sbin/ldconfig)) {
        $Sp.LibstdcxxVersion | Should -Match '^GLIBCXX_3\.4\.\d+$'
        $Sp.LibstdcxxPath | Should -Exist
        $strings = [Text.Encoding]::Latin1.GetString([IO.File]::ReadAllBytes($Sp.LibstdcxxPath))
        $newest = [regex]::Matches($strings, 'GLIBCXX_3\.4\.(\d+)(?=\0)') | ForEach-Object { [int] $_.Groups[1].Value } | Sort-Object | Select-Object -Last 1
        $Sp.LibstdcxxVersion | Should -Be "GLIBCXX_3.4.$newest"
    }

    It 'reads memory from /proc/meminfo in bytes' {
        $kb = [long] ((Select-String -Path /proc/meminfo -Pattern '^MemTotal:\s+(\d+)').Matches[0].Groups[1].Value)
        $Sp.MemoryTotal | Should -Be ($kb * 1024)
    }

    It 'gives the GPU summary Get-GpuDriverInfo gives, or notes that there is none' {
        $gpu = @(Get-GpuDriverInfo | Where-Object Name)
        if ($gpu.Count -eq 0) {
            $Sp.Notes | Should -Contain 'GPU: none found (no NVIDIA driver, and no GPU in /sys/class/drm).'
            $Sp.GpuName | Should -BeNullOrEmpty
        }
        else {
            $Sp.GpuName | Should -Be ($gpu | Sort-Object { $_.Vendor -ne 'NVIDIA' } | Select-Object -First 1).Name
        }
    }
}

Describe 'Get-SystemProfile -Root (captured trees)' {
    It 'reads the seed machine: an i9-13900KS on microcode 0x119 needs a BIOS update' {
        $p = Get-SystemProfile -Root (Join-Path $Trees raptorlake-13900ks-0x119)
        $p.CpuModel | Should -Be '13th Gen Intel(R) Core(TM) i9-13900KS'
        $p.CpuSignature | Should -Be '06-b7-01'
        $p.Microcode | Should -Be '0x119'
        $p.MicrocodeSource | Should -Be 'Bios'
        $p.IsRaptorLakeAffected | Should -BeTrue
        $p.MicrocodeHasVminFix | Should -BeFalse
        $p.RaptorLakeAdvice | Should -BeLike '*Update the motherboard BIOS*0x12B*'
        $p.PhysicalCores, $p.LogicalCpus, $p.PerformanceCores, $p.EfficiencyCores | Should -Be 24, 32, 8, 16
        $p.MaxFrequencyMHz | Should -Be 6000
        $p.Distribution | Should -Be 'Garuda Linux'
        $p.KernelRelease | Should -Be '6.18.2-zen2-1-zen'
        $p.KernelFlavor | Should -Be 'zen'
        $p.PreemptionModel | Should -Be 'dynamic'
        $p.GlibcVersion | Should -Be '2.42'
        $p.GccVersion | Should -Be '15.2.1 20251112'
        $p.PythonVersion | Should -Be '3.12.2'
        $p.LibstdcxxVersion | Should -Be 'GLIBCXX_3.4.34'
        $p.ComputerName | Should -Be 'garuda-13900ks'
    }

    It 'reads the same machine with microcode 0x12b: fix present, no repair' {
        $p = Get-SystemProfile -Root (Join-Path $Trees raptorlake-13900ks-0x12b)
        $p.IsRaptorLakeAffected | Should -BeTrue
        $p.MicrocodeHasVminFix | Should -BeTrue
        $p.RaptorLakeAdvice | Should -BeLike '*prevents further degradation but repairs none*'
        $p.ActivePreemption | Should -Be 'lazy'
        $p.KernelTaintFlags | Should -Be 'WO'
    }

    It 'calls the Raptor Lake laptop part not affected' {
        $p = Get-SystemProfile -Root (Join-Path $Trees raptorlake-laptop-1360p)
        $p.CpuModelNumber | Should -Be 186
        $p.IsRaptorLakeAffected | Should -BeFalse
        $p.MicrocodeHasVminFix | Should -BeNullOrEmpty
        $p.MicrocodeSource | Should -Be 'EarlyUpdate'
        $p.BiosMicrocode | Should -Be '0x4119'
        $p.GccVersion | Should -BeNullOrEmpty
        $p.Notes | Should -Contain 'gcc version: The captured tree has no .segfaulttools/gcc-version.txt (the output of `gcc --version`), and no program is run for a captured tree.'
    }

    It 'reads the AMD machine: AMD-V, ECC, OS-loaded microcode' {
        $p = Get-SystemProfile -Root (Join-Path $Trees amd-ryzen-7700x)
        $p.CpuVendor | Should -Be 'AuthenticAMD'
        $p.Virtualization | Should -Be 'AMD-V'
        $p.EccMemory | Should -BeTrue
        $p.IsHybrid | Should -BeFalse
        $p.PerformanceCores | Should -BeNullOrEmpty
        $p.RaptorLakeAdvice | Should -BeNullOrEmpty
        $p.BiosMicrocode | Should -Be '0xa601209'
    }

    It 'reads the two-socket Xeon server' {
        $p = Get-SystemProfile -Root (Join-Path $Trees xeon-2s-server)
        $p.Sockets | Should -Be 2
        $p.PhysicalCores | Should -Be 8
        $p.PreemptionModel | Should -Be 'voluntary'
        $p.KernelTaintFlags | Should -Be 'PO'
        $p.GlibcVersion | Should -BeNullOrEmpty
    }

    It 'reports a missing tree as RootNotFound and goes on' {
        $p = Get-SystemProfile -Root (Join-Path $TestDrive nothing-here) -ErrorVariable problems -ErrorAction SilentlyContinue
        $p | Should -BeNullOrEmpty
        $problems.FullyQualifiedErrorId | Should -Be "RootNotFound,$CommandId"
    }

    It 'keeps every fact through CSV' {
        $csv = Join-Path $TestDrive profile.csv
        Get-SystemProfile -Root (Join-Path $Trees raptorlake-13900ks-0x119) | Export-Csv -Path $csv
        $row = Import-Csv $csv
        $row.Microcode | Should -Be '0x119'
        $row.IsRaptorLakeAffected | Should -Be 'True'
        $row.KernelRelease | Should -Be '6.18.2-zen2-1-zen'
    }

    It 'Format-List reads like the seed''s first page' {
        $text = Get-SystemProfile -Root (Join-Path $Trees raptorlake-13900ks-0x119) | Format-List | Out-String -Width 200
        foreach ($fact in '13th Gen Intel(R) Core(TM) i9-13900KS', '0x119', '6.18.2-zen2-1-zen', 'Garuda Linux', '2.42', '15.2.1 20251112',
            '3.12.2', 'GLIBCXX_3.4.34', 'VT-x', 'Update the motherboard BIOS') {
            $text | Should -BeLike "*$fact*" -Because "the page should show $fact"
        }
    }
}
