# Fuzz (not part of Test): SharpFuzz + AFL++ over the PROXY protocol header, the request-head parser and chunked bodies,
# run by tests/NetDrift.Fuzz/Invoke-Fuzz.ps1 in a fresh pwsh.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'Common.psm1')

# The fuzz project is outside NetDrift.sln; afl-fuzz (Debian's afl++) drives it.
function Invoke-Fuzz([pscustomobject] $Layout, [int] $FuzzSeconds = 60) {
    Write-Step "Fuzz ($FuzzSeconds s)"
    $pwsh = Get-PwshLaunch
    & $pwsh.FilePath @($pwsh.Arguments + @('-NoProfile', '-NonInteractive', '-File', (Join-Path $Layout.RepoRoot 'tests/NetDrift.Fuzz/Invoke-Fuzz.ps1'),
            '-RepoRoot', $Layout.RepoRoot, '-DotNet', (Get-DotNetHost), '-Seconds', "$FuzzSeconds")) | Out-Host
    $LASTEXITCODE
}

Export-ModuleMember -Function Invoke-Fuzz
