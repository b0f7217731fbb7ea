<#
.SYNOPSIS
    Writes the module's MAML help from the PlatyPS-schema markdown in src/help.

.DESCRIPTION
    PlatyPS is not installable on our machines, so this is the project's own converter. Syntax and
    parameter metadata (types, sets, positions, pipeline binding, aliases, wildcards) come from
    Get-Command on the built module, so they can never drift from the code; the prose (synopsis,
    description, examples, parameter descriptions, inputs, outputs, notes, links) comes from the
    markdown, which keeps PlatyPS's 2024-05-01 schema so PlatyPS can take over where it exists.
    Run it in a fresh pwsh (build.ps1 -Task Help does): it imports the module from the repo root.
#>
[CmdletBinding()]
param(
    [string] $RepoRoot = (Split-Path -Parent $PSScriptRoot),
    [string] $OutputPath = (Join-Path (Split-Path -Parent $PSScriptRoot) 'en-US/SegfaultTools.dll-Help.xml')
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$module = Import-Module (Join-Path $RepoRoot 'SegfaultTools.psd1') -PassThru -Force
$commonParameters = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters

function Read-HelpMarkdown([string] $path) {
    $text = [IO.File]::ReadAllText($path) -replace "`r`n", "`n"
    if ($text -notmatch '(?s)^---\n(.*?)\n---\n(.*)$') { throw "$path has no front matter." }
    $body = $Matches[2]
    $doc = [ordered]@{ Sections = [ordered]@{} }
    $current = $null
    foreach ($line in $body -split "`n") {
        if ($line -match '^## (.+)$') {
            $current = $Matches[1].Trim()
            $doc.Sections[$current] = [Collections.Generic.List[string]]::new()
        }
        elseif ($null -ne $current) {
            $doc.Sections[$current].Add($line)
        }
    }
    $doc
}

# Splits a section's lines into "### Heading" subsections, in order.
function Split-Subsection([string[]] $lines) {
    $result = [Collections.Generic.List[object]]::new()
    $current = $null
    foreach ($line in $lines) {
        if ($line -match '^### (.+)$') {
            $current = [pscustomobject]@{ Title = $Matches[1].Trim(); Lines = [Collections.Generic.List[string]]::new() }
            $result.Add($current)
        }
        elseif ($null -ne $current) {
            $current.Lines.Add($line)
        }
    }
    $result
}

# Prose paragraphs of markdown lines: blank-line separated, fenced blocks left out, lines joined.
function Get-Paragraph([string[]] $lines) {
    $paras = [Collections.Generic.List[string]]::new()
    $buffer = [Collections.Generic.List[string]]::new()
    $inFence = $false
    foreach ($line in $lines) {
        if ($line -match '^```') { $inFence = -not $inFence; continue }
        if ($inFence) { continue }
        if ($line.Trim() -eq '') {
            if ($buffer.Count) { $paras.Add(($buffer -join ' ')); $buffer.Clear() }
        }
        else { $buffer.Add($line.Trim()) }
    }
    if ($buffer.Count) { $paras.Add(($buffer -join ' ')) }
    , $paras.ToArray()
}

function Get-Fence([string[]] $lines, [string] $language) {
    $inFence = $false; $code = [Collections.Generic.List[string]]::new(); $found = $false
    foreach ($line in $lines) {
        if (-not $inFence -and $line -match ('^```' + $language + '\s*$')) { $inFence = $true; $found = $true; continue }
        if ($inFence -and $line -match '^```\s*$') { break }
        if ($inFence) { $code.Add($line) }
    }
    if ($found) { $code -join "`n" } else { $null }
}

function Get-TypeName([type] $type) {
    if ($type.IsGenericType -and $type.GetGenericTypeDefinition() -eq [Nullable`1]) { $type = $type.GetGenericArguments()[0] }
    $type.FullName
}

$settings = [Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.IndentChars = '  '
$settings.Encoding = [Text.UTF8Encoding]::new($false)
$settings.NewLineChars = "`n"
$ns = @{
    msh = 'http://msh'
    maml = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev = 'http://schemas.microsoft.com/maml/dev/2004/10'
}

$stream = [IO.MemoryStream]::new()
$w = [Xml.XmlWriter]::Create($stream, $settings)
function Para([string] $text) { $w.WriteElementString('maml', 'para', $ns.maml, $text) }
function Description([string[]] $paras) {
    $w.WriteStartElement('maml', 'description', $ns.maml)
    foreach ($p in $paras) { Para $p }
    $w.WriteEndElement()
}

$w.WriteStartDocument()
$w.WriteStartElement('helpItems', $ns.msh)
$w.WriteAttributeString('schema', 'maml')
$w.WriteAttributeString('xmlns', 'maml', $null, $ns.maml)
$w.WriteAttributeString('xmlns', 'command', $null, $ns.command)
$w.WriteAttributeString('xmlns', 'dev', $null, $ns.dev)

$cmdletNames = @($module.ExportedCmdlets.Keys | Sort-Object)
foreach ($name in $cmdletNames) {
    $mdPath = Join-Path $RepoRoot "src/help/$name.md"
    if (-not (Test-Path $mdPath)) { throw "No help source for $name ($mdPath)." }
    $doc = Read-HelpMarkdown $mdPath
    foreach ($required in 'SYNOPSIS', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS') {
        if (-not $doc.Sections.Contains($required)) { throw "$mdPath lacks ## $required." }
    }
    $cmd = Get-Command $name -Module $module.Name
    $paramDocs = @{}
    foreach ($sub in Split-Subsection $doc.Sections['PARAMETERS']) {
        if ($sub.Title -match '^-(\w+)$') { $paramDocs[$Matches[1]] = $sub.Lines }
    }
    $parameters = @($cmd.Parameters.Values | Where-Object { $_.Name -notin $commonParameters } | Sort-Object Name)
    foreach ($p in $parameters) {
        if (-not $paramDocs.ContainsKey($p.Name)) { throw "$mdPath does not describe -$($p.Name)." }
    }
    foreach ($documented in $paramDocs.Keys) {
        if ($documented -notin $parameters.Name) { throw "$mdPath describes -$documented, which $name does not have." }
    }

    $verb, $noun = $name -split '-', 2
    $w.WriteStartElement('command', 'command', $ns.command)

    $w.WriteStartElement('command', 'details', $ns.command)
    $w.WriteElementString('command', 'name', $ns.command, $name)
    Description (Get-Paragraph $doc.Sections['SYNOPSIS'])
    $w.WriteElementString('command', 'verb', $ns.command, $verb)
    $w.WriteElementString('command', 'noun', $ns.command, $noun)
    $w.WriteEndElement()

    Description (Get-Paragraph $doc.Sections['DESCRIPTION'])

    $w.WriteStartElement('command', 'syntax', $ns.command)
    foreach ($set in ($cmd.ParameterSets | Sort-Object { -not $_.IsDefault }, Name)) {
        $w.WriteStartElement('command', 'syntaxItem', $ns.command)
        $w.WriteElementString('maml', 'name', $ns.maml, $name)
        $setParams = @($set.Parameters | Where-Object { $_.Name -notin $commonParameters } |
            Sort-Object { if ($_.Position -ge 0) { $_.Position } else { [int]::MaxValue } }, { -not $_.IsMandatory }, Name)
        foreach ($sp in $setParams) {
            $w.WriteStartElement('command', 'parameter', $ns.command)
            $w.WriteAttributeString('required', $sp.IsMandatory.ToString().ToLowerInvariant())
            $w.WriteAttributeString('position', $(if ($sp.Position -ge 0) { "$($sp.Position)" } else { 'named' }))
            $w.WriteElementString('maml', 'name', $ns.maml, $sp.Name)
            if ($sp.ParameterType -ne [switch]) {
                $w.WriteStartElement('command', 'parameterValue', $ns.command)
                $w.WriteAttributeString('required', 'true')
                $w.WriteAttributeString('variableLength', $sp.ParameterType.IsArray.ToString().ToLowerInvariant())
                $w.WriteString((Get-TypeName $sp.ParameterType))
                $w.WriteEndElement()
            }
            $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'parameters', $ns.command)
    foreach ($p in $parameters) {
        $sets = @($p.ParameterSets.Values)
        $byValue = [bool]($sets | Where-Object ValueFromPipeline)
        $byName = [bool]($sets | Where-Object ValueFromPipelineByPropertyName)
        $pipeline = if ($byValue -and $byName) { 'true (ByValue, ByPropertyName)' } elseif ($byValue) { 'true (ByValue)' } elseif ($byName) { 'true (ByPropertyName)' } else { 'false' }
        $positioned = @($sets | Where-Object Position -ge 0)
        $position = if ($positioned.Count) { $positioned[0].Position } else { $null }
        $wildcards = [bool]($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
        $w.WriteStartElement('command', 'parameter', $ns.command)
        $w.WriteAttributeString('required', ([bool]($sets | Where-Object IsMandatory)).ToString().ToLowerInvariant())
        $w.WriteAttributeString('globbing', $wildcards.ToString().ToLowerInvariant())
        $w.WriteAttributeString('pipelineInput', $pipeline)
        $w.WriteAttributeString('position', $(if ($null -ne $position) { "$position" } else { 'named' }))
        $w.WriteAttributeString('aliases', $(if ($p.Aliases.Count) { $p.Aliases -join ', ' } else { 'none' }))
        $w.WriteElementString('maml', 'name', $ns.maml, $p.Name)
        Description (Get-Paragraph $paramDocs[$p.Name])
        $typeName = Get-TypeName $p.ParameterType
        $enumType = if ($p.ParameterType.IsArray) { $p.ParameterType.GetElementType() } else { $p.ParameterType }
        if ($enumType.IsEnum) {
            $w.WriteStartElement('command', 'parameterValueGroup', $ns.command)
            foreach ($v in [Enum]::GetNames($enumType)) {
                $w.WriteStartElement('command', 'parameterValue', $ns.command)
                $w.WriteAttributeString('required', 'false')
                $w.WriteAttributeString('variableLength', 'false')
                $w.WriteString($v)
                $w.WriteEndElement()
            }
            $w.WriteEndElement()
        }
        if ($p.ParameterType -ne [switch]) {
            $w.WriteStartElement('command', 'parameterValue', $ns.command)
            $w.WriteAttributeString('required', 'true')
            $w.WriteAttributeString('variableLength', $p.ParameterType.IsArray.ToString().ToLowerInvariant())
            $w.WriteString($typeName)
            $w.WriteEndElement()
        }
        $w.WriteStartElement('dev', 'type', $ns.dev)
        $w.WriteElementString('maml', 'name', $ns.maml, $typeName)
        $w.WriteEndElement()
        $yaml = Get-Fence $paramDocs[$p.Name] 'yaml'
        $default = if ($yaml -match '(?m)^DefaultValue:\s*(.+)$') { $Matches[1].Trim() } else { 'None' }
        $w.WriteElementString('dev', 'defaultValue', $ns.dev, $default)
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    foreach ($kind in @(@('INPUTS', 'inputTypes', 'inputType'), @('OUTPUTS', 'returnValues', 'returnValue'))) {
        $w.WriteStartElement('command', $kind[1], $ns.command)
        if ($doc.Sections.Contains($kind[0])) {
            foreach ($sub in Split-Subsection $doc.Sections[$kind[0]]) {
                $w.WriteStartElement('command', $kind[2], $ns.command)
                $w.WriteStartElement('dev', 'type', $ns.dev)
                $w.WriteElementString('maml', 'name', $ns.maml, $sub.Title)
                $w.WriteEndElement()
                Description (Get-Paragraph $sub.Lines)
                $w.WriteEndElement()
            }
        }
        $w.WriteEndElement()
    }

    $w.WriteStartElement('maml', 'alertSet', $ns.maml)
    $w.WriteStartElement('maml', 'alert', $ns.maml)
    foreach ($p in $(if ($doc.Sections.Contains('NOTES')) { Get-Paragraph $doc.Sections['NOTES'] } else { @() })) { Para $p }
    $w.WriteEndElement()
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'examples', $ns.command)
    foreach ($ex in Split-Subsection $doc.Sections['EXAMPLES']) {
        $code = Get-Fence $ex.Lines 'powershell'
        if ($null -eq $code) { throw "$mdPath example '$($ex.Title)' has no powershell code block." }
        $w.WriteStartElement('command', 'example', $ns.command)
        $w.WriteElementString('maml', 'title', $ns.maml, "--------- $($ex.Title) ---------")
        $w.WriteElementString('dev', 'code', $ns.dev, $code)
        $w.WriteStartElement('dev', 'remarks', $ns.dev)
        foreach ($p in Get-Paragraph $ex.Lines) { Para $p }
        $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'relatedLinks', $ns.command)
    if ($doc.Sections.Contains('RELATED LINKS')) {
        foreach ($line in $doc.Sections['RELATED LINKS']) {
            if ($line -match '^\s*-\s*\[(?<text>[^\]]+)\]\((?<uri>[^)]*)\)') {
                $w.WriteStartElement('maml', 'navigationLink', $ns.maml)
                $w.WriteElementString('maml', 'linkText', $ns.maml, $Matches["text"])
                $w.WriteElementString('maml', 'uri', $ns.maml, $(if ($Matches["uri"] -match '^https?://') { $Matches["uri"] } else { '' }))
                $w.WriteEndElement()
            }
        }
    }
    $w.WriteEndElement()

    $w.WriteEndElement() # command
}
$w.WriteEndElement()
$w.WriteEndDocument()
$w.Flush()
$xml = [Text.UTF8Encoding]::new($false).GetString($stream.ToArray()) + "`n"
$dir = Split-Path -Parent $OutputPath
if ($dir -and -not (Test-Path $dir)) { New-Item -ItemType Directory -Path $dir | Out-Null }
[IO.File]::WriteAllText($OutputPath, $xml, [Text.UTF8Encoding]::new($false))
Write-Host "Wrote $OutputPath ($($cmdletNames.Count) cmdlet(s))."
