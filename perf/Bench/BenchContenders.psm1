# The front proxies the benchmark compares, each started fresh from a config written here, all
# over the same three upstreams. A contender is a hashtable: Name, Port, Process (null for
# direct), User/Password the clients send (null: no client auth), and Plain (whether it forwards
# absolute-form HTTP). With -Auth the fronts that can check client Basic auth do (NetDrift, Squid,
# the Go NetDrift); HAProxy in TCP mode and direct cannot, so they have no auth-on rows.
Set-StrictMode -Version Latest
Import-Module (Join-Path $PSScriptRoot 'BenchProcesses.psm1')
Import-Module (Join-Path $PSScriptRoot 'BenchServiceLaunch.psm1')

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

# NetDrift contenders that differ only in their config, not in their build or environment.
$script:NetDriftConfigurations = @('netdrift', 'netdrift-accesslog', 'netdrift-routes', 'netdrift-https')

function New-ModuleFolder {
    <#
    .SYNOPSIS
        A folder for PSModulePath holding a NetDrift folder that links to the built module: pwsh
        finds an installed module by its folder name, and this is how each build is installed.
    #>
    param([Parameter(Mandatory)] [string] $Manifest, [Parameter(Mandatory)] [string] $Folder)
    $null = New-Item -ItemType Directory -Path $Folder -Force
    $null = New-Item -ItemType SymbolicLink -Path (Join-Path $Folder 'NetDrift') -Target (Split-Path (Resolve-Path $Manifest).Path -Parent)
    $Folder
}

function Start-Contender {
    <#
    .SYNOPSIS
        Starts one contender in front of the upstreams; returns its description.
    .PARAMETER Setup
        ClientUser/ClientPassword, WorkDir, MaxConnections, FileLimit, UnitPath (deploy/netdrift.service),
        ModuleDir (a folder holding the NetDrift module folder), GoNetDrift, Variants (name -> @{ ModuleDir; Environment }),
        TlsUpstreams (Start-BenchUpstreams -Kind netdrift-https: Ports, Cas) for netdrift-https.
    .PARAMETER Upstreams
        What Start-BenchUpstreams returned: Ports, User, Password.
    #>
    param(
        [Parameter(Mandatory)] [string] $Name,
        [Parameter(Mandatory)] [hashtable] $Setup,
        [Parameter(Mandatory)] [hashtable] $Upstreams,
        [switch] $Auth
    )
    if ($Auth -and -not (Test-ContenderAuth $Name)) { throw "$Name cannot check client credentials." }
    $dir = Join-Path $Setup.WorkDir $Name
    $null = New-Item -ItemType Directory -Path $dir -Force
    $log = Join-Path $dir 'stderr.log'
    $clientUser = if ($Auth) { $Setup.ClientUser } else { $null }
    $clientPassword = if ($Auth) { $Setup.ClientPassword } else { $null }
    $Setup = $Setup.Clone()
    $Setup.UpstreamPorts = $Upstreams.Ports
    switch ($Name) {
        'direct' {
            # The cost floor: the client talks to one upstream itself.
            return @{ Name = $Name; Port = $Setup.UpstreamPorts[0]; Process = $null; User = $Upstreams.User; Password = $Upstreams.Password; Plain = $true }
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
            return @{ Name = $Name; Port = $port; Process = $process; User = $Upstreams.User; Password = $Upstreams.Password; Plain = $true }
        }
        'squid' {
            # Squid as users deploy it in front of a pool: its own Basic auth, the upstreams as
            # round-robin parents with their credentials, never direct, no caching.
            $port = Get-FreePort
            $passwords = Join-Path $dir 'htpasswd'
            & htpasswd -b -c $passwords $Setup.ClientUser $Setup.ClientPassword 2>$null
            if ($LASTEXITCODE -ne 0) { throw 'htpasswd failed.' }
            $login = if ($Upstreams.User) { " login=$($Upstreams.User):$($Upstreams.Password)" } else { '' }
            $peers = for ($i = 0; $i -lt $Setup.UpstreamPorts.Count; $i++) {
                "cache_peer 127.0.0.1 parent $($Setup.UpstreamPorts[$i]) 0 no-query no-digest no-netdb-exchange round-robin$login name=u$i"
            }
            $access = if ($Auth) {
                @("auth_param basic program /usr/lib/squid/basic_ncsa_auth $passwords",
                    'auth_param basic children 2 startup=2', 'auth_param basic credentialsttl 8 hours',
                    'acl authed proxy_auth REQUIRED', 'http_access allow authed', 'http_access deny all')
            } else { @('http_access allow localhost', 'http_access deny all') }
            $config = Join-Path $dir 'squid.conf'
            Set-Content -LiteralPath $config -Value (@(
                "http_port 127.0.0.1:$port",
                "pid_filename $dir/squid.pid", "cache_log $dir/cache.log", 'access_log none', "coredump_dir $dir",
                'cache deny all', 'cache_mem 0 MB', "max_filedescriptors $($Setup.FileLimit)",
                'shutdown_lifetime 1 seconds', 'via off', 'forwarded_for delete', 'client_db off') + $access + @(
                'never_direct allow all') + $peers)
            # squid drops to the 'proxy' user: it must be able to write its log and pid file here.
            & chmod -R a+rwX $dir
            $process = Start-BenchProcess -FilePath (Get-Command squid).Source -ArgumentList @('-N', '-f', $config) -LogPath $log -DrainOutput -WorkingDirectory $dir
            Wait-PortOpen $port 'Squid'
            return @{ Name = $Name; Port = $port; Process = $process; User = $clientUser; Password = $clientPassword; Plain = $true }
        }
        { ($_ -like 'netdrift*' -and $_ -ne 'netdrift-pair') -or $_ -eq 'go-netdrift' } {
            # netdrift-accesslog: the same NetDrift writing a Squid access log to a file, to measure its cost side by side.
            # netdrift-routes: NetDrift with 200 routes that never fit the bench target, so every
            # tunnel is matched against all of them before it uses the whole pool.
            # netdrift-https: the same NetDrift over its own three https:// upstreams (TLS to each, tls_ca_file).
            $routes = $Name -eq 'netdrift-routes'
            $port = Get-FreePort
            $config = Join-Path $dir 'netdrift.json'
            $upstreamList = if ($Name -eq 'netdrift-https') {
                @(for ($i = 0; $i -lt $Setup.TlsUpstreams.Ports.Count; $i++) {
                    [ordered]@{ url = "https://127.0.0.1:$($Setup.TlsUpstreams.Ports[$i])"; enabled = $true; weight = 1; tls_ca_file = $Setup.TlsUpstreams.Cas[$i] }
                })
            }
            else {
                @(for ($i = 0; $i -lt $Setup.UpstreamPorts.Count; $i++) {
                    $credentials = if ($Upstreams.User) { "$($Upstreams.User):$($Upstreams.Password)@" } else { '' }
                    [ordered]@{ url = "http://${credentials}127.0.0.1:$($Setup.UpstreamPorts[$i])"; enabled = $true; weight = 1 }
                })
            }
            # The Go program's own config format, which NetDrift reads as it is; NetDrift gets its
            # limits raised to the benchmark's scale.
            $settings = [ordered]@{
                server = [ordered]@{ name = 'bench'; listen_address = "127.0.0.1:$port"; stats_endpoint = '/stats' }
                authentication = [ordered]@{ enabled = [bool]$Auth; users = @([ordered]@{ username = $Setup.ClientUser; password = $Setup.ClientPassword }) }
                upstream_proxies = $upstreamList
                upstream_timeout = 10
                health_check = [ordered]@{ enabled = $false }
            }
            if ($Name -ne 'go-netdrift') {
                $settings.load_balancing = 'round-robin'
                $settings.logging = [ordered]@{ level = 'Warning' }
                $settings.limits = [ordered]@{ max_connections = $Setup.MaxConnections; idle_timeout_seconds = 600 }
                $settings.health_check = [ordered]@{ enabled = $false }
                if ($Setup['TrustBalancer']) { $settings.server.proxy_protocol = [ordered]@{ trusted = @('127.0.0.1/32') } }
                if ($routes) {
                    $settings.routes = @(for ($i = 0; $i -lt 200; $i++) {
                        $match = switch ($i % 4) {
                            0 { "host$i.example.net" } 1 { "*.zone$i.example.org" } 2 { "10.$i.0.0/16" } 3 { "*:$(20000 + $i)" }
                        }
                        [ordered]@{ name = "r$i"; match = @($match); action = if ($i % 2) { 'deny' } else { 'upstreams' } }
                    })
                }
            }
            if ($Name -eq 'netdrift-accesslog') {
                $settings.access_log = [ordered]@{ path = (Join-Path $dir 'access.log'); format = 'squid' }
            }
            $settings | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $config
            if ($Name -ne 'go-netdrift') {
                # As deploy/netdrift.service runs it: the unit's pwsh arguments and Environment=,
                # the module found on PSModulePath as an installed one is. A variant (an A/B
                # lever) may bring its own build of the module and change the environment.
                # Built-in configurations (netdrift-accesslog, netdrift-routes) run the same build; any other name is a variant.
                $builtIn = $Name -in $script:NetDriftConfigurations
                $variant = if (-not $builtIn) { $Setup.Variants[$Name] }
                if (-not $builtIn -and -not $variant) { throw "Unknown NetDrift variant '$Name'." }
                $launch = Get-ServiceLaunch -UnitPath $Setup.UnitPath -ConfigPath $config -HomeDirectory $dir
                $environment = $launch.Environment
                $moduleDir = if ($variant -and $variant['ModuleDir']) { $variant.ModuleDir } else { $Setup.ModuleDir }
                $environment['PSModulePath'] = $moduleDir
                if ($variant -and $variant['Environment']) { foreach ($k in $variant.Environment.Keys) { $environment[$k] = $variant.Environment[$k] } }
                $pwshDll = Join-Path $PSHOME 'pwsh.dll'
                $process = Start-BenchProcess -FilePath (Get-Command dotnet).Source -ArgumentList (@($pwshDll) + $launch.Arguments) `
                    -Environment $environment -LogPath $log -DrainOutput -WorkingDirectory $dir
            }
            else {
                $process = Start-BenchProcess -FilePath $Setup.GoNetDrift -ArgumentList @('-config', $config) -LogPath $log -DrainOutput -WorkingDirectory $dir
            }
            Wait-PortOpen $port $Name 60
            return @{ Name = $Name; Port = $port; Process = $process; User = $clientUser; Password = $clientPassword; Plain = ($Name -ne 'go-netdrift' -and -not $routes); TunnelOnly = $routes }
        }
        'netdrift-pair' {
            # Issue 18's deployment on one machine: deploy/haproxy.cfg (send-proxy-v2, /healthz
            # checks) in front of two NetDrift instances that trust it. On 2 cores it cannot beat one
            # NetDrift: the case shows what the extra hop costs.
            $instances = @(for ($i = 1; $i -le 2; $i++) {
                $instanceSetup = $Setup.Clone()
                $instanceSetup.WorkDir = Join-Path $dir "instance$i"
                $instanceSetup.TrustBalancer = $true
                Start-Contender -Name 'netdrift' -Setup $instanceSetup -Upstreams $Upstreams -Auth:$Auth
            })
            try {
                $port = Get-FreePort
                $shipped = Get-Content -LiteralPath (Join-Path (Split-Path $Setup.UnitPath) 'haproxy.cfg') -Raw
                $servers = ($instances | ForEach-Object -Begin { $n = 0 } -Process { $n++; "    server netdrift$n 127.0.0.1:$($_.Port) port $($_.Port)" }) -join "`n"
                $config = Join-Path $dir 'haproxy.cfg'
                (($shipped -replace '(?m)^\s*server netdrift\d+ .*\r?\n?', '' -replace '(?m)^(\s*)bind :3128', "`$1bind 127.0.0.1:$port" -replace '(?m)^\s*log stdout.*$', '').TrimEnd() + "`n" + $servers + "`n") |
                    Set-Content -LiteralPath $config
                $process = Start-BenchProcess -FilePath (Get-Command haproxy).Source -ArgumentList @('-db', '-f', $config) -LogPath $log -DrainOutput -WorkingDirectory $dir
                Wait-PortOpen $port 'HAProxy in front of two NetDrift instances'
            }
            catch { $instances | ForEach-Object { Stop-Contender $_ }; throw }
            return @{ Name = $Name; Port = $port; Process = $process; Instances = $instances; User = $clientUser; Password = $clientPassword; Plain = $true
                CpuPids = @($process.Id) + @($instances | ForEach-Object { $_.Process.Id }) }
        }
        default { throw "Unknown contender '$Name'." }
    }
}

# Whether a contender can check client Basic auth (an L4 balancer and no front cannot).
function Test-ContenderAuth([string] $Name) { $Name -notin 'direct', 'haproxy' }

function Stop-Contender([hashtable] $Contender) {
    Stop-BenchProcess $Contender.Process
    foreach ($instance in @($Contender['Instances'])) { if ($instance) { Stop-Contender $instance } }
}

Export-ModuleMember -Function New-ModuleFolder, Start-Contender, Stop-Contender, Get-FreePort, Wait-PortOpen, Test-ContenderAuth
