#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, demonstrates and packages the NetDrift module.

.DESCRIPTION
    Build    publishes src/NetDrift.PowerShell and stages an explicit file list into out/NetDrift/.
    Test     Build, then the xunit tests (twice: as a plain pwsh runs the engine, and under
             deploy/netdrift.service's DOTNET_* runtime settings), then every pester/*.Tests.ps1 (and
             examples/pester/*.Tests.ps1) in a fresh pwsh inside a private network namespace where
             origin.netdrift.test and origin2.netdrift.test are 127.0.0.1. The last line printed
             is "N passed, N failed, N skipped"; the exit code is 1 when anything failed or a
             runner could not run.
    Demo     Build, then demo/Start-Demo.ps1 in a fresh pwsh that has imported out/NetDrift.
    Package  Build, then with PSResourceGet out/package/NetDrift.<version>.nupkg (what
             Install-PSResource installs from a file repository) and the versioned module folder
             out/package/NetDrift/<version>/ (what Install-PSResource puts on a module path).
             -NoBuild packages out/NetDrift as it is; -PackagePath writes elsewhere.
    Clean    removes out/ and every bin/ and obj/.
    Bench    (not part of Test) the BenchmarkDotNet microbenchmarks (perf/NetDrift.Benchmarks, short
             job) into perf/results/microbenchmarks.md, then NetDrift against HAProxy and Squid
             (perf/Bench/Invoke-ProxyBench.ps1, load from perf/NetDrift.LoadGen) into
             perf/results/latest.md and latest.json. -BenchRounds (default 3) sets the rounds,
             -GoNetDrift <binary> adds the Go NetDrift, -SkipMicro skips BenchmarkDotNet,
             -BenchQuick runs small sizes (a smoke run; its figures are not for the README).
    Fuzz     (not part of Test) SharpFuzz + AFL++ over the PROXY protocol header, the request-head parser and chunked bodies
             for -FuzzSeconds (default 60); see tests/NetDrift.Fuzz/Invoke-Fuzz.ps1. Crash inputs
             land in tests/NetDrift.Engine.Tests/Http/FuzzRegressions (replayed by Test).
    Soak     (not part of Test) Build, then -Minutes (default 3) of mixed traffic through faulty
             upstreams, then fd/thread/memory and counter checks; writes perf/results/soak.md.
             See perf/Soak/Invoke-Soak.ps1.

    Test also measures NetDrift.Engine's line coverage (coverlet) and prints it just before the
    final line.

    Run it as `dotnet tool restore; dotnet pwsh ./build.ps1 <Task>` (PowerShell is a local tool).

    This script holds the parameters and the dispatch; each task's steps live in a module of its
    own under tools/build/ (Build, Test with Xunit, Pester, NetNamespace, Prerequisites and
    TestResults, Package, Demo, Bench, Soak, Fuzz; Common holds the paths and process helpers).
    The Debian packages the suites need are declared in tests/prerequisites.psd1.

.EXAMPLE
    dotnet pwsh ./build.ps1 Test -PesterPath pester/TestOrigin.Tests.ps1 -SkipXunit
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Package', 'Clean', 'Bench', 'Fuzz', 'Soak')]
    [string] $Task = 'Build',

    [string] $Configuration = 'Release',

    # Test: run only these Pester files instead of every suite.
    [string[]] $PesterPath,

    # Test: skip the xunit tests (to iterate on Pester suites).
    [switch] $SkipXunit,

    # Package: package the module already staged in out/NetDrift instead of building it first.
    [switch] $NoBuild,

    # Package: the folder to write the package into (default out/package).
    [string] $PackagePath,

    # Fuzz: how long afl-fuzz runs, in seconds.
    [int] $FuzzSeconds = 60,

    # Soak: how long the traffic runs, in minutes.
    [double] $Minutes = 3,

    # Bench: rounds of the contender comparison (medians over them).
    [int] $BenchRounds = 3,

    # Bench: a Go NetDrift binary (restyler/netdrift's cmd/proxy, built outside this repo) to measure beside.
    [string] $GoNetDrift,

    # Bench: skip the BenchmarkDotNet microbenchmarks.
    [switch] $SkipMicro,

    # Bench: small sizes and short runs, to check the runner end to end.
    [switch] $BenchQuick
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$env:DOTNET_NOLOGO = '1'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
if ([Console]::IsOutputRedirected) { $PSStyle.OutputRendering = 'PlainText' }

$steps = Join-Path $PSScriptRoot 'tools/build'
foreach ($module in 'Common', 'Build', 'Test', 'Package', 'Demo', 'Bench', 'Fuzz', 'Soak') {
    Import-Module (Join-Path $steps "$module.psm1") -Force
}
$layout = Get-BuildLayout -RepoRoot $PSScriptRoot -Configuration $Configuration

Push-Location $PSScriptRoot
try {
    # Only Test, Demo, Fuzz and Soak decide the exit code; anything else a task writes is not a result.
    $exitCode = switch ($Task) {
        'Build' { $null = Invoke-ModuleBuild $layout; 0 }
        'Test' { Invoke-TestRun $layout -PesterPath $PesterPath -SkipXunit:$SkipXunit | Select-Object -Last 1 }
        'Demo' { Invoke-Demo $layout | Select-Object -Last 1 }
        'Package' { $null = Invoke-Package $layout -NoBuild:$NoBuild -PackagePath $PackagePath; 0 }
        'Clean' { $null = Invoke-Clean $layout; 0 }
        'Bench' {
            $null = Invoke-Bench $layout -BenchRounds $BenchRounds -GoNetDrift $GoNetDrift -SkipMicro:$SkipMicro -BenchQuick:$BenchQuick
            0
        }
        'Fuzz' { Invoke-Fuzz $layout -FuzzSeconds $FuzzSeconds | Select-Object -Last 1 }
        'Soak' { Invoke-Soak $layout -Minutes $Minutes | Select-Object -Last 1 }
    }
}
catch {
    Write-Host "build.ps1 ${Task} failed: $($_.Exception.Message)" -ForegroundColor Red
    $exitCode = 1
}
finally {
    Pop-Location
}
exit $exitCode
