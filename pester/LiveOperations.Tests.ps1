# Operators change a running pool all day: upstreams, users, settings, even the listen address,
# live and without cutting a tunnel. Everything here goes through the built module's cmdlets.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-NetDriftUnderTest
    $origin = Start-TestOrigin
    $target = "127.0.0.1:$($origin.Port)"
    $get = "GET /hello HTTP/1.1`nHost: x`nConnection: close`n`n"
    $up = 1..4 | ForEach-Object { Start-FaultyProxy -Name "live-$_" }

    function Write-Config {
        param([string] $Path, [object[]] $Upstreams, [object[]] $Users = @(), [int] $Retries = 2, [string] $Listen = '127.0.0.1:0')
        [ordered]@{
            server           = @{ name = 'live'; listen_address = $Listen }
            authentication   = @{ enabled = $Users.Count -gt 0; users = @($Users) }
            upstream_proxies = @($Upstreams)
            retries          = $Retries
            logging          = @{ level = 'Error' }
        } | ConvertTo-Json -Depth 5 | Set-Content -Path $Path
    }

    function Open-Tunnel {
        param([int] $Port)
        $client = [Net.Sockets.TcpClient]::new('127.0.0.1', $Port)
        $stream = $client.GetStream()
        $bytes = [Text.Encoding]::ASCII.GetBytes("CONNECT $target HTTP/1.1`r`nHost: x`r`n`r`n")
        $stream.Write($bytes, 0, $bytes.Length)
        $reader = [IO.StreamReader]::new($stream)
        $status = $reader.ReadLine()
        while ($reader.ReadLine()) { }
        [pscustomobject]@{ Client = $client; Stream = $stream; Reader = $reader; Status = $status }
    }

    function Complete-Tunnel {
        param($Tunnel)
        $writer = [IO.StreamWriter]::new($Tunnel.Stream)
        $writer.Write("GET /hello HTTP/1.1`r`nHost: x`r`nConnection: close`r`n`r`n")
        $writer.Flush()
        $answer = $Tunnel.Reader.ReadToEnd()
        $Tunnel.Client.Dispose()
        $answer
    }
}

AfterAll {
    Get-NetDriftProxy | Stop-NetDriftProxy -DrainTimeout 0:0:1
    Stop-FaultyProxy
    $origin | Stop-TestOrigin
}

Describe 'Add-, Remove-, Set- and Get-NetDriftUpstream' {
    BeforeAll {
        $proxy = Start-NetDriftProxy -Name 'ops' -Listen '127.0.0.1:0' -Upstream $up[0].Url -LoadBalancing round-robin -LogLevel Error
    }
    AfterAll { $proxy | Stop-NetDriftProxy -DrainTimeout 0:0:1 }

    It 'adds an upstream that takes traffic at once' {
        $added = Add-NetDriftUpstream -Proxy $proxy -Url $up[1].Url -Name 'second' -Weight 2 -Tag 'eu'
        $added.PSObject.TypeNames | Should -Contain 'NetDrift.UpstreamInfo'
        $added.Name | Should -Be 'second'
        Reset-NetDriftStats -Proxy $proxy
        $null = Test-NetDriftTunnel -Proxy $proxy -Target $target -Count 4
        (Get-NetDriftStats -Proxy $proxy -Upstream 'second').Requests | Should -Be 2
        (Get-NetDriftUpstream -Proxy $proxy -Tag 'eu').Name | Should -Be 'second'
    }

    It 'refuses a duplicate or a bad URL with error ids' {
        Add-NetDriftUpstream -Proxy $proxy -Url $up[1].Url -Name 'second' -ErrorVariable dup -ErrorAction SilentlyContinue
        $dup[0].FullyQualifiedErrorId | Should -BeLike 'UpstreamExists*'
        Add-NetDriftUpstream -Proxy $proxy -Url 'http://nope:port' -ErrorVariable bad -ErrorAction SilentlyContinue
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'InvalidUpstream*'
        $bad[0].Exception.Message | Should -Match '-Url'
    }

    It 'refuses an upstream name with a control character, naming -Name' {
        $count = @(Get-NetDriftUpstream -Proxy $proxy).Count
        Add-NetDriftUpstream -Proxy $proxy -Url $up[1].Url -Name "evil`r`nX-Injected: 1" -ErrorVariable ctl -ErrorAction SilentlyContinue
        $ctl[0].FullyQualifiedErrorId | Should -BeLike 'InvalidUpstream*'
        $ctl[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $ctl[0].Exception.Message | Should -Match '-Name'
        @(Get-NetDriftUpstream -Proxy $proxy).Count | Should -Be $count
    }

    It 'takes an upstream out of rotation and re-weights it' {
        Set-NetDriftUpstream -Proxy $proxy -Name 'second' -Enabled $false
        Reset-NetDriftStats -Proxy $proxy
        $null = Test-NetDriftTunnel -Proxy $proxy -Target $target -Count 3
        (Get-NetDriftStats -Proxy $proxy -Upstream 'second').Requests | Should -Be 0
        $info = Set-NetDriftUpstream -Proxy $proxy -Name 'second' -Enabled $true -Weight 5 -PassThru
        $info.Weight | Should -Be 5
        $info.Enabled | Should -BeTrue
    }

    It 'binds Get-NetDriftUpstream | Set-NetDriftUpstream by property name, and -WhatIf changes nothing' {
        Get-NetDriftUpstream -Proxy $proxy -Name 'second' | Set-NetDriftUpstream -Weight 3
        (Get-NetDriftUpstream -Proxy $proxy -Name 'second').Weight | Should -Be 3
        Get-NetDriftUpstream -Proxy $proxy -Name 'second' | Set-NetDriftUpstream -Weight 9 -WhatIf
        (Get-NetDriftUpstream -Proxy $proxy -Name 'second').Weight | Should -Be 3
        Remove-NetDriftUpstream -Proxy $proxy -Name 'second' -WhatIf
        (Get-NetDriftUpstream -Proxy $proxy -Name 'second').State | Should -Be 'Active'
    }

    It 'drains a removed upstream: its open tunnel finishes, then it is gone' {
        Set-NetDriftUpstream -Proxy $proxy -Name "127.0.0.1:$($up[0].Port)" -Enabled $false
        $tunnel = Open-Tunnel $proxy.Port
        $tunnel.Status | Should -Match ' 200 '
        Set-NetDriftUpstream -Proxy $proxy -Name "127.0.0.1:$($up[0].Port)" -Enabled $true
        # Earlier tests' tunnels close asynchronously on the proxy's side: wait until only ours is open.
        Wait-Until { (Get-NetDriftUpstream -Proxy $proxy -Name 'second').ActiveConnections -eq 1 } -Timeout 0:0:5

        Remove-NetDriftUpstream -Proxy $proxy -Name 'second'
        $draining = Get-NetDriftUpstream -Proxy $proxy -Name 'second'
        $draining.State | Should -Be 'Draining'
        $draining.ActiveConnections | Should -Be 1
        # No new tunnels go to it.
        Reset-NetDriftStats -Proxy $proxy
        $null = Test-NetDriftTunnel -Proxy $proxy -Target $target -Count 3
        (Get-NetDriftStats -Proxy $proxy -Upstream 'second').Requests | Should -Be 0

        Complete-Tunnel $tunnel | Should -Match 'hello from origin'
        Wait-Until { -not (Get-NetDriftUpstream -Proxy $proxy -Name 'second' -ErrorAction SilentlyContinue) } -Timeout 0:0:5
    }

    It 'reports an unknown upstream with UpstreamNotFound' {
        Remove-NetDriftUpstream -Proxy $proxy -Name 'ghost' -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'UpstreamNotFound*'
        $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $problems[0].TargetObject | Should -Be 'ghost'
    }

    It 'loses no request while upstreams are added and removed during a burst' {
        $burst = Start-ThreadJob -ArgumentList $proxy.Url, $target -ScriptBlock {
            param($url, $target)
            Import-Module $using:PSScriptRoot/../out/NetDrift/NetDrift.psd1
            Test-NetDriftTunnel -Proxy $url -Target $target -Count 150 -Concurrency 6 -Send "GET /hello HTTP/1.1`nHost: x`nConnection: close`n`n"
        }
        foreach ($round in 1..10) {
            $null = Add-NetDriftUpstream -Proxy $proxy -Url $up[2].Url -Name 'churn'
            Start-Sleep -Milliseconds 30
            Remove-NetDriftUpstream -Proxy $proxy -Name 'churn'
            Start-Sleep -Milliseconds 30
        }
        $results = $burst | Wait-Job -Timeout 60 | Receive-Job
        $burst | Remove-Job -Force
        $results.Count | Should -Be 150
        $results.Succeeded | Should -Not -Contain $false
        @($results | Where-Object { $_.Response -notmatch 'hello from origin' }).Count | Should -Be 0
    }
}

Describe 'Update-NetDriftConfig' {
    BeforeAll {
        $path = Join-Path $TestDrive 'live.json'
        Write-Config $path @(@{ url = $up[0].Url; name = 'a' }, @{ url = $up[1].Url; name = 'b' })
        $proxy = Start-NetDriftProxy -Name 'reload' -Config $path
    }
    AfterAll { $proxy | Stop-NetDriftProxy -DrainTimeout 0:0:1 }

    It 'applies added, removed and re-weighted upstreams, users and settings, one object per change' {
        Write-Config $path @(@{ url = $up[0].Url; name = 'a'; weight = 3 }, @{ url = $up[2].Url; name = 'c' }) `
            -Users @(@{ username = 'ops'; password = 'Pa55' }) -Retries 1
        $changes = Update-NetDriftConfig -Proxy $proxy
        $changes | ForEach-Object { $_.PSObject.TypeNames | Should -Contain 'NetDrift.ConfigChange' }
        $summary = $changes | ForEach-Object { "$($_.Kind) $($_.Scope) $($_.Name)" }
        $summary | Should -Contain 'Changed Upstream a'
        $summary | Should -Contain 'Added Upstream c'
        $summary | Should -Contain 'Removed Upstream b'
        $summary | Should -Contain 'Added User ops'
        $summary | Should -Contain 'Changed Setting retries'
        ($changes | Out-String) | Should -Not -Match 'Pa55'
        $proxy.LastReloadAt | Should -Not -BeNullOrEmpty

        (Test-NetDriftTunnel -Proxy $proxy -Target $target).Status | Should -Be 407
        $cred = [pscredential]::new('ops', (ConvertTo-SecureString 'Pa55' -AsPlainText -Force))
        (Test-NetDriftTunnel -Proxy $proxy -Target $target -Credential $cred -Send $get).Response | Should -Match 'hello from origin'
        (Get-NetDriftUpstream -Proxy $proxy).Name | Should -Be @('a', 'c')
    }

    It 'keeps the running config on <Case>, naming the field and line' -ForEach @(
        @{ Case = 'broken JSON'; Text = '{ "upstream_proxies": [ '; Field = '' }
        @{ Case = 'a wrong type'; Text = "{`n  `"upstream_proxies`": [ { `"url`": `"http://127.0.0.1:1`", `"weight`": `"heavy`" } ]`n}"; Field = 'upstream_proxies\[0\]\.weight \(line 2\)' }
        @{ Case = 'an unknown field'; Text = "{`n  `"upstream_proxies`": [ { `"url`": `"http://127.0.0.1:1`" } ],`n  `"retires`": 3`n}"; Field = 'retires \(line 3\)' }
    ) {
        $before = (Get-NetDriftUpstream -Proxy $proxy).Name
        Set-Content -Path $path -Value $Text
        $failure = { Update-NetDriftConfig -Proxy $proxy -ErrorAction Stop } | Should -Throw -PassThru
        $failure.FullyQualifiedErrorId | Should -BeLike 'InvalidConfig*'
        if ($Field) { $failure.Exception.Message | Should -Match $Field } else { $failure.Exception.Message | Should -Match 'line' }
        $proxy.LastReloadError | Should -Not -BeNullOrEmpty
        (Get-NetDriftUpstream -Proxy $proxy).Name | Should -Be $before
        $cred = [pscredential]::new('ops', (ConvertTo-SecureString 'Pa55' -AsPlainText -Force))
        (Test-NetDriftTunnel -Proxy $proxy -Target $target -Credential $cred).Status | Should -Be 200
    }

    It 'changes nothing with -WhatIf, and a good reload clears the last error' {
        Write-Config $path @(@{ url = $up[3].Url; name = 'd' })
        Update-NetDriftConfig -Proxy $proxy -WhatIf | Should -BeNullOrEmpty
        (Get-NetDriftUpstream -Proxy $proxy).Name | Should -Be @('a', 'c')
        $null = Update-NetDriftConfig -Proxy $proxy
        (Get-NetDriftUpstream -Proxy $proxy | Where-Object State -eq 'Active').Name | Should -Be 'd'
        $proxy.LastReloadError | Should -BeNullOrEmpty
    }

    It 'rebinds to a new listen_address without dropping a tunnel on the old one' {
        $tunnel = Open-Tunnel $proxy.Port
        $oldPort = $proxy.Port
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $listener.Start(); $newPort = $listener.LocalEndpoint.Port; $listener.Stop()
        Write-Config $path @(@{ url = $up[3].Url; name = 'd' }) -Listen "127.0.0.1:$newPort"
        $changes = Update-NetDriftConfig -Proxy $proxy
        $changes.Name | Should -Contain 'server.listen_address'
        $proxy.Port | Should -Be $newPort
        (Test-NetDriftTunnel -Proxy $proxy -Target $target).Status | Should -Be 200
        (Test-NetDriftTunnel -Proxy "http://127.0.0.1:$oldPort" -Target $target -Timeout 0:0:2).Error | Should -Match 'ConnectionRefused'
        Complete-Tunnel $tunnel | Should -Match 'hello from origin'
    }
}

Describe 'Start parameters over a reload' {
    It 'keep overriding the file through <Case>' -ForEach @(
        @{ Case = 'Update-NetDriftConfig'; Watch = $false }
        @{ Case = 'a watched edit'; Watch = $true }
    ) {
        $path = Join-Path $TestDrive "overridden-$Watch.json"
        Write-Config $path @(@{ url = $up[0].Url; name = 'file' }) -Retries 3
        $proxy = Start-NetDriftProxy -Name "overridden-$Watch" -Config $path -Upstream $up[1].Url -Retries 0 -LoadBalancing least-connections -WatchConfig:$Watch
        try {
            $fromCommandLine = ([uri]$up[1].Url).Authority
            (Get-NetDriftUpstream -Proxy $proxy).Name | Should -Be $fromCommandLine

            Write-Config $path @(@{ url = $up[0].Url; name = 'file' }, @{ url = $up[2].Url; name = 'file2' }) -Retries 4 -Users @(@{ username = 'ops'; password = 'Pa55' })
            if ($Watch) { Wait-Until { $proxy.LastReloadAt } -Timeout 0:0:3 } else { $null = Update-NetDriftConfig -Proxy $proxy }

            $proxy.LastReloadError | Should -BeNullOrEmpty
            (Get-NetDriftUpstream -Proxy $proxy).Name | Should -Be $fromCommandLine
            $proxy.Engine.Config.Retries | Should -Be 0
            $proxy.LoadBalancing | Should -Be 'least-connections'
            $proxy.Engine.Config.Authentication.Users.Username | Should -Be 'ops' -Because 'what no start parameter names comes from the file'
        }
        finally {
            $proxy | Stop-NetDriftProxy -DrainTimeout 0:0:1
        }
    }
}

Describe 'Start-NetDriftProxy -WatchConfig' {
    It 'picks up an edit within 2 seconds and reports a broken one without changing anything' {
        $path = Join-Path $TestDrive 'watched.json'
        Write-Config $path @(@{ url = $up[0].Url; name = 'w1' })
        $proxy = Start-NetDriftProxy -Name 'watched' -Config $path -WatchConfig
        $proxy.WatchingConfig | Should -BeTrue

        Write-Config $path @(@{ url = $up[0].Url; name = 'w1' }, @{ url = $up[1].Url; name = 'w2' })
        Wait-Until { @(Get-NetDriftUpstream -Proxy $proxy).Count -eq 2 } -Timeout 0:0:2

        Set-Content -Path $path -Value '{ "upstream_proxies": "oops" }'
        Wait-Until { $proxy.LastReloadError } -Timeout 0:0:2
        $proxy.LastReloadError | Should -Match 'upstream_proxies'
        @(Get-NetDriftUpstream -Proxy $proxy).Count | Should -Be 2
        $proxy | Stop-NetDriftProxy
    }

    It 'needs -Config' {
        { Start-NetDriftProxy -Listen 127.0.0.1:0 -Upstream $up[0].Url -WatchConfig -ErrorAction Stop } | Should -Throw '*-Config*'
    }
}
