# What a test runner reports (one record per suite) and the summary that ends `build.ps1 Test`
# with the one line "N passed, N failed, N skipped".
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

function New-SuiteResult([string] $Name, [int] $Passed = 0, [int] $Failed = 0, [int] $Skipped = 0,
    [string] $Problem = '', [string[]] $FailedNames = @(), [string] $Report = '', [string] $Coverage = '') {
    [pscustomobject]@{
        Name = $Name; Passed = $Passed; Failed = $Failed; Skipped = $Skipped
        Problem = $Problem; FailedNames = $FailedNames; Report = $Report; Coverage = $Coverage
    }
}

# A runner that could not run counts as one failure, never as zero tests passed.
function New-CrashedSuite([string] $Name, [string] $Problem) {
    New-SuiteResult -Name $Name -Failed 1 -Problem $Problem
}

# A line per suite (and its failed tests), the coverage, then the totals; returns the exit code.
function Write-TestSummary([object[]] $Suites) {
    foreach ($suite in $Suites) {
        $line = '{0,-7} {1} passed, {2} failed, {3} skipped' -f $suite.Name, $suite.Passed, $suite.Failed, $suite.Skipped
        if ($suite.Report) { $line += "  ($($suite.Report))" }
        if ($suite.Problem) { $line += "  -- $($suite.Problem)" }
        Write-Host $line -ForegroundColor $(if ($suite.Failed) { 'Red' } else { 'Green' })
        $names = @($suite.FailedNames | Where-Object { $_ })
        foreach ($name in @($names | Select-Object -First 25)) { Write-Host "  failed: $name" -ForegroundColor Red }
        if ($names.Count -gt 25) { Write-Host "  ... and $($names.Count - 25) more" -ForegroundColor Red }
    }
    $passed = ($Suites | Measure-Object Passed -Sum).Sum
    $failed = ($Suites | Measure-Object Failed -Sum).Sum
    $skipped = ($Suites | Measure-Object Skipped -Sum).Sum
    foreach ($coverage in @($Suites | ForEach-Object Coverage | Where-Object { $_ })) { Write-Host $coverage }
    Write-Host "$passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0) { 1 } else { 0 }
}

Export-ModuleMember -Function New-SuiteResult, New-CrashedSuite, Write-TestSummary
