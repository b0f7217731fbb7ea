<#
.SYNOPSIS
    Lays out the module as users install it and packs it as a .nupkg.

.DESCRIPTION
    From an already built repository (bin/ holds the dll): <OutputPath>/SegfaultTools/ holds exactly
    what the module needs at run time (the manifest, bin/ with the dll, the worker and the format file, en-US/
    with the help, the license and the README), and <OutputPath>/repository/ the .nupkg, made by
    PSResourceGet's own Publish-PSResource into a local file repository, so Install-PSResource and
    Save-PSResource accept it. The repository registration is temporary and removed afterwards.
#>
[CmdletBinding()]
param(
    [string] $RepoRoot = (Split-Path -Parent $PSScriptRoot),
    [string] $OutputPath = (Join-Path (Split-Path -Parent $PSScriptRoot) 'out')
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$moduleDir = Join-Path $OutputPath 'SegfaultTools'
$repository = Join-Path $OutputPath 'repository'
foreach ($dir in $moduleDir, $repository) {
    Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore
    New-Item -ItemType Directory -Path $dir -Force | Out-Null
}
New-Item -ItemType Directory -Path (Join-Path $moduleDir 'bin'), (Join-Path $moduleDir 'en-US') | Out-Null

# The worker (Test-CpuStability's pinned processes) runs with `dotnet exec`, which needs its
# runtimeconfig and deps files beside it.
foreach ($file in 'bin/SegfaultTools.dll', 'bin/SegfaultTools.format.ps1xml', 'bin/SegfaultTools.types.ps1xml', 'bin/SegfaultTools.Worker.dll',
    'bin/SegfaultTools.Worker.runtimeconfig.json', 'bin/SegfaultTools.Worker.deps.json') {
    $source = Join-Path $RepoRoot $file
    if (-not (Test-Path -LiteralPath $source)) { throw "$source is missing: build first (dotnet pwsh ./build.ps1)." }
    Copy-Item -LiteralPath $source -Destination (Join-Path $moduleDir $file)
}
Copy-Item -Path (Join-Path $RepoRoot 'en-US/*') -Destination (Join-Path $moduleDir 'en-US')
foreach ($file in 'SegfaultTools.psd1', 'LICENSE', 'README.md') {
    Copy-Item -LiteralPath (Join-Path $RepoRoot $file) -Destination $moduleDir
}
$manifest = Test-ModuleManifest -Path (Join-Path $moduleDir 'SegfaultTools.psd1')

$name = "SegfaultToolsBuild-$PID"
Register-PSResourceRepository -Name $name -Uri $repository -Trusted
try {
    Publish-PSResource -Path $moduleDir -Repository $name
}
finally {
    Unregister-PSResourceRepository -Name $name
}
$package = Get-ChildItem -LiteralPath $repository -Filter '*.nupkg' | Select-Object -First 1
if (-not $package) { throw "Publish-PSResource wrote no .nupkg into $repository." }
Write-Host "Module folder: $moduleDir"
Write-Host "Package: $($package.FullName) (SegfaultTools $($manifest.Version))"
