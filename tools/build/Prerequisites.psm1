# The Debian packages the suites and perf scripts need, as declared in tests/prerequisites.psd1.
# build.ps1 Test installs the chosen suites' packages before entering the network namespace (which
# has no route out); in a suite, Install-DebianPackage is then a quick check. The drift check
# (pester/Prerequisites.Tests.ps1) compares the declaration with the Install-DebianPackage calls.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$EntryKeys = @('Name', 'Commands', 'Library', 'UsedBy')

# Repository-relative, with forward slashes: the form UsedBy lists files in.
function ConvertTo-RepoPath([string] $RepoRoot, [string] $Path) {
    [IO.Path]::GetRelativePath($RepoRoot, [IO.Path]::GetFullPath($Path, $RepoRoot)).Replace('\', '/')
}

<#
.SYNOPSIS
    The declared packages: Name, Commands (what proves it installed; the name when none is given),
    Library (dpkg's record proves it instead) and UsedBy (repository-relative files).
#>
function Get-DeclaredPrerequisite([Parameter(Mandatory)] [string] $Path) {
    $data = Import-PowerShellDataFile -LiteralPath $Path
    foreach ($entry in @($data.DebianPackages)) {
        $unknown = @($entry.Keys | Where-Object { $_ -notin $EntryKeys })
        if ($unknown) { throw "$Path`: '$($entry['Name'])' has unknown keys: $($unknown -join ', ')." }
        # (Indexed, not dotted: strict mode refuses a dotted key the entry leaves out.)
        $name = $entry['Name']; $commands = $entry['Commands']; $usedBy = $entry['UsedBy']
        if (-not $name) { throw "$Path`: an entry has no Name." }
        if (-not $usedBy) { throw "$Path`: '$name' has no UsedBy." }
        $library = [bool]$entry['Library']
        if ($library -and $commands) { throw "$Path`: '$name' is a Library, so it has no Commands." }
        [pscustomobject]@{
            Name     = $name
            Commands = [string[]]@(if ($library) { } elseif ($commands) { $commands } else { $name })
            Library  = $library
            UsedBy   = [string[]]@($usedBy)
        }
    }
}

<#
.SYNOPSIS
    The Install-DebianPackage calls with literal arguments in a script: File, Name, Command, Library.
#>
function Find-DebianPackageCall([Parameter(Mandatory)] [string] $RepoRoot, [Parameter(Mandatory)] [string[]] $Files) {
    foreach ($file in $Files) {
        $ast = [Management.Automation.Language.Parser]::ParseFile($file, [ref]$null, [ref]$null)
        $calls = $ast.FindAll({
                param($node)
                $node -is [Management.Automation.Language.CommandAst] -and $node.GetCommandName() -eq 'Install-DebianPackage'
            }, $true)
        foreach ($call in $calls) {
            $name = $null; $command = $null; $library = $false; $pending = $null; $positional = 0
            foreach ($element in @($call.CommandElements | Select-Object -Skip 1)) {
                if ($element -is [Management.Automation.Language.CommandParameterAst]) {
                    if ($element.ParameterName -eq 'Library') { $library = $true; $pending = $null; continue }
                    $pending = $element.ParameterName; continue
                }
                if ($element -isnot [Management.Automation.Language.StringConstantExpressionAst]) { $pending = $null; continue }
                $slot = if ($pending) { $pending } elseif ($positional++ -eq 0) { 'Name' } else { 'Command' }
                if ($slot -eq 'Name') { $name = $element.Value } elseif ($slot -eq 'Command') { $command = $element.Value }
                $pending = $null
            }
            [pscustomobject]@{
                File    = ConvertTo-RepoPath $RepoRoot $file
                Line    = $call.Extent.StartLineNumber
                Name    = $name
                Command = $(if ($library) { $null } elseif ($command) { $command } else { $name })
                Library = $library
            }
        }
    }
}

<#
.SYNOPSIS
    Where the declaration and the calls disagree, one sentence each (nothing when they agree):
    a call whose package, command or file is not declared, and a declared user that never asks.
#>
function Find-PrerequisiteDrift([object[]] $Declared, [object[]] $Calls) {
    foreach ($call in @($Calls)) {
        $where = "$($call.File):$($call.Line)"
        if (-not $call.Name) { "$where calls Install-DebianPackage without a literal package name."; continue }
        $entry = @($Declared | Where-Object Name -EQ $call.Name) | Select-Object -First 1
        if (-not $entry) { "$where installs $($call.Name), which tests/prerequisites.psd1 does not declare."; continue }
        if ($call.Library -ne $entry.Library) { "$where installs $($call.Name) with Library=$($call.Library); declared Library=$($entry.Library)." }
        elseif (-not $call.Library -and $call.Command -notin $entry.Commands) { "$where checks command '$($call.Command)' of $($call.Name), not in its declared Commands." }
        if ($call.File -notin $entry.UsedBy) { "$where installs $($call.Name), but its UsedBy does not list $($call.File)." }
    }
    foreach ($entry in @($Declared)) {
        foreach ($user in $entry.UsedBy) {
            if (-not @($Calls | Where-Object { $_.File -eq $user -and $_.Name -eq $entry.Name })) {
                "$($entry.Name) lists $user in UsedBy, but that file does not call Install-DebianPackage $($entry.Name)."
            }
        }
        foreach ($command in $entry.Commands) {
            if (-not @($Calls | Where-Object { $_.Name -eq $entry.Name -and $_.Command -eq $command })) {
                "$($entry.Name) declares command '$command', which no Install-DebianPackage call checks."
            }
        }
    }
}

# The declared packages any of these files (absolute or repository-relative) uses.
function Select-SuitePrerequisite([object[]] $Declared, [string] $RepoRoot, [string[]] $Files) {
    $wanted = @($Files | ForEach-Object { ConvertTo-RepoPath $RepoRoot $_ })
    @($Declared | Where-Object { @($_.UsedBy | Where-Object { $_ -in $wanted }).Count })
}

# Installs (or finds installed) what the files use; a package that will not install is a warning,
# since the suites that need it fail on their own and say why.
function Install-SuitePrerequisite {
    param(
        [Parameter(Mandatory)] [string] $Declaration,
        [Parameter(Mandatory)] [string] $RepoRoot,
        [Parameter(Mandatory)] [string[]] $Files,
        [Parameter(Mandatory)] [string] $TestHelpers
    )
    $packages = Select-SuitePrerequisite (Get-DeclaredPrerequisite $Declaration) $RepoRoot $Files
    if (-not $packages) { return }
    Import-Module $TestHelpers -Force
    foreach ($package in $packages) {
        try {
            if ($package.Library) { Install-DebianPackage -Name $package.Name -Library }
            else { foreach ($command in $package.Commands) { Install-DebianPackage -Name $package.Name -Command $command } }
        }
        catch { Write-Warning "Could not install $($package.Name): $_ (the suites that need it will fail)." }
    }
}

Export-ModuleMember -Function Get-DeclaredPrerequisite, Find-DebianPackageCall, Find-PrerequisiteDrift, Select-SuitePrerequisite,
    Install-SuitePrerequisite
