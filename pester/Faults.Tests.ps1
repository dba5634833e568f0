# Each fault type, alone in a proxy's pool, must give the client the CONTRACT's answer quickly:
# never a hang. upstream_timeout is 1 s here, so even Timeout ends in about a second.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-NetDriftUnderTest
    $origin = Start-TestOrigin
    $target = "127.0.0.1:$($origin.Port)"
    $get = "GET /hello HTTP/1.1`nHost: x`nConnection: close`n`n"

    function Start-PoolOf {
        param([Parameter(Mandatory)] $Faulty)
        Start-NetDriftProxy -Name "fault-$($Faulty.Name)" -Listen '127.0.0.1:0' -Upstream $Faulty.Url `
            -UpstreamTimeout 0:0:1 -LogLevel Error
    }
}

AfterAll {
    Get-NetDriftProxy | Stop-NetDriftProxy -DrainTimeout 0:0:1
    Stop-FaultyProxy
    $origin | Stop-TestOrigin
}

Describe 'A pool of one faulty upstream' {
    It '<Fault> gives the client <Status> within <Within> s' -ForEach @(
        @{ Fault = 'Reset'; Status = 502; Within = 3 }
        @{ Fault = 'Timeout'; Status = 504; Within = 4 }
        @{ Fault = 'BadGateway'; Status = 502; Within = 3 }
        @{ Fault = 'InternalError'; Status = 502; Within = 3 }
        @{ Fault = 'Status'; Status = 502; Within = 3 }
        @{ Fault = 'Garbage'; Status = 502; Within = 3 }
        @{ Fault = 'Refuse'; Status = 502; Within = 3 }
    ) {
        $faulty = Start-FaultyProxy -Fault $Fault -Name "pool-$Fault" -StatusCode 429
        $proxy = Start-PoolOf $faulty
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $result = Test-NetDriftTunnel -Proxy $proxy -Target $target -Timeout 0:0:10
        $watch.Elapsed.TotalSeconds | Should -BeLessThan $Within
        $result.Status | Should -Be $Status
        $result.Succeeded | Should -BeFalse
        $stats = Get-NetDriftStats -Proxy $proxy
        $stats.Requests | Should -Be 1
        $stats.Failed | Should -Be 1
        $stats.LastError | Should -Not -BeNullOrEmpty
    }

    It 'None tunnels to the origin' {
        $faulty = Start-FaultyProxy -Fault None -Name 'pool-None'
        $proxy = Start-PoolOf $faulty
        $result = Test-NetDriftTunnel -Proxy $proxy -Target $target -Send $get
        $result.Status | Should -Be 200
        $result.Response | Should -Match 'hello from origin'
    }

    It 'Slow answers, but only after its latency' {
        $faulty = Start-FaultyProxy -Fault Slow -Name 'pool-Slow' -Latency 0:0:0.2
        $proxy = Start-NetDriftProxy -Name 'fault-slow' -Listen '127.0.0.1:0' -Upstream $faulty.Url -LogLevel Error
        $result = Test-NetDriftTunnel -Proxy $proxy -Target $target -Send $get
        $result.Status | Should -Be 200
        $result.LatencyMs | Should -BeGreaterOrEqual 350
        $result.Response | Should -Match 'hello from origin'
    }

    It 'Drop opens the tunnel, then cuts it after -AfterBytes' {
        $faulty = Start-FaultyProxy -Fault Drop -Name 'pool-Drop' -AfterBytes 100
        $proxy = Start-PoolOf $faulty
        $result = Test-NetDriftTunnel -Proxy $proxy -Target "127.0.0.1:$($origin.Port)" -Send "GET /bytes/100000 HTTP/1.1`nHost: x`nConnection: close`n`n"
        $result.Status | Should -Be 200
        $result.BytesReceived | Should -BeLessThan 100000
    }

    It 'a faulty upstream that wants credentials answers 407, and NetDrift logs in with the URL''s' {
        $secret = [pscredential]::new('up-user', (ConvertTo-SecureString 'p@ss:word' -AsPlainText -Force))
        $faulty = Start-FaultyProxy -Fault None -Name 'pool-auth' -Credential $secret
        $wrong = Start-NetDriftProxy -Name 'fault-noauth' -Listen '127.0.0.1:0' -Upstream $faulty.Url -UpstreamTimeout 0:0:1 -LogLevel Error
        (Test-NetDriftTunnel -Proxy $wrong -Target $target).Status | Should -Be 502
        (Get-NetDriftStats -Proxy $wrong).LastError | Should -Match 'Auth'

        $url = "http://up-user:p%40ss%3Aword@127.0.0.1:$($faulty.Port)"
        $right = Start-NetDriftProxy -Name 'fault-auth' -Listen '127.0.0.1:0' -Upstream $url -LogLevel Error
        $result = Test-NetDriftTunnel -Proxy $right -Target $target -Send $get
        $result.Status | Should -Be 200
        $result.Response | Should -Match 'hello from origin'
        (Get-NetDriftUpstream -Proxy $right).Url | Should -Be "http://up-user:***@127.0.0.1:$($faulty.Port)"
    }

    It 'fails over from a broken upstream to a healthy one' {
        $broken = Start-FaultyProxy -Fault Reset -Name 'pool-fo-broken'
        $healthy = Start-FaultyProxy -Fault None -Name 'pool-fo-healthy'
        $proxy = Start-NetDriftProxy -Name 'fault-failover' -Listen '127.0.0.1:0' -Upstream $broken.Url, $healthy.Url `
            -LoadBalancing round-robin -LogLevel Error
        $results = Test-NetDriftTunnel -Proxy $proxy -Target $target -Count 6 -Send $get
        $results.Succeeded | Should -Not -Contain $false
        $rows = Get-NetDriftStats -Proxy $proxy
        ($rows | Where-Object Upstream -eq "127.0.0.1:$($healthy.Port)").Succeeded | Should -Be 6
        ($rows | Where-Object Upstream -eq "127.0.0.1:$($broken.Port)").Failed | Should -BeGreaterThan 0
    }
}

Describe 'Faulty proxy cmdlets' {
    It 'Set-FaultyProxy changes the fault live' {
        $faulty = Start-FaultyProxy -Fault None -Name 'live-switch'
        $proxy = Start-PoolOf $faulty
        (Test-NetDriftTunnel -Proxy $proxy -Target $target).Status | Should -Be 200
        Set-FaultyProxy -Name 'live-switch' -Fault BadGateway
        (Get-FaultyProxy -Name 'live-switch').Fault | Should -Be 'BadGateway'
        (Test-NetDriftTunnel -Proxy $proxy -Target $target).Status | Should -Be 502
        Set-FaultyProxy -Name 'live-switch' -Fault None -PassThru | Select-Object -ExpandProperty Fault | Should -Be 'None'
        (Test-NetDriftTunnel -Proxy $proxy -Target $target).Status | Should -Be 200
    }

    It 'counts connections and stops with Stop-FaultyProxy' {
        $faulty = Start-FaultyProxy -Name 'count-me'
        $null = Test-NetDriftTunnel -Proxy $faulty -Target $target -Count 3
        $faulty.Connections | Should -Be 3
        Stop-FaultyProxy -Name 'count-me'
        Get-FaultyProxy -Name 'count-me' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        (Test-NetDriftTunnel -Proxy $faulty.Url -Target $target -Timeout 0:0:2).Error | Should -Match 'ConnectionRefused'
    }

    It 'supports -WhatIf on Set- and Stop-FaultyProxy' {
        $faulty = Start-FaultyProxy -Name 'whatif-faulty'
        Set-FaultyProxy -Name 'whatif-faulty' -Fault Reset -WhatIf
        $faulty.Fault | Should -Be 'None'
        Stop-FaultyProxy -Name 'whatif-faulty' -WhatIf
        $faulty.IsRunning | Should -BeTrue
    }

    It 'reports an unknown name as an error record with an id' {
        Set-FaultyProxy -Name 'no-such' -Fault Reset -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'FaultyProxyNotFound*'
        $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}
