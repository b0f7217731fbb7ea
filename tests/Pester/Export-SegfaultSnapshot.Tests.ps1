# Export-SegfaultSnapshot against this machine: the test causes real crashes (the crash programs of
# tests/fixtures/crashers, built and run as Get-SegfaultEvent.Live.Tests.ps1 does, and one that dies
# inside libc so a module file on disk is checked by its Code: bytes), snapshots the machine, extracts
# the archive with tar and diagnoses it in a fresh pwsh: the findings must be the ones
# Get-SegfaultDiagnosis gives live for the same window. -Redact must leave nothing of this machine's
# names and addresses in any file, and still diagnose.
#
# The kernel rate-limits crash lines (a burst of 10, then one per 5 s for every process on the
# machine), so the crashes are started 5.5 s apart; a crash the kernel did not log is retried once.
# Both the snapshot and the live diagnosis are given the same -Since/-Until, so crashes of other
# programs while the test runs are in both or in neither.

BeforeAll {
    $Repo = (Resolve-Path (Join-Path $PSScriptRoot ../..)).ProviderPath
    $Manifest = Join-Path $Repo SegfaultTools.psd1
    Import-Module $Manifest -Force
    $CommandId = 'SegfaultTools.Commands.ExportSegfaultSnapshotCommand'

    function Get-LiveSkipReason {
        if (-not $IsLinux) { return 'not Linux' }
        foreach ($tool in 'gcc', 'bash', 'tar') {
            if (-not (Get-Command $tool -CommandType Application -ErrorAction SilentlyContinue)) { return "$tool is not installed" }
        }
        if (-not (Test-Path -LiteralPath /dev/kmsg)) { return '/dev/kmsg does not exist: the kernel log cannot be read' }
        try { [System.IO.File]::Open('/dev/kmsg', 'Open', 'Read', 'ReadWrite').Dispose() }
        catch { return "/dev/kmsg cannot be read: $($_.Exception.Message)" }
        if ((Test-Path /proc/sys/debug/exception-trace) -and (Get-Content /proc/sys/debug/exception-trace -Raw).Trim() -eq '0') {
            return 'debug.exception-trace = 0: the kernel does not log user-space crashes'
        }
        return $null
    }

    $LastCrash = [System.Diagnostics.Stopwatch]::new()
    # Runs one crash program no sooner than 5.5 s after the last; returns whether the kernel logged it.
    function Invoke-Crash([string] $Exe, [string] $Mode) {
        if ($LastCrash.IsRunning -and $LastCrash.ElapsedMilliseconds -lt 5500) { Start-Sleep -Milliseconds (5500 - $LastCrash.ElapsedMilliseconds) }
        $out = & bash -c 'ulimit -c 0; "$1" "$2" & p=$!; wait $p; echo "$p"' crash-runner $Exe $Mode 2>$null
        $LastCrash.Restart()
        $crashPid = "$out".Trim()
        $name = Split-Path -Leaf $Exe
        return [bool](@(& dmesg 2>$null) -match [regex]::Escape("$($name.Substring(0, [Math]::Min(15, $name.Length)))[$crashPid]"))
    }

    # The diagnosis of a folder, run in a new pwsh that imports the module from the repository.
    function Invoke-FreshDiagnosis([string] $Root) {
        $script = "Import-Module '$Manifest'; `$f = @(Get-SegfaultDiagnosis -Root '$Root' -ErrorVariable problems -WarningAction SilentlyContinue); " +
            "[pscustomobject]@{ Findings = `$f; Errors = @(`$problems | ForEach-Object { `$_.FullyQualifiedErrorId }) } | ConvertTo-Json -Depth 5 -Compress -EnumsAsStrings"
        Push-Location $Repo
        try { $json = & dotnet pwsh -NoProfile -NonInteractive -Command $script }
        finally { Pop-Location }
        $json | ConvertFrom-Json
    }

    # Findings as comparable lines: the line that names where the evidence came from may differ.
    function Format-Finding($Findings) {
        foreach ($f in $Findings) {
            "$($f.ComputerName) $($f.Rank) $($f.Cause) $($f.Level) $($f.Confidence) | $($f.Summary)"
            foreach ($e in $f.Evidence) { if ($e -notmatch 'stability result\(s\) from ') { "  + $e" } }
            foreach ($e in $f.AgainstIt) { "  - $e" }
        }
    }

    $SkipReason = Get-LiveSkipReason
    if ($SkipReason) { return }

    $Tag = '{0:x4}' -f (Get-Random -Maximum 0x10000)
    $Crasher = (Resolve-Path (Join-Path $PSScriptRoot ../fixtures/crashers/crasher.c)).ProviderPath
    $LibcSource = Join-Path $TestDrive 'libc-crasher.c'
    # strlen(NULL) faults inside libc: its module file is on disk, so the snapshot keeps its bytes.
    Set-Content -Path $LibcSource -Value '#include <string.h>', 'int main(int argc, char **argv) { const char *volatile p = argc > 5 ? argv[0] : 0; return (int)strlen(p); }'
    $Programs = @{
        nr = @{ Exe = (Join-Path $TestDrive "snap-$Tag-nr"); Source = $Crasher; Mode = 'nullread' }
        ud = @{ Exe = (Join-Path $TestDrive "snap-$Tag-ud"); Source = $Crasher; Mode = 'ud2' }
        lc = @{ Exe = (Join-Path $TestDrive "snap-$Tag-lc"); Source = $LibcSource; Mode = '' }
    }
    foreach ($p in $Programs.Values) {
        & gcc -O0 -o $p.Exe $p.Source 2>&1 | Out-Null
        if ($LASTEXITCODE -ne 0) { $SkipReason = "gcc could not build $($p.Source)"; return }
    }

    $Since = (Get-Date).AddSeconds(-1)
    $Logged = @{}
    foreach ($k in 'nr', 'lc', 'ud') {
        $p = $Programs[$k]
        $Logged[$k] = Invoke-Crash $p.Exe $p.Mode
        if (-not $Logged[$k]) { $Logged[$k] = Invoke-Crash $p.Exe $p.Mode }
    }
    Start-Sleep -Milliseconds 500
    $Until = Get-Date

    $Archive = Export-SegfaultSnapshot -Path (Join-Path $TestDrive 'evidence.tar.gz') -Since $Since -Until $Until -ErrorVariable ExportErrors
    $Extracted = Join-Path $TestDrive 'evidence'
    New-Item -ItemType Directory -Path $Extracted | Out-Null
    & tar xzf $Archive.FullName -C $Extracted
    $TarExit = $LASTEXITCODE

    $Live = @(Get-SegfaultDiagnosis -Since $Since -Until $Until -WarningAction SilentlyContinue)
    $Fresh = Invoke-FreshDiagnosis $Extracted

    $Redacted = Export-SegfaultSnapshot -Path (Join-Path $TestDrive 'shared.tar.gz') -Since $Since -Until $Until -Redact
    $RedactedTree = Join-Path $TestDrive 'shared'
    New-Item -ItemType Directory -Path $RedactedTree | Out-Null
    & tar xzf $Redacted.FullName -C $RedactedTree
    $FreshRedacted = Invoke-FreshDiagnosis $RedactedTree
}

Describe 'Export-SegfaultSnapshot of this machine, diagnosed elsewhere' {
    It 'writes one gzip''d tar and returns its FileInfo, without errors' {
        if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason; return }
        $ExportErrors | Should -BeNullOrEmpty
        $Archive | Should -BeOfType System.IO.FileInfo
        $Archive.FullName | Should -Be (Join-Path $TestDrive 'evidence.tar.gz')
        $TarExit | Should -Be 0
        (& tar tzf $Archive.FullName | Select-Object -First 1) | Should -Be 'MANIFEST.txt'
        foreach ($f in 'var/log/kern.log', 'proc/cpuinfo', 'etc/hostname', 'etc/os-release', '.segfaulttools/ldconfig-p.txt', 'sys/devices/system/cpu/online') {
            Join-Path $Extracted $f | Should -Exist
        }
        Get-ChildItem $TestDrive -Force -Filter '*.partial' | Should -BeNullOrEmpty
    }

    It 'holds the crashes the test caused, with their Code: lines' {
        if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason; return }
        $kern = Get-Content (Join-Path $Extracted 'var/log/kern.log')
        foreach ($k in $Logged.Keys | Where-Object { $Logged[$_] }) {
            $kern -match [regex]::Escape("snap-$Tag-$k[") | Should -Not -BeNullOrEmpty -Because "the $k crash was logged"
        }
        $kern -match ' kernel: .*Code: ' | Should -Not -BeNullOrEmpty
        $kern | Should -Not -Match 'systemd\['
        @(Get-SegfaultEvent -Path (Join-Path $Extracted 'var/log/kern.log') -ProcessName "snap-$Tag-*").Count | Should -Be @($Logged.Values | Where-Object { $_ }).Count
    }

    It 'keeps the bytes around the libc crash with the file''s build id, and a stand-in where the module was' {
        if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason; return }
        if (-not $Logged.lc) { Set-ItResult -Skipped -Because 'the kernel did not log the libc crash (rate limit)'; return }
        $event = Get-SegfaultEvent -Path (Join-Path $Extracted 'var/log/kern.log') -ProcessName "snap-$Tag-lc" | Select-Object -First 1
        $txt = Get-ChildItem (Join-Path $Extracted '.segfaulttools/modules') -Filter ('{0}@{1:x}.txt' -f $event.Module, $event.FileOffset)
        $txt | Should -Not -BeNullOrEmpty
        $text = Get-Content -Raw $txt.FullName
        $text | Should -Match 'Build ID: [0-9a-f]{16,}'
        $text | Should -Match 'Code bytes at capture: Match'
        $path = ($text -split "`n" | Where-Object { $_ -like 'Path: *' }) -replace '^Path: ', ''
        (Get-Item (Join-Path $Extracted $path.Trim())).Length | Should -Be (Get-Item $path.Trim()).Length
        (Get-Item ([IO.Path]::ChangeExtension($txt.FullName, '.bin'))).Length | Should -Be 128
    }

    It 'a fresh pwsh diagnoses the extracted snapshot as this machine is diagnosed live' {
        if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason; return }
        $Fresh.Errors | Should -BeNullOrEmpty
        $Fresh.Findings.Count | Should -BeGreaterThan 0
        @($Fresh.Findings.Cause) | Should -Be @($Live.Cause | ForEach-Object { "$_" })
        $expected = @(Format-Finding $Live)
        $actual = @(Format-Finding $Fresh.Findings)
        $actual | Should -Be $expected
        # The one line allowed to differ says where the evidence came from (an Inconclusive finding's first line).
        if (@($Live.Evidence) -match 'from this machine$') {
            @($Fresh.Findings.Evidence) -match ([regex]::Escape("from the captured tree $Extracted") + '$') | Should -Not -BeNullOrEmpty
        }
    }

    It 'checked the libc crash''s code bytes on the snapshot as it did live' {
        if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason; return }
        if (-not $Logged.lc) { Set-ItResult -Skipped -Because 'the kernel did not log the libc crash (rate limit)'; return }
        $line = @($Live.AgainstIt) -match 'code bytes of \d+ crash\(es\) match the module files on disk'
        $line | Should -Not -BeNullOrEmpty
        @($Fresh.Findings.AgainstIt) -match 'code bytes of \d+ crash\(es\) match the module files on disk' | Should -Be $line
    }

    It 'lists every file in MANIFEST.txt with its size and where it came from' {
        if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason; return }
        $manifest = Get-Content -Raw (Join-Path $Extracted 'MANIFEST.txt')
        $manifest | Should -Match 'Redacted:   no'
        foreach ($file in Get-ChildItem -Recurse -File -Force $Extracted | Where-Object { -not $_.LinkTarget -and $_.Name -ne 'MANIFEST.txt' }) {
            $relative = [IO.Path]::GetRelativePath($Extracted, $file.FullName)
            $manifest | Should -Match ("\n +{0}(?: \(stores \d+\))?  {1}\n +from " -f $file.Length, [regex]::Escape($relative))
        }
    }
}

Describe 'Export-SegfaultSnapshot -Redact' {
    It 'leaves no host name, user name or address of this machine in any file' {
        if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason; return }
        $secrets = [System.Collections.Generic.List[string]]::new()
        $secrets.Add([Environment]::MachineName)
        Get-Content /etc/passwd | ForEach-Object { $f = $_ -split ':'; if ([int]$f[2] -ge 1000 -and [int]$f[2] -lt 65534) { $secrets.Add($f[0]) } }
        Get-ChildItem /home -Directory -ErrorAction SilentlyContinue | ForEach-Object { $secrets.Add($_.Name) }
        foreach ($nic in [System.Net.NetworkInformation.NetworkInterface]::GetAllNetworkInterfaces()) {
            foreach ($a in $nic.GetIPProperties().UnicastAddresses) {
                if (-not [System.Net.IPAddress]::IsLoopback($a.Address)) { $secrets.Add(($a.Address.ToString() -replace '%.*$', '')) }
            }
            $mac = $nic.GetPhysicalAddress().GetAddressBytes()
            if ($mac.Count -eq 6 -and ($mac | Where-Object { $_ -ne 0 })) { $secrets.Add((($mac | ForEach-Object { '{0:x2}' -f $_ }) -join ':')) }
        }
        $secrets = @($secrets | Where-Object { $_.Length -ge 2 -and $_ -notin 'localhost', 'root' } | Sort-Object -Unique)
        $secrets | Should -Not -BeNullOrEmpty
        $files = @(Get-ChildItem -Recurse -File -Force $RedactedTree | Where-Object { -not $_.LinkTarget })
        $checked = 0
        foreach ($file in $files) {
            $bytes = [IO.File]::ReadAllBytes($file.FullName)
            if ($file.Name.EndsWith('.gz')) {
                $gz = [IO.Compression.GZipStream]::new([IO.MemoryStream]::new($bytes), [IO.Compression.CompressionMode]::Decompress)
                $text = [IO.StreamReader]::new($gz).ReadToEnd()
            }
            elseif ([Array]::IndexOf($bytes, [byte]0) -ge 0) { continue } # module bytes and stand-ins: machine code, not text
            else { $text = [Text.Encoding]::UTF8.GetString($bytes) }
            $checked++
            foreach ($s in $secrets) {
                $text | Should -Not -Match ('(?i)(?<![A-Za-z0-9_-]){0}(?![A-Za-z0-9_-])' -f [regex]::Escape($s)) -Because "$($file.FullName) must not name this machine"
            }
            # Path names inside the archive too.
            foreach ($s in $secrets) { $file.FullName.Substring($RedactedTree.Length) | Should -Not -Match ('(?i)(?<![A-Za-z0-9_-]){0}(?![A-Za-z0-9_-])' -f [regex]::Escape($s)) }
        }
        $checked | Should -BeGreaterThan 10
        Get-Content (Join-Path $RedactedTree 'etc/hostname') | Should -Be 'host-1'
        Get-Content -Raw (Join-Path $RedactedTree 'MANIFEST.txt') | Should -Match 'host names +1 different'
    }

    It 'still diagnoses: the same causes in the same order, for host-1' {
        if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason; return }
        $FreshRedacted.Errors | Should -BeNullOrEmpty
        @($FreshRedacted.Findings.Cause) | Should -Be @($Live.Cause | ForEach-Object { "$_" })
        @($FreshRedacted.Findings.ComputerName | Sort-Object -Unique) | Should -Be @('host-1')
    }
}

Describe 'Export-SegfaultSnapshot writes only the file it is asked for' {
    It 'refuses to overwrite a file without -Force (PathExists), and overwrites it with -Force' {
        if (-not $IsLinux) { Set-ItResult -Skipped -Because 'not Linux'; return }
        $path = Join-Path $TestDrive 'exists.tar.gz'
        Set-Content -Path $path -Value 'keep me'
        { Export-SegfaultSnapshot -Path $path -ErrorAction Stop } | Should -Throw -ErrorId "PathExists,$CommandId"
        Get-Content $path | Should -Be 'keep me'
        if ($SkipReason) { return }
        $f = Export-SegfaultSnapshot -Path $path -Force -Since (Get-Date).AddMinutes(-1) -ErrorAction SilentlyContinue
        $f.Length | Should -BeGreaterThan 100
        (& tar tzf $path | Select-Object -First 1) | Should -Be 'MANIFEST.txt'
    }

    It '-WhatIf writes nothing at all' {
        if (-not $IsLinux) { Set-ItResult -Skipped -Because 'not Linux'; return }
        $folder = Join-Path $TestDrive 'whatif'
        New-Item -ItemType Directory -Path $folder | Out-Null
        Export-SegfaultSnapshot -Path (Join-Path $folder 'x.tar.gz') -WhatIf | Should -BeNullOrEmpty
        Get-ChildItem -Force $folder | Should -BeNullOrEmpty
    }

    It 'says when -Since is after -Until, and when the path is not a file in an existing folder' {
        if (-not $IsLinux) { Set-ItResult -Skipped -Because 'not Linux'; return }
        { Export-SegfaultSnapshot -Path (Join-Path $TestDrive 'w.tar.gz') -Since (Get-Date) -Until (Get-Date).AddDays(-1) -ErrorAction Stop } |
            Should -Throw -ErrorId "SinceAfterUntil,$CommandId"
        { Export-SegfaultSnapshot -Path (Join-Path $TestDrive 'no/such/folder.tar.gz') -ErrorAction Stop } | Should -Throw -ErrorId "ParentNotFound,$CommandId"
        { Export-SegfaultSnapshot -Path $TestDrive -ErrorAction Stop } | Should -Throw -ErrorId "PathIsDirectory,$CommandId"
        { Export-SegfaultSnapshot -Path env:snapshot -ErrorAction Stop } | Should -Throw -ErrorId "PathNotFileSystem,$CommandId"
    }
}
