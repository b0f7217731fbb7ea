# Tab completion: -ProcessName and -Module complete the names seen in the log the command line
# names (real kernel lines: the ipt2socks and WebExtensions reports listed in
# tests/fixtures/kernel-lines/SOURCES.md).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../SegfaultTools.psd1) -Force
    $log = Join-Path $TestDrive 'kern.log'
    Set-Content -Path $log -Value @(
        '[90165.891129] ipt2socks[23624]: segfault at 7f743ba13998 ip 000000000040aebd sp 00007ffc5ed483f0 error 4 in ipt2socks[404000+1a000]'
        '[ 2232.112498] .gnome-shell-wr[12249]: segfault at 0 ip 00007fb3db57269d sp 00007fffae64a118 error 4 in libc.so.6[7fb3db430000+167000] likely on CPU 2 (core 2, socket 0)'
        '[  +2.205738] Web Content[3562]: segfault at 0 ip 00007f2469f11fc3 sp 00007ffcc20ad090 error 6 in libxul.so[7f2469c1d000+6a7a000]'
    )
    function Complete([string] $line) {
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches
    }
}

Describe 'Argument completion for Get-SegfaultEvent' {
    It 'completes -ProcessName from the names in the -Path log' {
        $m = Complete "Get-SegfaultEvent -Path '$log' -ProcessName ip"
        $m.CompletionText | Should -Be @('ipt2socks')
    }

    It 'quotes a name with a space and offers every name for an empty word' {
        $m = Complete "Get-SegfaultEvent -Path '$log' -ProcessName "
        $m.ListItemText | Should -Be @('.gnome-shell-wr', 'ipt2socks', 'Web Content')
        ($m | Where-Object ListItemText -eq 'Web Content').CompletionText | Should -Be "'Web Content'"
    }

    It 'completes -Module from the modules in the log' {
        $m = Complete "Get-SegfaultEvent -Path '$log' -Module lib"
        $m.CompletionText | Should -Be @('libc.so.6', 'libxul.so')
    }

    It 'completes from a -LiteralPath log too, and returns nothing for a missing file' {
        (Complete "Get-SegfaultEvent -LiteralPath '$log' -Module ipt").CompletionText | Should -Be @('ipt2socks')
        @(Complete "Get-SegfaultEvent -Path '$TestDrive/missing.log' -Module ").Count | Should -Be 0
    }

    It 'turns control characters in a name into ? (never raw into the command line)' {
        $esc = [char]27
        Set-Content -Path (Join-Path $TestDrive 'esc.log') -Value "[  1.000000] bad${esc}comm[42]: segfault at 0 ip 0000000000401000 sp 00007ffd00000000 error 4 in badcomm[400000+2000]"
        $m = Complete "Get-SegfaultEvent -Path '$TestDrive/esc.log' -ProcessName bad"
        $m.CompletionText | Should -Be @('bad?comm')
    }
}
