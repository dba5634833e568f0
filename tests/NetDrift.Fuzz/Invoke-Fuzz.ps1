#Requires -Version 7.4
<#
.SYNOPSIS
    Fuzzes the PROXY protocol header, the request-head parser and chunked body parsing with SharpFuzz + AFL++ for a bounded time.
.DESCRIPTION
    Publishes tests/NetDrift.Fuzz to out/fuzz, instruments NetDrift.Engine.dll there with the
    SharpFuzz tool (.config/dotnet-tools.json), installs Debian's afl++ when afl-fuzz is missing,
    and runs afl-fuzz for -Seconds over tests/NetDrift.Fuzz/corpus. Afterwards the new queue entries
    join the corpus (by content hash, capped) and every crash is copied to
    tests/NetDrift.Engine.Tests/Http/FuzzRegressions/, which FuzzRegressionTests replays.
    Exit code 1 when a crash was found. Called by `build.ps1 Fuzz`.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $RepoRoot,
    [Parameter(Mandatory)] [string] $DotNet,
    [int] $Seconds = 60,
    [int] $MaxCorpus = 400
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$project = Join-Path $RepoRoot 'tests/NetDrift.Fuzz'
$corpus = Join-Path $project 'corpus'
$out = Join-Path $RepoRoot 'out/fuzz'
$findings = Join-Path $RepoRoot 'out/fuzz-findings'
$regressions = Join-Path $RepoRoot 'tests/NetDrift.Engine.Tests/Http/FuzzRegressions'

if (-not (Get-Command afl-fuzz -CommandType Application -ErrorAction Ignore)) {
    Import-Module (Join-Path $RepoRoot 'pester/_TestHelpers.psm1') -Force
    Install-DebianPackage -Name 'afl++' -Command 'afl-fuzz'
}
foreach ($dir in $out, $findings) { if (Test-Path $dir) { Remove-Item -Recurse -Force $dir } }

& $DotNet publish $project -c Release -o $out --nologo -v quiet | Out-Host
if ($LASTEXITCODE -ne 0) { throw "dotnet publish tests/NetDrift.Fuzz failed ($LASTEXITCODE)." }
& $DotNet tool restore | Out-Null
& $DotNet tool run sharpfuzz (Join-Path $out 'NetDrift.Engine.dll') | Out-Host
if ($LASTEXITCODE -ne 0) { throw "sharpfuzz could not instrument NetDrift.Engine.dll ($LASTEXITCODE)." }

# Containers rarely allow core_pattern or CPU pinning; AFL++ needs to be told to carry on.
$env:AFL_SKIP_BIN_CHECK = '1'
$env:AFL_NO_UI = '1'
$env:AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES = '1'
$env:AFL_SKIP_CPUFREQ = '1'
$env:AFL_NO_AFFINITY = '1'
$env:AFL_QUIET = '1'
Write-Host "> afl-fuzz -V $Seconds over $([IO.Path]::GetRelativePath($RepoRoot, $corpus))" -ForegroundColor DarkGray
$log = Join-Path $RepoRoot 'out/fuzz-afl.log'
& afl-fuzz -i $corpus -o $findings -t 5000 -m none -V $Seconds -- $DotNet (Join-Path $out 'NetDrift.Fuzz.dll') *> $log
$aflExit = $LASTEXITCODE

$stats = @{}
$statsFile = Join-Path $findings 'default/fuzzer_stats'
if (Test-Path $statsFile) {
    foreach ($line in Get-Content $statsFile) { if ($line -match '^(\w+)\s*:\s*(.*)$') { $stats[$Matches[1]] = $Matches[2].Trim() } }
}
if (-not $stats.Count) {
    Get-Content $log -Tail 30 | Out-Host
    throw "afl-fuzz wrote no fuzzer_stats (exit code $aflExit); see out/fuzz-afl.log."
}

# New queue entries join the corpus, named by content so reruns do not duplicate them.
$sha = [Security.Cryptography.SHA1]::Create()
$hashOf = { param($path) [Convert]::ToHexString($sha.ComputeHash([IO.File]::ReadAllBytes($path))).ToLowerInvariant().Substring(0, 16) }
$existing = @(Get-ChildItem -LiteralPath $corpus -File).Count
$added = 0
foreach ($file in Get-ChildItem -LiteralPath (Join-Path $findings 'default/queue') -File -ErrorAction Ignore | Sort-Object Length) {
    if ($existing + $added -ge $MaxCorpus) { break }
    if ($file.Length -gt 4096) { continue }
    $target = Join-Path $corpus "q-$(& $hashOf $file.FullName)"
    if (-not (Test-Path $target)) { Copy-Item -LiteralPath $file.FullName -Destination $target; $added++ }
}

$crashes = @(Get-ChildItem -LiteralPath (Join-Path $findings 'default/crashes') -File -Filter 'id*' -ErrorAction Ignore)
foreach ($crash in $crashes) {
    $null = New-Item -ItemType Directory -Path $regressions -Force
    Copy-Item -LiteralPath $crash.FullName -Destination (Join-Path $regressions "crash-$(& $hashOf $crash.FullName).bin") -Force
}

$summary = "fuzz: $($stats['execs_done']) executions in $($stats['run_time'] ?? $Seconds) s ($($stats['execs_per_sec']) /s), " +
    "corpus $($stats['corpus_count']) (+$added kept in tests/NetDrift.Fuzz/corpus), edges $($stats['edges_found']) " +
    "($($stats['bitmap_cvg'])), crashes $($stats['saved_crashes']), hangs $($stats['saved_hangs'])"
Write-Host $summary
if ($crashes.Count) {
    Write-Host "Crash inputs copied to $([IO.Path]::GetRelativePath($RepoRoot, $regressions)); FuzzRegressionTests replays them." -ForegroundColor Red
    exit 1
}
exit 0
