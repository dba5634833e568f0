# Test: Build, then the xunit suite (under the default runtime and under the service unit's),
# then the Pester suites; ends with the one summary line and returns 1 when anything failed or a
# runner could not run.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'Common.psm1')
Import-Module (Join-Path $PSScriptRoot 'Build.psm1')
Import-Module (Join-Path $PSScriptRoot 'TestResults.psm1')
Import-Module (Join-Path $PSScriptRoot 'Xunit.psm1')
Import-Module (Join-Path $PSScriptRoot 'Pester.psm1')

function Invoke-TestRun([pscustomobject] $Layout, [string[]] $PesterPath, [switch] $SkipXunit) {
    $moduleBuilt = $true
    try { Invoke-ModuleBuild $Layout }
    catch {
        Write-Host "Build failed: $_" -ForegroundColor Red
        $moduleBuilt = $false
    }
    $suites = [Collections.Generic.List[object]]::new()
    if ($SkipXunit) { Write-Step 'xunit: skipped (-SkipXunit)' }
    else {
        foreach ($runtime in 'Default', 'Service') {
            try { $suites.Add((Invoke-XunitSuite $Layout -Runtime $runtime)) }
            catch {
                Write-Host "xunit ($runtime runtime) could not run: $_" -ForegroundColor Red
                $suites.Add((New-CrashedSuite "xunit ($runtime runtime)" "$_"))
            }
        }
    }
    $suites.Add((Invoke-PesterSuite $Layout $moduleBuilt $PesterPath))

    Write-Step 'Summary'
    Write-TestSummary $suites
}

Export-ModuleMember -Function Invoke-TestRun
