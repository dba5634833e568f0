#Requires -Version 7.4
<#
.SYNOPSIS
    Runs Pester in this (fresh) process and writes its totals as JSON for build.ps1.

.DESCRIPTION
    build.ps1 starts this script in a new pwsh, inside the test network namespace when it can, with
    a JSON spec: PesterModule (path to Pester.psd1), Paths, SummaryPath, TestResultPath, Verbosity.
    The summary is written even when tests fail; a missing summary means this runner crashed.
#>
param(
    [Parameter(Mandatory)]
    [string] $SpecPath
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$spec = Get-Content -Raw -LiteralPath $SpecPath | ConvertFrom-Json
Import-Module -Name $spec.PesterModule -Force

$config = New-PesterConfiguration
$config.Run.Path = [string[]]$spec.Paths
$config.Run.PassThru = $true
$config.Run.Exit = $false
$config.Output.Verbosity = $spec.Verbosity
# Logs (CI, files) get plain text; a terminal gets colours.
if ([Console]::IsOutputRedirected) { $config.Output.RenderMode = 'Plaintext' }
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = $spec.TestResultPath

$run = Invoke-Pester -Configuration $config

# A failed BeforeAll fails the tests under it, and those are counted. A block or file that failed
# with no failed test under it (an AfterAll that threw, a file that does not parse) counts as one
# failure of its own, so a broken suite can never pass as "0 failed".
$failedTests = @($run.Failed)
function Test-HasFailedTest([string] $File, [string] $PathPrefix) {
    [bool]@($failedTests | Where-Object {
            $_.ScriptBlock.File -eq $File -and (-not $PathPrefix -or $_.ExpandedPath.StartsWith("$PathPrefix."))
        }).Count
}
$orphanBlocks = @($run.FailedBlocks | Where-Object { -not (Test-HasFailedTest $_.ScriptBlock.File $_.ExpandedPath) })
$orphanContainers = @($run.FailedContainers | Where-Object { -not (Test-HasFailedTest "$($_.Item)" '') })
$failedNames = @(
    $failedTests | ForEach-Object { $_.ExpandedPath }
    $orphanBlocks | ForEach-Object { "$($_.ExpandedPath) (BeforeAll/AfterAll)" }
    $orphanContainers | ForEach-Object { "$($_.Item) (file)" }
)
$failed = $failedTests.Count + $orphanBlocks.Count + $orphanContainers.Count
[ordered]@{
    Result         = "$($run.Result)"
    Passed         = $run.PassedCount
    Failed         = $failed
    Skipped        = $run.SkippedCount + $run.InconclusiveCount
    NotRun         = $run.NotRunCount
    FailedNames    = $failedNames
    TestResultPath = $spec.TestResultPath
} | ConvertTo-Json | Set-Content -LiteralPath $spec.SummaryPath -Encoding utf8NoBOM
