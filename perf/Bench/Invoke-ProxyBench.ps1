#Requires -Version 7.4
<#
.SYNOPSIS
    NetDrift against HAProxy and Squid (and the Go NetDrift when given), in one run: tunnel rate
    (to an HTTP origin, and to a target that speaks first), plain HTTP rate with keep-alive on and off, throughput with 1 and 8 streams, and idle tunnels
    at 2,000 and at the descriptor limit; every case with client auth off and, for the fronts that
    can check it, on.
.DESCRIPTION
    Everything on 127.0.0.1: one origin (tests/NetDrift.TestOrigin, the one the Pester suites use)
    and three upstream proxies that are not NetDrift fronts (perf/Bench/BenchUpstreams.psm1:
    Debian's tinyproxy for the rate and idle cases, the LoadGen's splice upstreams for the stream
    cases, where tinyproxy would be the bottleneck), and in front of them, one at a time and each
    started fresh per round and case group:
      direct      the client talks to one upstream itself: the floor of one hop;
      haproxy     HAProxy 2.6, TCP mode, round-robin over the upstreams (pure L4);
      squid       Squid 5.7, the upstreams as round-robin cache_peer parents, never_direct;
      netdrift    NetDrift as deploy/netdrift.service launches it (the same pwsh arguments and
                  Environment=, the module found on PSModulePath);
      netdrift-pair  deploy/haproxy.cfg in front of two NetDrift instances (issue 18's deployment, one machine);
      netdrift-accesslog  the same, writing a Squid-format access log to a file (its cost, side by side);
      netdrift-https the same NetDrift over its own three https:// upstreams (TLS to each, tls_ca_file);
      go-netdrift the Go program it began as (only with -GoNetDrift: a binary built outside the repo);
      any name in -Variants: NetDrift with another build of the module or another environment,
                  for an A/B of one lever in the same run.
    Rounds interleave the contenders (the order rotates); medians go to perf/results/latest.md
    with ratios to HAProxy and Squid, and every sample to perf/results/latest.json. The load
    generator reads, around each measurement, the CPU time of the front, of the rig (origin and
    upstreams), of itself and of the whole machine, and the report flags a case the front did not
    limit.
    Called by `build.ps1 Bench`; installs haproxy, squid, tinyproxy and apache2-utils when missing.
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
    # The idle case runs at this many tunnels, and again at the descriptor limit.
    [int] $IdleTunnels = 2000,
    # An upper bound on the idle case at the descriptor limit, so a machine without one stays bounded.
    [int] $MaxIdleTunnels = 50000,
    [string[]] $Contenders = @('direct', 'haproxy', 'squid', 'netdrift', 'netdrift-accesslog', 'netdrift-routes', 'netdrift-https', 'netdrift-pair'),
    # Which case groups run: idle, rate (tunnel, banner tunnel and plain), stream.
    [ValidateSet('idle', 'rate', 'stream')] [string[]] $Cases = @('idle', 'rate', 'stream'),
    [ValidateSet('off', 'on')] [string[]] $Auth = @('off', 'on'),
    # A Go NetDrift binary (restyler/netdrift built with `go build ./cmd/proxy`), measured beside.
    [string] $GoNetDrift,
    # NetDrift variants for an A/B: name -> @{ ModuleManifest = another build; Environment = @{ NAME = value } }.
    [hashtable] $Variants = @{}
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$repoRoot = Split-Path (Split-Path $PSScriptRoot -Parent) -Parent
Import-Module (Join-Path $repoRoot 'pester/_TestHelpers.psm1')
Import-Module (Join-Path $PSScriptRoot 'BenchProcesses.psm1')
Import-Module (Join-Path $PSScriptRoot 'BenchContenders.psm1')
Import-Module (Join-Path $PSScriptRoot 'BenchUpstreams.psm1')
Import-Module (Join-Path $PSScriptRoot 'BenchReport.psm1')

Install-DebianPackage haproxy
Install-DebianPackage squid
Install-DebianPackage tinyproxy
Install-DebianPackage apache2-utils htpasswd
if ($GoNetDrift) { $Contenders += 'go-netdrift'; $GoNetDrift = (Resolve-Path $GoNetDrift).Path }
$Contenders += @($Variants.Keys | Sort-Object)
# Children run in their own folders: every path they get must be absolute.
$LoadGen = (Resolve-Path $LoadGen).Path
$TestOrigin = (Resolve-Path $TestOrigin).Path

$workDir = Join-Path ([IO.Path]::GetTempPath()) "netdrift-bench-$PID"
$null = New-Item -ItemType Directory -Path $workDir -Force
$dotnet = (Get-Command dotnet).Source

$variantSettings = @{}
foreach ($name in $Variants.Keys) {
    if ($name -notlike 'netdrift-*') { throw "A variant's name starts with 'netdrift-': $name." }
    $v = $Variants[$name]
    $variantSettings[$name] = @{
        ModuleDir   = if ($v['ModuleManifest']) { New-ModuleFolder $v.ModuleManifest (Join-Path $workDir "modules-$name") } else { $null }
        Environment = if ($v['Environment']) { $v.Environment } else { @{} }
    }
}

# A front holds two sockets per tunnel; the idle case at the limit holds as many as fit under
# this process's descriptor limit (children inherit it), less room for everything else.
$fileLimit = Get-BenchFileLimit
$idleAtLimit = [math]::Min($MaxIdleTunnels, [int][math]::Floor(($fileLimit - 1300) / 2))
$idleCases = [ordered]@{ 'idle-2000' = [math]::Min($IdleTunnels, $idleAtLimit); 'idle-max' = $idleAtLimit }
$setup = @{
    WorkDir = $workDir; ModuleDir = (New-ModuleFolder $ModuleManifest (Join-Path $workDir 'modules-netdrift')); GoNetDrift = $GoNetDrift
    UnitPath = (Join-Path $repoRoot 'deploy/netdrift.service'); Variants = $variantSettings
    ClientUser = 'bench'; ClientPassword = 'client-secret-1'
    MaxConnections = [int][math]::Floor(($fileLimit - 1200) / 2); FileLimit = $fileLimit
}

function Invoke-LoadGen([string[]] $Arguments) {
    $output = & $dotnet $LoadGen @Arguments 2>&1
    $json = $output | Where-Object { $_ -is [string] -and $_.StartsWith('{') } | Select-Object -Last 1
    if ($LASTEXITCODE -ne 0 -or -not $json) { throw "NetDrift.LoadGen $($Arguments -join ' ') failed ($LASTEXITCODE):`n$($output -join "`n")" }
    $json | ConvertFrom-Json
}

# --cpu-pids (the front) and --rig-pids (origin and upstreams) for the load generator.
function Get-CpuPids([hashtable] $Contender, [hashtable] $Upstreams) {
    $rig = @(@($origin.Id, $bannerTarget.Id) + @($Upstreams.Processes | ForEach-Object Id)) -join ','
    # A front of several processes (netdrift-pair: HAProxy and two instances) is their sum.
    $front = if ($Contender['CpuPids']) { @('--cpu-pids', ($Contender.CpuPids -join ',')) } elseif ($Contender.Process) { @('--cpu-pids', "$($Contender.Process.Id)") } else { @() }
    $front + @('--rig-pids', $rig)
}

# Opens the idle tunnels, reads the front's RSS while they are held, then lets them go.
function Measure-IdleTunnels([hashtable] $Contender, [int] $OriginPort, [int] $Count) {
    $before = Get-ProcessTreeRssKiB $Contender.Process.Id
    $holder = Start-BenchProcess -FilePath $dotnet -LogPath (Join-Path $workDir 'idle.log') -ArgumentList (@(
        $LoadGen, 'idle', '--proxy', "127.0.0.1:$($Contender.Port)") + (Get-ClientAuth $Contender) + @(
        '--target', "127.0.0.1:$OriginPort", '--count', "$Count", '--concurrency', '200', '--timeout', '120'))
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

function Get-ClientAuth([hashtable] $Contender) {
    if ($Contender.User) { @('--user', $Contender.User, '--password', $Contender.Password) } else { @() }
}

$origin = $null
$bannerTarget = $null
$rateUpstreams = $null
$streamUpstreams = $null
$samples = [Collections.Generic.List[object]]::new()
try {
    $origin = Start-BenchProcess -FilePath $dotnet -ArgumentList @($TestOrigin, '--port', '0') -LogPath (Join-Path $workDir 'origin.log')
    $originPort = Read-ListeningPort $origin -What 'the origin'
    # A target that speaks first (an SSH-style banner): the tunnel's early data, for the banner-tunnel case.
    $bannerTarget = Start-BenchProcess -FilePath $dotnet -ArgumentList @($LoadGen, 'banner') -LogPath (Join-Path $workDir 'banner.log')
    $bannerPort = Read-ListeningPort $bannerTarget -What 'the banner target'
    $upstreamArgs = @{ WorkDir = $workDir; LoadGen = $LoadGen; MaxClients = $idleAtLimit + 1000 }
    $rateUpstreams = Start-BenchUpstreams -Kind tinyproxy @upstreamArgs
    $streamUpstreams = Start-BenchUpstreams -Kind netdrift @upstreamArgs
    # netdrift-https's own upstreams: the stream kind inside TLS, each trusted through its CA file.
    $setup.TlsUpstreams = if ($Contenders -contains 'netdrift-https') { Start-BenchUpstreams -Kind netdrift-https @upstreamArgs }
    $target = "127.0.0.1:$originPort"
    Write-Host "origin :$originPort, tinyproxy :$($rateUpstreams.Ports -join ', :'), stream upstreams :$($streamUpstreams.Ports -join ', :'); idle tunnels: $($idleCases.Values -join ' and ') (descriptor limit $fileLimit)"

    for ($round = 1; $round -le $Rounds; $round++) {
        # Rotate the order each round so no contender always runs first (or last) on a warm machine.
        $order = @($Contenders | Select-Object -Skip (($round - 1) % $Contenders.Count)) + @($Contenders | Select-Object -First (($round - 1) % $Contenders.Count))
        foreach ($name in $order) {
            foreach ($authMode in $Auth) {
                $withAuth = $authMode -eq 'on'
                if ($withAuth -and -not (Test-ContenderAuth $name)) { continue }
                $suffix = if ($withAuth) { '-auth' } else { '' }
                $record = {
                    param([string] $Scenario, $Result)
                    $samples.Add([pscustomobject]@{ Round = $round; Contender = $name; Scenario = "$Scenario$suffix"; Result = $Result })
                    $shown = ($Result.PSObject.Properties | Where-Object { $_.Value -is [ValueType] } | ForEach-Object { "$($_.Name)=$([math]::Round([double]$_.Value, 2))" }) -join ' '
                    Write-Host "  $Scenario$suffix $shown"
                }
                # Each group on a fresh front: an idle figure is the growth of a process that held nothing before.
                $groups = @(if ('idle' -in $Cases -and $name -notin 'direct', 'netdrift-routes', 'netdrift-accesslog', 'netdrift-pair') { $idleCases.Keys }) +
                    @(if ('rate' -in $Cases) { 'rate' }) + @(if ('stream' -in $Cases) { 'stream' })
                foreach ($group in $groups) {
                    Write-Host "round $round/${Rounds}: $name, auth $authMode, $group" -ForegroundColor Cyan
                    $upstreams = if ($group -eq 'stream') { $streamUpstreams } else { $rateUpstreams }
                    $contender = Start-Contender -Name $name -Setup $setup -Upstreams $upstreams -Auth:$withAuth
                    try {
                        $proxy = @('--proxy', "127.0.0.1:$($contender.Port)") + (Get-ClientAuth $contender)
                        $cpu = Get-CpuPids $contender $upstreams
                        if ($group -like 'idle-*') {
                            $null = Invoke-LoadGen (@('tunnel') + $proxy + @('--target', $target, '--concurrency', '2', '--duration', '1', '--warmup', '0'))
                            & $record $group (Measure-IdleTunnels $contender $originPort $idleCases[$group])
                        }
                        elseif ($contender['TunnelOnly']) {
                            if ($group -eq 'rate') { & $record 'tunnel' (Invoke-LoadGen (@('tunnel') + $proxy + @('--target', $target, '--concurrency', "$Concurrency", '--duration', "$Seconds", '--warmup', '1') + $cpu)) }
                        }
                        elseif ($group -eq 'rate') {
                            & $record 'tunnel' (Invoke-LoadGen (@('tunnel') + $proxy + @('--target', $target, '--concurrency', "$Concurrency", '--duration', "$Seconds", '--warmup', '1') + $cpu))
                            & $record 'banner-tunnel' (Invoke-LoadGen (@('tunnel', '--exchange', 'banner') + $proxy + @('--target', "127.0.0.1:$bannerPort", '--concurrency', "$Concurrency", '--duration', "$Seconds", '--warmup', '1') + $cpu))
                            # NetDrift's SOCKS5 clients, next to its HTTP figures of the same run (the others here speak HTTP only).
                            if ($name -eq 'netdrift') {
                                & $record 'socks5-tunnel' (Invoke-LoadGen (@('tunnel', '--protocol', 'socks5') + $proxy + @('--target', $target, '--concurrency', "$Concurrency", '--duration', "$Seconds", '--warmup', '1') + $cpu))
                            }
                            if ($contender.Plain) {
                                foreach ($keepAlive in 'on', 'off') {
                                    $scenario = if ($keepAlive -eq 'on') { 'plain-keepalive' } else { 'plain-close' }
                                    & $record $scenario (Invoke-LoadGen (@('plain') + $proxy + @('--url', "http://$target/hello", '--keepalive', $keepAlive,
                                        '--concurrency', "$Concurrency", '--duration', "$Seconds", '--warmup', '1') + $cpu))
                                }
                            }
                        }
                        else {
                            & $record 'stream-1' (Invoke-LoadGen (@('throughput') + $proxy + @('--target', $target, '--streams', '1', '--bytes', "$SingleStreamBytes") + $cpu))
                            & $record 'stream-8' (Invoke-LoadGen (@('throughput') + $proxy + @('--target', $target, '--streams', '8', '--bytes', "$MultiStreamBytes") + $cpu))
                            if ($name -eq 'netdrift') {
                                & $record 'socks5-stream-8' (Invoke-LoadGen (@('throughput', '--protocol', 'socks5') + $proxy + @('--target', $target, '--streams', '8', '--bytes', "$MultiStreamBytes") + $cpu))
                            }
                        }
                    }
                    finally { Stop-Contender $contender }
                }
            }
        }
    }
}
finally {
    Stop-BenchUpstreams $rateUpstreams
    Stop-BenchUpstreams $streamUpstreams
    Stop-BenchUpstreams $setup['TlsUpstreams']
    Stop-BenchProcess $origin
    Stop-BenchProcess $bannerTarget
}

$medians = Get-BenchMedians $samples.ToArray()
$cpuModel = (Get-Content /proc/cpuinfo | Where-Object { $_ -match '^model name\s*:\s*(.+)$' } | Select-Object -First 1) -replace '^model name\s*:\s*', ''
$run = @{
    Date = (Get-Date).ToUniversalTime().ToString('yyyy-MM-dd HH:mm') + ' UTC'
    Machine = "$([Environment]::ProcessorCount) cores ($cpuModel), $([math]::Round([double]((Get-Content /proc/meminfo -TotalCount 1) -replace '\D', '') / 1MB)) GiB, $([Runtime.InteropServices.RuntimeInformation]::OSDescription)"
    Rounds = $Rounds; Command = 'dotnet pwsh ./build.ps1 Bench'
}
$descriptions = @(
    "tunnel: $Concurrency concurrent clients, each CONNECT + GET /hello through the tunnel + close, for $Seconds s after 1 s of warm-up.",
    "plain-keepalive / plain-close: absolute-form GET through the front, $Concurrency clients, one connection each kept alive, or one connection per request.",
    "banner-tunnel: the tunnel case to a target that speaks first (NetDrift.LoadGen banner: an SSH-style line on connect): read the banner, send a line, read to the close. The banner can reach the front with the upstream's 200: the tunnel's early data.",
    "socks5-tunnel / socks5-stream-8 (NetDrift only): the tunnel and stream-8 cases with the tunnels opened as SOCKS5 clients (greeting, RFC 1929 login, CONNECT, pipelined).",
    "stream-1 / stream-8: 1 tunnel × $($SingleStreamBytes / 1MB) MiB and 8 tunnels × $($MultiStreamBytes / 1MB) MiB from the origin; MB = 10^6 bytes.",
    "idle-2000 / idle-max: $($idleCases['idle-2000']) and $($idleCases['idle-max']) tunnels opened and held on a fresh front; RSS growth of the front (and its children) per tunnel, read 1 s after the last opened. idle-max is as many as this machine's descriptor limit allows ($fileLimit per process: two sockets per tunnel in the front).",
    "-auth: the same case with client Basic auth on (NetDrift, Squid, the Go NetDrift; HAProxy in TCP mode and direct cannot check it).",
    "CPU s: front / rig (origin + upstreams) / load generator / others (the rest of the machine's busy time: other work on a shared machine), from /proc over the measured window. **bound** flags a case where the machine was busy (≥ 85% of $([Environment]::ProcessorCount) cores) and the front was not the largest user: its figure says less about the front than about what shared the cores.",
    "Upstreams: three Debian tinyproxy processes (rate and idle cases) or three NetDrift.LoadGen splice upstreams (stream cases, where tinyproxy copies at ~120 MB/s); the direct row is the rig's own ceiling. NetDrift runs as deploy/netdrift.service launches it (same pwsh arguments and Environment=).",
    'netdrift-pair: HAProxy with deploy/haproxy.cfg (send-proxy-v2, /healthz checks) in front of two NetDrift instances that trust it; front CPU is the three processes together. On 2 cores two instances cannot be faster than one: the case measures the extra hop.',
    'netdrift-routes: NetDrift with 200 routes (hosts, suffixes, networks, ports) none of which fits the target, so each tunnel is matched against all 200; tunnel rate only.',
    'netdrift-https: the netdrift contender over three NetDrift.LoadGen upstreams inside TLS (https:// URLs, each verified through its certificate as tls_ca_file): the cost of TLS to the upstream; in the rate and idle cases its upstreams differ from the others'' (tinyproxy there).'
)
$report = @(Format-BenchReport -Medians $medians -Contenders $Contenders -Run $run -Descriptions $descriptions) + @(Format-BenchTargets @(Test-BenchTargets $medians))
$null = New-Item -ItemType Directory -Path $ResultsDir -Force
Set-Content -LiteralPath (Join-Path $ResultsDir 'latest.md') -Value $report -Encoding utf8NoBOM
[ordered]@{ run = $run; idleTunnels = $idleCases; samples = $samples; medians = @($medians.Values) } |
    ConvertTo-Json -Depth 8 | Set-Content -LiteralPath (Join-Path $ResultsDir 'latest.json') -Encoding utf8NoBOM
Remove-Item -Recurse -Force -LiteralPath $workDir -ErrorAction Ignore
$report | Out-Host
