# Demo: Build, then demo/Start-Demo.ps1 in a fresh pwsh that has imported out/NetDrift.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'Common.psm1')
Import-Module (Join-Path $PSScriptRoot 'Build.psm1')

function Invoke-Demo([pscustomobject] $Layout) {
    Invoke-ModuleBuild $Layout
    $demo = Join-Path $Layout.RepoRoot 'demo/Start-Demo.ps1'
    if (-not (Test-Path $demo)) { throw 'demo/Start-Demo.ps1 is missing.' }
    Write-Step 'Demo'
    $manifest = Join-Path $Layout.ModuleOut 'NetDrift.psd1'
    $command = "try { Import-Module -Name '$($manifest -replace "'", "''")' -ErrorAction Stop } " +
    "catch { [Console]::Error.WriteLine(`"`$_`"); exit 1 }; & '$($demo -replace "'", "''")'"
    # Started directly, not through the pipeline, so the demo has the real console (colours,
    # redraw in place, Ctrl+C) and none of its output is taken for this function's result.
    $pwsh = Get-PwshLaunch
    $psi = [Diagnostics.ProcessStartInfo]::new($pwsh.FilePath)
    foreach ($a in @($pwsh.Arguments) + @('-NoProfile', '-Command', $command)) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.WorkingDirectory = $Layout.RepoRoot
    $process = [Diagnostics.Process]::Start($psi)
    try {
        $process.WaitForExit()
        $process.ExitCode
    }
    finally {
        $process.Dispose()
    }
}

Export-ModuleMember -Function Invoke-Demo
