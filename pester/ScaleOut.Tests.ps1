# The two-instance deployment of deploy/, for real (CONTRACT §11, issue 18): Debian's HAProxy with
# deploy/haproxy.cfg (ports rewritten to loopback) in front of two NetDrift instances, each its own
# pwsh process started the way deploy/netdrift.service starts one (Start-NetDriftProxy -Wait), both
# reading and watching one config file. Clients come from 127.0.0.2 and 127.0.0.3, so only the
# PROXY header tells NetDrift who they are. Under a bounded load of tunnels and plain requests:
# sticky users and sessions keep their upstream whichever instance serves them; access logs and
# Get-NetDriftConnection show the real client; one instance is stopped with SIGTERM (drain) and
# started again with no client failure; a config edit reaches both within 5 s.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    $null = Import-NetDriftUnderTest
    Install-DebianPackage haproxy
    Install-DebianPackage curl
    $repoRoot = Split-Path $PSScriptRoot -Parent
    $manifest = Join-Path $repoRoot 'out/NetDrift/NetDrift.psd1'
    Add-Type -Path (Join-Path $PSScriptRoot 'ScaleOut/ScaleOutLoad.cs')

    function Get-FreePort {
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $listener.Start(); try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
    }

    $work = Join-Path $TestDrive 'scaleout'
    $null = New-Item -ItemType Directory -Path $work
    $origin = Start-TestOrigin
    $tlsOrigin = Start-TestOrigin -Tls
    $upstreams = 'a', 'b', 'c' | ForEach-Object { Start-FaultyProxy -Name "so-up-$_" }
    $config = Join-Path $work 'netdrift.json'
    $password = 'pw-scale-out'

    function Write-SharedConfig([string] $Note = 'first') {
        @{
            server              = @{ name = 'scale'; listen_address = '127.0.0.1:0'; shutdown_delay_seconds = 5
                                     proxy_protocol = @{ trusted = @('127.0.0.1/32') } }
            upstream_proxies    = @(for ($i = 0; $i -lt $upstreams.Count; $i++) {
                    @{ url = $upstreams[$i].Url; name = "up-$('abc'[$i])"; note = $Note } })
            load_balancing      = 'sticky'
            expose_upstream     = $true
            authentication      = @{ enabled = $true; users = @(@{ username = 'alice'; password = $password }, @{ username = 'bob'; password = $password }) }
            sessions            = @{ enabled = $true; separator = '-session-'; ttl_seconds = 600 }
            access_log          = @{ path = '-'; format = 'json' }
            logging             = @{ level = 'Warning' }
        } | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath "$config.tmp"
        Move-Item -LiteralPath "$config.tmp" -Destination $config -Force
    }
    Write-SharedConfig

    # One instance as the systemd unit runs it, plus a side runspace that dumps what the operator's
    # cmdlets see (connections, upstreams) to a file every 200 ms, since this process cannot call
    # cmdlets in that one.
    function Start-Instance([string] $Name, [int] $Port) {
        $dump = Join-Path $work "$Name.json"
        # A restarted instance must not be judged by its predecessor's last dump.
        Remove-Item -LiteralPath $dump -ErrorAction Ignore
        $script = @"
Import-Module '$manifest'
`$side = [powershell]::Create()
`$null = `$side.AddScript({
    Import-Module '$manifest'
    while (`$true) {
        Start-Sleep -Milliseconds 200
        if (-not (Get-NetDriftProxy -Name '$Name' -ErrorAction Ignore)) { continue }
        @{
            Connections = @(Get-NetDriftConnection | Select-Object Client, User, Kind, Target, Upstream)
            Upstreams   = @(Get-NetDriftUpstream | Select-Object Name, Note)
            Served      = (Get-NetDriftStats | Measure-Object -Property Requests -Sum).Sum
        } | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath '$dump.tmp'
        Move-Item -LiteralPath '$dump.tmp' -Destination '$dump' -Force
    }
})
`$null = `$side.BeginInvoke()
Start-NetDriftProxy -Name '$Name' -Config '$config' -Listen '127.0.0.1:$Port' -WatchConfig -DrainTimeout 0:0:15 -Wait | Format-List Port
"@
        $child = Start-ChildPwsh $script
        $port = Read-ChildProxyPort $child
        if ($port -ne $Port) { throw "instance $Name did not start: $($child.StandardError.ReadToEnd())" }
        [pscustomobject]@{ Name = $Name; Port = $Port; Process = $child; Dump = $dump; Output = $child.StandardOutput.ReadToEndAsync() }
    }

    # SIGTERM, as systemd stops the unit: /healthz 503, shutdown delay, drain, exit 0.
    function Stop-Instance($Instance) {
        & kill -TERM $Instance.Process.Id
        if (-not $Instance.Process.WaitForExit(40000)) { $Instance.Process.Kill($true); throw "$($Instance.Name) did not exit after SIGTERM" }
        $Instance.Process.ExitCode
    }

    # The JSON access-log lines an instance wrote to its standard output.
    function Get-AccessLines($Instance) {
        $null = $Instance.Output.Wait(10000)
        @($Instance.Output.Result -split "`n" | Where-Object { $_.TrimStart().StartsWith('{') } | ForEach-Object { $_ | ConvertFrom-Json })
    }

    function Read-Dump($Instance) {
        if (Test-Path -LiteralPath $Instance.Dump) { Get-Content -LiteralPath $Instance.Dump -Raw | ConvertFrom-Json }
    }

    $ports = @{ front = Get-FreePort; one = Get-FreePort; two = Get-FreePort }
    # deploy/haproxy.cfg as shipped, its servers pointed at the two loopback instances.
    $haproxyConfig = Join-Path $work 'haproxy.cfg'
    $shipped = Get-Content -LiteralPath (Join-Path $repoRoot 'deploy/haproxy.cfg') -Raw
    $servers = "    server netdrift1 127.0.0.1:$($ports.one) port $($ports.one)`n    server netdrift2 127.0.0.1:$($ports.two) port $($ports.two)`n"
    $rewritten = ($shipped -replace '(?m)^\s*server netdrift\d+ .*\r?\n', '') -replace '(?m)^(\s*)bind :3128', "`$1bind 127.0.0.1:$($ports.front)"
    ($rewritten.TrimEnd() + "`n" + $servers) | Set-Content -LiteralPath $haproxyConfig
}

AfterAll {
    foreach ($i in @(Get-Variable -Scope Script -Name one, two, again -ValueOnly -ErrorAction Ignore)) { if ($i -and -not $i.Process.HasExited) { $i.Process.Kill($true) } }
    $haproxy = Get-Variable -Scope Script -Name haproxy -ValueOnly -ErrorAction Ignore
    if ($haproxy -and -not $haproxy.HasExited) { $haproxy.Kill() }
    Stop-FaultyProxy -Name 'so-up-*'
    if ($origin) { Stop-TestOrigin $origin }
    if ($tlsOrigin) { Stop-TestOrigin $tlsOrigin }
}

Describe 'Two NetDrift instances behind HAProxy' {
    It 'serves a bounded load through a drain and a restart with no client failure' {
        & haproxy -c -f $haproxyConfig | Out-Null
        $LASTEXITCODE | Should -Be 0 -Because 'the rewritten deploy/haproxy.cfg is valid'
        $script:one = Start-Instance 'so-one' $ports.one
        $script:two = Start-Instance 'so-two' $ports.two
        $psi = [Diagnostics.ProcessStartInfo]::new('haproxy', @('-db', '-f', $haproxyConfig))
        $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true; $psi.UseShellExecute = $false
        $script:haproxy = [Diagnostics.Process]::Start($psi)
        $null = $haproxy.StandardOutput.ReadToEndAsync(); $null = $haproxy.StandardError.ReadToEndAsync()
        Wait-Until -Timeout 20 -Because 'HAProxy passes a request to an instance' {
            "$(& curl -s -o /dev/null -w '%{http_code}' --max-time 3 --interface 127.0.0.4 -x "http://127.0.0.1:$($ports.front)" -U "bob:$password" "$($origin.Url)/hello")" -eq '200'
        }

        $users = @('bob') + (1..6 | ForEach-Object { "alice-session-s$_" })
        $load = [ScaleOutLoad]::new()
        $stop = [Threading.CancellationTokenSource]::new()
        $running = $load.RunAsync('127.0.0.1', $ports.front, '127.0.0.2', $users, $password,
            "$($origin.Url)/bytes/2048", "$($tlsOrigin.Url)/bytes/2048", 4, 20000, [TimeSpan]::FromSeconds(150), $stop.Token)
        try {
            # A tunnel held open from 127.0.0.3: the instance serving it lists that client, not HAProxy.
            $held = [Net.Sockets.TcpClient]::new([Net.IPEndPoint]::new([Net.IPAddress]::Parse('127.0.0.3'), 0))
            try {
                $held.Connect('127.0.0.1', $ports.front)
                $basic = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("bob:$password"))
                $hello = [Text.Encoding]::ASCII.GetBytes("CONNECT $($origin.Target) HTTP/1.1`r`nHost: $($origin.Target)`r`nProxy-Authorization: Basic $basic`r`n`r`n")
                $held.GetStream().Write($hello, 0, $hello.Length)
                Wait-Until -Timeout 10 -Because 'one instance lists the held tunnel with its real client' {
                    @($one, $two | ForEach-Object { (Read-Dump $_).Connections } | Where-Object { "$($_.Client)" -like '127.0.0.3:*' -and $_.Kind -eq 'Tunnel' }).Count -eq 1
                }
            }
            finally { $held.Dispose() }

            # One edit of the shared file reaches both instances within 5 s (a note: an edit that
            # changed weights would, by design, move the rendezvous choice of new sessions).
            $edited = [Diagnostics.Stopwatch]::StartNew()
            Write-SharedConfig -Note 'edited'
            Wait-Until -Timeout 5 -Because 'both instances pick up the edit' {
                @($one, $two | Where-Object { ((Read-Dump $_).Upstreams | Where-Object Name -eq 'up-a').Note -eq 'edited' }).Count -eq 2
            }
            $edited.Stop()

            Wait-Until -Timeout 60 -Because 'the load is under way before the drain' { $load.Plain + $load.Tunnels -ge 150 }
            $servedBeforeStop = $load.Plain + $load.Tunnels
            Stop-Instance $one | Should -Be 0 -Because 'SIGTERM drains and exits cleanly'
            $script:again = Start-Instance 'so-one' $ports.one
            Wait-Until -Timeout 60 -Because "the restarted instance takes traffic again (load so far: $($load.Plain + $load.Tunnels), $($load.Failures.Count) failed)" {
                [long]"$((Read-Dump $again).Served)" -ge 10
            }
        }
        finally {
            $stop.Cancel()
            $null = $running.Wait(60000)
        }
        $total = $load.Plain + $load.Tunnels
        Write-Host "    two-instance load: $total requests ($($load.Plain) plain, $($load.Tunnels) tunnels), $($load.Failures.Count) failed; config edit seen by both in $([int]$edited.ElapsedMilliseconds) ms"

        $load.Failures | Should -BeNullOrEmpty -Because 'no client request fails across the drain and the restart'
        $total | Should -BeGreaterThan $servedBeforeStop
        foreach ($entry in $load.UpstreamsByUser().GetEnumerator()) {
            $entry.Value.Count | Should -Be 1 -Because "$($entry.Key) is sticky across both instances; served by $($entry.Value -join ', ')"
        }
        $load.UpstreamsByUser().Count | Should -Be $users.Count

        Stop-Instance $two | Should -Be 0
        Stop-Instance $again | Should -Be 0
        $lines = @{ one = @(Get-AccessLines $one); two = @(Get-AccessLines $two); again = @(Get-AccessLines $again) }
        Write-Host "    access-log lines: one $($lines.one.Count), two $($lines.two.Count), again $($lines.again.Count)"
        foreach ($name in $lines.Keys) {
            @($lines[$name] | Where-Object status -eq 200).Count | Should -BeGreaterThan 0 -Because "instance $name served part of the load"
        }
        $all = @($lines.Values | ForEach-Object { $_ })
        $fromClients = @($all | Where-Object { "$($_.client)" -notlike '127.0.0.1*' })
        @($all | Where-Object { "$($_.client)" -like '127.0.0.1*' -and "$($_.target)" -notlike '*/healthz' }) |
            Should -BeNullOrEmpty -Because 'every logged client is the real one the PROXY header carried, never HAProxy'
        @($fromClients | Where-Object { $_.status -eq 200 -and "$($_.client)" -like '127.0.0.2*' }).Count |
            Should -Be $total -Because 'the two access logs hold one 200 line per request the load made'
        # Tunnels too keep their upstream: bob's lines across all three logs name one upstream.
        @($fromClients | Where-Object { $_.user -eq 'bob' -and $_.status -eq 200 } | ForEach-Object upstream | Sort-Object -Unique).Count | Should -Be 1
    }
}
