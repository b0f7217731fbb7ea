# The help users read: complete for every exported cmdlet, generated MAML equal to what the build
# writes, and every example in the help and in the README runs without error. Examples that need
# this machine's logs at fixed places, another command's output or a long wait run with local
# equivalents: the substitutions are listed in $Substitutions below.

BeforeDiscovery {
    $repo = (Resolve-Path (Join-Path $PSScriptRoot ../..)).ProviderPath
    Import-Module (Join-Path $repo SegfaultTools.psd1) -Force
    $script:cmdlets = @(Get-Command -Module SegfaultTools -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } })

    $script:examples = [System.Collections.Generic.List[hashtable]]::new()
    foreach ($c in $cmdlets) {
        $n = 0
        foreach ($ex in @((Get-Help $c.Name -Full).examples.example)) {
            $n++
            $examples.Add(@{ Where = "$($c.Name) example $n"; Code = $ex.code })
        }
    }
    $readme = Get-Content -Raw (Join-Path $repo README.md)
    $n = 0
    foreach ($m in [regex]::Matches($readme, '(?s)```powershell\r?\n(.*?)```')) {
        foreach ($line in ($m.Groups[1].Value -split "`n")) {
            if ($line.Trim() -and -not $line.TrimStart().StartsWith('#')) {
                $n++
                $examples.Add(@{ Where = "README powershell line $n"; Code = $line.Trim() })
            }
        }
    }
}

BeforeAll {
    $repo = (Resolve-Path (Join-Path $PSScriptRoot ../..)).ProviderPath
    $manifest = Join-Path $repo SegfaultTools.psd1
    Import-Module $manifest -Force
    $kernelReadable = $false
    try { [IO.File]::OpenRead('/dev/kmsg').Dispose(); $kernelReadable = $true } catch { }

    # Local stand-ins for the paths and commands the examples name. Lines are real kernel lines
    # (sources in tests/fixtures/kernel-lines/SOURCES.md: the intel/pcm, cloudnative-pg and
    # open-ch/log-user-session reports).
    $logs = Join-Path $TestDrive 'var/log'
    New-Item -ItemType Directory -Path $logs -Force | Out-Null
    Set-Content -Path (Join-Path $logs 'kern.log') -Value @(
        'Apr  4 05:00:12 test-f kernel: log-user-sessio[66297]: segfault at 0 ip 0000000000402669 sp 00007ffe203fb570 error 4 in log-user-session[400000+5000]'
        'Apr  4 05:07:23 test-f kernel: python3[66951]: segfault at 0 ip 0000000000402669 sp 00007fff400137d0 error 4 in libcuda.so.590.48.01[400000+5000]')
    Set-Content -Path (Join-Path $logs 'kern.log.1') -Value 'Apr  3 01:00:00 test-f kernel: traps: pcm-sensor-serv[8542] general protection fault ip:7f638b3f9967 sp:7ffe5e7434b0 error:0 in libc-2.32.so[7f638b3f9000+14f000]'
    Copy-Item (Join-Path $logs 'kern.log') (Join-Path $logs 'syslog')
    Set-Content -Path (Join-Path $TestDrive 'previous-boot.txt') -Value '[ 1122.175792] python[5019]: segfault at 1 ip 0000000000000001 sp 00007fff75097a90 error 14 likely on CPU 1 (core 1, socket 0)'
    # A captured tree: the i9-13900KS topology fixture, with its own var/log.
    Copy-Item -Recurse (Join-Path $repo 'tests/fixtures/topology/raptorlake-13900ks') (Join-Path $TestDrive 'evidence')

    $Substitutions = [ordered]@{
        '/var/log/kern.log\*'                      = "$logs/kern.log*"
        '/var/log/syslog\*'                        = "$logs/syslog*"
        'Get-ChildItem /var/log '                  = "Get-ChildItem $logs "
        '\./evidence'                              = (Join-Path $TestDrive 'evidence')
        'journalctl -k -b -1( --no-pager)?'        = "Get-Content $(Join-Path $TestDrive 'previous-boot.txt')"
        '\./crashes\.csv'                          = (Join-Path $TestDrive 'crashes.csv')
        '/path/to/SegfaultTools'                   = $repo
        '\./gpu-evidence'                          = (Join-Path $repo 'tests/fixtures/gpu/trees/nvidia-mismatch-550-555')
        # The fleet examples run the same commands here instead of over SSH (tests/Pester/Fleet.Remoting.Tests.ps1 runs them remotely).
        'Invoke-Command -HostName \(Get-Content \./hosts\.txt\) ' = '& '
        # Stability runs take minutes as written; a few seconds prove the example works.
        '-Duration \d\d:\d\d:\d\d'                   = '-Duration 00:00:04'
    }

    function Invoke-Example([string] $Code) {
        foreach ($k in $Substitutions.Keys) { $Code = $Code -replace $k, $Substitutions[$k] }
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$manifest'; Set-Location '$TestDrive'; $Code | Out-String")
            $async = $ps.BeginInvoke()
            $waitExample = $Code -match '-Wait\b'
            # -Wait examples follow the log until stopped: let them run a moment, then stop them.
            $finished = $async.AsyncWaitHandle.WaitOne($(if ($waitExample) { 3000 } else { 120000 }))
            if (-not $finished) { $ps.Stop() }
            elseif (-not $waitExample) { $null = $ps.EndInvoke($async) }
            [pscustomobject]@{
                Code     = $Code
                Finished = $finished
                Errors   = @($ps.Streams.Error | ForEach-Object { "$($_.FullyQualifiedErrorId): $_" })
                Wait     = $waitExample
            }
        }
        finally { $ps.Dispose() }
    }
}

Describe 'Help of <Name>' -ForEach $cmdlets {
    BeforeAll { $help = Get-Help $Name -Full }

    It 'has a written synopsis, not the generated one' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match "^\s*$([regex]::Escape($Name))\s+\["
    }

    It 'has a description' {
        ($help.description.Text -join ' ').Length | Should -BeGreaterThan 100
    }

    It 'has examples with code' {
        @($help.examples.example).Count | Should -BeGreaterOrEqual 1
        @($help.examples.example) | ForEach-Object { $_.code | Should -Not -BeNullOrEmpty }
    }

    It 'describes every parameter' {
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
        $parameters = (Get-Command $Name).Parameters.Keys | Where-Object { $_ -notin $common }
        foreach ($p in $parameters) {
            $entry = $help.parameters.parameter | Where-Object name -eq $p
            $entry | Should -Not -BeNullOrEmpty -Because "-$p needs an entry"
            ($entry.description.Text -join ' ') | Should -Not -BeNullOrEmpty -Because "-$p needs a description"
        }
    }
}

Describe 'about_SegfaultTools' {
    It 'is found by Get-Help and explains the workflow' {
        $text = Get-Help about_SegfaultTools | Out-String
        $text | Should -Match 'Get-SegfaultEvent'
        $text | Should -Match 'REMOTING'
        $text | Should -Match 'SCHEDULED'
    }
}

Describe 'The committed MAML' {
    It 'equals what build.ps1 -Task Help writes (no drift)' {
        $fresh = Join-Path $TestDrive 'help.xml'
        $out = & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $repo '.build/ConvertTo-MamlHelp.ps1') -OutputPath $fresh 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        $committed = Get-Content -Raw (Join-Path $repo 'en-US/SegfaultTools.dll-Help.xml')
        Get-Content -Raw $fresh | Should -BeExactly $committed -Because 'src/help/*.md or a cmdlet changed: run dotnet pwsh ./build.ps1 -Task Help and commit en-US/'
    }
}

Describe 'Example: <Where>' -ForEach $examples {
    It 'runs without error' {
        # An example reads this machine's kernel log where a log-reading cmdlet starts a pipeline
        # without a path or tree to read, or where dmesg feeds one.
        $liveOnly = $Code -match '(^|[;\n({])\s*(Get-SegfaultEvent|Get-HardwareErrorEvent|Get-SegfaultDiagnosis)\b(?![^|\n]*-(Path|LiteralPath|Root)\b)' -or $Code -match '^\s*dmesg\b' -or
            $Code -match '(^|[;\n({])\s*Export-Segfault(Report|Snapshot)\b(?![^|\n]*-Root\b)'
        if ($liveOnly -and -not $kernelReadable) {
            Set-ItResult -Skipped -Because 'it reads this machine''s kernel log, which this user cannot read'
            return
        }
        $result = Invoke-Example $Code
        $result.Errors | Should -BeNullOrEmpty -Because $result.Code
        if (-not $result.Wait) { $result.Finished | Should -BeTrue -Because "$($result.Code) must finish" }
    }
}
