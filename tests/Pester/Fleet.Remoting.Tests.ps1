# A fleet over PowerShell remoting, for real: a private sshd on loopback (tests/tools/ssh-remoting)
# serves two "hosts", 127.0.0.1 and ::1 (127.0.0.3 where the machine has no IPv6 loopback), and
# each answers from a different captured tree, chosen by the address it was reached on. What comes
# back through SSH remoting's serialization must give one diagnosis per host, join with the same
# host's core map and system profile by ComputerName, keep every property of every output type as a
# value, and a host that cannot be reached must be named in its error while the others are still
# diagnosed. Runs as root only (it installs openssh-server from Debian where sshd is missing and runs
# sshd); otherwise every test is skipped with the reason.

BeforeAll {
    $Repo = (Resolve-Path (Join-Path $PSScriptRoot ../..)).ProviderPath
    $Manifest = Join-Path $Repo SegfaultTools.psd1
    Import-Module $Manifest -Force
    $Fixtures = Join-Path $Repo tests/fixtures/diagnosis
    $Templates = Join-Path $Repo tests/tools/ssh-remoting
    $Expectations = Get-Content -Raw (Join-Path $Fixtures expectations.json) | ConvertFrom-Json -AsHashtable

    # A syslog stamp has no year: readers take the latest year that does not put it after the log
    # file's last write, so each tree is copied and its logs given the time it was captured (as in
    # Get-SegfaultDiagnosis.Tests.ps1).
    function Get-Tree([string] $Name) {
        $copy = Join-Path $TestDrive "trees/$Name"
        if (-not (Test-Path $copy)) {
            New-Item -ItemType Directory -Path (Split-Path $copy) -Force | Out-Null
            Copy-Item -Recurse (Join-Path $Fixtures $Name) $copy
            if ($Expectations[$Name].capturedAt) {
                $when = [DateTimeOffset]::Parse($Expectations[$Name].capturedAt, [Globalization.CultureInfo]::InvariantCulture).LocalDateTime
                Get-ChildItem -Recurse -File (Join-Path $copy 'var/log') -ErrorAction Ignore | ForEach-Object { $_.LastWriteTime = $when }
            }
        }
        $copy
    }

    function Get-Ranking($Findings) { ($Findings | Where-Object { $_.Summary -notlike 'Evidence gap*' } | ForEach-Object { "$($_.ComputerName)/$($_.Cause)/$($_.Level)/$($_.Confidence)" }) -join ' ' }

    # apt-get install with services kept from starting: Debian's openssh-server would start the
    # system sshd on port 22 otherwise. A policy-rc.d that is already there (Docker images) is kept.
    function Install-DebianPackage([string[]] $Name) {
        $policy = '/usr/sbin/policy-rc.d'
        $ownPolicy = -not (Test-Path $policy)
        $frontend = $env:DEBIAN_FRONTEND
        try {
            if ($ownPolicy) {
                Set-Content -Path $policy -Value "#!/bin/sh`nexit 101"
                & chmod 755 $policy
            }
            $env:DEBIAN_FRONTEND = 'noninteractive'
            $out = & apt-get install -y -q --no-install-recommends @Name 2>&1
            if ($LASTEXITCODE -ne 0) {
                & apt-get update -q *> $null
                $out = & apt-get install -y -q --no-install-recommends @Name 2>&1
            }
            if ($LASTEXITCODE -ne 0) { return "apt-get install $Name failed: $(($out | Select-Object -Last 3) -join ' ')" }
        }
        finally {
            $env:DEBIAN_FRONTEND = $frontend
            if ($ownPolicy) { Remove-Item -Force $policy -ErrorAction Ignore }
        }
    }

    function Get-SkipReason {
        if (-not $IsLinux) { return 'SSH remoting to a private sshd is tested on Linux only' }
        $uid = (& id -u)
        if ($uid -ne '0') { return "running sshd and installing openssh-server need root (uid is $uid)" }
        if (-not (Get-Command dotnet -CommandType Application -ErrorAction Ignore)) { return 'dotnet is not on PATH: the powershell subsystem runs the repository''s local pwsh tool through it' }
        $missing = @()
        if (-not (Get-Command sshd -CommandType Application -ErrorAction Ignore) -and -not (Test-Path /usr/sbin/sshd)) { $missing += 'openssh-server' }
        if (-not (Get-Command ssh -CommandType Application -ErrorAction Ignore)) { $missing += 'openssh-client' }
        if ($missing) {
            if (-not (Get-Command apt-get -ErrorAction Ignore)) { return "$($missing -join ' and ') is not installed and there is no apt-get to install it" }
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $failed = Install-DebianPackage $missing
            if ($failed) { return $failed }
            Write-Host ("Installed {0} from Debian in {1:N1} s." -f ($missing -join ', '), $clock.Elapsed.TotalSeconds)
        }
    }

    # A port free on every address sshd will listen on.
    function Get-FreePort([Net.IPAddress[]] $Address) {
        for ($try = 0; $try -lt 20; $try++) {
            $listeners = [Collections.Generic.List[Net.Sockets.TcpListener]]::new()
            try {
                $first = [Net.Sockets.TcpListener]::new($Address[0], 0)
                $listeners.Add($first)
                $first.Start()
                $port = $first.LocalEndpoint.Port
                foreach ($a in $Address | Select-Object -Skip 1) {
                    $l = [Net.Sockets.TcpListener]::new($a, $port)
                    $listeners.Add($l)
                    $l.Start()
                }
                return $port
            }
            catch [Net.Sockets.SocketException] { }
            finally { $listeners | ForEach-Object { $_.Stop() } }
        }
        throw "No port is free on $($Address -join ' and ') after 20 tries."
    }

    function Test-CanListen([Net.IPAddress] $Address) {
        try { $l = [Net.Sockets.TcpListener]::new($Address, 0); $l.Start(); $l.Stop(); $true } catch { $false }
    }

    function Expand-Template([string] $Template, [hashtable] $Field, [string] $Path) {
        $text = Get-Content -Raw (Join-Path $Templates $Template)
        foreach ($k in $Field.Keys) { $text = $text.Replace("{{$k}}", $Field[$k]) }
        if ($text -match '\{\{\w+\}\}') { throw "$Template has a field the test does not fill: $($Matches[0])" }
        Set-Content -Path $Path -Value $text -NoNewline
    }

    function ConvertTo-ShQuoted([string] $Text) { "'" + $Text.Replace("'", "'\''") + "'" }

    # Every property the module's object has, compared with what came back through remoting. A value
    # type PowerShell's serializer knows comes back as itself; an enum as its name; a DateTimeOffset
    # (which the serializer does not know) as its invariant text; a collection as a list of the same
    # elements; a nested object as an object with the same properties, never as its ToString().
    # -TypesOnly: for results that differ between runs, only that each value has the right kind.
    function Compare-AfterRemoting($Local, $Remote, [string] $Path, [switch] $TypesOnly) {
        if ($null -eq $Local -or $null -eq $Remote) {
            if (-not $TypesOnly -and ($null -ne $Local -or $null -ne $Remote)) { "${Path}: '$Local' became '$Remote'" }
            return
        }
        $type = $Local.GetType()
        if ($type.IsEnum) {
            $parsed = $null
            if ($Remote -isnot [string] -or -not [Enum]::TryParse($type, $Remote, $true, [ref] $parsed)) { "${Path}: the $($type.Name) came back as '$Remote' ($($Remote.GetType().Name))" }
            elseif (-not $TypesOnly -and $parsed -ne $Local) { "${Path}: $Local became $parsed" }
        }
        elseif ($Local -is [DateTimeOffset]) {
            # The serializer writes a DateTimeOffset it does not know as its ToString() text; at a
            # greater SerializationDepth it becomes a bag of its properties.
            $parsed = [DateTimeOffset]::MinValue
            $ok = if ($Remote -is [DateTimeOffset]) { $parsed = $Remote; $true }
            elseif ($Remote -is [string]) { [DateTimeOffset]::TryParse($Remote, [Globalization.CultureInfo]::InvariantCulture, [Globalization.DateTimeStyles]::None, [ref] $parsed) }
            elseif ($Remote.UtcTicks -is [long] -and $Remote.Offset -is [TimeSpan]) { $parsed = [DateTimeOffset]::new($Remote.UtcTicks, [TimeSpan]::Zero).ToOffset($Remote.Offset); $true }
            if (-not $ok) { "${Path}: the time came back as '$Remote'" }
            # Remoting sends a DateTimeOffset as text with whole seconds: the second and the offset must survive.
            elseif (-not $TypesOnly -and ([long][Math]::Floor($parsed.UtcTicks / 1e7) -ne [long][Math]::Floor($Local.UtcTicks / 1e7) -or $parsed.Offset -ne $Local.Offset)) { "${Path}: $($Local.ToString('o')) became $($parsed.ToString('o'))" }
        }
        elseif ($type.IsPrimitive -or $Local -is [string] -or $Local -is [decimal] -or $Local -is [TimeSpan] -or $Local -is [DateTime] -or $Local -is [guid]) {
            if ($Remote.GetType() -ne $type) { "${Path}: the $($type.Name) came back as $($Remote.GetType().Name) '$Remote'" }
            elseif (-not $TypesOnly -and $Remote -ne $Local) { "${Path}: '$Local' became '$Remote'" }
        }
        elseif ($Local -is [Collections.IEnumerable]) {
            if ($Remote -is [string] -or $Remote -isnot [Collections.IList]) { "${Path}: the list came back as the $($Remote.GetType().Name) '$Remote'"; return }
            $l = @($Local)
            if ($l.Count -ne $Remote.Count) { "${Path}: $($l.Count) items became $($Remote.Count)"; return }
            for ($i = 0; $i -lt $l.Count; $i++) { Compare-AfterRemoting $l[$i] $Remote[$i] "$Path[$i]" -TypesOnly:$TypesOnly }
        }
        else {
            $names = @($Local.PSObject.Properties | Where-Object MemberType -eq Property | ForEach-Object Name)
            if ($Remote -is [string]) { "${Path}: the $($type.Name) came back as the string '$Remote', not an object with $($names -join ', ')"; return }
            foreach ($name in $names) {
                $remoteProperty = $Remote.PSObject.Properties[$name]
                if (-not $remoteProperty) { "${Path}.${name}: missing after remoting"; continue }
                Compare-AfterRemoting $Local.$name $remoteProperty.Value "$Path.$name" -TypesOnly:$TypesOnly
            }
        }
    }

    $SkipReason = Get-SkipReason
    if ($SkipReason) {
        Write-Host "Skipping the SSH remoting tests: $SkipReason."
        return
    }

    $SetupClock = [Diagnostics.Stopwatch]::StartNew()
    # The two hosts, the trees they answer from, and an address where nothing listens.
    $Second = if (Test-CanListen ([Net.IPAddress]::IPv6Loopback)) { '::1' } else { '127.0.0.3' }
    $Hosts = @('127.0.0.1', $(if ($Second -eq '::1') { '[::1]' } else { $Second }))
    $Unreachable = '127.0.0.2'
    $Trees = @{ '127.0.0.1' = Get-Tree seed-13900ks; $Second = Get-Tree contrast-library-bug }
    $LibraryRoot = $Trees[$Second]
    $XidRoot = Get-Tree contrast-xid79
    $GpuRoot = Join-Path $Repo tests/fixtures/gpu/trees/nvidia-open-590
    $SeedName = (Get-Content (Join-Path $Trees['127.0.0.1'] etc/hostname)).Trim()
    $OtherName = (Get-Content (Join-Path $Trees[$Second] etc/hostname)).Trim()
    $Port = Get-FreePort ([Net.IPAddress]::Parse('127.0.0.1'), [Net.IPAddress]::Parse($Second))

    # Keys, config and subsystem wrapper, all under TestDrive.
    $SshDir = Join-Path $TestDrive ssh
    New-Item -ItemType Directory -Path $SshDir | Out-Null
    $HostKey = Join-Path $SshDir host_ed25519
    $ClientKey = Join-Path $SshDir client_ed25519
    foreach ($key in $HostKey, $ClientKey) {
        $out = & ssh-keygen -q -t ed25519 -N '' -C "segfaulttools-fleet-test" -f $key 2>&1
        if ($LASTEXITCODE -ne 0) { throw "ssh-keygen failed: $out" }
    }
    $AuthorizedKeys = Join-Path $SshDir authorized_keys
    Copy-Item "$ClientKey.pub" $AuthorizedKeys

    $dotnet = (Get-Command dotnet -CommandType Application | Select-Object -First 1).Source
    $dotnetRoot = if ($env:DOTNET_ROOT) { $env:DOTNET_ROOT } else { Split-Path ((Get-Item $dotnet).ResolvedTarget ?? $dotnet) }
    $exports = [ordered]@{
        HOME                        = $HOME
        DOTNET_ROOT                 = $dotnetRoot
        PATH                        = "$(Split-Path $dotnet):/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        DOTNET_NOLOGO               = '1'
        DOTNET_CLI_TELEMETRY_OPTOUT = '1'
    }
    foreach ($name in 'NUGET_PACKAGES', 'DOTNET_CLI_HOME') {
        if ([Environment]::GetEnvironmentVariable($name)) { $exports[$name] = [Environment]::GetEnvironmentVariable($name) }
    }
    $Wrapper = Join-Path $SshDir powershell-subsystem.sh
    Expand-Template powershell-subsystem.sh.template -Path $Wrapper -Field @{
        Exports  = ($exports.Keys | ForEach-Object { "export $_=$(ConvertTo-ShQuoted $exports[$_])" }) -join "`n"
        RepoRoot = ConvertTo-ShQuoted $Repo
        Dotnet   = ConvertTo-ShQuoted $dotnet
    }
    & chmod 755 $Wrapper
    $User = [Environment]::UserName
    $Config = Join-Path $SshDir sshd_config
    Expand-Template sshd_config.template -Path $Config -Field @{
        ListenAddresses    = "ListenAddress 127.0.0.1:$Port`nListenAddress $($Hosts[1]):$Port"
        HostKey            = $HostKey
        PidFile            = Join-Path $SshDir sshd.pid
        AuthorizedKeysFile = $AuthorizedKeys
        UserName           = $User
        Subsystem          = $Wrapper
    }

    # sshd needs its privilege separation directory, which only the system service creates.
    $OwnRunDir = -not (Test-Path /run/sshd)
    if ($OwnRunDir) { New-Item -ItemType Directory -Path /run/sshd | Out-Null }
    $sshdPath = (Get-Command sshd -CommandType Application -ErrorAction Ignore | Select-Object -First 1).Source ?? '/usr/sbin/sshd'
    $check = & $sshdPath -t -f $Config 2>&1
    if ($LASTEXITCODE -ne 0) { throw "sshd rejects the test's configuration: $check" }
    $SshdLog = Join-Path $SshDir sshd.log
    $Sshd = Start-Process -FilePath $sshdPath -ArgumentList '-D', '-f', $Config, '-e' -RedirectStandardError $SshdLog -RedirectStandardOutput (Join-Path $SshDir sshd.out) -PassThru
    $ready = [Diagnostics.Stopwatch]::StartNew()
    while ($true) {
        if ($Sshd.HasExited) { throw "sshd exited with $($Sshd.ExitCode): $(Get-Content -Raw $SshdLog)" }
        $client = [Net.Sockets.TcpClient]::new()
        try { $client.Connect('127.0.0.1', $Port); break } catch { } finally { $client.Dispose() }
        if ($ready.Elapsed.TotalSeconds -gt 10) { throw "sshd did not listen on port $Port within 10 s: $(Get-Content -Raw $SshdLog)" }
        Start-Sleep -Milliseconds 100
    }

    $SshdStarted = $SetupClock.Elapsed
    $Connect = @{
        UserName    = $User
        Port        = $Port
        KeyFilePath = $ClientKey
        Options     = @{ StrictHostKeyChecking = 'no'; UserKnownHostsFile = '/dev/null'; LogLevel = 'ERROR' }
    }
    # Sessions kept open for the tests that need several calls; each knows its own tree as $Root.
    $Sessions = @(New-PSSession -HostName $Hosts @Connect)
    if ($Sessions.Count -ne 2) { throw "New-PSSession opened $($Sessions.Count) of 2 sessions: $(Get-Content -Raw $SshdLog)" }
    Invoke-Command -Session $Sessions {
        Import-Module $using:Manifest
        $Root = ($using:Trees)[($env:SSH_CONNECTION -split ' ')[2]]
        $LibraryRoot = $using:LibraryRoot
        $XidRoot = $using:XidRoot
        $GpuRoot = $using:GpuRoot
    } -ErrorAction Stop
    $SeedSession = $Sessions | Where-Object ComputerName -eq '127.0.0.1'
    Write-Host ("sshd on {0} port {1}; sshd started in {2:N1} s, both sessions ready after {3:N1} s." -f ($Hosts -join ' and '), $Port, $SshdStarted.TotalSeconds, $SetupClock.Elapsed.TotalSeconds)
}

AfterAll {
    if ($Sessions) { $Sessions | Remove-PSSession -ErrorAction SilentlyContinue }
    if ($Sshd) {
        # The listener, the per-connection sshd processes and their pwsh subsystems.
        if (-not $Sshd.HasExited) { $Sshd.Kill($true) }
        $null = $Sshd.WaitForExit(10000)
        $left = @(Get-ChildItem /proc -Directory -ErrorAction Ignore | Where-Object Name -match '^\d+$' | Where-Object {
                (Get-Content -Raw "/proc/$($_.Name)/cmdline" -ErrorAction Ignore) -like "*$Config*"
            } | ForEach-Object Name)
    }
    if ($OwnRunDir) { Remove-Item -Force /run/sshd -ErrorAction Ignore }
    Remove-Module SegfaultTools -Force -ErrorAction SilentlyContinue
    if ($Sshd -and (-not $Sshd.HasExited -or $left)) { throw "The test's sshd is still running (pids $(@($Sshd.Id) + $left -join ', '))." }
}

Describe 'A fleet over SSH remoting' {
    It 'gives one diagnosis per host: Invoke-Command -HostName … { Get-SegfaultEvent } | Get-SegfaultDiagnosis' {
        if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason; return }
        $events = @(Invoke-Command -HostName $Hosts @Connect {
                Import-Module $using:Manifest
                Get-SegfaultEvent -Root ($using:Trees)[($env:SSH_CONNECTION -split ' ')[2]]
            })
        @($events.PSComputerName | Sort-Object -Unique) | Should -Be @($Hosts | Sort-Object)
        $events[0].PSObject.TypeNames[0] | Should -Be 'Deserialized.SegfaultTools.SegfaultEvent'

        $findings = @($events | Get-SegfaultDiagnosis -ErrorVariable problems -WarningAction SilentlyContinue)
        $problems | Should -BeNullOrEmpty
        @($findings.ComputerName | Sort-Object -Unique) | Should -Be @($SeedName, $OtherName | Sort-Object)
        $seed = @($findings | Where-Object ComputerName -eq $SeedName)
        $other = @($findings | Where-Object ComputerName -eq $OtherName)
        $seed[0].Cause | Should -Be CpuInstability -Because $seed[0].Summary
        $other[0].Cause | Should -BeIn LibraryBug, ApplicationBug -Because $other[0].Summary
        # Crash records alone do not name the CPU model: that comes with the profile (next test).
        ($seed[0].Evidence -join "`n") | Should -Not -Match '13900KS'
    }

    It 'joins each host''s core map and system profile by ComputerName' {
        if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason; return }
        $evidence = @(Invoke-Command -Session $Sessions { Get-SegfaultEvent -Root $Root }) +
            @(Invoke-Command -Session $Sessions { Get-HybridCoreMap -Root $Root }) +
            @(Invoke-Command -Session $Sessions { Get-SystemProfile -Root $Root })
        $findings = @($evidence | Get-SegfaultDiagnosis -WarningAction SilentlyContinue)

        $cpu = $findings | Where-Object { $_.ComputerName -eq $SeedName -and $_.Cause -eq 'CpuInstability' }
        $cpu.Rank | Should -Be 1
        $cpu.Level | Should -Be High
        ($cpu.Evidence -join "`n") | Should -Match 'i9-13900KS'
        ($cpu.Evidence -join "`n") | Should -Match 'microcode'
        # The seed's profile must not leak into the other host's findings.
        (($findings | Where-Object ComputerName -eq $OtherName).Evidence -join "`n") | Should -Not -Match '13900KS'

        # The same ranking as the same evidence read here, without remoting.
        $local = foreach ($tree in $Trees['127.0.0.1'], $Trees[$Second]) { Get-SegfaultEvent -Root $tree; Get-HybridCoreMap -Root $tree; Get-SystemProfile -Root $tree }
        Get-Ranking $findings | Should -Be (Get-Ranking @($local | Get-SegfaultDiagnosis -WarningAction SilentlyContinue))
    }

    It 'ranks every fixture tree''s remoted evidence as it ranks the same evidence read here' {
        if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason; return }
        $all = [ordered]@{}
        foreach ($name in ($Expectations.Keys | Sort-Object)) { $all[$name] = Get-Tree $name }
        $gather = {
            param($Tree)
            # Trees that lack a part (no sys/ for the core map, no NVIDIA files) make errors that do not matter here.
            $ErrorActionPreference = 'SilentlyContinue'
            Get-SegfaultEvent -Root $Tree; Get-HardwareErrorEvent -Root $Tree; Get-HybridCoreMap -Root $Tree; Get-SystemProfile -Root $Tree
            Get-GpuDriverInfo -Root $Tree -WarningAction SilentlyContinue
        }
        $remote = Invoke-Command -Session $SeedSession {
            foreach ($name in $using:all.Keys) {
                & ([scriptblock]::Create($using:gather)) ($using:all)[$name] |
                    Add-Member -NotePropertyName FixtureTree -NotePropertyValue $name -PassThru
            }
        } | Group-Object FixtureTree -AsHashTable
        $differ = foreach ($name in $all.Keys) {
            $here = Get-Ranking @(& $gather $all[$name] | Get-SegfaultDiagnosis -WarningAction SilentlyContinue)
            $there = Get-Ranking @($remote[$name] | Get-SegfaultDiagnosis -WarningAction SilentlyContinue)
            if ($here -ne $there) { "${name}: here '$here', after remoting '$there'" }
        }
        $differ | Should -BeNullOrEmpty -Because ($differ -join '; ')
    }

    It 'names the host it cannot reach and still diagnoses the others' {
        if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason; return }
        $events = @(Invoke-Command -HostName ($Hosts + $Unreachable) @Connect {
                Import-Module $using:Manifest
                Get-SegfaultEvent -Root ($using:Trees)[($env:SSH_CONNECTION -split ' ')[2]]
            } -ErrorVariable problems -ErrorAction SilentlyContinue)
        $problems.Count | Should -Be 1
        $problems[0].TargetObject | Should -Be $Unreachable
        $problems[0].FullyQualifiedErrorId | Should -Be 'PSSessionStateBroken'
        $problems[0].CategoryInfo.Category | Should -Be OpenError
        "$($problems[0])" | Should -Match ([regex]::Escape("[$Unreachable]"))

        $findings = @($events | Get-SegfaultDiagnosis -WarningAction SilentlyContinue)
        @($findings.ComputerName | Sort-Object -Unique) | Should -Be @($SeedName, $OtherName | Sort-Object)
    }
}

Describe 'Each output type after SSH remoting: <Type>' -ForEach @(
    # The seed's kern.log has whole seconds, the other tree's RFC 3339 stamps fractions of one.
    @{ Type = 'SegfaultEvent'; Command = 'Get-SegfaultEvent -Root $Root; Get-SegfaultEvent -Root $LibraryRoot'; RunDependent = $false }
    @{ Type = 'HardwareErrorEvent'; Command = 'Get-HardwareErrorEvent -Root $XidRoot'; RunDependent = $false }
    @{ Type = 'CpuCoreInfo'; Command = 'Get-HybridCoreMap -Root $Root'; RunDependent = $false }
    @{ Type = 'SystemProfile'; Command = 'Get-SystemProfile -Root $Root'; RunDependent = $false }
    @{ Type = 'GpuDriverInfo'; Command = 'Get-GpuDriverInfo -Root $GpuRoot -WarningAction SilentlyContinue'; RunDependent = $false }
    @{ Type = 'SegfaultFinding'; Command = 'Get-SegfaultDiagnosis -Root $Root -WarningAction SilentlyContinue'; RunDependent = $false }
    @{ Type = 'CpuStabilityResult'; Command = 'Test-CpuStability -Cpu 0 -Workload Integer -Mode AllCores -Duration 00:00:01'; RunDependent = $true }
) {
    It 'keeps every property as a value' {
        if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason; return }
        $block = [scriptblock]::Create($Command)
        $remote = @(Invoke-Command -Session $SeedSession -ScriptBlock $block)
        $Root = $Trees['127.0.0.1']
        $local = @(& $block)
        $local.Count | Should -BeGreaterThan 0
        $local[0] | Should -BeOfType "SegfaultTools.$Type"
        $remote.Count | Should -Be $local.Count
        $problems = for ($i = 0; $i -lt $local.Count; $i++) {
            if ($remote[$i].PSObject.TypeNames[0] -ne "Deserialized.SegfaultTools.$Type") { "[$i]: came back as $($remote[$i].PSObject.TypeNames[0])" }
            Compare-AfterRemoting $local[$i] $remote[$i] "$Type[$i]" -TypesOnly:([bool] $RunDependent)
        }
        $problems | Should -BeNullOrEmpty -Because (($problems | Select-Object -First 5) -join '; ')
    }
}
