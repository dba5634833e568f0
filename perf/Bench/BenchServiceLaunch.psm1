# NetDrift in the benchmark is launched the way deploy/netdrift.service launches it: the unit's
# ExecStart arguments after the pwsh binary (its config path replaced by the bench's) and its
# Environment= lines, read from the unit itself so the two cannot drift apart.
Set-StrictMode -Version Latest

# Splits a systemd command line into words: double-quoted words keep their spaces, quotes go.
function Split-UnitCommandLine([string] $Line) {
    @([regex]::Matches($Line, '"((?:[^"\\]|\\.)*)"|(\S+)') | ForEach-Object {
            if ($_.Groups[1].Success) { $_.Groups[1].Value -replace '\\(.)', '$1' } else { $_.Groups[2].Value }
        })
}

function Get-ServiceLaunch {
    <#
    .SYNOPSIS
        The pwsh arguments and environment of a systemd unit's ExecStart, for a given config path
        and home folder: @{ Arguments = string[]; Environment = hashtable; ConfigPath = the unit's }.
    .PARAMETER HomeDirectory
        Replaces the unit's HOME (its StateDirectory, which the bench does not have).
    #>
    param(
        [Parameter(Mandatory)] [string] $UnitPath,
        [Parameter(Mandatory)] [string] $ConfigPath,
        [Parameter(Mandatory)] [string] $HomeDirectory
    )
    $lines = Get-Content -LiteralPath $UnitPath
    $execStart = @($lines | Where-Object { $_ -match '^ExecStart=' }) | Select-Object -Last 1
    if (-not $execStart) { throw "$UnitPath has no ExecStart=." }
    $words = @(Split-UnitCommandLine ($execStart -replace '^ExecStart=', ''))
    if ($words[0] -notmatch '(^|/)pwsh$') { throw "$UnitPath does not start pwsh: $($words[0])." }
    $arguments = @($words | Select-Object -Skip 1)
    $command = [array]::IndexOf($arguments, '-Command')
    if ($command -lt 0 -or $command -ge $arguments.Count - 1) { throw "$UnitPath's ExecStart has no -Command." }
    if ($arguments[$command + 1] -notmatch '-Config (\S+)') { throw "$UnitPath's command names no -Config." }
    $unitConfig = $Matches[1]
    $arguments[$command + 1] = $arguments[$command + 1].Replace("-Config $unitConfig", "-Config '$ConfigPath'")
    $environment = @{}
    foreach ($line in $lines | Where-Object { $_ -match '^Environment=' }) {
        foreach ($assignment in Split-UnitCommandLine ($line -replace '^Environment=', '')) {
            $name, $value = $assignment -split '=', 2
            $environment[$name] = $value
        }
    }
    $environment['HOME'] = $HomeDirectory
    @{ Arguments = $arguments; Environment = $environment; ConfigPath = $unitConfig }
}

Export-ModuleMember -Function Get-ServiceLaunch, Split-UnitCommandLine
