# Routes and per-user limits as scripts see them: Get-NetDriftUser, the direct stats row, warnings.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-NetDriftUnderTest
    $origin = Start-TestOrigin
    $target = "127.0.0.1:$($origin.Port)"
    $work = Join-Path ([IO.Path]::GetTempPath()) "netdrift-routes-$PID"
    $null = New-Item -ItemType Directory -Path $work -Force
    function New-Config([string] $Name, [hashtable] $Settings) {
        $path = Join-Path $work "$Name.json"
        $Settings | ConvertTo-Json -Depth 6 | Set-Content -Path $path
        $path
    }
}

AfterAll {
    Get-NetDriftProxy | Stop-NetDriftProxy -DrainTimeout 0:0:1
    Stop-FaultyProxy
    $origin | Stop-TestOrigin
    Remove-Item -Recurse -Force -LiteralPath $work -ErrorAction Ignore
}

Describe 'Get-NetDriftUser' {
    It 'counts requests and refusals per user, and a reload changes the limit but keeps the counts' {
        $up = Start-FaultyProxy -Name 'users-up'
        $settings = @{
            server           = @{ name = 'users'; listen_address = '127.0.0.1:0' }
            authentication   = @{ enabled = $true; users = @(
                @{ username = 'alice'; password = 'pw'; requests_per_minute = 2 }
                @{ username = 'bob'; password = 'pw'; tag = 'eu' }) }
            upstream_proxies = @(@{ url = $up.Url; tag = 'eu' })
            logging          = @{ level = 'Error' }
        }
        $config = New-Config 'users' $settings
        $proxy = Start-NetDriftProxy -Config $config
        $alice = [pscredential]::new('alice', (ConvertTo-SecureString 'pw' -AsPlainText -Force))

        (Test-NetDriftTunnel -Proxy $proxy -Target $target -Credential $alice -Count 3).Status | Should -Be 200, 200, 429

        $user = Get-NetDriftUser -Proxy 'users' -Name 'alice'
        $user.PSObject.TypeNames[0] | Should -Be 'NetDrift.UserInfo'
        $user.Requests | Should -Be 2
        $user.Limited | Should -Be 1
        $user.RequestsPerMinute | Should -Be 2
        $user.LastSeenAt | Should -Not -BeNullOrEmpty
        (Get-NetDriftUser -Proxy 'users' -Name 'bob').Tag | Should -Be 'eu'
        (Get-NetDriftProxy -Name 'users').Rejections['UserRequestRate'] | Should -Be 1
        (Get-NetDriftUser -Proxy 'users' | Out-String) | Should -Match 'Limited'

        $settings.authentication.users[0].requests_per_minute = 3
        $settings | ConvertTo-Json -Depth 6 | Set-Content -Path $config
        $changes = Update-NetDriftConfig -Proxy 'users'
        ($changes | Where-Object Name -eq 'alice').Detail | Should -Be 'requests_per_minute 2 -> 3'
        (Test-NetDriftTunnel -Proxy $proxy -Target $target -Credential $alice -Count 2).Status | Should -Be 200, 429
        (Get-NetDriftUser -Proxy 'users' -Name 'alice').Requests | Should -Be 3

        { Get-NetDriftUser -Proxy 'users' -Name 'carol' -ErrorAction Stop } | Should -Throw -ErrorId 'UserNotFound*'
    }
}

Describe 'routes' {
    It 'a direct route has its own stats row; a deny route answers 403' {
        $dead = Start-FaultyProxy -Name 'routes-dead' -Fault Refuse
        $config = New-Config 'routes' @{
            server           = @{ name = 'routes'; listen_address = '127.0.0.1:0' }
            upstream_proxies = @(@{ url = $dead.Url })
            routes           = @(
                @{ name = 'blocked'; match = @("127.0.0.2:$($origin.Port)"); action = 'deny' }
                @{ name = 'lan'; match = @('127.0.0.0/8'); action = 'direct' })
            logging          = @{ level = 'Error' }
        }
        $proxy = Start-NetDriftProxy -Config $config

        (Test-NetDriftTunnel -Proxy $proxy -Target $target -Count 2).Status | Should -Be 200, 200
        (Test-NetDriftTunnel -Proxy $proxy -Target "127.0.0.2:$($origin.Port)").Status | Should -Be 403

        $direct = Get-NetDriftStats -Proxy 'routes' -Upstream 'direct'
        $direct.Requests | Should -Be 2
        $direct.Succeeded | Should -Be 2
        (Get-NetDriftStats -Proxy 'routes' | Where-Object Upstream -ne 'direct').Requests | Should -Be 0
        (Get-NetDriftProxy -Name 'routes').Rejections['RouteDenied'] | Should -Be 1
    }

    It 'Test-NetDriftConfig warns about a route tag no upstream has, and errors name the route field' {
        $warned = New-Config 'warned' @{
            upstream_proxies = @(@{ url = 'http://127.0.0.1:3025'; tag = 'us' })
            routes           = @(@{ name = 'eu-sites'; match = @('*.example.eu'); tag = 'eu' })
        }
        $broken = New-Config 'broken' @{
            upstream_proxies = @(@{ url = 'http://127.0.0.1:3025' })
            routes           = @(@{ match = @('10.0.0.0/33') })
        }

        Test-NetDriftConfig -Path $warned -WarningVariable warnings -WarningAction SilentlyContinue | Should -BeTrue
        $warnings | Should -HaveCount 1
        "$($warnings[0])" | Should -Match "routes\[0\]\.tag: 'eu'"
        Test-NetDriftConfig -Path $broken -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeFalse
        "$($problems[0])" | Should -Match 'routes\[0\]\.match\[0\]'
    }
}
