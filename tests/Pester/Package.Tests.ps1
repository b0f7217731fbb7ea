# The module as users install it: build.ps1 -Task Package's layout and .nupkg, accepted by
# PSResourceGet from a local file repository, and the installed module autoloading by cmdlet name
# in a fresh pwsh (no Import-Module). Uses the module already built into bin/ by the test run.

BeforeAll {
    $repo = (Resolve-Path (Join-Path $PSScriptRoot ../..)).ProviderPath
    $out = Join-Path $TestDrive 'out'
    $packOutput = & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $repo '.build/New-ModulePackage.ps1') -OutputPath $out 2>&1
    $packExit = $LASTEXITCODE
    $version = (Import-PowerShellDataFile (Join-Path $repo SegfaultTools.psd1)).ModuleVersion
    $log = Join-Path $TestDrive 'kern.log'
    # Real line: https://github.com/open-ch/log-user-session/issues/15 (see tests/fixtures/kernel-lines/SOURCES.md).
    Set-Content -Path $log -Value 'Apr  4 05:00:12 test-f kernel: log-user-sessio[66297]: segfault at 0 ip 0000000000402669 sp 00007ffe203fb570 error 4 in log-user-session[400000+5000]'
}

Describe 'build.ps1 -Task Package' {
    It 'runs' {
        $packExit | Should -Be 0 -Because ($packOutput -join "`n")
    }

    It 'lays out the module folder with only what the module needs' {
        $files = Get-ChildItem -Recurse -File (Join-Path $out SegfaultTools) | ForEach-Object { [IO.Path]::GetRelativePath((Join-Path $out SegfaultTools), $_.FullName) } | Sort-Object
        $files | Should -Be @('bin/SegfaultTools.dll', 'bin/SegfaultTools.format.ps1xml', 'bin/SegfaultTools.types.ps1xml', 'bin/SegfaultTools.Worker.deps.json',
            'bin/SegfaultTools.Worker.dll', 'bin/SegfaultTools.Worker.runtimeconfig.json', 'en-US/about_SegfaultTools.help.txt', 'en-US/SegfaultTools.dll-Help.xml', 'LICENSE', 'README.md', 'SegfaultTools.psd1')
    }

    It 'writes a .nupkg with the manifest''s version and metadata' {
        $nupkg = Join-Path $out "repository/SegfaultTools.$version.nupkg"
        $nupkg | Should -Exist
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($nupkg)
        try {
            $names = $zip.Entries.FullName
            $names | Should -Contain 'SegfaultTools.psd1'
            $names | Should -Contain 'bin/SegfaultTools.dll'
            $names | Should -Contain 'bin/SegfaultTools.Worker.dll'
            $names | Should -Contain 'bin/SegfaultTools.Worker.runtimeconfig.json'
            $names | Should -Contain 'en-US/SegfaultTools.dll-Help.xml'
            $reader = [IO.StreamReader]::new(($zip.Entries | Where-Object FullName -eq 'SegfaultTools.nuspec').Open())
            $nuspec = [xml]$reader.ReadToEnd()
            $reader.Dispose()
            $nuspec.package.metadata.id | Should -Be 'SegfaultTools'
            $nuspec.package.metadata.version | Should -Be $version
            ($nuspec.package.metadata.tags -split ' ') | Should -Contain 'PSModule'
            $nuspec.package.metadata.licenseUrl + $nuspec.package.metadata.projectUrl | Should -Match 'github.com/segfaulttools'
        }
        finally { $zip.Dispose() }
    }

    It 'installs with Save-PSResource from a local repository and autoloads in a fresh pwsh' {
        $modules = Join-Path $TestDrive 'modules'
        New-Item -ItemType Directory -Path $modules | Out-Null
        $script = @"
`$ErrorActionPreference = 'Stop'
`$name = 'SegfaultToolsTest-$PID'
Register-PSResourceRepository -Name `$name -Uri '$out/repository' -Trusted
try { Save-PSResource -Name SegfaultTools -Repository `$name -Path '$modules' -TrustRepository -Quiet }
finally { Unregister-PSResourceRepository -Name `$name }
"@
        $saveOutput = & dotnet pwsh -NoProfile -NonInteractive -Command $script 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($saveOutput -join "`n")
        Join-Path $modules "SegfaultTools/$version/SegfaultTools.psd1" | Should -Exist

        $use = @"
`$env:PSModulePath = '$modules' + [IO.Path]::PathSeparator + `$env:PSModulePath
`$e = @(Get-SegfaultEvent -Path '$log')
(Get-Command Get-SegfaultEvent).Module.ModuleBase
`$e.Count
`$e[0].ProcessName
(Get-Help Get-SegfaultEvent).Synopsis
`$cpu = (Get-HybridCoreMap | Where-Object IsOnline | Select-Object -First 1).Cpu
(Get-Command Test-CpuStability).Module.ModuleBase
Test-CpuStability -Cpu `$cpu -Workload Integer -Mode AllCores -Duration 00:00:01 -Quiet -WarningAction Ignore
"@
        $result = & dotnet pwsh -NoProfile -NonInteractive -Command $use 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($result -join "`n")
        $result[0] | Should -Be (Join-Path $modules "SegfaultTools/$version")
        $result[1] | Should -Be '1'
        $result[2] | Should -Be 'log-user-sessio'
        $result[3] | Should -Match '^Gets the user-space crash records'
        # The installed package's own worker runs (it ships in bin/ beside the module).
        $result[4] | Should -Be (Join-Path $modules "SegfaultTools/$version")
        $result[5] | Should -Be 'True'
    }
}
