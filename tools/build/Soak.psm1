# Soak (not part of Test): Build, then minutes of mixed traffic through faulty upstreams and the
# leak and counter checks of perf/Soak/Invoke-Soak.ps1, which writes perf/results/soak.md.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'Common.psm1')
Import-Module (Join-Path $PSScriptRoot 'Build.psm1')

function Invoke-Soak([pscustomobject] $Layout, [double] $Minutes = 3) {
    Invoke-ModuleBuild $Layout
    $dotnet = Get-DotNetHost
    $originOut = $Layout.OriginOut
    Invoke-Native $dotnet @('publish', $Layout.OriginProject, '-c', $Layout.Configuration, '-o', $originOut, '--nologo', '-v', 'quiet')
    Write-Step "Soak ($Minutes min)"
    $manifest = Join-Path $Layout.ModuleOut 'NetDrift.psd1'
    $script = Join-Path $Layout.RepoRoot 'perf/Soak/Invoke-Soak.ps1'
    $command = "Import-Module -Name '$($manifest -replace "'", "''")' -ErrorAction Stop; " +
    "& '$($script -replace "'", "''")' -RepoRoot '$($Layout.RepoRoot -replace "'", "''")' -Minutes $([string]::Format([Globalization.CultureInfo]::InvariantCulture, '{0}', $Minutes)); exit `$LASTEXITCODE"
    $env:NETDRIFT_TEST_ORIGIN = Join-Path $originOut 'NetDrift.TestOrigin.dll'
    $env:NETDRIFT_TEST_DOTNET = $dotnet
    $pwsh = Get-PwshLaunch
    & $pwsh.FilePath @($pwsh.Arguments + @('-NoProfile', '-NonInteractive', '-Command', $command)) | Out-Host
    $LASTEXITCODE
}

Export-ModuleMember -Function Invoke-Soak
