# Example: a failing upstream is taken out of rotation (Unhealthy), then readmitted once it works.
BeforeAll {
    . (Join-Path $PSScriptRoot '_Import.ps1')
    $sick = Start-FaultyProxy -Name 'ex-eject-sick'
    $well = Start-FaultyProxy -Name 'ex-eject-well'
    $proxy = Start-NetDriftProxy -Name 'ex-eject' -Listen 127.0.0.1:0 -Upstream $sick.Url, $well.Url -LoadBalancing round-robin -LogLevel None
    $target = "127.0.0.1:$($proxy.Port)"
}
AfterAll {
    $proxy | Stop-NetDriftProxy
    Get-FaultyProxy -Name 'ex-eject-*' | Stop-FaultyProxy
}

Describe 'Ejection and recovery' {
    It 'marks an upstream Unhealthy after 3 failures (failure_threshold) and raises an event' {
        $null = Register-ObjectEvent -InputObject $proxy -EventName UpstreamHealthChanged -SourceIdentifier 'ex-health'
        Set-FaultyProxy -Name 'ex-eject-sick' -Fault BadGateway
        $null = Test-NetDriftTunnel -Proxy $proxy -Target $target -Count 8
        (Get-NetDriftUpstream -Proxy $proxy -Name "*:$($sick.Port)").Health | Should -Be 'Unhealthy'
        $event = Get-Event -SourceIdentifier 'ex-health' | Where-Object { $_.SourceEventArgs.NewHealth -eq 'Unhealthy' }
        $event | Should -Not -BeNullOrEmpty
        Unregister-Event -SourceIdentifier 'ex-health'; Remove-Event -SourceIdentifier 'ex-health' -ErrorAction Ignore
    }

    It 'brings it back after it recovers (a trial request after a short back-off)' {
        Set-FaultyProxy -Name 'ex-eject-sick' -Fault None
        $deadline = (Get-Date).AddSeconds(10)
        while ((Get-NetDriftUpstream -Proxy $proxy -Name "*:$($sick.Port)").Health -ne 'Healthy' -and (Get-Date) -lt $deadline) {
            $null = Test-NetDriftTunnel -Proxy $proxy -Target $target -Count 2
            Start-Sleep -Milliseconds 200
        }
        (Get-NetDriftUpstream -Proxy $proxy -Name "*:$($sick.Port)").Health | Should -Be 'Healthy'
    }
}
