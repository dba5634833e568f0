# The Pester suites: Pester from NuGet, the test origin published, the declared Debian packages
# installed, then every suite file in one fresh pwsh inside the network namespace, its totals
# read back from the JSON that Pester/Invoke-PesterRun.ps1 writes.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'Common.psm1')
Import-Module (Join-Path $PSScriptRoot 'TestResults.psm1')
Import-Module (Join-Path $PSScriptRoot 'NetNamespace.psm1')
Import-Module (Join-Path $PSScriptRoot 'Prerequisites.psm1')

# A hung suite must not eat CI's whole budget.
$PesterTimeout = [TimeSpan]::FromMinutes($(if ($env:NETDRIFT_PESTER_TIMEOUT_MINUTES) { [double]$env:NETDRIFT_PESTER_TIMEOUT_MINUTES } else { 45 }))

function Get-NuGetPackagesFolder {
    $line = & (Get-DotNetHost) nuget locals global-packages --list | Select-Object -Last 1
    if ($LASTEXITCODE -ne 0 -or "$line" -notmatch '^global-packages:\s*(.+)$') {
        throw "Cannot find the NuGet global packages folder ('dotnet nuget locals' said: $line)."
    }
    $Matches[1].Trim()
}

function Get-PesterModulePath([pscustomobject] $Layout) {
    $download = ([xml](Get-Content -Raw $Layout.PesterProject)).SelectSingleNode("//PackageDownload[@Include='Pester']")
    $version = $download.GetAttribute('Version').Trim('[', ']', ' ')
    Invoke-Native (Get-DotNetHost) @('restore', $Layout.PesterProject, '--nologo', '-v', 'quiet')
    $path = Join-Path (Get-NuGetPackagesFolder) "pester/$version/tools/Pester.psd1"
    if (-not (Test-Path $path)) { throw "Pester $version was restored but $path is missing." }
    $path
}

# -PesterPath's files, or every *.Tests.ps1 in pester/ and examples/pester/.
function Get-PesterSuiteFiles([pscustomobject] $Layout, [string[]] $PesterPath) {
    if ($PesterPath) {
        # `pwsh -File build.ps1 -PesterPath a,b` passes one string "a,b".
        return @($PesterPath | ForEach-Object { $_ -split ',' } | Where-Object { $_ } |
                ForEach-Object { (Resolve-Path -LiteralPath $_).ProviderPath })
    }
    $folders = @('pester', 'examples/pester') | ForEach-Object { Join-Path $Layout.RepoRoot $_ } | Where-Object { Test-Path $_ }
    @($folders | ForEach-Object { Get-ChildItem -LiteralPath $_ -Filter '*.Tests.ps1' -File } | ForEach-Object FullName | Sort-Object)
}

function Invoke-PesterSuite([pscustomobject] $Layout, [bool] $ModuleBuilt, [string[]] $PesterPath) {
    Write-Step 'Pester'
    if (-not $ModuleBuilt) { return New-CrashedSuite 'pester' 'the module did not build, so no suite ran' }
    try {
        $files = Get-PesterSuiteFiles $Layout $PesterPath
        if (-not $files) { return New-CrashedSuite 'pester' 'no *.Tests.ps1 found in pester/' }
        $pesterModule = Get-PesterModulePath $Layout
        $dotnet = Get-DotNetHost
        $originOut = $Layout.OriginOut
        if (Test-Path $originOut) { Remove-Item -Recurse -Force $originOut }
        Invoke-Native $dotnet @('publish', $Layout.OriginProject, '-c', $Layout.Configuration, '-o', $originOut, '--nologo', '-v', 'minimal')
        # The namespace has no route out: what the suites need is installed now.
        Install-SuitePrerequisite -Declaration $Layout.Prerequisites -RepoRoot $Layout.RepoRoot -Files $files -TestHelpers $Layout.TestHelpers

        $dir = Join-Path $Layout.ResultsDir 'pester'
        if (Test-Path $dir) { Remove-Item -Recurse -Force $dir }
        $null = New-Item -ItemType Directory -Path $dir
        $summaryPath = Join-Path $dir 'summary.json'
        $specPath = Join-Path $dir 'run.json'
        @{
            PesterModule   = $pesterModule
            Paths          = @($files)
            SummaryPath    = $summaryPath
            TestResultPath = Join-Path $dir 'pester.xml'
            Verbosity      = $(if ($env:NETDRIFT_PESTER_VERBOSITY) { $env:NETDRIFT_PESTER_VERBOSITY } else { 'Normal' })
        } | ConvertTo-Json | Set-Content -LiteralPath $specPath -Encoding utf8NoBOM

        $pwsh = Get-PwshLaunch
        $childArgs = @($pwsh.Arguments) + @('-NoProfile', '-NonInteractive', '-File', $Layout.PesterRunner, '-SpecPath', $specPath)
        $psi = [Diagnostics.ProcessStartInfo]::new()
        $psi.UseShellExecute = $false
        $psi.WorkingDirectory = $Layout.RepoRoot
        # No test may wait for a keyboard: stdin is an empty pipe.
        $psi.RedirectStandardInput = $true
        $psi.Environment['NETDRIFT_TEST_ORIGIN'] = Join-Path $originOut 'NetDrift.TestOrigin.dll'
        $psi.Environment['NETDRIFT_TEST_DOTNET'] = $dotnet

        $unsupported = Test-NetNamespaceSupport
        if ($unsupported) {
            Write-Warning "Pester runs without a private network namespace ($unsupported); tests that need the test host names skip."
            $psi.Environment['NETDRIFT_TEST_NETNS'] = '0'
            $psi.FileName = $pwsh.FilePath
            foreach ($a in $childArgs) { $psi.ArgumentList.Add($a) }
        }
        else {
            $psi.Environment['NETDRIFT_TEST_NETNS'] = '1'
            Set-NetNamespaceLaunch -StartInfo $psi -FilePath $pwsh.FilePath -Arguments $childArgs -WorkFolder $dir
        }

        $process = [Diagnostics.Process]::Start($psi)
        try {
            $process.StandardInput.Close()
            $deadline = [DateTime]::UtcNow + $PesterTimeout
            while (-not $process.WaitForExit(500)) {
                if ([DateTime]::UtcNow -gt $deadline) {
                    $process.Kill($true)
                    return New-CrashedSuite 'pester' "timed out after $PesterTimeout and was killed"
                }
            }
            $process.WaitForExit()
            $exitCode = $process.ExitCode
        }
        finally {
            if (-not $process.HasExited) { $process.Kill($true) }
            $process.Dispose()
        }

        if (-not (Test-Path $summaryPath)) {
            return New-CrashedSuite 'pester' "the Pester process exited with $exitCode and reported nothing"
        }
        $summary = Get-Content -Raw $summaryPath | ConvertFrom-Json
        $result = New-SuiteResult -Name 'pester' -Passed $summary.Passed -Failed $summary.Failed -Skipped $summary.Skipped `
            -FailedNames @($summary.FailedNames) -Report ([IO.Path]::GetRelativePath($Layout.RepoRoot, $summary.TestResultPath))
        if ($result.Failed -eq 0 -and ($exitCode -ne 0 -or $summary.Result -ne 'Passed')) {
            $result.Failed = 1
            $result.Problem = "Pester's result is '$($summary.Result)' (exit code $exitCode)"
        }
        $result
    }
    catch {
        Write-Host "Pester could not run: $_" -ForegroundColor Red
        New-CrashedSuite 'pester' "$_"
    }
}

Export-ModuleMember -Function Invoke-PesterSuite
