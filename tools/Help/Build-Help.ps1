#Requires -Version 7.4
<#
.SYNOPSIS
    Builds the module's help, module/en-US, from the markdown sources in docs/help.

.DESCRIPTION
    docs/help/<Verb-Noun>.md (one per cmdlet) becomes NetDrift.PowerShell.dll-Help.xml (MAML, the
    file Get-Help reads for a binary module's cmdlets); docs/help/about_*.md becomes
    about_*.help.txt. The markdown holds the prose (docs/help/README.md describes the format);
    everything else is read from the built module, so it cannot drift from the code: syntax per
    parameter set, parameter types, positions, aliases, pipeline input, wildcards, accepted values
    and defaults.

    The output is committed and build.ps1 ships it. Run this after changing docs/help or a cmdlet's
    parameters (pester/ModuleHelp.Tests.ps1 fails while the committed files are stale):

        dotnet pwsh ./build.ps1 Build
        dotnet pwsh ./tools/Help/Build-Help.ps1

    The same input always gives the same bytes (no dates, no versions), so a stale file shows as a
    diff.

.PARAMETER ModulePath
    The built module to read cmdlet metadata from (default out/NetDrift/NetDrift.psd1). Imported
    into this session.

.PARAMETER SourcePath
    The folder of markdown sources (default docs/help).

.PARAMETER OutputPath
    Where to write the help files (default module/en-US).

.EXAMPLE
    dotnet pwsh ./tools/Help/Build-Help.ps1 -OutputPath ./out/help-check
#>
[CmdletBinding()]
param(
    [string] $ModulePath,
    [string] $SourcePath,
    [string] $OutputPath
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
if (-not $ModulePath) { $ModulePath = Join-Path $repoRoot 'out/NetDrift/NetDrift.psd1' }
if (-not $SourcePath) { $SourcePath = Join-Path $repoRoot 'docs/help' }
if (-not $OutputPath) { $OutputPath = Join-Path $repoRoot 'module/en-US' }
Import-Module (Join-Path $PSScriptRoot 'HelpMarkdown.psm1') -Force

$MamlNamespaces = [ordered]@{
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
    MSHelp  = 'http://msdn.microsoft.com/mshelp'
}
# PowerShell adds these to every cmdlet; Get-Help describes them itself (about_CommonParameters).
$CommonParameters = [Management.Automation.Cmdlet]::CommonParameters
$ShouldProcessText = @{
    WhatIf  = 'Shows what would happen if the cmdlet runs. The cmdlet is not run.'
    Confirm = 'Prompts you for confirmation before running the cmdlet.'
}
$AboutWidth = 80

# --- Reading the module -----------------------------------------------------------------------

function Get-TypeName([type] $Type, [switch] $Full) {
    $inner = [Nullable]::GetUnderlyingType($Type)
    if ($inner) { $Type = $inner }
    if ($Type.IsArray) { return (Get-TypeName $Type.GetElementType() -Full:$Full) + '[]' }
    if ($Full) { $Type.FullName } else { $Type.Name }
}

function Get-ParameterDefault([object] $Instance, [Management.Automation.ParameterMetadata] $Parameter) {
    $property = $Instance.GetType().GetProperty($Parameter.Name)
    if (-not $property) { return 'None' }
    $value = $property.GetValue($Instance)
    if ($value -is [Management.Automation.SwitchParameter]) { return "$($value.IsPresent)" }
    if ($null -eq $value -or ($value -is [string] -and $value -eq '') -or ($value -is [array] -and $value.Count -eq 0)) { return 'None' }
    $type = $value.GetType()
    if ($type.IsPrimitive -or $type.IsEnum -or $value -is [string] -or $value -is [TimeSpan] -or $value -is [decimal]) {
        return [Convert]::ToString($value, [Globalization.CultureInfo]::InvariantCulture)
    }
    'None'
}

function Get-ParameterFacts([Management.Automation.CommandInfo] $Command, [object] $Instance, [string] $Name) {
    $meta = $Command.Parameters[$Name]
    $sets = @($meta.ParameterSets.Values)
    $positions = @($sets | Where-Object Position -ge 0 | ForEach-Object Position | Sort-Object -Unique)
    $pipeline = @(
        if ($sets | Where-Object ValueFromPipelineByPropertyName) { 'ByPropertyName' }
        if ($sets | Where-Object ValueFromPipeline) { 'ByValue' }
    )
    $type = $meta.ParameterType
    $enumType = [Nullable]::GetUnderlyingType($type) ?? $type
    $values = if ($enumType.IsEnum) { @([Enum]::GetNames($enumType)) }
    else { @($meta.Attributes | Where-Object { $_ -is [ValidateSet] } | ForEach-Object ValidValues) }
    [pscustomobject]@{
        Name       = $Name
        Required   = [bool](@($sets | Where-Object { -not $_.IsMandatory }).Count -eq 0)
        Position   = $(if ($positions.Count) { "$($positions[0])" } else { 'named' })
        Pipeline   = $(if ($pipeline.Count) { "True ($($pipeline -join ', '))" } else { 'False' })
        Globbing   = [bool]($meta.Attributes | Where-Object { $_ -is [SupportsWildcards] })
        Aliases    = $(if ($meta.Aliases.Count) { @($meta.Aliases) -join ', ' } else { 'none' })
        IsSwitch   = $meta.SwitchParameter
        IsArray    = $type.IsArray
        TypeName   = Get-TypeName $type
        FullType   = Get-TypeName $type -Full
        Values     = @($values)
        Default    = $(if ($Name -in $ShouldProcessText.Keys) { 'False' } else { Get-ParameterDefault $Instance $meta })
    }
}

# The parameters to document, in syntax order: positional by position, then the rest as declared.
function Get-DocumentedParameters([Management.Automation.CommandInfo] $Command, [string] $SetName) {
    $set = $Command.ParameterSets | Where-Object Name -eq $SetName
    $index = 0
    @($set.Parameters | Where-Object { $_.Name -notin $CommonParameters } | ForEach-Object {
            [pscustomobject]@{ Name = $_.Name; Position = $_.Position; Mandatory = $_.IsMandatory; Order = $index++ }
        } | Sort-Object @{ Expression = { if ($_.Position -ge 0) { 0 } else { 1 } } }, @{ Expression = { if ($_.Position -ge 0) { $_.Position } else { $_.Order } } })
}

# --- Writing MAML -----------------------------------------------------------------------------

function Write-Paras([Xml.XmlWriter] $Writer, [object[]] $Blocks) {
    foreach ($block in $Blocks) {
        $text = switch ($block.Kind) {
            'Item' { "- $($block.Text)" }
            default { $block.Text }
        }
        $Writer.WriteElementString('maml', 'para', $MamlNamespaces.maml, $text)
    }
    if (-not $Blocks) { $Writer.WriteElementString('maml', 'para', $MamlNamespaces.maml, '') }
}

function Write-Description([Xml.XmlWriter] $Writer, [object[]] $Blocks) {
    $Writer.WriteStartElement('maml', 'description', $MamlNamespaces.maml)
    Write-Paras $Writer $Blocks
    $Writer.WriteEndElement()
}

function Write-Parameter([Xml.XmlWriter] $Writer, [pscustomobject] $Facts, [object[]] $Blocks, [bool] $Required, [bool] $InSyntax) {
    $Writer.WriteStartElement('command', 'parameter', $MamlNamespaces.command)
    $Writer.WriteAttributeString('required', "$Required".ToLowerInvariant())
    $Writer.WriteAttributeString('variableLength', "$($Facts.IsArray)".ToLowerInvariant())
    $Writer.WriteAttributeString('globbing', "$($Facts.Globbing)".ToLowerInvariant())
    $Writer.WriteAttributeString('pipelineInput', $Facts.Pipeline)
    $Writer.WriteAttributeString('position', $Facts.Position)
    $Writer.WriteAttributeString('aliases', $Facts.Aliases)
    $Writer.WriteElementString('maml', 'name', $MamlNamespaces.maml, $Facts.Name)
    Write-Description $Writer $Blocks
    if ($Facts.Values.Count) {
        $Writer.WriteStartElement('command', 'parameterValueGroup', $MamlNamespaces.command)
        foreach ($value in $Facts.Values) {
            $Writer.WriteStartElement('command', 'parameterValue', $MamlNamespaces.command)
            $Writer.WriteAttributeString('required', 'false')
            $Writer.WriteAttributeString('variableLength', 'false')
            $Writer.WriteString($value)
            $Writer.WriteEndElement()
        }
        $Writer.WriteEndElement()
    }
    # A switch has no value to show in a syntax line: Get-Help prints [-Wait], not [-Wait <SwitchParameter>].
    if (-not ($InSyntax -and $Facts.IsSwitch)) {
        $Writer.WriteStartElement('command', 'parameterValue', $MamlNamespaces.command)
        $Writer.WriteAttributeString('required', "$(-not $Facts.IsSwitch)".ToLowerInvariant())
        $Writer.WriteAttributeString('variableLength', "$($Facts.IsArray)".ToLowerInvariant())
        $Writer.WriteString($Facts.TypeName)
        $Writer.WriteEndElement()
    }
    $Writer.WriteStartElement('dev', 'type', $MamlNamespaces.dev)
    $Writer.WriteElementString('maml', 'name', $MamlNamespaces.maml, $Facts.FullType)
    $Writer.WriteElementString('maml', 'uri', $MamlNamespaces.maml, '')
    $Writer.WriteEndElement()
    $Writer.WriteElementString('dev', 'defaultValue', $MamlNamespaces.dev, $Facts.Default)
    $Writer.WriteEndElement()
}

function Write-TypeList([Xml.XmlWriter] $Writer, [string] $Outer, [string] $Inner, [object[]] $Types) {
    $Writer.WriteStartElement('command', $Outer, $MamlNamespaces.command)
    foreach ($entry in $Types) {
        $Writer.WriteStartElement('command', $Inner, $MamlNamespaces.command)
        $Writer.WriteStartElement('dev', 'type', $MamlNamespaces.dev)
        $Writer.WriteElementString('maml', 'name', $MamlNamespaces.maml, $entry.Type)
        $Writer.WriteEndElement()
        Write-Description $Writer $entry.Blocks
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
}

function Write-CommandHelp([Xml.XmlWriter] $Writer, [Management.Automation.CmdletInfo] $Command, [pscustomobject] $Help) {
    $instance = [Activator]::CreateInstance($Command.ImplementingType)
    $names = @($Command.Parameters.Keys | Where-Object { $_ -notin $CommonParameters })
    foreach ($documented in $Help.Parameters.Keys) {
        if ($documented -notin $names) { throw "$($Command.Name).md describes -$documented, which $($Command.Name) does not have." }
    }
    $facts = @{}
    foreach ($name in $names) { $facts[$name] = Get-ParameterFacts $Command $instance $name }
    $describe = {
        param($name)
        if ($Help.Parameters.Contains($name)) { return $Help.Parameters[$name] }
        if ($ShouldProcessText.ContainsKey($name)) { return @([pscustomobject]@{ Kind = 'Para'; Text = $ShouldProcessText[$name] }) }
        Write-Warning "$($Command.Name).md does not describe -$name."
        @()
    }

    $Writer.WriteStartElement('command', 'command', $MamlNamespaces.command)
    foreach ($prefix in $MamlNamespaces.Keys) {
        $Writer.WriteAttributeString('xmlns', $prefix, $null, $MamlNamespaces[$prefix])
    }
    $Writer.WriteStartElement('command', 'details', $MamlNamespaces.command)
    $Writer.WriteElementString('command', 'name', $MamlNamespaces.command, $Command.Name)
    $Writer.WriteElementString('command', 'verb', $MamlNamespaces.command, $Command.Verb)
    $Writer.WriteElementString('command', 'noun', $MamlNamespaces.command, $Command.Noun)
    Write-Description $Writer $Help.Synopsis
    $Writer.WriteEndElement()
    Write-Description $Writer $Help.Description

    $Writer.WriteStartElement('command', 'syntax', $MamlNamespaces.command)
    $sets = @($Command.ParameterSets | Sort-Object { -not $_.IsDefault })
    foreach ($set in $sets) {
        $Writer.WriteStartElement('command', 'syntaxItem', $MamlNamespaces.command)
        $Writer.WriteElementString('maml', 'name', $MamlNamespaces.maml, $Command.Name)
        foreach ($parameter in Get-DocumentedParameters $Command $set.Name) {
            $inSet = $facts[$parameter.Name].PSObject.Copy()
            $inSet.Position = if ($parameter.Position -ge 0) { "$($parameter.Position)" } else { 'named' }
            Write-Parameter $Writer $inSet (& $describe $parameter.Name) $parameter.Mandatory $true
        }
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'parameters', $MamlNamespaces.command)
    $ordered = @($sets | ForEach-Object { Get-DocumentedParameters $Command $_.Name } | ForEach-Object Name | Select-Object -Unique)
    foreach ($name in $ordered) {
        Write-Parameter $Writer $facts[$name] (& $describe $name) $facts[$name].Required $false
    }
    $Writer.WriteEndElement()

    Write-TypeList $Writer 'inputTypes' 'inputType' $Help.Inputs
    Write-TypeList $Writer 'returnValues' 'returnValue' $Help.Outputs
    $Writer.WriteStartElement('maml', 'alertSet', $MamlNamespaces.maml)
    $Writer.WriteStartElement('maml', 'alert', $MamlNamespaces.maml)
    Write-Paras $Writer $Help.Notes
    $Writer.WriteEndElement()
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'examples', $MamlNamespaces.command)
    foreach ($example in $Help.Examples) {
        $Writer.WriteStartElement('command', 'example', $MamlNamespaces.command)
        $Writer.WriteElementString('maml', 'title', $MamlNamespaces.maml, "---------- $($example.Title) ----------")
        $Writer.WriteElementString('dev', 'code', $MamlNamespaces.dev, $example.Code)
        $Writer.WriteStartElement('dev', 'remarks', $MamlNamespaces.dev)
        Write-Paras $Writer $example.Remarks
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'relatedLinks', $MamlNamespaces.command)
    foreach ($link in $Help.Links) {
        $Writer.WriteStartElement('maml', 'navigationLink', $MamlNamespaces.maml)
        $Writer.WriteElementString('maml', 'linkText', $MamlNamespaces.maml, $link)
        $Writer.WriteElementString('maml', 'uri', $MamlNamespaces.maml, '')
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
    $Writer.WriteEndElement()
}

function Write-Maml([string] $Path, [object[]] $Commands, [hashtable] $HelpByName) {
    $settings = [Xml.XmlWriterSettings]::new()
    $settings.Indent = $true
    $settings.IndentChars = '  '
    $settings.NewLineChars = "`n"
    $settings.Encoding = [Text.UTF8Encoding]::new($false)
    $stream = [IO.MemoryStream]::new()
    $writer = [Xml.XmlWriter]::Create($stream, $settings)
    try {
        $writer.WriteStartDocument()
        $writer.WriteComment(' Generated by tools/Help/Build-Help.ps1 from docs/help: edit those, then run it. ')
        $writer.WriteStartElement('helpItems', 'http://msh')
        $writer.WriteAttributeString('schema', 'maml')
        foreach ($command in $Commands) { Write-CommandHelp $writer $command $HelpByName[$command.Name] }
        $writer.WriteEndElement()
        $writer.WriteEndDocument()
    }
    finally {
        $writer.Dispose()
    }
    [IO.File]::WriteAllBytes($Path, $stream.ToArray() + [byte[]](10))
}

# --- Writing about_*.help.txt -----------------------------------------------------------------

function Format-Wrapped([string] $Text, [int] $Indent, [int] $HangingIndent = $Indent) {
    $lines = [Collections.Generic.List[string]]::new()
    $line = ' ' * $Indent
    $empty = $true
    foreach ($word in $Text -split '\s+' | Where-Object { $_ }) {
        if (-not $empty -and $line.Length + 1 + $word.Length -gt $AboutWidth) {
            $lines.Add($line)
            $line = ' ' * $HangingIndent
            $empty = $true
        }
        $line += $(if ($empty) { $word } else { " $word" })
        $empty = $false
    }
    $lines.Add($line)
    $lines
}

function Format-AboutBlocks([object[]] $Blocks, [int] $Indent) {
    $out = [Collections.Generic.List[string]]::new()
    $previous = $null
    foreach ($block in $Blocks) {
        # List items and table rows run together; everything else is set apart by a blank line.
        if ($previous -and -not ($block.Kind -eq $previous -and $block.Kind -in 'Item', 'Line')) { $out.Add('') }
        switch ($block.Kind) {
            'Para' { $out.AddRange([string[]](Format-Wrapped $block.Text $Indent)) }
            'Item' { $out.AddRange([string[]](Format-Wrapped "- $($block.Text)" $Indent ($Indent + 2))) }
            'Line' { $out.Add((' ' * $Indent) + $block.Text) }
            'Code' { foreach ($codeLine in $block.Text -split "`n") { $out.Add(((' ' * ($Indent + 4)) + $codeLine).TrimEnd()) } }
        }
        $previous = $block.Kind
    }
    $out
}

function Write-AboutTopic([string] $Path, [pscustomobject] $About) {
    $out = [Collections.Generic.List[string]]::new()
    $out.Add('TOPIC')
    $out.Add("    $($About.Name)")
    foreach ($section in $About.Sections) {
        $out.Add('')
        $out.Add($section.Title.ToUpperInvariant())
        if ($section.Blocks.Count) { $out.AddRange([string[]](Format-AboutBlocks $section.Blocks 4)) }
        foreach ($sub in $section.Subsections) {
            $out.Add('')
            $out.Add("  $($sub.Title)")
            $out.AddRange([string[]](Format-AboutBlocks $sub.Blocks 4))
        }
    }
    $text = ($out -join "`n") + "`n"
    [IO.File]::WriteAllText($Path, $text, [Text.UTF8Encoding]::new($false))
}

# --- Main ---------------------------------------------------------------------------------------

$module = Import-Module -Name $ModulePath -PassThru -Force -ErrorAction Stop
$commands = @(Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name)
$sources = @(Get-ChildItem -LiteralPath $SourcePath -Filter '*.md' -File | Where-Object Name -ne 'README.md')
$helpByName = @{}
foreach ($source in $sources | Where-Object Name -notlike 'about_*') {
    $help = ConvertFrom-CmdletHelpMarkdown -Path $source.FullName
    if ($help.Name -notin $commands.Name) { throw "$($source.Name) documents $($help.Name), which the module does not export." }
    $helpByName[$help.Name] = $help
}
$undocumented = @($commands | Where-Object Name -notin $helpByName.Keys)
foreach ($command in $undocumented) { Write-Warning "$($command.Name) has no docs/help/$($command.Name).md; its help is left out." }

$null = New-Item -ItemType Directory -Path $OutputPath -Force
$assembly = [IO.Path]::GetFileName($commands[0].ImplementingType.Assembly.Location)
$maml = Join-Path $OutputPath "$assembly-Help.xml"
Write-Maml -Path $maml -Commands @($commands | Where-Object Name -in $helpByName.Keys) -HelpByName $helpByName
Write-Host "Wrote $maml ($($helpByName.Count) cmdlets)"
foreach ($source in $sources | Where-Object Name -like 'about_*') {
    $about = ConvertFrom-AboutHelpMarkdown -Path $source.FullName
    $target = Join-Path $OutputPath "$($about.Name).help.txt"
    Write-AboutTopic -Path $target -About $about
    Write-Host "Wrote $target"
}
