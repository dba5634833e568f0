# Sessions through the built module with a real client: curl -U alice-session-x:pw logs in as
# alice and every request of the session goes to one upstream; the X-NetDrift-Session header on a
# CONNECT (curl -p --proxy-header) does the same; Get-NetDriftSession reports both, filters by
# user, and its table view shows the columns an operator scans. Upstreams: three faulty proxies
# with -Fault None; origin: NetDrift.TestOrigin.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-NetDriftUnderTest
    Install-DebianPackage curl
    $origin = Start-TestOrigin

    $upstreams = 1..3 | ForEach-Object { Start-FaultyProxy -Fault None -Name "sessions-up$_" }
    $work = Join-Path ([IO.Path]::GetTempPath()) "netdrift-sessions-$PID"
    $null = New-Item -ItemType Directory -Path $work -Force
    $config = Join-Path $work 'sessions.json'
    @{
        server           = @{ name = 'sessions'; listen_address = '127.0.0.1:0' }
        authentication   = @{ enabled = $true; users = @(@{ username = 'alice'; password = 'pw' }, @{ username = 'bob'; password = 'pw' }) }
        sessions         = @{ enabled = $true; ttl_seconds = 600 }
        load_balancing   = 'round-robin'
        expose_upstream  = $true
        upstream_proxies = @($upstreams | ForEach-Object { @{ url = $_.Url; name = $_.Name } })
        logging          = @{ level = 'Warning' }
    } | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $config
    $proxy = Start-NetDriftProxy -Name 'sessions' -Config $config

    # The upstream NetDrift names in its answer (expose_upstream), from curl's verbose output.
    function Get-ServedBy([string[]] $Lines) {
        $line = $Lines | Where-Object { $_ -match '^< X-NetDrift-Upstream: ' } | Select-Object -Last 1
        "$line" -replace '^< X-NetDrift-Upstream: ', '' -replace '\s+$', ''
    }
}

AfterAll {
    Get-NetDriftProxy -Name 'sessions' -ErrorAction Ignore | Stop-NetDriftProxy -DrainTimeout 0:0:1
    1..3 | ForEach-Object { Stop-FaultyProxy -Name "sessions-up$_" -ErrorAction Ignore }
    $origin | Stop-TestOrigin
    if ($work) { Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore }
}

Describe 'Sessions through NetDrift' {
    It 'pins every request of curl -U alice-session-x:pw to one upstream, logged in as alice' {
        $served = foreach ($i in 1..6) {
            $lines = curl -sv -x $proxy.Url -U 'alice-session-x:pw' --max-time 10 "$($origin.LoopbackUrl)/hello" 2>&1 | ForEach-Object { "$_" }
            $LASTEXITCODE | Should -Be 0
            ($lines -join "`n") | Should -Match 'hello from origin'
            Get-ServedBy $lines
        }
        @($served | Select-Object -Unique).Count | Should -Be 1
        $served[0] | Should -BeIn $upstreams.Name
        $session = Get-NetDriftSession -Proxy 'sessions' -User 'alice' | Where-Object Session -eq 'x'
        $session.Upstream | Should -Be $served[0]
        $session.Requests | Should -Be 6
        $session.Moves | Should -Be 0
        $proxy.AuthFailures | Should -Be 0
    }

    It 'pins CONNECT tunnels that carry the X-NetDrift-Session header' {
        $served = foreach ($i in 1..4) {
            $lines = curl -sv -p -x $proxy.Url -U 'bob:pw' --proxy-header 'X-NetDrift-Session: tun' --max-time 10 "$($origin.LoopbackUrl)/hello" 2>&1 |
                ForEach-Object { "$_" }
            $LASTEXITCODE | Should -Be 0
            Get-ServedBy $lines
        }
        @($served | Select-Object -Unique).Count | Should -Be 1
        $session = Get-NetDriftSession -Proxy 'sessions' -User 'bob'
        $session.Session | Should -Be 'tun'
        $session.Upstream | Should -Be $served[0]
        $session.Requests | Should -Be 4
    }

    It 'writes NetDrift.SessionInfo objects, filtered by -User with wildcards' {
        $all = @(Get-NetDriftSession -Proxy $proxy)
        $all.Count | Should -Be 2
        $all[0].PSObject.TypeNames | Should -Contain 'NetDrift.SessionInfo'
        $all | ForEach-Object { $_.Proxy | Should -Be 'sessions'; $_.ExpiresAt | Should -Be $_.LastUsedAt.AddSeconds(600) }
        @(Get-NetDriftSession -User 'a*').User | Should -Be @('alice')
        @(Get-NetDriftSession -User 'nobody').Count | Should -Be 0
    }

    It 'shows a table of user, session, upstream, requests and moves' {
        $text = Get-NetDriftSession -Proxy 'sessions' | Format-Table | Out-String -Width 200
        $text | Should -Match 'User\s+Session\s+Upstream\s+Requests\s+Moves\s+LastUsedAt\s+ExpiresIn'
        $text | Should -Match 'alice\s+x\s+sessions-up\d\s+6\s+0'
        $text | Should -Match 'bob\s+tun\s+sessions-up\d\s+4\s+0'
    }
}
