#Requires -Version 7.4
<#
.SYNOPSIS
    NetDrift against HAProxy and Squid (and the Go NetDrift when given), in one run: tunnel rate,
    plain HTTP rate with keep-alive on and off, throughput with 1 and 8 streams, and idle tunnels.
.DESCRIPTION
    Everything on 127.0.0.1: one origin (tests/NetDrift.TestOrigin, the one the Pester suites use)
    and three upstream proxies (NetDrift.LoadGen processes),
    and in front of them, one at a time and each started fresh per round:
      direct      the client talks to one upstream itself: the floor of one hop;
      haproxy     HAProxy 2.6, TCP mode, round-robin over the upstreams (pure L4);
      squid       Squid 5.7, Basic auth, the upstreams as round-robin cache_peer parents, never_direct;
      netdrift    NetDrift through the module in pwsh, as users run it;
      netdrift-https the same NetDrift over three https:// upstreams (TLS to each, tls_ca_file);
      go-netdrift the Go program it began as (only with -GoNetDrift: a binary built outside the repo).
    Rounds interleave the contenders (the order rotates); medians go to perf/results/latest.md
    with ratios to HAProxy and Squid, and every sample to perf/results/latest.json.
    The load generator reads the front's CPU time from /proc/PID/stat around each measurement.
    Called by `build.ps1 Bench`; installs haproxy, squid and apache2-utils (htpasswd) when missing.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [Parameter(Mandatory)] [string] $LoadGen,
    # NetDrift.TestOrigin.dll (tests/NetDrift.TestOrigin, published by build.ps1 Bench).
    [Parameter(Mandatory)] [string] $TestOrigin,
    [Parameter(Mandatory)] [string] $ResultsDir,
    [int] $Rounds = 3,
    [double] $Seconds = 5,
    [int] $Concurrency = 32,
    [long] $SingleStreamBytes = 2GB,
    [long] $MultiStreamBytes = 256MB,
    [int] $IdleTunnels = 10000,
    [string[]] $Contenders = @('direct', 'haproxy', 'squid', 'netdrift', 'netdrift-https'),
    # A Go NetDrift binary (restyler/netdrift built with `go build ./cmd/proxy`), measured beside.
    [string] $GoNetDrift
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$repoRoot = Split-Path (Split-Path $PSScriptRoot -Parent) -Parent
Import-Module (Join-Path $repoRoot 'pester/_TestHelpers.psm1')
Import-Module (Join-Path $PSScriptRoot 'BenchProcesses.psm1')
Import-Module (Join-Path $PSScriptRoot 'BenchContenders.psm1')
Import-Module (Join-Path $PSScriptRoot 'BenchReport.psm1')

Install-DebianPackage haproxy
Install-DebianPackage squid
Install-DebianPackage apache2-utils htpasswd
if ($GoNetDrift) { $Contenders += 'go-netdrift'; $GoNetDrift = (Resolve-Path $GoNetDrift).Path }
# Children run in their own folders: every path they get must be absolute.
$LoadGen = (Resolve-Path $LoadGen).Path
$TestOrigin = (Resolve-Path $TestOrigin).Path

$workDir = Join-Path ([IO.Path]::GetTempPath()) "netdrift-bench-$PID"
$null = New-Item -ItemType Directory -Path $workDir -Force
$dotnet = (Get-Command dotnet).Source
# A front holds two sockets per tunnel; the machine's hard limit on descriptors may not allow
# the requested number (the figure is per tunnel, so fewer tunnels still measure it).
$fileLimit = Get-BenchFileLimit
$idleCount = [math]::Min($IdleTunnels, [int][math]::Floor(($fileLimit - 1300) / 2))
$setup = @{
    WorkDir = $workDir; ModuleManifest = (Resolve-Path $ModuleManifest).Path; GoNetDrift = $GoNetDrift
    UpstreamUser = 'bench-up'; UpstreamPassword = 'up-secret-1'; ClientUser = 'bench'; ClientPassword = 'client-secret-1'
    MaxConnections = [int][math]::Floor(($fileLimit - 1200) / 2); FileLimit = $fileLimit
}

function Invoke-LoadGen([string[]] $Arguments) {
    $output = & $dotnet $LoadGen @Arguments 2>&1
    $json = $output | Where-Object { $_ -is [string] -and $_.StartsWith('{') } | Select-Object -Last 1
    if ($LASTEXITCODE -ne 0 -or -not $json) { throw "NetDrift.LoadGen $($Arguments -join ' ') failed ($LASTEXITCODE):`n$($output -join "`n")" }
    $json | ConvertFrom-Json
}

function Get-CpuPids([hashtable] $Contender) {
    if ($Contender.Process) { @('--cpu-pids', "$($Contender.Process.Id)") } else { @() }
}

# Opens the idle tunnels, reads the front's RSS while they are held, then lets them go.
function Measure-IdleTunnels([hashtable] $Contender, [int] $OriginPort) {
    $before = Get-ProcessTreeRssKiB $Contender.Process.Id
    $holder = Start-BenchProcess -FilePath $dotnet -LogPath (Join-Path $workDir 'idle.log') -ArgumentList @(
        $LoadGen, 'idle', '--proxy', "127.0.0.1:$($Contender.Port)", '--user', $Contender.User, '--password', $Contender.Password,
        '--target', "127.0.0.1:$OriginPort", '--count', "$idleCount", '--concurrency', '200', '--timeout', '120')
    try {
        $result = Read-BenchLine $holder '^\{' -Seconds 180 -What 'the idle tunnel holder' | ConvertFrom-Json
        Start-Sleep -Seconds 1   # let the front settle (GC, lazy allocations) before reading
        $after = Get-ProcessTreeRssKiB $Contender.Process.Id
        $holder.StandardInput.WriteLine('release')
    }
    finally { Stop-BenchProcess $holder }
    $perTunnel = if ($result.opened -gt 0) { ($after - $before) / $result.opened } else { $null }
    $result | Add-Member -NotePropertyName rssBeforeKiB -NotePropertyValue $before
    $result | Add-Member -NotePropertyName rssAfterKiB -NotePropertyValue $after
    $result | Add-Member -NotePropertyName rssPerTunnelKiB -NotePropertyValue $perTunnel -PassThru
}

$origin = $null
$upstreams = @()
$samples = [Collections.Generic.List[object]]::new()
try {
    $origin = Start-BenchProcess -FilePath $dotnet -ArgumentList @($TestOrigin, '--port', '0') -LogPath (Join-Path $workDir 'origin.log')
    $originPort = [int]((Read-BenchLine $origin '^LISTENING \d+' -What 'the origin') -split ' ')[1]
    # One process per upstream: each holds its share of the idle tunnels within the fd limit.
    $upstreams = foreach ($i in 1..3) {
        Start-BenchProcess -FilePath $dotnet -LogPath (Join-Path $workDir "upstream$i.log") -ArgumentList @(
            $LoadGen, 'upstreams', '--count', '1', '--user', $setup.UpstreamUser, '--password', $setup.UpstreamPassword)
    }
    $setup.UpstreamPorts = @($upstreams | ForEach-Object { [int]((Read-BenchLine $_ '^LISTENING \d+' -What 'an upstream') -split ' ')[1] })
    # The same faulty proxies inside TLS, for netdrift-https: "LISTENING <port> CA <pem>".
    if ($Contenders -contains 'netdrift-https') {
        $tlsUpstreams = foreach ($i in 1..3) {
            Start-BenchProcess -FilePath $dotnet -LogPath (Join-Path $workDir "tls-upstream$i.log") -ArgumentList @(
                $LoadGen, 'upstreams', '--count', '1', '--user', $setup.UpstreamUser, '--password', $setup.UpstreamPassword, '--protocol', 'https')
        }
        $upstreams += $tlsUpstreams
        $setup.TlsUpstreams = @($tlsUpstreams | ForEach-Object {
            $words = (Read-BenchLine $_ '^LISTENING \d+ CA ' -What 'a TLS upstream') -split ' '
            @{ Port = [int]$words[1]; Ca = $words[3] }
        })
    }
    $target = "127.0.0.1:$originPort"
    Write-Host "origin :$originPort, upstreams :$($setup.UpstreamPorts -join ', :'); idle tunnels per contender: $idleCount (descriptor limit $fileLimit)"

    for ($round = 1; $round -le $Rounds; $round++) {
        # Rotate the order each round so no contender always runs first (or last) on a warm machine.
        $order = @($Contenders | Select-Object -Skip (($round - 1) % $Contenders.Count)) + @($Contenders | Select-Object -First (($round - 1) % $Contenders.Count))
        foreach ($name in $order) {
            Write-Host "round $round/${Rounds}: $name" -ForegroundColor Cyan
            $contender = Start-Contender -Name $name -Setup $setup
            try {
                $auth = @('--proxy', "127.0.0.1:$($contender.Port)", '--user', $contender.User, '--password', $contender.Password)
                $record = {
                    param([string] $Scenario, $Result)
                    $samples.Add([pscustomobject]@{ Round = $round; Contender = $name; Scenario = $Scenario; Result = $Result })
                    $shown = ($Result.PSObject.Properties | Where-Object { $_.Value -is [ValueType] } | ForEach-Object { "$($_.Name)=$([math]::Round([double]$_.Value, 2))" }) -join ' '
                    Write-Host "  $Scenario $shown"
                }
                # Idle first, on a fresh process: the RSS it grows by is the tunnels' alone.
                if ($contender.Process) {
                    $null = Invoke-LoadGen (@('tunnel') + $auth + @('--target', $target, '--concurrency', '2', '--duration', '1', '--warmup', '0'))
                    & $record 'idle' (Measure-IdleTunnels $contender $originPort)
                }
                $cpu = Get-CpuPids $contender
                & $record 'tunnel' (Invoke-LoadGen (@('tunnel') + $auth + @('--target', $target, '--concurrency', "$Concurrency", '--duration', "$Seconds", '--warmup', '1') + $cpu))
                if ($contender.Plain) {
                    foreach ($keepAlive in 'on', 'off') {
                        $scenario = if ($keepAlive -eq 'on') { 'plain-keepalive' } else { 'plain-close' }
                        & $record $scenario (Invoke-LoadGen (@('plain') + $auth + @('--url', "http://$target/hello", '--keepalive', $keepAlive,
                            '--concurrency', "$Concurrency", '--duration', "$Seconds", '--warmup', '1') + $cpu))
                    }
                }
                & $record 'stream-1' (Invoke-LoadGen (@('throughput') + $auth + @('--target', $target, '--streams', '1', '--bytes', "$SingleStreamBytes") + $cpu))
                & $record 'stream-8' (Invoke-LoadGen (@('throughput') + $auth + @('--target', $target, '--streams', '8', '--bytes', "$MultiStreamBytes") + $cpu))
            }
            finally { Stop-Contender $contender }
        }
    }
}
finally {
    foreach ($u in $upstreams) { Stop-BenchProcess $u }
    Stop-BenchProcess $origin
}

$medians = Get-BenchMedians $samples.ToArray()
$cpuModel = (Get-Content /proc/cpuinfo | Where-Object { $_ -match '^model name\s*:\s*(.+)$' } | Select-Object -First 1) -replace '^model name\s*:\s*', ''
$run = @{
    Date = (Get-Date).ToUniversalTime().ToString('yyyy-MM-dd HH:mm') + ' UTC'
    Machine = "$([Environment]::ProcessorCount) cores ($cpuModel), $([math]::Round([double]((Get-Content /proc/meminfo -TotalCount 1) -replace '\D', '') / 1MB)) GiB, $([Runtime.InteropServices.RuntimeInformation]::OSDescription)"
    Rounds = $Rounds; Command = 'dotnet pwsh ./build.ps1 Bench'
}
$descriptions = @(
    "tunnel: $Concurrency concurrent clients, each CONNECT with Basic auth + GET /hello through the tunnel + close, for $Seconds s after 1 s of warm-up; CPU from /proc/PID/stat of the front process and its children.",
    "plain-keepalive / plain-close: absolute-form GET through the front, $Concurrency clients, one connection each kept alive, or one connection per request.",
    "stream-1 / stream-8: 1 tunnel × $($SingleStreamBytes / 1MB) MiB and 8 tunnels × $($MultiStreamBytes / 1MB) MiB from the origin; MB = 10^6 bytes.",
    "idle: $idleCount tunnels opened and held; RSS growth of the front (and its children) per tunnel, read 1 s after the last opened. The count is the requested $IdleTunnels capped by this machine's descriptor limit ($fileLimit per process: two sockets per tunnel in the front).",
    'netdrift-https: the netdrift contender with its three upstreams behind TLS (https:// URLs, each verified through its certificate as tls_ca_file): the cost of TLS to the upstream, same clients, same run.',
    'direct: the client speaks to one upstream itself (no front process, so no CPU or RSS figure). Upstreams: NetDrift faulty proxies with no fault and Basic auth, one process each; origin: NetDrift.TestOrigin.'
)
$report = @(Format-BenchReport -Medians $medians -Contenders $Contenders -Run $run -Descriptions $descriptions) + @(Format-BenchTargets @(Test-BenchTargets $medians))
$null = New-Item -ItemType Directory -Path $ResultsDir -Force
Set-Content -LiteralPath (Join-Path $ResultsDir 'latest.md') -Value $report -Encoding utf8NoBOM
[ordered]@{ run = $run; idleTunnels = $idleCount; samples = $samples; medians = @($medians.Values) } |
    ConvertTo-Json -Depth 8 | Set-Content -LiteralPath (Join-Path $ResultsDir 'latest.json') -Encoding utf8NoBOM
Remove-Item -Recurse -Force -LiteralPath $workDir -ErrorAction Ignore
$report | Out-Host
