# UpstreamHealthChanged, as scripts consume it: Register-ObjectEvent on the ProxyInfo.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-NetDriftUnderTest
    $origin = Start-TestOrigin
    $target = "127.0.0.1:$($origin.Port)"
}

AfterAll {
    Get-EventSubscriber | Unregister-Event
    Get-NetDriftProxy | Stop-NetDriftProxy -DrainTimeout 0:0:1
    Stop-FaultyProxy
    $origin | Stop-TestOrigin
}

Describe 'UpstreamHealthChanged' {
    It 'reports an upstream going Unhealthy after failure_threshold failures, and its recovery' {
        $faulty = Start-FaultyProxy -Fault None -Name 'events-up'
        $proxy = Start-NetDriftProxy -Name 'events' -Listen '127.0.0.1:0' -Upstream $faulty.Url -Retries 0 -LogLevel Error
        $null = Register-ObjectEvent -InputObject $proxy -EventName UpstreamHealthChanged -SourceIdentifier 'nd-health'

        (Test-NetDriftTunnel -Proxy $proxy -Target $target).Status | Should -Be 200
        $first = Wait-Event -SourceIdentifier 'nd-health' -Timeout 5
        $first.SourceEventArgs.NewHealth | Should -Be 'Healthy'
        $first.SourceEventArgs.OldHealth | Should -Be 'Unknown'
        $first | Remove-Event

        Set-FaultyProxy -Name 'events-up' -Fault InternalError
        1..3 | ForEach-Object { (Test-NetDriftTunnel -Proxy $proxy -Target $target).Status | Should -Be 502 }
        $down = Wait-Event -SourceIdentifier 'nd-health' -Timeout 5
        $down.SourceEventArgs.Upstream | Should -Be "127.0.0.1:$($faulty.Port)"
        $down.SourceEventArgs.Proxy | Should -Be 'events'
        $down.SourceEventArgs.OldHealth | Should -Be 'Healthy'
        $down.SourceEventArgs.NewHealth | Should -Be 'Unhealthy'
        $down.SourceEventArgs.Reason | Should -Match 'UpstreamStatus'
        $down | Remove-Event
        (Get-NetDriftUpstream -Proxy $proxy).Health | Should -Be 'Unhealthy'
        (curl -s -o /dev/null -w '%{http_code}' --noproxy '*' "$($proxy.Url)/healthz") | Should -Be '503'

        # Alone in its pool it still gets traffic (panic mode), so its recovery is seen.
        Set-FaultyProxy -Name 'events-up' -Fault None
        (Test-NetDriftTunnel -Proxy $proxy -Target $target).Status | Should -Be 200
        $up = Wait-Event -SourceIdentifier 'nd-health' -Timeout 5
        $up.SourceEventArgs.NewHealth | Should -Be 'Healthy'
        $up | Remove-Event
        (curl -s -o /dev/null -w '%{http_code}' --noproxy '*' "$($proxy.Url)/healthz") | Should -Be '200'
        Unregister-Event -SourceIdentifier 'nd-health'
    }
}
