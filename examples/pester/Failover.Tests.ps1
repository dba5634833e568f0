# Example: when one upstream starts resetting connections, clients never notice.
BeforeAll {
    . (Join-Path $PSScriptRoot '_Import.ps1')
    # Three test upstreams; the first one will misbehave.
    $flaky = Start-FaultyProxy -Name 'ex-failover-flaky'
    $good = 1..2 | ForEach-Object { Start-FaultyProxy -Name "ex-failover-good$_" }
    $proxy = Start-NetDriftProxy -Name 'ex-failover' -Listen 127.0.0.1:0 -Upstream (@($flaky) + $good).Url -Retries 2 -LogLevel None
    $request = Get-HealthzRequest $proxy.Port
}
AfterAll {
    $proxy | Stop-NetDriftProxy
    Get-FaultyProxy -Name 'ex-failover-*' | Stop-FaultyProxy
}

Describe 'Failover' {
    It 'serves every request while one upstream resets connections' {
        Set-FaultyProxy -Name 'ex-failover-flaky' -Fault Reset
        $results = Test-NetDriftTunnel -Proxy $proxy -Target "127.0.0.1:$($proxy.Port)" -Send $request -Count 12
        $results.Succeeded | Should -Not -Contain $false
        # The failures were absorbed by retries, and counted against the flaky upstream.
        (Get-NetDriftStats -Proxy $proxy -Upstream "*:$($flaky.Port)").Failed | Should -BeGreaterThan 0
    }
}
