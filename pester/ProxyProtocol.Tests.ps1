# PROXY protocol behind a real balancer: Debian's HAProxy in TCP mode, with send-proxy (v1) and
# send-proxy-v2, in front of a NetDrift that trusts it. Clients connect to HAProxy from 127.0.0.2
# and 127.0.0.3, so only the header can tell NetDrift who they are: with max_connections_per_client
# 1, each holds its own tunnel, and a second one from the same address gets 503. A client that
# reaches NetDrift directly from the trusted address, without a header, is disconnected.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-NetDriftUnderTest
    Install-DebianPackage haproxy

    function Get-FreePort {
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $listener.Start(); try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
    }

    # A CONNECT through HAProxy from a chosen loopback source address: the socket stays open (the tunnel).
    function Open-Tunnel([string] $From, [int] $Port, [string] $Target) {
        $socket = [Net.Sockets.Socket]::new([Net.Sockets.AddressFamily]::InterNetwork, [Net.Sockets.SocketType]::Stream, [Net.Sockets.ProtocolType]::Tcp)
        $socket.Bind([Net.IPEndPoint]::new([Net.IPAddress]::Parse($From), 0))
        $socket.Connect('127.0.0.1', $Port)
        $socket.ReceiveTimeout = 5000
        $request = [Text.Encoding]::ASCII.GetBytes("CONNECT $Target HTTP/1.1`r`nHost: $Target`r`n`r`n")
        $null = $socket.Send($request)
        $head = [Text.StringBuilder]::new()
        $one = [byte[]]::new(1)
        while (-not $head.ToString().EndsWith("`r`n`r`n") -and $head.Length -lt 4096) {
            if ($socket.Receive($one) -eq 0) { break }
            $null = $head.Append([char]$one[0])
        }
        [pscustomobject]@{ Socket = $socket; Status = if ($head.ToString() -match '^HTTP/1\.1 (\d{3})') { [int]$Matches[1] } else { 0 } }
    }

    $origin = Start-TestOrigin
    $upstream = Start-FaultyProxy -Fault None -Name 'pp-up'
    $config = Join-Path $TestDrive 'netdrift.json'
    @{
        server           = @{ name = 'pp'; listen_address = '127.0.0.1:0'; proxy_protocol = @{ trusted = @('127.0.0.1/32') } }
        upstream_proxies = @(@{ url = $upstream.Url })
        limits           = @{ max_connections_per_client = 1; header_timeout_seconds = 3 }
        logging          = @{ level = 'Warning' }
    } | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $config
    $proxy = Start-NetDriftProxy -Name 'pp' -Config $config

    $ports = @{ v1 = Get-FreePort; v2 = Get-FreePort; ready = Get-FreePort }
    $haproxyConfig = Join-Path $TestDrive 'haproxy.cfg'
    @"
global
    maxconn 200
defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend ready
    bind 127.0.0.1:$($ports.ready)
    tcp-request connection reject
frontend v1
    bind 127.0.0.1:$($ports.v1)
    default_backend netdrift-v1
frontend v2
    bind 127.0.0.1:$($ports.v2)
    default_backend netdrift-v2
backend netdrift-v1
    server nd 127.0.0.1:$($proxy.Port) send-proxy
backend netdrift-v2
    server nd 127.0.0.1:$($proxy.Port) send-proxy-v2
"@ | Set-Content -LiteralPath $haproxyConfig
    $haproxyLog = Join-Path $TestDrive 'haproxy.log'
    $haproxy = Start-Process -FilePath (Get-Command haproxy).Source -ArgumentList @('-db', '-f', $haproxyConfig) -PassThru `
        -RedirectStandardOutput $haproxyLog -RedirectStandardError "$haproxyLog.err"
    # Readiness on a frontend that forwards nothing: a probe through v1 or v2 would reach NetDrift
    # as a client of its own and could count against the limits the tests read. HAProxy binds all
    # frontends before it accepts on any.
    Wait-Until { $c = [Net.Sockets.TcpClient]::new(); try { $c.Connect('127.0.0.1', $ports.ready); $true } catch { $false } finally { $c.Dispose() } } `
        -Timeout 10 -Because "HAProxy listens on $($ports.ready)"
}

AfterAll {
    if ($haproxy -and -not $haproxy.HasExited) { $haproxy.Kill(); $haproxy.WaitForExit(5000) }
    Get-NetDriftProxy -Name 'pp' -ErrorAction Ignore | Stop-NetDriftProxy -DrainTimeout 0:0:1
    Stop-FaultyProxy -Name 'pp-up' -ErrorAction Ignore
    if ($origin) { $origin | Stop-TestOrigin }
}

Describe 'NetDrift behind HAProxy with the PROXY protocol' {
    It 'with <Version>, each client address is its own client for max_connections_per_client' -ForEach @(
        @{ Version = 'send-proxy'; Key = 'v1' }
        @{ Version = 'send-proxy-v2'; Key = 'v2' }
    ) {
        $before = (Get-NetDriftProxy -Name 'pp').Rejections['PerClientLimit']
        $tunnels = @()
        try {
            # Every connection reaches NetDrift from HAProxy's 127.0.0.1: without the header they would share one count.
            $tunnels += Open-Tunnel -From '127.0.0.2' -Port $ports[$Key] -Target $origin.Target
            $tunnels += Open-Tunnel -From '127.0.0.3' -Port $ports[$Key] -Target $origin.Target
            $tunnels[0].Status | Should -Be 200
            $tunnels[1].Status | Should -Be 200
            $tunnels += Open-Tunnel -From '127.0.0.2' -Port $ports[$Key] -Target $origin.Target
            $tunnels[2].Status | Should -Be 503
        }
        finally {
            $tunnels | ForEach-Object { $_.Socket.Dispose() }
        }
        (Get-NetDriftProxy -Name 'pp').Rejections['PerClientLimit'] | Should -Be ($before + 1)
        (Get-NetDriftProxy -Name 'pp').Rejections['ProxyProtocol'] | Should -Be 0
        Wait-Until { (Get-NetDriftProxy -Name 'pp').ActiveConnections -eq 0 } -Timeout 10 -Because 'the tunnels closed'
    }

    It 'disconnects the trusted address when it sends no header, and counts it' {
        $before = (Get-NetDriftProxy -Name 'pp').Rejections['ProxyProtocol']
        $direct = Open-Tunnel -From '127.0.0.1' -Port $proxy.Port -Target $origin.Target
        $direct.Socket.Dispose()
        $direct.Status | Should -Be 0
        Wait-Until { (Get-NetDriftProxy -Name 'pp').Rejections['ProxyProtocol'] -eq $before + 1 } -Timeout 10 -Because 'the refusal is counted'
    }
}
