# The front proxies the benchmark compares, each started fresh from a config written here, all
# over the same three upstreams. A contender is a hashtable: Name, Port, Process (null for
# direct), User/Password the clients send, and Plain (whether it forwards absolute-form HTTP).
Set-StrictMode -Version Latest
Import-Module (Join-Path $PSScriptRoot 'BenchProcesses.psm1')

function Get-FreePort {
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Wait-PortOpen([int] $Port, [string] $What, [double] $Seconds = 30) {
    $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
    while ([DateTime]::UtcNow -lt $deadline) {
        $client = [Net.Sockets.TcpClient]::new()
        try { $client.Connect('127.0.0.1', $Port); return } catch { Start-Sleep -Milliseconds 100 } finally { $client.Dispose() }
    }
    throw "$What did not open port $Port within $Seconds s."
}

function Start-Contender {
    <#
    .SYNOPSIS
        Starts one contender in front of the upstreams; returns its description.
    .PARAMETER Setup
        Name, UpstreamPorts, UpstreamUser/UpstreamPassword, ClientUser/ClientPassword, WorkDir,
        MaxConnections, ModuleManifest, GoNetDrift; TlsUpstreams (Port, Ca) for netdrift-https.
    #>
    param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [hashtable] $Setup)
    $dir = Join-Path $Setup.WorkDir $Name
    $null = New-Item -ItemType Directory -Path $dir -Force
    $log = Join-Path $dir 'stderr.log'
    switch ($Name) {
        'direct' {
            # The cost floor: the client talks to one upstream itself.
            return @{ Name = $Name; Port = $Setup.UpstreamPorts[0]; Process = $null; User = $Setup.UpstreamUser; Password = $Setup.UpstreamPassword; Plain = $true }
        }
        'haproxy' {
            # A pure L4 balancer: the client's CONNECT and credentials pass through to an upstream.
            # splice-auto: HAProxy splices bulk transfers as NetDrift does (off by default); its pipes
            # count against the descriptor limit, hence maxpipes.
            $port = Get-FreePort
            $servers = for ($i = 0; $i -lt $Setup.UpstreamPorts.Count; $i++) { "    server u$i 127.0.0.1:$($Setup.UpstreamPorts[$i])" }
            $config = Join-Path $dir 'haproxy.cfg'
            Set-Content -LiteralPath $config -Value (@(
                'global', "    maxconn $($Setup.MaxConnections)", '    maxpipes 256', '    log stderr format raw local0 emerg',
                'defaults', '    mode tcp', '    option splice-auto', '    timeout connect 5s', '    timeout client 600s', '    timeout server 600s',
                'frontend front', "    bind 127.0.0.1:$port", '    default_backend upstreams',
                'backend upstreams', '    balance roundrobin') + $servers)
            $process = Start-BenchProcess -FilePath (Get-Command haproxy).Source -ArgumentList @('-db', '-f', $config) -LogPath $log -DrainOutput -WorkingDirectory $dir
            Wait-PortOpen $port 'HAProxy'
            return @{ Name = $Name; Port = $port; Process = $process; User = $Setup.UpstreamUser; Password = $Setup.UpstreamPassword; Plain = $true }
        }
        'squid' {
            # Squid as users deploy it in front of a pool: its own Basic auth, the upstreams as
            # round-robin parents with their credentials, never direct, no caching.
            $port = Get-FreePort
            $passwords = Join-Path $dir 'htpasswd'
            & htpasswd -b -c $passwords $Setup.ClientUser $Setup.ClientPassword 2>$null
            if ($LASTEXITCODE -ne 0) { throw 'htpasswd failed.' }
            $peers = for ($i = 0; $i -lt $Setup.UpstreamPorts.Count; $i++) {
                "cache_peer 127.0.0.1 parent $($Setup.UpstreamPorts[$i]) 0 no-query no-digest no-netdb-exchange round-robin login=$($Setup.UpstreamUser):$($Setup.UpstreamPassword) name=u$i"
            }
            $config = Join-Path $dir 'squid.conf'
            Set-Content -LiteralPath $config -Value (@(
                "http_port 127.0.0.1:$port",
                "pid_filename $dir/squid.pid", "cache_log $dir/cache.log", 'access_log none', "coredump_dir $dir",
                'cache deny all', 'cache_mem 0 MB', "max_filedescriptors $($Setup.FileLimit)",
                'shutdown_lifetime 1 seconds', 'via off', 'forwarded_for delete', 'client_db off',
                "auth_param basic program /usr/lib/squid/basic_ncsa_auth $passwords",
                'auth_param basic children 2 startup=2', 'auth_param basic credentialsttl 8 hours',
                'acl authed proxy_auth REQUIRED', 'http_access allow authed', 'http_access deny all',
                'never_direct allow all') + $peers)
            # squid drops to the 'proxy' user: it must be able to write its log and pid file here.
            & chmod -R a+rwX $dir
            $process = Start-BenchProcess -FilePath (Get-Command squid).Source -ArgumentList @('-N', '-f', $config) -LogPath $log -DrainOutput -WorkingDirectory $dir
            Wait-PortOpen $port 'Squid'
            return @{ Name = $Name; Port = $port; Process = $process; User = $Setup.ClientUser; Password = $Setup.ClientPassword; Plain = $true }
        }
        { $_ -in 'netdrift', 'netdrift-https', 'go-netdrift' } {
            $port = Get-FreePort
            $config = Join-Path $dir 'netdrift.json'
            $upstreams = if ($Name -eq 'netdrift-https') {
                @(foreach ($tls in $Setup.TlsUpstreams) {
                    [ordered]@{ url = "https://$($Setup.UpstreamUser):$($Setup.UpstreamPassword)@127.0.0.1:$($tls.Port)"; enabled = $true; weight = 1; tls_ca_file = $tls.Ca }
                })
            }
            else {
                @(for ($i = 0; $i -lt $Setup.UpstreamPorts.Count; $i++) {
                    [ordered]@{ url = "http://$($Setup.UpstreamUser):$($Setup.UpstreamPassword)@127.0.0.1:$($Setup.UpstreamPorts[$i])"; enabled = $true; weight = 1 }
                })
            }
            # The Go program's own config format, which NetDrift reads as it is; NetDrift gets its
            # limits raised to the benchmark's scale.
            $settings = [ordered]@{
                server = [ordered]@{ name = 'bench'; listen_address = "127.0.0.1:$port"; stats_endpoint = '/stats' }
                authentication = [ordered]@{ enabled = $true; users = @([ordered]@{ username = $Setup.ClientUser; password = $Setup.ClientPassword }) }
                upstream_proxies = $upstreams
                upstream_timeout = 10
                health_check = [ordered]@{ enabled = $false }
            }
            if ($Name -ne 'go-netdrift') {
                $settings.load_balancing = 'round-robin'
                $settings.logging = [ordered]@{ level = 'Warning' }
                $settings.limits = [ordered]@{ max_connections = $Setup.MaxConnections; idle_timeout_seconds = 600 }
                $settings.health_check = [ordered]@{ enabled = $false }
            }
            $settings | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $config
            if ($Name -ne 'go-netdrift') {
                # As users run it: the module in pwsh, the proxy in that process.
                $pwshDll = Join-Path $PSHOME 'pwsh.dll'
                $script = "Import-Module '$($Setup.ModuleManifest)'; Start-NetDriftProxy -Config '$config' -Wait"
                $process = Start-BenchProcess -FilePath (Get-Command dotnet).Source -ArgumentList @($pwshDll, '-NoProfile', '-NonInteractive', '-Command', $script) -LogPath $log -DrainOutput -WorkingDirectory $dir
            }
            else {
                $process = Start-BenchProcess -FilePath $Setup.GoNetDrift -ArgumentList @('-config', $config) -LogPath $log -DrainOutput -WorkingDirectory $dir
            }
            Wait-PortOpen $port $Name 60
            return @{ Name = $Name; Port = $port; Process = $process; User = $Setup.ClientUser; Password = $Setup.ClientPassword; Plain = ($Name -ne 'go-netdrift') }
        }
        default { throw "Unknown contender '$Name'." }
    }
}

function Stop-Contender([hashtable] $Contender) {
    Stop-BenchProcess $Contender.Process
}

Export-ModuleMember -Function Start-Contender, Stop-Contender, Get-FreePort
