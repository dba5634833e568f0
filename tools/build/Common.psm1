# What every build step shares: where things are, how to start dotnet and a fresh pwsh, how to
# run a native command with its output on the console.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

<#
.SYNOPSIS
    The paths and settings every step works with, made once by build.ps1 from its parameters.
#>
function Get-BuildLayout {
    param(
        [Parameter(Mandatory)] [string] $RepoRoot,
        [Parameter(Mandatory)] [string] $Configuration
    )
    $out = Join-Path $RepoRoot 'out'
    [pscustomobject]@{
        RepoRoot       = $RepoRoot
        Configuration  = $Configuration
        OutDir         = $out
        ModuleOut      = Join-Path $out 'NetDrift'
        PublishDir     = Join-Path $out 'publish/NetDrift.PowerShell'
        ResultsDir     = Join-Path $out 'test-results'
        OriginOut      = Join-Path $out 'test-origin'
        ModuleSource   = Join-Path $RepoRoot 'module'
        ModuleProject  = Join-Path $RepoRoot 'src/NetDrift.PowerShell/NetDrift.PowerShell.csproj'
        XunitProject   = Join-Path $RepoRoot 'tests/NetDrift.Engine.Tests/NetDrift.Engine.Tests.csproj'
        ServiceUnit    = Join-Path $RepoRoot 'deploy/netdrift.service'
        OriginProject  = Join-Path $RepoRoot 'tests/NetDrift.TestOrigin/NetDrift.TestOrigin.csproj'
        Prerequisites  = Join-Path $RepoRoot 'tests/prerequisites.psd1'
        PesterProject  = Join-Path $PSScriptRoot 'Pester/Pester.Restore.csproj'
        PesterRunner   = Join-Path $PSScriptRoot 'Pester/Invoke-PesterRun.ps1'
        TestHelpers    = Join-Path $RepoRoot 'pester/_TestHelpers.psm1'
    }
}

function Write-Step([string] $Text) {
    Write-Host "==> $Text" -ForegroundColor Cyan
}

# The dotnet host running this script when it was started as `dotnet pwsh`, else the one on PATH.
function Get-DotNetHost {
    $self = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') { return $self }
    $found = Get-Command dotnet -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if (-not $found) { throw 'dotnet was not found on PATH; install the .NET SDK.' }
    $found.Source
}

# How to start a fresh pwsh like this one: `dotnet <PSHOME>/pwsh.dll` for the local tool.
function Get-PwshLaunch {
    $self = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') {
        return @{ FilePath = $self; Arguments = @((Join-Path $PSHOME 'pwsh.dll')) }
    }
    @{ FilePath = $self; Arguments = @() }
}

# Runs a native command with its output on the console; throws on a non-zero exit code unless
# -AllowFailure, in which case the exit code is returned.
function Invoke-Native {
    param(
        [Parameter(Mandatory)] [string] $FilePath,
        [string[]] $ArgumentList = @(),
        [switch] $AllowFailure
    )
    Write-Host "> $([IO.Path]::GetFileName($FilePath)) $($ArgumentList -join ' ')" -ForegroundColor DarkGray
    & $FilePath @ArgumentList | Out-Host
    $code = $LASTEXITCODE
    if ($code -ne 0 -and -not $AllowFailure) {
        throw "$([IO.Path]::GetFileName($FilePath)) $($ArgumentList[0]) failed with exit code $code."
    }
    if ($AllowFailure) { $code }
}

Export-ModuleMember -Function Get-BuildLayout, Write-Step, Get-DotNetHost, Get-PwshLaunch, Invoke-Native
