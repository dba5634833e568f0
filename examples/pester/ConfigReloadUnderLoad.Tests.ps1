# Example: rewrite the config while traffic flows; every request is served, the pool follows the file.
BeforeAll {
    . (Join-Path $PSScriptRoot '_Import.ps1')
    $up = 1..3 | ForEach-Object { Start-FaultyProxy -Name "ex-reload-$_" }
    $path = Join-Path $TestDrive 'pool.json'
    function Write-Pool([int[]] $Members) {
        @{
            server = @{ listen_address = '127.0.0.1:0' }
            upstream_proxies = @($Members | ForEach-Object { @{ url = $up[$_].Url; name = "up$_" } })
            logging = @{ level = 'None' }
        } | ConvertTo-Json -Depth 4 | Set-Content $path
    }
    Write-Pool 0, 1
    $proxy = Start-NetDriftProxy -Name 'ex-reload' -Config $path
}
AfterAll {
    $proxy | Stop-NetDriftProxy
    Get-FaultyProxy -Name 'ex-reload-*' | Stop-FaultyProxy
}

Describe 'Config reload under load' {
    It 'serves every request while the pool is rewritten five times' {
        $target = "127.0.0.1:$($proxy.Port)"
        $load = Start-ThreadJob -ArgumentList $proxy.Url, $target, (Get-Module NetDrift).Path -ScriptBlock {
            param($url, $target, $module)
            Import-Module $module
            Test-NetDriftTunnel -Proxy $url -Target $target -Count 100 -Concurrency 4
        }
        foreach ($members in @(0, 1, 2), @(1, 2), @(2), @(0, 2), @(0, 1, 2)) {
            Write-Pool $members
            $null = Update-NetDriftConfig -Proxy $proxy
            Start-Sleep -Milliseconds 50
        }
        $results = $load | Wait-Job -Timeout 60 | Receive-Job
        $load | Remove-Job -Force
        $results.Count | Should -Be 100
        $results.Succeeded | Should -Not -Contain $false
        (Get-NetDriftUpstream -Proxy $proxy | Where-Object State -eq 'Active').Name | Should -Be @('up0', 'up1', 'up2')
    }
}
