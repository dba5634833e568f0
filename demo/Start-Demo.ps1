#Requires -Version 7.4
# Stand-in until the real demo is written: build.ps1 Demo runs this in a fresh pwsh that has
# already imported out/NetDrift.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$module = Get-Module NetDrift
if (-not $module) {
    $module = Import-Module (Join-Path $PSScriptRoot '../out/NetDrift/NetDrift.psd1') -PassThru
}
Write-Host "NetDrift $($module.Version) is imported from $($module.ModuleBase)."
Write-Host "Cmdlets: $(@($module.ExportedCmdlets.Keys | Sort-Object) -join ', ')"
Write-Host 'The demo script is not written yet (demo/Start-Demo.ps1).'
