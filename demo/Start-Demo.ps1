#Requires -Version 7.4
<#
.SYNOPSIS
    The NetDrift demo: three local test upstreams, a proxy on the embedded default config, a few
    tunnels through it, a failover, and the stats table. Serves until Ctrl+C.
.DESCRIPTION
    build.ps1 Demo runs this in a fresh pwsh that has imported out/NetDrift. Everything stays on
    127.0.0.1: the upstreams are faulty proxies with -Fault None on 3025-3027 (the ports the
    embedded default config names), and the "origin" the tunnels reach is the proxy's own /healthz
    endpoint, so the demo needs nothing else running.
.PARAMETER ServeFor
    Stop after this long instead of waiting for Ctrl+C (tests use it).
#>
[CmdletBinding()]
param(
    [TimeSpan] $ServeFor
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

if (-not (Get-Module NetDrift)) {
    Import-Module (Join-Path $PSScriptRoot '../out/NetDrift/NetDrift.psd1')
}

try {
    Write-Host "`n== Three local test upstreams (faulty proxies behaving well)" -ForegroundColor Cyan
    $upstreams = @(
        Start-FaultyProxy -Name 'demo-us-1' -Port 3025
        Start-FaultyProxy -Name 'demo-us-2' -Port 3026
        Start-FaultyProxy -Name 'demo-eu-1' -Port 3027
    )
    $upstreams | Format-Table | Out-Host

    Write-Host '== A NetDrift proxy on the embedded default config (weights 2/1/1)' -ForegroundColor Cyan
    $proxy = Start-NetDriftProxy
    $proxy | Format-Table | Out-Host
    Get-NetDriftUpstream | Format-Table | Out-Host

    $target = "127.0.0.1:$($proxy.Port)"
    $request = "GET /healthz HTTP/1.1`nHost: $target`nConnection: close`n`n"

    Write-Host "== 12 tunnels through it (CONNECT $target, then GET /healthz inside)" -ForegroundColor Cyan
    Test-NetDriftTunnel -Proxy $proxy -Target $target -Count 12 -Concurrency 3 -Send $request | Format-Table | Out-Host

    Write-Host '== demo-eu-1 starts resetting connections: NetDrift fails over' -ForegroundColor Cyan
    Set-FaultyProxy -Name 'demo-eu-1' -Fault Reset
    $results = Test-NetDriftTunnel -Proxy $proxy -Target $target -Count 8 -Send $request
    Write-Host ("{0} of {1} tunnels succeeded while one upstream was broken." -f @($results | Where-Object Succeeded).Count, $results.Count)
    Set-FaultyProxy -Name 'demo-eu-1' -Fault None

    Write-Host "`n== Get-NetDriftStats | Format-Table" -ForegroundColor Cyan
    Get-NetDriftStats | Format-Table | Out-Host

    Write-Host "NetDrift serves on $($proxy.Url). Try: curl -p -x $($proxy.Url) http://$target/healthz" -ForegroundColor Green
    if ($PSBoundParameters.ContainsKey('ServeFor')) {
        Start-Sleep -Milliseconds ([int]$ServeFor.TotalMilliseconds)
    }
    else {
        Write-Host 'Press Ctrl+C to stop.' -ForegroundColor Green
        while ($true) { Start-Sleep -Seconds 1 }
    }
}
finally {
    Get-NetDriftProxy | Stop-NetDriftProxy -DrainTimeout 0:0:2
    Stop-FaultyProxy
    Write-Host 'NetDrift demo stopped.'
}
