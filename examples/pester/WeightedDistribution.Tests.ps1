# Example: weights share traffic exactly (smooth weighted round-robin).
BeforeAll {
    . (Join-Path $PSScriptRoot '_Import.ps1')
    $up = 1..3 | ForEach-Object { Start-FaultyProxy -Name "ex-weights-$_" }
    $proxy = Start-NetDriftProxy -Name 'ex-weights' -Listen 127.0.0.1:0 -Upstream $up.Url -LogLevel None
    # Give the first upstream three times the share of the others.
    Set-NetDriftUpstream -Proxy $proxy -Name "127.0.0.1:$($up[0].Port)" -Weight 3
}
AfterAll {
    $proxy | Stop-NetDriftProxy
    Get-FaultyProxy -Name 'ex-weights-*' | Stop-FaultyProxy
}

Describe 'Weighted distribution' {
    It 'sends 30 of 50 tunnels to weight 3 and 10 to each weight 1' {
        $null = Test-NetDriftTunnel -Proxy $proxy -Target "127.0.0.1:$($proxy.Port)" -Count 50
        $byUpstream = @{}
        Get-NetDriftStats -Proxy $proxy | ForEach-Object { $byUpstream[$_.Upstream] = $_.Requests }
        $byUpstream["127.0.0.1:$($up[0].Port)"] | Should -Be 30
        $byUpstream["127.0.0.1:$($up[1].Port)"] | Should -Be 10
        $byUpstream["127.0.0.1:$($up[2].Port)"] | Should -Be 10
    }
}
