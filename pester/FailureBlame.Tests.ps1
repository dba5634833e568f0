# Failure blame (CONTRACT §7) as a user meets it: clients asking for dead targets, through the
# module and curl, never eject healthy upstreams; an upstream that says 502 while another reaches
# the same target is the one ejected.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-NetDriftUnderTest
    $origin = Start-TestOrigin
    $target = "127.0.0.1:$($origin.Port)"
    # A port nobody listens on: the upstream's dial to it is refused, so the upstream answers 502.
    $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $probe.Start()
    $deadTarget = "127.0.0.1:$($probe.LocalEndpoint.Port)"
    $probe.Stop()
}

AfterAll {
    Get-NetDriftProxy | Stop-NetDriftProxy -DrainTimeout 0:0:1
    Stop-FaultyProxy
    $origin | Stop-TestOrigin
}

Describe 'Dead targets through three healthy upstreams' {
    BeforeAll {
        $urls = 1..3 | ForEach-Object { (Start-FaultyProxy -Fault None -Name "blame-ok-$_").Url }
        $proxy = Start-NetDriftProxy -Name 'blame' -Listen '127.0.0.1:0' -Upstream $urls -LogLevel Error
        $dead = @(Test-NetDriftTunnel -Proxy $proxy -Target $deadTarget -Count 50 -Timeout 0:0:5)
        $curlDead = & curl -s -o /dev/null -w '%{http_code}' --proxy $proxy.Url -p "http://$deadTarget/"
    }

    It 'answers every dead target with the upstream''s 502' {
        @($dead | Where-Object Status -eq 502).Count | Should -Be 50
        $curlDead | Should -Be '000' -Because 'curl reports a refused CONNECT as no HTTP code'
    }

    It 'leaves all three upstreams not Unhealthy and /healthz at 200' {
        Get-NetDriftUpstream -Proxy $proxy | ForEach-Object { $_.Health | Should -Not -Be 'Unhealthy' -Because "$($_.Name) only relayed the target's failure" }
        (curl -s -o /dev/null -w '%{http_code}' --noproxy '*' "$($proxy.Url)/healthz") | Should -Be '200'
    }

    It 'counts the failures as TargetUnreachable, two attempts per request' {
        $failed = (Get-NetDriftStats -Proxy $proxy | ForEach-Object { $_.FailedBy['TargetUnreachable'] } | Measure-Object -Sum).Sum
        $failed | Should -Be 102 -Because '51 dead CONNECTs, each tried on 1 + retries_on_target_error upstreams'
    }

    It 'still serves good targets' {
        $good = @(Test-NetDriftTunnel -Proxy $proxy -Target $target -Count 6)
        @($good | Where-Object Succeeded).Count | Should -Be 6
        & curl -s -o /dev/null -w '%{http_code}' --proxy $proxy.Url -p "http://$target/hello" | Should -Be '200'
    }
}

Describe 'An upstream that says 502 while another reaches the target' {
    It 'is blamed and ejected; the others stay in' {
        $liar = Start-FaultyProxy -Fault BadGateway -Name 'blame-liar'
        $good = Start-FaultyProxy -Fault None -Name 'blame-good'
        $cfg = Join-Path $TestDrive 'liar.json'
        @{
            upstream_proxies = @(@{ url = $liar.Url; name = 'liar' }, @{ url = $good.Url; name = 'good' })
            load_balancing = 'round-robin'
            health_check = @{ failure_threshold = 2 }
            server = @{ listen_address = '127.0.0.1:0' }
        } | ConvertTo-Json -Depth 4 | Set-Content $cfg
        $proxy = Start-NetDriftProxy -Name 'blame-liar' -Config $cfg -LogLevel Error

        $tunnels = @(Test-NetDriftTunnel -Proxy $proxy -Target $target -Count 6)

        @($tunnels | Where-Object Succeeded).Count | Should -Be 6
        (Get-NetDriftUpstream -Proxy $proxy -Name 'liar').Health | Should -Be 'Unhealthy'
        (Get-NetDriftUpstream -Proxy $proxy -Name 'good').Health | Should -Be 'Healthy'
    }
}
