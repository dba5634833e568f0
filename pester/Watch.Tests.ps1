# Watch-NetDriftStats in a real terminal (tmux) redraws one table in place; with output
# redirected it prints plain refreshes. And X-NetDrift-Upstream names the serving upstream only
# when expose_upstream asks for it.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-NetDriftUnderTest
    Install-DebianPackage tmux
    $repoRoot = Split-Path $PSScriptRoot -Parent
    $manifest = Join-Path $repoRoot 'out/NetDrift/NetDrift.psd1'
    $origin = Start-TestOrigin
    $target = "127.0.0.1:$($origin.Port)"
    $up = 1..2 | ForEach-Object { Start-FaultyProxy -Name "watch-up$_" }
    $pwshDll = Join-Path $PSHOME 'pwsh.dll'
    $dotnet = Get-DotNetHost

    # The watched proxy runs in the child too (proxies live in their PowerShell process); the child
    # sends its own traffic so the view has numbers to show.
    function Get-WatchScript([int] $Count) {
        @"
`$PSStyle.OutputRendering = 'PlainText'
Import-Module '$manifest'
`$p = Start-NetDriftProxy -Name watched -Listen 127.0.0.1:0 -Upstream '$($up[0].Url)','$($up[1].Url)' -LogLevel None
`$null = Test-NetDriftTunnel -Proxy `$p -Target '$target' -Count 6
Watch-NetDriftStats -Proxy `$p -Interval 0:0:0.3 -Count $Count
"@
    }
}

AfterAll {
    Get-NetDriftProxy | Stop-NetDriftProxy -DrainTimeout 0:0:1
    Stop-FaultyProxy
    $origin | Stop-TestOrigin
    & tmux kill-server 2>$null
}

Describe 'Watch-NetDriftStats' {
    It 'prints plain refreshes when output is redirected' {
        $out = & $dotnet $pwshDll -NoProfile -NonInteractive -Command (Get-WatchScript 3) 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 0
        ([regex]::Matches($out, 'NetDrift watched on http://127\.0\.0\.1:\d+')).Count | Should -Be 3
        $out | Should -Match "127\.0\.0\.1:$($up[0].Port)\s+Healthy\s+Active"
        $out | Should -Match 'Req/s\s+Success\s+P95ms'
        $out | Should -Match '100\.0%'
        $out | Should -Not -Match "`e\["
    }

    It 'redraws the table in place in a terminal' {
        $script = Join-Path $TestDrive 'watch.ps1'
        Set-Content -Path $script -Value ((Get-WatchScript 12) + "`nStart-Sleep -Seconds 30")
        & tmux new-session -d -s ndwatch -x 160 -y 40 "$dotnet $pwshDll -NoProfile -File $script"
        try {
            Wait-Until { (& tmux capture-pane -p -t ndwatch | Out-String) -match 'Req/s' } -Timeout 0:0:20
            Start-Sleep -Seconds 2
            $screen = & tmux capture-pane -p -t ndwatch | Out-String
            ([regex]::Matches($screen, 'NetDrift watched on')).Count | Should -Be 1 -Because 'each refresh overwrites the last'
            ([regex]::Matches($screen, 'Req/s')).Count | Should -Be 1
            $screen | Should -Match "127\.0\.0\.1:$($up[1].Port)\s+Healthy"
        }
        finally {
            & tmux kill-session -t ndwatch 2>$null
        }
    }

    It 'refuses an interval under 100 ms' {
        $p = Start-NetDriftProxy -Name 'watch-local' -Listen 127.0.0.1:0 -Upstream $up[0].Url -LogLevel None
        { Watch-NetDriftStats -Proxy $p -Interval 0:0:0.01 -Count 1 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidInterval*'
        $p | Stop-NetDriftProxy
    }
}

Describe 'expose_upstream' {
    BeforeAll {
        $config = Join-Path $TestDrive 'expose.json'
        @{ server = @{ listen_address = '127.0.0.1:0' }; expose_upstream = $true; load_balancing = 'round-robin'
           upstream_proxies = @(@{ url = $up[0].Url; name = 'first' }, @{ url = $up[1].Url; name = 'second' }); logging = @{ level = 'None' }
        } | ConvertTo-Json -Depth 4 | Set-Content $config
        $exposed = Start-NetDriftProxy -Name 'exposed' -Config $config
        $hidden = Start-NetDriftProxy -Name 'hidden' -Listen 127.0.0.1:0 -Upstream $up[0].Url -LogLevel None
    }

    It 'names the serving upstream in the 200 to CONNECT, which Test-NetDriftTunnel reports' {
        $results = Test-NetDriftTunnel -Proxy $exposed -Target $target -Count 4
        ($results.Upstream | Sort-Object) | Should -Be @('first', 'first', 'second', 'second')
    }

    It 'names it in plain HTTP responses too' {
        $head = curl -s -i -x $exposed.Url --max-time 10 "$($origin.LoopbackUrl)/hello"
        ($head -join "`n") | Should -Match 'X-NetDrift-Upstream: (first|second)'
    }

    It 'says nothing by default' {
        (Test-NetDriftTunnel -Proxy $hidden -Target $target).Upstream | Should -BeNullOrEmpty
        $head = curl -s -i -x $hidden.Url --max-time 10 "$($origin.LoopbackUrl)/hello"
        ($head -join "`n") | Should -Not -Match 'X-NetDrift-Upstream'
    }
}
