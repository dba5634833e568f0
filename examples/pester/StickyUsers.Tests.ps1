# Example: with "load_balancing": "sticky", each user always lands on the same upstream.
BeforeAll {
    . (Join-Path $PSScriptRoot '_Import.ps1')
    $up = 1..3 | ForEach-Object { Start-FaultyProxy -Name "ex-sticky-$_" }
    $users = 1..5 | ForEach-Object { [pscredential]::new("user$_", (ConvertTo-SecureString 'secret' -AsPlainText -Force)) }
    $proxy = Start-NetDriftProxy -Name 'ex-sticky' -Listen 127.0.0.1:0 -Upstream $up.Url -LoadBalancing sticky `
        -ClientCredential $users -LogLevel None
}
AfterAll {
    $proxy | Stop-NetDriftProxy
    Get-FaultyProxy -Name 'ex-sticky-*' | Stop-FaultyProxy
}

Describe 'Sticky users' {
    It 'keeps each user on one upstream' -ForEach @(1..5 | ForEach-Object { @{ N = $_ } }) {
        Reset-NetDriftStats -Proxy $proxy
        $null = Test-NetDriftTunnel -Proxy $proxy -Target "127.0.0.1:$($proxy.Port)" -Credential $users[$N - 1] -Count 5
        @(Get-NetDriftStats -Proxy $proxy | Where-Object Requests -gt 0).Count | Should -Be 1
    }
}
