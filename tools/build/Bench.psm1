# Bench (not part of Test): the BenchmarkDotNet microbenchmarks (perf/NetDrift.Benchmarks, short
# job) into perf/results/microbenchmarks.md, then NetDrift against HAProxy and Squid
# (perf/Bench/Invoke-ProxyBench.ps1, load from perf/NetDrift.LoadGen, origin tests/NetDrift.TestOrigin)
# into perf/results/latest.*.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'Common.psm1')
Import-Module (Join-Path $PSScriptRoot 'Build.psm1')

# Every BenchmarkDotNet report of a run in one file: a heading per benchmark class, its table as
# BenchmarkDotNet wrote it, and the environment block once (repeated under a class only if it differs).
function Write-MicrobenchmarkReport([string] $ReportFolder, [string] $Destination) {
    $reports = @(Get-ChildItem -LiteralPath $ReportFolder -Filter '*-report-github.md' -ErrorAction Ignore | Sort-Object Name)
    if (-not $reports) { throw "BenchmarkDotNet wrote no report into $ReportFolder." }
    $environment = $null
    $sections = foreach ($report in $reports) {
        $text = (Get-Content -Raw -LiteralPath $report.FullName).Trim() -replace '\r\n', "`n"
        # A github report is the environment as a fenced block, then the table.
        if ($text -notmatch '(?s)\A(```.*?\n```)\s*(.*)\z') { throw "$($report.Name) is not a BenchmarkDotNet github report." }
        $block, $table = $Matches[1], $Matches[2]
        $environment ??= $block
        $class = $report.Name -replace '-report-github\.md$' -replace '^.*\.'
        "## $class`n`n$(if ($block -ne $environment) { "$block`n`n" })$table"
    }
    $header = "# Microbenchmarks`n`n``./build.ps1 Bench`` (perf/NetDrift.Benchmarks, ``--job short``), $((Get-Date).ToUniversalTime().ToString('yyyy-MM-dd')).`n`n$environment"
    Set-Content -LiteralPath $Destination -Value ((@($header) + $sections) -join "`n`n") -Encoding utf8NoBOM
}

# The benchmark projects are outside NetDrift.sln, so dotnet build/test never build or run them.
function Invoke-Bench {
    param(
        [Parameter(Mandatory)] [pscustomobject] $Layout,
        [int] $BenchRounds = 3,
        [string] $GoNetDrift,
        [switch] $SkipMicro,
        [switch] $BenchQuick
    )
    Write-Step 'Benchmarks'
    $repoRoot = $Layout.RepoRoot
    $dotnet = Get-DotNetHost
    $resultsDir = Join-Path $repoRoot 'perf/results'
    $null = New-Item -ItemType Directory -Path $resultsDir -Force
    if (-not $SkipMicro) {
        $project = Join-Path $repoRoot 'perf/NetDrift.Benchmarks'
        $artifacts = Join-Path $Layout.OutDir 'bench'
        if (Test-Path $artifacts) { Remove-Item -Recurse -Force $artifacts }
        # Not through Invoke-Native: pwsh on Unix globs a '*' that comes in an array, not a literal one.
        Write-Host "> dotnet run -c Release --project perf/NetDrift.Benchmarks -- --filter '*' --job short" -ForegroundColor DarkGray
        & $dotnet run -c Release --project $project -- --filter '*' --job short --artifacts $artifacts | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "The benchmarks failed with exit code $LASTEXITCODE." }
        Write-MicrobenchmarkReport (Join-Path $artifacts 'results') (Join-Path $resultsDir 'microbenchmarks.md')
        Write-Host 'Report: perf/results/microbenchmarks.md'
    }

    Invoke-ModuleBuild $Layout
    $loadGenOut = Join-Path $Layout.OutDir 'loadgen'
    Invoke-Native $dotnet @('publish', (Join-Path $repoRoot 'perf/NetDrift.LoadGen'), '-c', 'Release', '-o', $loadGenOut, '--nologo', '-v', 'minimal')
    # The origin is the one the Pester suites and the soak run use.
    Invoke-Native $dotnet @('publish', $Layout.OriginProject, '-c', 'Release', '-o', $Layout.OriginOut, '--nologo', '-v', 'minimal')
    $arguments = @('-ModuleManifest', (Join-Path $Layout.ModuleOut 'NetDrift.psd1'), '-LoadGen', (Join-Path $loadGenOut 'NetDrift.LoadGen.dll'),
        '-TestOrigin', (Join-Path $Layout.OriginOut 'NetDrift.TestOrigin.dll'), '-Rounds', "$BenchRounds")
    $arguments += if ($BenchQuick) {
        @('-ResultsDir', (Join-Path $Layout.OutDir 'bench-quick'), '-Seconds', '2', '-SingleStreamBytes', '209715200', '-MultiStreamBytes', '26214400', '-IdleTunnels', '1000')
    } else { @('-ResultsDir', $resultsDir) }
    if ($GoNetDrift) { $arguments += @('-GoNetDrift', (Resolve-Path $GoNetDrift).Path) }
    $pwsh = Get-PwshLaunch
    & $pwsh.FilePath @($pwsh.Arguments + @('-NoProfile', '-File', (Join-Path $repoRoot 'perf/Bench/Invoke-ProxyBench.ps1')) + $arguments) | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "The proxy benchmark failed with exit code $LASTEXITCODE." }
    Write-Host "Report: $(if ($BenchQuick) { 'out/bench-quick' } else { 'perf/results' })/latest.md"
}

Export-ModuleMember -Function Invoke-Bench
