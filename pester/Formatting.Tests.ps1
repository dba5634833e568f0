# Output as an operator sees it: a table and a list view for every output type
# (module/NetDrift.Format.ps1xml), friendly aliases and default sort keys
# (module/NetDrift.Types.ps1xml), and stats rows that sort and group like any objects.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    $null = Import-NetDriftUnderTest
    # Every type a cmdlet declares it writes, but the job (PowerShell's own job views show it) and .NET's.
    $typeCases = @(Get-Command -Module NetDrift -CommandType Cmdlet | ForEach-Object OutputType | Where-Object { $_.Type } |
            ForEach-Object Type | Where-Object { $_.Namespace -eq 'NetDrift' } | Sort-Object FullName -Unique |
            ForEach-Object { @{ TypeName = $_.FullName } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    $null = Import-NetDriftUnderTest
    $fast = Start-FaultyProxy -Name 'fmt-fast'
    $slow = Start-FaultyProxy -Name 'fmt-slow' -Latency 0:0:0.08
    $broken = Start-FaultyProxy -Name 'fmt-broken' -Fault BadGateway
    # From a file, not Add-NetDriftUpstream: added upstreams ramp up slowly, and every one must see traffic now.
    $pool = Join-Path $TestDrive 'pool.json'
    @{
        upstream_proxies = @(
            @{ url = $fast.Url; name = 'fast' }
            @{ url = $slow.Url; name = 'slow'; tag = 'far' }
            @{ url = $broken.Url; name = 'broken'; tag = 'far' }
            @{ url = 'http://127.0.0.1:9'; name = 'idle'; tag = 'near'; weight = 0 }
        )
        logging          = @{ level = 'None' }
    } | ConvertTo-Json -Depth 4 | Set-Content -Path $pool
    $proxy = Start-NetDriftProxy -Name 'fmt' -Config $pool -Listen 127.0.0.1:0
    $request = "GET /healthz HTTP/1.1`nHost: localhost`nConnection: close`n`n"
    $tunnels = @(Test-NetDriftTunnel -Proxy $proxy -Target $proxy.Listen -Count 9 -Send $request)

    $config = Join-Path $TestDrive 'fmt.json'
    @{ upstream_proxies = @(@{ url = $fast.Url; name = 'a' }) } | ConvertTo-Json -Depth 4 | Set-Content -Path $config
    $reloaded = Start-NetDriftProxy -Name 'fmt-reload' -Config $config -Listen 127.0.0.1:0 -LogLevel None
    @{ upstream_proxies = @(@{ url = $fast.Url; name = 'a'; weight = 2 }, @{ url = $slow.Url; name = 'b' }) } |
        ConvertTo-Json -Depth 4 | Set-Content -Path $config
    $changes = @(Update-NetDriftConfig -Proxy 'fmt-reload')

    # A user with a session, for UserInfo and SessionInfo; an open tunnel, for ConnectionInfo.
    $usersConfig = Join-Path $TestDrive 'users.json'
    @{
        upstream_proxies = @(@{ url = $fast.Url; name = 'a' })
        authentication   = @{ enabled = $true; users = @(@{ username = 'alice'; password = 'fmt-pw'; requests_per_minute = 1000 }) }
        sessions         = @{ enabled = $true }
        logging          = @{ level = 'None' }
    } | ConvertTo-Json -Depth 5 | Set-Content -Path $usersConfig
    $usersProxy = Start-NetDriftProxy -Name 'fmt-users' -Config $usersConfig -Listen 127.0.0.1:0
    # A tunnel held open as alice-session-s1: the session, the user's counts and the open connection.
    $held = [Net.Sockets.TcpClient]::new('127.0.0.1', $usersProxy.Port)
    $login = [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes('alice-session-s1:fmt-pw'))
    $connect = [Text.Encoding]::ASCII.GetBytes("CONNECT $($usersProxy.Listen) HTTP/1.1`r`nHost: $($usersProxy.Listen)`r`nProxy-Authorization: Basic $login`r`n`r`n")
    $held.GetStream().Write($connect, 0, $connect.Length)
    $held.GetStream().ReadTimeout = 10000
    $answer = [byte[]]::new(256)
    $null = $held.GetStream().Read($answer, 0, $answer.Length)

    # One live instance of each output type, for rendering.
    $samples = @{
        'NetDrift.ProxyInfo'       = $proxy
        'NetDrift.UpstreamInfo'    = @(Get-NetDriftUpstream -Proxy 'fmt')
        'NetDrift.UpstreamStats'   = @(Get-NetDriftStats -Proxy 'fmt')
        'NetDrift.FaultyProxyInfo' = @(Get-FaultyProxy -Name 'fmt-*')
        'NetDrift.TunnelResult'    = $tunnels
        'NetDrift.ConfigChange'    = $changes
        'NetDrift.UserInfo'        = @(Get-NetDriftUser -Proxy 'fmt-users')
        'NetDrift.SessionInfo'     = @(Get-NetDriftSession -Proxy 'fmt-users')
        'NetDrift.ConnectionInfo'  = @(Get-NetDriftConnection -Proxy 'fmt-users')
    }

    function Get-View([string] $TypeName, [type] $Control) {
        @((Get-FormatData -TypeName $TypeName -PowerShellVersion $PSVersionTable.PSVersion).FormatViewDefinition |
                Where-Object { $_.Control -is $Control })
    }
}

AfterAll {
    if ($held) { $held.Dispose() }
    Get-NetDriftProxy -Name 'fmt*' | Stop-NetDriftProxy -DrainTimeout 0:0:1
    Stop-FaultyProxy -Name 'fmt-*'
}

Describe '<TypeName> formatting' -ForEach $typeCases {
    It 'has a table view' {
        Get-View $TypeName ([Management.Automation.TableControl]) | Should -Not -BeNullOrEmpty
    }

    It 'has a list view that shows every property' {
        $list = Get-View $TypeName ([Management.Automation.ListControl])
        $list | Should -Not -BeNullOrEmpty
        $items = @($list[0].Control.Entries[0].Items)
        $shown = @($items | ForEach-Object { $_.Label; $_.DisplayEntry.Value })
        $type = $samples[$TypeName][0].GetType()
        # Engine: the engine object itself, for scripts; not something to read in a list.
        foreach ($property in $type.GetProperties() | Where-Object { $_.Name -ne 'Engine' }) {
            $property.Name | Should -BeIn $shown -Because "Format-List of $TypeName should show $($property.Name)"
        }
    }

    It 'renders a live object in both views without an error' {
        $table = $samples[$TypeName] | Format-Table -DisplayError | Out-String -Width 250
        $list = $samples[$TypeName] | Format-List -DisplayError | Out-String -Width 250
        $table | Should -Not -Match '#ERR'
        $list | Should -Not -Match '#ERR'
        $table.Trim() | Should -Not -BeNullOrEmpty
        $list.Trim() | Should -Not -BeNullOrEmpty
    }
}

Describe 'Views for reading' {
    It 'shows latencies in milliseconds and bytes with units in the stats list' {
        $row = Get-NetDriftStats -Proxy 'fmt' -Upstream 'slow'
        $text = $row | Format-List | Out-String -Width 200
        $text | Should -Match 'P95LatencyMs\s*:\s*\d+\.\d ms'
        $text | Should -Match 'BytesReceived\s*:\s*\d+(\.\d)? (B|KB|MB|GB)'
        $text | Should -Match 'SuccessRate\s*:\s*\d+\.\d ?%'
    }

    It 'groups upstreams by proxy in the upstream table' {
        Get-NetDriftUpstream -Proxy 'fmt' | Format-Table | Out-String | Should -Match 'Proxy: fmt'
    }

    It 'shows failures by cause in the stats list' {
        Get-NetDriftStats -Proxy 'fmt' -Upstream 'broken' | Format-List | Out-String -Width 200 |
            Should -Match 'FailedBy\s*:\s*TargetUnreachable \d+'
    }
}

Describe 'Type data' {
    It 'gives UpstreamStats short aliases: <Alias> is <Property>' -ForEach @(
        @{ Alias = 'P50'; Property = 'P50LatencyMs' }, @{ Alias = 'P95'; Property = 'P95LatencyMs' }
        @{ Alias = 'P99'; Property = 'P99LatencyMs' }, @{ Alias = 'AvgMs'; Property = 'AvgLatencyMs' }
        @{ Alias = 'OK'; Property = 'Succeeded' }, @{ Alias = 'Active'; Property = 'ActiveConnections' }
        @{ Alias = 'Peak'; Property = 'PeakConcurrency' }, @{ Alias = 'Sent'; Property = 'BytesSent' }
        @{ Alias = 'Received'; Property = 'BytesReceived' }
    ) {
        $row = Get-NetDriftStats -Proxy 'fmt' -Upstream 'slow'
        $row.PSObject.Properties[$Alias].MemberType | Should -Be 'AliasProperty'
        $row.$Alias | Should -Be $row.$Property
    }

    It 'gives ProxyInfo, UpstreamInfo, FaultyProxyInfo and TunnelResult short aliases' {
        (Get-NetDriftProxy -Name 'fmt').Active | Should -Be (Get-NetDriftProxy -Name 'fmt').ActiveConnections
        $proxy.Total | Should -Be $proxy.TotalConnections
        $proxy.Peak | Should -Be $proxy.PeakConcurrency
        $proxy.Rejected | Should -Be $proxy.RejectedConnections
        (Get-NetDriftUpstream -Proxy 'fmt' -Name 'slow').Active | Should -Be 0
        $fast.Active | Should -Be $fast.ActiveConnections
        $tunnels[0].Latency | Should -Be $tunnels[0].LatencyMs
    }

    It 'shows EffectiveWeight in the upstream list view, equal to Weight when not ramping' {
        $row = Get-NetDriftUpstream -Proxy 'fmt' -Name 'slow'
        $row.EffectiveWeight | Should -Be $row.Weight
        $row | Format-List | Out-String | Should -Match 'EffectiveWeight\s*:\s*\d'
    }

    It 'sorts stats by proxy and upstream when no property is given' {
        $sorted = @(Get-NetDriftStats -Proxy 'fmt' | Sort-Object)
        ($sorted.Upstream -join ',') | Should -Be ((@(Get-NetDriftStats -Proxy 'fmt').Upstream | Sort-Object) -join ',')
    }

    It 'shows the table columns where no view applies (DefaultDisplayPropertySet)' {
        $set = (Get-NetDriftStats -Proxy 'fmt')[0].PSStandardMembers.DefaultDisplayPropertySet.ReferencedPropertyNames
        $set | Should -Contain 'P95LatencyMs'
        $set | Should -Contain 'Upstream'
    }
}

Describe 'Get-NetDriftStats with Sort-Object and Group-Object' {
    It 'Group-Object Tag puts the tagged upstreams together' {
        $groups = Get-NetDriftStats -Proxy 'fmt' | Group-Object Tag
        ($groups | Where-Object Name -eq 'far').Count | Should -Be 2
        ($groups | Where-Object Name -eq 'near').Count | Should -Be 1
        ($groups | Where-Object Name -eq 'far').Group.Upstream | Should -Be @('slow', 'broken')
        ($groups | Where-Object Name -eq 'far' | ForEach-Object { ($_.Group | Measure-Object Requests -Sum).Sum }) | Should -BeGreaterThan 0
    }

    It 'Sort-Object P99LatencyMs orders by latency, upstreams without one first' {
        $sorted = @(Get-NetDriftStats -Proxy 'fmt' | Sort-Object P99LatencyMs)
        $sorted.Count | Should -Be 4
        $withLatency = @($sorted | Where-Object { $null -ne $_.P99LatencyMs })
        $withLatency.Upstream | Should -Be @('fast', 'slow')
        $sorted[-1].Upstream | Should -Be 'slow'
        $sorted[-1].P99LatencyMs | Should -BeGreaterThan 50
        @($sorted | Select-Object -First 2 | Where-Object { $null -eq $_.P99LatencyMs }).Count | Should -Be 2
    }

    It 'Sort-Object P99 -Descending (the alias) puts the slowest first' {
        (Get-NetDriftStats -Proxy 'fmt' | Sort-Object P99 -Descending | Select-Object -First 1).Upstream | Should -Be 'slow'
    }

    It 'counts are numbers, so Measure-Object adds them' {
        (Get-NetDriftStats -Proxy 'fmt' | Measure-Object Requests -Sum).Sum | Should -BeGreaterOrEqual 9
        (Get-NetDriftStats -Proxy 'fmt' | Where-Object Failed -gt 0).Upstream | Should -Be 'broken'
    }
}
