# Pools that come from a list someone else maintains (upstream_sources): the list is read at
# start, Update-NetDriftConfig re-reads it at once, and a broken list shows in SourceErrors while
# the last good one keeps serving.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-NetDriftUnderTest
    $origin = Start-TestOrigin
    $target = "127.0.0.1:$($origin.Port)"
    $up = 1..2 | ForEach-Object { Start-FaultyProxy -Name "src-$_" }
    $list = Join-Path $TestDrive 'pool.txt'
    $config = Join-Path $TestDrive 'sources.json'
    Set-Content -Path $list -Value "# pool from the provider`n$($up[0].Url) first"
    # A relative path is the config file's folder's; a long refresh, so only Update-NetDriftConfig reads it again.
    @{
        server           = @{ name = 'sources'; listen_address = '127.0.0.1:0' }
        upstream_sources = @(@{ path = 'pool.txt'; refresh_seconds = 3600; tag = 'b' })
        logging          = @{ level = 'Error' }
    } | ConvertTo-Json -Depth 5 | Set-Content -Path $config
    Push-Location $HOME
    $proxy = Start-NetDriftProxy -Config $config
}

AfterAll {
    Pop-Location
    Get-NetDriftProxy | Stop-NetDriftProxy -DrainTimeout 0:0:1
    Stop-FaultyProxy
    $origin | Stop-TestOrigin
}

Describe 'upstream_sources' {
    It 'starts with the listed upstreams, tagged by their source' {
        $upstream = Get-NetDriftUpstream -Proxy $proxy
        $upstream.Name | Should -Be 'first'
        $upstream.Tag | Should -Be 'b'
        $upstream.Note | Should -BeLike "from *pool.txt"
        $proxy.SourceErrors | Should -BeNullOrEmpty
        (Test-NetDriftTunnel -Proxy $proxy -Target $target).Status | Should -Be 200
    }

    It 'Update-NetDriftConfig re-reads the list at once' {
        Set-Content -Path $list -Value "$($up[0].Url) first`n$($up[1].Url) second"
        $changes = Update-NetDriftConfig -Proxy $proxy
        ($changes | ForEach-Object { "$($_.Kind) $($_.Scope) $($_.Name)" }) | Should -Be 'Added Upstream second'
        (Get-NetDriftUpstream -Proxy $proxy).Name | Should -Be @('first', 'second')
        $results = Test-NetDriftTunnel -Proxy $proxy -Target $target -Count 4
        $results.Status | Sort-Object -Unique | Should -Be 200
    }

    It 'shows a broken list in SourceErrors with its line, and keeps the last good list' {
        Set-Content -Path $list -Value "$($up[0].Url) first`nhttp://127.0.0.1:notaport"
        $null = Update-NetDriftConfig -Proxy $proxy
        $errors = @((Get-NetDriftProxy -Name 'sources').SourceErrors)
        $errors.Count | Should -Be 1
        $errors[0].Source | Should -Be (Join-Path $TestDrive 'pool.txt')
        $errors[0].Line | Should -Be 2
        $errors[0].Error | Should -Match 'line 2:'
        ($proxy | Format-List | Out-String) | Should -Match 'SourceErrors\s*:.*pool\.txt: line 2:'
        (Get-NetDriftUpstream -Proxy $proxy).Name | Should -Be @('first', 'second')
    }

    It 'clears the error once the list loads again, and the removed upstream drains away' {
        Set-Content -Path $list -Value "$($up[1].Url) second"
        $changes = Update-NetDriftConfig -Proxy $proxy
        ($changes | ForEach-Object { "$($_.Kind) $($_.Name)" }) | Should -Be 'Removed first'
        $proxy.SourceErrors | Should -BeNullOrEmpty
        Wait-Until { @(Get-NetDriftUpstream -Proxy $proxy).Name -join ',' -eq 'second' } | Should -BeTrue
    }
}

Describe 'configs/template-sources.json' {
    It 'starts with its own upstream and the ones its list file names' {
        $repoRoot = Split-Path $PSScriptRoot -Parent
        $listed = Start-NetDriftProxy -Config (Join-Path $repoRoot 'configs/template-sources.json') -Listen '127.0.0.1:0' -Name 'template-sources' -LogLevel Warning
        try {
            (Get-NetDriftUpstream -Proxy $listed).Name | Should -Be @('own', 'listed-1', '127.0.0.1:3026')
            (Get-NetDriftUpstream -Proxy $listed -Tag 'listed').Count | Should -Be 2
            $listed.SourceErrors | Should -BeNullOrEmpty
        }
        finally {
            $listed | Stop-NetDriftProxy
        }
    }
}
