# Active health checks (health_check): every upstream probed through itself each interval, with
# no client traffic at all. Their results are the health the pool routes by, as Get-NetDriftUpstream
# shows it, and a fixed upstream comes back by itself.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-NetDriftUnderTest
    $origin = Start-TestOrigin
    $target = "127.0.0.1:$($origin.Port)"
    $get = "GET /hello HTTP/1.1`nHost: x`nConnection: close`n`n"
    $null = Start-FaultyProxy -Fault None -Name 'hc-good'
    $null = Start-FaultyProxy -Fault BadGateway -Name 'hc-bad'
    $configPath = Join-Path $TestDrive 'health.json'
    [ordered]@{
        server           = @{ name = 'health'; listen_address = '127.0.0.1:0' }
        upstream_proxies = @(
            @{ url = (Get-FaultyProxy -Name 'hc-good').Url; name = 'good' }
            @{ url = (Get-FaultyProxy -Name 'hc-bad').Url; name = 'bad' }
        )
        load_balancing   = 'round-robin'
        health_check     = [ordered]@{
            enabled = $true; interval_seconds = 1; timeout_seconds = 2
            failure_threshold = 2; recovery_threshold = 1
            endpoints = @("http://127.0.0.1:$($origin.Port)/hello")
        }
        logging          = @{ level = 'Error' }
    } | ConvertTo-Json -Depth 5 | Set-Content -Path $configPath
    $proxy = Start-NetDriftProxy -Config $configPath
}

AfterAll {
    Get-NetDriftProxy | Stop-NetDriftProxy -DrainTimeout 0:0:1
    Stop-FaultyProxy
    $origin | Stop-TestOrigin
}

Describe 'Active health checks' {
    It 'finds the BadGateway upstream Unhealthy and the other Healthy, with no client traffic' {
        $null = Wait-Until -Timeout 8 -Because 'the probes judge both upstreams' {
            $pool = Get-NetDriftUpstream -Proxy $proxy
            ($pool | Where-Object Name -eq 'bad').Health -eq 'Unhealthy' -and ($pool | Where-Object Name -eq 'good').Health -eq 'Healthy'
        }
        (Get-NetDriftStats -Proxy $proxy).Requests | Should -Be @(0, 0)
        (Get-FaultyProxy -Name 'hc-bad').Connections | Should -BeGreaterOrEqual 2
    }

    It 'shows the probes in the stats JSON, apart from client requests' {
        $stats = Invoke-RestMethod -Uri "$($proxy.Url)/stats" -NoProxy
        $bad = $stats.total.upstream_metrics | Where-Object name -eq 'bad'
        $bad.health | Should -Be 'Unhealthy'
        $bad.health_checks | Should -BeGreaterOrEqual 2
        $bad.last_health_check_ok | Should -BeFalse
        $bad.last_health_check_result | Should -Match 'answered 502'
        $bad.total_reqs | Should -Be 0
    }

    It 'brings the upstream back to Healthy once its fault is gone' {
        Set-FaultyProxy -Name 'hc-bad' -Fault None
        $null = Wait-Until -Timeout 5 -Because 'a probe succeeds through the fixed upstream' {
            (Get-NetDriftUpstream -Proxy $proxy -Name 'bad').Health -eq 'Healthy'
        }
        (Get-NetDriftUpstream -Proxy $proxy).Health | Should -Be @('Healthy', 'Healthy')
    }

    It 'then serves every client request, through both upstreams' {
        $null = Wait-Until -Timeout 10 -Because 'the recovered upstream takes client traffic again (slow start ramps it up)' {
            $results = Test-NetDriftTunnel -Proxy $proxy -Target $target -Count 10 -Send $get
            $results.Succeeded | Should -Not -Contain $false
            (Get-NetDriftStats -Proxy $proxy -Upstream 'bad').Succeeded -gt 0
        }
        (Get-NetDriftStats -Proxy $proxy).Failed | Should -Be @(0, 0)
    }
}
