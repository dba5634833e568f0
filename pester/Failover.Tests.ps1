# The client never sees a bad upstream: every fault is survived with retries, reported exactly
# without them, ejected and readmitted; every strategy does what its name says.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-NetDriftUnderTest
    $origin = Start-TestOrigin
    $target = "127.0.0.1:$($origin.Port)"
    $get = "GET /hello HTTP/1.1`nHost: x`nConnection: close`n`n"
    $healthy = 1..4 | ForEach-Object { Start-FaultyProxy -Name "fo-ok-$_" }

    function New-PoolConfig {
        param([object[]] $Upstreams, [string] $Strategy = 'round-robin', [int] $Retries = 2, [object[]] $Users = @(), [double] $Timeout = 1)
        $path = Join-Path $TestDrive ("pool-" + [guid]::NewGuid() + '.json')
        [ordered]@{
            server = @{ listen_address = '127.0.0.1:0' }
            authentication = @{ enabled = $Users.Count -gt 0; users = @($Users) }
            upstream_proxies = @($Upstreams)
            load_balancing = $Strategy
            retries = $Retries
            upstream_timeout = $Timeout
            logging = @{ level = 'Critical' }
        } | ConvertTo-Json -Depth 5 | Set-Content $path
        $path
    }

    function Get-Credential([string] $User) { [pscredential]::new($User, (ConvertTo-SecureString 'pw' -AsPlainText -Force)) }
}

AfterAll {
    Get-NetDriftProxy | Stop-NetDriftProxy -DrainTimeout 0:0:1
    Stop-FaultyProxy
    $origin | Stop-TestOrigin
}

Describe 'Failover' {
    It 'a pool [<Fault>, None, None] with retries 2 serves every request while the faulty one fails' -ForEach @(
        @{ Fault = 'Reset' }, @{ Fault = 'Timeout' }, @{ Fault = 'BadGateway' }, @{ Fault = 'InternalError' },
        @{ Fault = 'Status' }, @{ Fault = 'Garbage' }, @{ Fault = 'Refuse' }
    ) {
        $bad = Start-FaultyProxy -Fault $Fault -Name "fo-$Fault" -StatusCode 407
        $config = New-PoolConfig @(@{ url = $bad.Url; name = 'bad' }, @{ url = $healthy[0].Url; name = 'ok1' }, @{ url = $healthy[1].Url; name = 'ok2' }) -Timeout 0.5
        $proxy = Start-NetDriftProxy -Name "fo-pool-$Fault" -Config $config
        $results = Test-NetDriftTunnel -Proxy $proxy -Target $target -Count 9 -Concurrency 3 -Send $get -Timeout 0:0:10
        $results.Succeeded | Should -Not -Contain $false
        $results | ForEach-Object { $_.Response | Should -Match 'hello from origin' }
        (Get-NetDriftStats -Proxy $proxy -Upstream 'bad').Failed | Should -BeGreaterThan 0
        $proxy | Stop-NetDriftProxy -DrainTimeout 0:0:1
    }

    It 'a pool [Drop, None, None]: a tunnel that breaks mid-transfer ends in a close, not a hang' {
        $drop = Start-FaultyProxy -Fault Drop -Name 'fo-Drop' -AfterBytes 200
        $config = New-PoolConfig @(@{ url = $drop.Url; name = 'drop' }, @{ url = $healthy[0].Url; name = 'ok1' })
        $proxy = Start-NetDriftProxy -Name 'fo-pool-drop' -Config $config
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $results = Test-NetDriftTunnel -Proxy $proxy -Target $target -Count 4 -Send "GET /bytes/50000 HTTP/1.1`nHost: x`nConnection: close`n`n" -Timeout 0:0:5
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
        $results.Status | Should -Not -Contain 0
        @($results | Where-Object BytesReceived -lt 50000).Count | Should -Be 2 -Because 'the tunnels through Drop were cut'
        $proxy | Stop-NetDriftProxy -DrainTimeout 0:0:1
    }

    It '<Fault> alone with retries 0 answers <Status> quickly, without the upstream''s address' -ForEach @(
        @{ Fault = 'Reset'; Status = 502 }, @{ Fault = 'Timeout'; Status = 504 }, @{ Fault = 'Refuse'; Status = 502 },
        @{ Fault = 'Garbage'; Status = 502 }, @{ Fault = 'BadGateway'; Status = 502 }
    ) {
        $bad = Start-FaultyProxy -Fault $Fault -Name "fo-alone-$Fault"
        $proxy = Start-NetDriftProxy -Name "fo-alone-$Fault" -Config (New-PoolConfig @(@{ url = $bad.Url }) -Retries 0 -Timeout 0.5)
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $answer = curl -s -i -p -x $proxy.Url --max-time 10 "http://$target/hello" 2>$null
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 3
        ($answer -join "`n") | Should -Match "HTTP/1.1 $Status"
        ($answer -join "`n") | Should -Not -Match "$($bad.Port)"
        ($answer -join "`n") | Should -Not -Match '127\.0\.0\.1'
        $proxy | Stop-NetDriftProxy -DrainTimeout 0:0:1
    }

    It 'ejects a failing upstream after failure_threshold failures and readmits it once it recovers' {
        $flaky = Start-FaultyProxy -Fault None -Name 'fo-flaky'
        $config = New-PoolConfig @(@{ url = $flaky.Url; name = 'flaky' }, @{ url = $healthy[0].Url; name = 'ok1' })
        $proxy = Start-NetDriftProxy -Name 'fo-eject' -Config $config
        $null = Test-NetDriftTunnel -Proxy $proxy -Target $target -Count 4
        Set-FaultyProxy -Name 'fo-flaky' -Fault Reset
        $null = Test-NetDriftTunnel -Proxy $proxy -Target $target -Count 8
        (Get-NetDriftUpstream -Proxy $proxy -Name 'flaky').Health | Should -Be 'Unhealthy'
        Reset-NetDriftStats -Proxy $proxy
        $null = Test-NetDriftTunnel -Proxy $proxy -Target $target -Count 6
        (Get-NetDriftStats -Proxy $proxy -Upstream 'flaky').Requests | Should -BeLessOrEqual 1 -Because 'an ejected upstream gets at most a trial'

        Set-FaultyProxy -Name 'fo-flaky' -Fault None
        Wait-Until {
            $null = Test-NetDriftTunnel -Proxy $proxy -Target $target -Count 2
            (Get-NetDriftUpstream -Proxy $proxy -Name 'flaky').Health -eq 'Healthy'
        } -Timeout 0:0:10
    }

    It 'gives 503 for an empty pool and an all-disabled one' {
        $empty = Start-NetDriftProxy -Name 'fo-empty' -Config (New-PoolConfig @())
        (Test-NetDriftTunnel -Proxy $empty -Target $target).Status | Should -Be 503
        $disabled = Start-NetDriftProxy -Name 'fo-disabled' -Config (New-PoolConfig @(@{ url = $healthy[0].Url; enabled = $false }, @{ url = $healthy[1].Url; weight = 0 }))
        (Test-NetDriftTunnel -Proxy $disabled -Target $target).Status | Should -Be 503
    }
}

Describe 'Strategies' {
    It 'weights 3/1/1 give 30/10/10 of 50' {
        $config = New-PoolConfig @(@{ url = $healthy[0].Url; name = 'w3'; weight = 3 }, @{ url = $healthy[1].Url; name = 'w1a' }, @{ url = $healthy[2].Url; name = 'w1b' }) -Strategy 'weighted-round-robin'
        $proxy = Start-NetDriftProxy -Name 'st-wrr' -Config $config
        $null = Test-NetDriftTunnel -Proxy $proxy -Target $target -Count 50 -Concurrency 5
        (Get-NetDriftStats -Proxy $proxy | Sort-Object Upstream | ForEach-Object Requests) | Should -Be @(10, 10, 30)
    }

    It 'sticky keeps each of 20 users on one upstream and moves about a quarter when a 4th is added' {
        $users = 1..20 | ForEach-Object { @{ username = "user$_"; password = 'pw' } }
        $config = New-PoolConfig @(0..2 | ForEach-Object { @{ url = $healthy[$_].Url; name = "s$_" } }) -Strategy sticky -Users $users
        $proxy = Start-NetDriftProxy -Name 'st-sticky' -Config $config
        function Get-Placement {
            $placement = @{}
            foreach ($n in 1..20) {
                Reset-NetDriftStats -Proxy $proxy
                $null = Test-NetDriftTunnel -Proxy $proxy -Target $target -Count 3 -Credential (Get-Credential "user$n")
                $rows = Get-NetDriftStats -Proxy $proxy | Where-Object Requests -gt 0
                @($rows).Count | Should -Be 1 -Because "user$n sticks to one upstream"
                $placement["user$n"] = $rows.Upstream
            }
            $placement
        }
        $before = Get-Placement
        $null = Add-NetDriftUpstream -Proxy $proxy -Url $healthy[3].Url -Name 's3'
        $after = Get-Placement
        $moved = @($before.Keys | Where-Object { $before[$_] -ne $after[$_] })
        $moved | ForEach-Object { $after[$_] | Should -Be 's3' -Because 'only keys that now belong to the new upstream move' }
        $moved.Count | Should -BeIn (1..10)
    }

    It 'least-connections avoids an upstream holding open tunnels' {
        $config = New-PoolConfig @(@{ url = $healthy[0].Url; name = 'busy' }, @{ url = $healthy[1].Url; name = 'idle' }) -Strategy least-connections
        $proxy = Start-NetDriftProxy -Name 'st-lc' -Config $config
        Set-NetDriftUpstream -Proxy $proxy -Name 'idle' -Enabled $false
        $held = 1..3 | ForEach-Object {
            $c = [Net.Sockets.TcpClient]::new('127.0.0.1', $proxy.Port)
            $b = [Text.Encoding]::ASCII.GetBytes("CONNECT $target HTTP/1.1`r`nHost: x`r`n`r`n"); $c.GetStream().Write($b, 0, $b.Length)
            $r = [IO.StreamReader]::new($c.GetStream()); $null = $r.ReadLine(); $c
        }
        Wait-Until { (Get-NetDriftUpstream -Proxy $proxy -Name 'busy').ActiveConnections -eq 3 } -Timeout 0:0:5
        Set-NetDriftUpstream -Proxy $proxy -Name 'idle' -Enabled $true
        Reset-NetDriftStats -Proxy $proxy
        $null = Test-NetDriftTunnel -Proxy $proxy -Target $target -Count 2
        (Get-NetDriftStats -Proxy $proxy -Upstream 'idle').Requests | Should -Be 2
        $held | ForEach-Object Dispose
    }

    It 'least-latency prefers a fast upstream over one with -Latency 200ms' {
        $slow = Start-FaultyProxy -Name 'st-slow' -Latency 0:0:0.2
        $config = New-PoolConfig @(@{ url = $slow.Url; name = 'slow' }, @{ url = $healthy[0].Url; name = 'fast' }) -Strategy least-latency
        $proxy = Start-NetDriftProxy -Name 'st-ll' -Config $config
        $null = Test-NetDriftTunnel -Proxy $proxy -Target $target -Count 20
        $rows = Get-NetDriftStats -Proxy $proxy
        ($rows | Where-Object Upstream -eq 'fast').Requests | Should -BeGreaterThan 16
        ($rows | Where-Object Upstream -eq 'slow').Requests | Should -BeLessOrEqual 2
    }

    It 'a user pinned to a tag never reaches another tag, even when its tag fails' {
        $usBad = Start-FaultyProxy -Fault BadGateway -Name 'tag-us-bad'
        $users = @(@{ username = 'us-user'; password = 'pw'; tag = 'us' }, @{ username = 'any'; password = 'pw' })
        $config = New-PoolConfig @(
            @{ url = $healthy[0].Url; name = 'us-ok'; tag = 'us' }, @{ url = $usBad.Url; name = 'us-bad'; tag = 'us' },
            @{ url = $healthy[1].Url; name = 'eu-1'; tag = 'eu' }, @{ url = $healthy[2].Url; name = 'eu-2'; tag = 'eu' }
        ) -Users $users -Retries 3
        $proxy = Start-NetDriftProxy -Name 'st-tag' -Config $config
        $results = Test-NetDriftTunnel -Proxy $proxy -Target $target -Count 12 -Credential (Get-Credential 'us-user')
        $results.Succeeded | Should -Not -Contain $false
        (Get-NetDriftStats -Proxy $proxy | Where-Object Tag -eq 'eu' | Measure-Object Requests -Sum).Sum | Should -Be 0
        $null = Test-NetDriftTunnel -Proxy $proxy -Target $target -Count 8 -Credential (Get-Credential 'any')
        (Get-NetDriftStats -Proxy $proxy | Where-Object Tag -eq 'eu' | Measure-Object Requests -Sum).Sum | Should -BeGreaterThan 0

        Set-FaultyProxy -Name 'fo-ok-1' -Fault Reset
        $failed = Test-NetDriftTunnel -Proxy $proxy -Target $target -Count 3 -Credential (Get-Credential 'us-user')
        $failed.Status | Should -Not -Contain 200 -Because 'with every us upstream failing, a us user is refused rather than sent to eu'
        Set-FaultyProxy -Name 'fo-ok-1' -Fault None
    }
}
