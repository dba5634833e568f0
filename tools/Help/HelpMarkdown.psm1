# Reads the help sources in docs/help (their format is described in docs/help/README.md) into
# plain objects: a cmdlet file into sections of blocks, an about file into headed blocks.
# Build-Help.ps1 turns those into MAML and about_*.help.txt; nothing here knows about either.

Set-StrictMode -Version Latest

# The sections a cmdlet file may have, in the order they must come, and which are required.
$script:CmdletSections = [ordered]@{
    'Synopsis'      = $true
    'Description'   = $true
    'Parameters'    = $false
    'Examples'      = $true
    'Inputs'        = $false
    'Outputs'       = $false
    'Notes'         = $false
    'Related links' = $false
}

function ConvertTo-HelpBlocks {
    <#
    .SYNOPSIS
        Splits markdown lines into blocks: Para (lines joined with spaces), Item (a "- " list
        item, continuation lines joined) and Code (a fenced block, verbatim, with its language).
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [AllowEmptyCollection()]
        [string[]] $Lines,
        [string] $Where
    )
    $blocks = [Collections.Generic.List[object]]::new()
    $current = $null
    $code = $null
    foreach ($line in $Lines) {
        if ($null -ne $code) {
            if ($line -match '^\s*```\s*$') {
                $blocks.Add([pscustomobject]@{ Kind = 'Code'; Text = ($code.Lines -join "`n"); Language = $code.Language })
                $code = $null
            }
            else {
                $code.Lines.Add($line)
            }
            continue
        }
        if ($line -match '^\s*```\s*([\w-]*)\s*$') {
            $current = $null
            $code = @{ Language = $Matches[1]; Lines = [Collections.Generic.List[string]]::new() }
            continue
        }
        if ($line -match '^\s*$') {
            $current = $null
            continue
        }
        if ($line -match '^\s*[-*]\s+(.*)$') {
            $current = [pscustomobject]@{ Kind = 'Item'; Text = $Matches[1].Trim() }
            $blocks.Add($current)
            continue
        }
        if ($line -match '^\s*\|') {
            # A table row stays a line of its own.
            $blocks.Add([pscustomobject]@{ Kind = 'Line'; Text = $line.Trim() })
            $current = $null
            continue
        }
        if ($null -eq $current) {
            $current = [pscustomobject]@{ Kind = 'Para'; Text = $line.Trim() }
            $blocks.Add($current)
        }
        else {
            $current.Text += ' ' + $line.Trim()
        }
    }
    if ($null -ne $code) { throw "${Where}: a code block is not closed with ``````." }
    foreach ($block in $blocks) {
        if ($block.Kind -ne 'Code') { $block.Text = ConvertFrom-InlineMarkdown $block.Text }
    }
    $blocks
}

function ConvertFrom-InlineMarkdown {
    <#
    .SYNOPSIS
        Plain text from inline markdown: [text](url) becomes text, **bold** and *stress* lose their
        stars. `code` keeps its backticks: in a console they still mark what to type.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([string] $Text)
    $Text = [regex]::Replace($Text, '\[([^\]]+)\]\(([^)]*)\)', '$1')
    $Text = [regex]::Replace($Text, '\*\*([^*]+)\*\*', '$1')
    [regex]::Replace($Text, '(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])', '$1')
}

function Split-MarkdownHeadings {
    # Lines grouped under the headings of one level (outside code fences): Title, Lines, Line.
    param([string[]] $Lines, [int] $Level, [int] $FirstLine = 1)
    $prefix = '#' * $Level
    $groups = [Collections.Generic.List[object]]::new()
    $current = [pscustomobject]@{ Title = $null; Lines = [Collections.Generic.List[string]]::new(); Line = $FirstLine }
    $groups.Add($current)
    $inCode = $false
    for ($i = 0; $i -lt $Lines.Count; $i++) {
        $line = $Lines[$i]
        if ($line -match '^\s*```') { $inCode = -not $inCode }
        if (-not $inCode -and $line -match "^$prefix\s+(.+?)\s*$" -and $line -notmatch "^$prefix#") {
            $current = [pscustomobject]@{ Title = $Matches[1]; Lines = [Collections.Generic.List[string]]::new(); Line = $FirstLine + $i }
            $groups.Add($current)
            continue
        }
        $current.Lines.Add($line)
    }
    $groups
}

function ConvertFrom-CmdletHelpMarkdown {
    <#
    .SYNOPSIS
        Reads docs/help/<Verb-Noun>.md: Name, Synopsis, Description, Parameters (name -> blocks),
        Examples (Title, Code, Remarks), Inputs and Outputs (Type, Blocks), Notes, Links.
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param([Parameter(Mandatory)] [string] $Path)
    $file = [IO.Path]::GetFileName($Path)
    $lines = @((Get-Content -LiteralPath $Path -Encoding utf8) -replace '\s+$', '')
    $top = @(Split-MarkdownHeadings -Lines $lines -Level 1)
    if ($top.Count -ne 2 -or @($top[0].Lines | Where-Object { $_ }).Count) {
        throw "${file}: must hold one '# <cmdlet name>' heading, first, and nothing before it."
    }
    $name = $top[1].Title
    if ($file -ne "$name.md") { throw "${file}: its heading '# $name' does not match the file name." }

    $help = [pscustomobject]@{
        Name = $name; Path = $Path; Synopsis = @(); Description = @(); Parameters = [ordered]@{}
        Examples = @(); Inputs = @(); Outputs = @(); Notes = @(); Links = @()
    }
    $sections = @(Split-MarkdownHeadings -Lines $top[1].Lines -Level 2 -FirstLine ($top[1].Line + 1))
    if (@($sections[0].Lines | Where-Object { $_ }).Count) { throw "${file}: text before the first '## ' section." }
    $known = @($script:CmdletSections.Keys)
    $order = -1
    $seen = @()
    foreach ($section in @($sections | Select-Object -Skip 1)) {
        $title = $section.Title
        $index = [array]::FindIndex([string[]]$known, [Predicate[string]] { param($k) $k -eq $title })
        if ($index -lt 0) { throw "${file}:$($section.Line): unknown section '## $title' (known: $($known -join ', '))." }
        if ($index -le $order) { throw "${file}:$($section.Line): '## $title' is out of order or repeated (order: $($known -join ', '))." }
        $order = $index
        $seen += $title
        $where = "${file}:$($section.Line) ($title)"
        switch ($title) {
            'Synopsis' { $help.Synopsis = @(ConvertTo-HelpBlocks $section.Lines -Where $where) }
            'Description' { $help.Description = @(ConvertTo-HelpBlocks $section.Lines -Where $where) }
            'Notes' { $help.Notes = @(ConvertTo-HelpBlocks $section.Lines -Where $where) }
            'Related links' {
                $help.Links = @(ConvertTo-HelpBlocks $section.Lines -Where $where | ForEach-Object {
                        if ($_.Kind -ne 'Item') { throw "${where}: related links are '- ' list items." }
                        $_.Text
                    })
            }
            'Parameters' {
                foreach ($entry in @(Split-MarkdownHeadings -Lines $section.Lines -Level 3 -FirstLine ($section.Line + 1))) {
                    if ($null -eq $entry.Title) {
                        if (@($entry.Lines | Where-Object { $_ }).Count) { throw "${where}: text before the first '### -Parameter'." }
                        continue
                    }
                    if ($entry.Title -notmatch '^-(\w+)$') { throw "${file}:$($entry.Line): a parameter heading is '### -Name', not '### $($entry.Title)'." }
                    if ($help.Parameters.Contains($Matches[1])) { throw "${file}:$($entry.Line): -$($Matches[1]) is described twice." }
                    $help.Parameters[$Matches[1]] = @(ConvertTo-HelpBlocks $entry.Lines -Where "${file}:$($entry.Line)")
                }
            }
            'Examples' {
                $help.Examples = @(foreach ($entry in @(Split-MarkdownHeadings -Lines $section.Lines -Level 3 -FirstLine ($section.Line + 1))) {
                        if ($null -eq $entry.Title) {
                            if (@($entry.Lines | Where-Object { $_ }).Count) { throw "${where}: text before the first '### Example'." }
                            continue
                        }
                        $blocks = @(ConvertTo-HelpBlocks $entry.Lines -Where "${file}:$($entry.Line)")
                        $codeBlocks = @($blocks | Where-Object Kind -eq 'Code')
                        if ($codeBlocks.Count -ne 1 -or $blocks[0].Kind -ne 'Code') {
                            throw "${file}:$($entry.Line): an example is one ``````powershell block, then its remarks."
                        }
                        [pscustomobject]@{ Title = $entry.Title; Code = $codeBlocks[0].Text; Remarks = @($blocks | Select-Object -Skip 1) }
                    })
            }
            { $_ -in 'Inputs', 'Outputs' } {
                $types = @(foreach ($entry in @(Split-MarkdownHeadings -Lines $section.Lines -Level 3 -FirstLine ($section.Line + 1))) {
                        if ($null -eq $entry.Title) {
                            if (@($entry.Lines | Where-Object { $_ }).Count) { throw "${where}: text before the first '### <type name>'." }
                            continue
                        }
                        [pscustomobject]@{ Type = $entry.Title; Blocks = @(ConvertTo-HelpBlocks $entry.Lines -Where "${file}:$($entry.Line)") }
                    })
                if ($title -eq 'Inputs') { $help.Inputs = $types } else { $help.Outputs = $types }
            }
        }
    }
    foreach ($required in @($script:CmdletSections.Keys | Where-Object { $script:CmdletSections[$_] })) {
        if ($required -notin $seen) { throw "${file}: the '## $required' section is missing." }
    }
    $help
}

function ConvertFrom-AboutHelpMarkdown {
    <#
    .SYNOPSIS
        Reads docs/help/about_<Topic>.md: Name, then Sections (Title, Blocks, Subsections (Title, Blocks)).
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param([Parameter(Mandatory)] [string] $Path)
    $file = [IO.Path]::GetFileName($Path)
    $lines = @((Get-Content -LiteralPath $Path -Encoding utf8) -replace '\s+$', '')
    $top = @(Split-MarkdownHeadings -Lines $lines -Level 1)
    if ($top.Count -ne 2 -or @($top[0].Lines | Where-Object { $_ }).Count) { throw "${file}: must hold one '# about_<Topic>' heading, first." }
    $name = $top[1].Title
    if ($file -ne "$name.md" -or $name -notmatch '^about_\w+$') { throw "${file}: its heading '# $name' must be about_<Topic> and match the file name." }
    $sections = @(Split-MarkdownHeadings -Lines $top[1].Lines -Level 2 -FirstLine ($top[1].Line + 1))
    if (@($sections[0].Lines | Where-Object { $_ }).Count) { throw "${file}: text before the first '## ' section." }
    $parsed = @(foreach ($section in @($sections | Select-Object -Skip 1)) {
            $parts = @(Split-MarkdownHeadings -Lines $section.Lines -Level 3 -FirstLine ($section.Line + 1))
            [pscustomobject]@{
                Title       = $section.Title
                Blocks      = @(ConvertTo-HelpBlocks $parts[0].Lines -Where "${file}:$($section.Line)")
                Subsections = @($parts | Select-Object -Skip 1 | ForEach-Object {
                        [pscustomobject]@{ Title = $_.Title; Blocks = @(ConvertTo-HelpBlocks $_.Lines -Where "${file}:$($_.Line)") }
                    })
            }
        })
    foreach ($required in 'Short description', 'Long description') {
        if ($required -notin $parsed.Title) { throw "${file}: the '## $required' section is missing." }
    }
    [pscustomobject]@{ Name = $name; Path = $Path; Sections = $parsed }
}

Export-ModuleMember -Function ConvertFrom-CmdletHelpMarkdown, ConvertFrom-AboutHelpMarkdown, ConvertTo-HelpBlocks, ConvertFrom-InlineMarkdown
