# End to end through the built module: three healthy test upstreams (faulty proxies with -Fault
# None), a NetDrift proxy on a free port, real clients (curl, Invoke-WebRequest, raw tunnels).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-NetDriftUnderTest
    Install-DebianPackage curl
    $origin = Start-TestOrigin
    $needsNamespace = 'Invoke-WebRequest never proxies loopback hosts; the test host name resolves only inside the network namespace of build.ps1 Test'

    $upstreams = 1..3 | ForEach-Object { Start-FaultyProxy -Fault None -Name "e2e-up$_" }
    $open = Start-NetDriftProxy -Name 'e2e-open' -Listen '127.0.0.1:0' -Upstream $upstreams.Url -LogLevel Warning

    $password = ConvertTo-SecureString 'Proxy234' -AsPlainText -Force
    $user = [pscredential]::new('proxyuser', $password)
    $wrongUser = [pscredential]::new('proxyuser', (ConvertTo-SecureString 'nope' -AsPlainText -Force))
    $guarded = Start-NetDriftProxy -Name 'e2e-auth' -Listen '127.0.0.1:0' -Upstream $upstreams.Url -ClientCredential $user -LogLevel Warning
}

AfterAll {
    Get-NetDriftProxy | Stop-NetDriftProxy -DrainTimeout 0:0:1
    Stop-FaultyProxy
    $origin | Stop-TestOrigin
}

Describe 'Start-NetDriftProxy' {
    It 'listens on the free port it reports' {
        $open.Port | Should -BeGreaterThan 0
        $open.Listen | Should -Be "127.0.0.1:$($open.Port)"
        $open.Url | Should -Be "http://127.0.0.1:$($open.Port)"
        $open.State | Should -Be 'Running'
        $open.Upstreams | Should -Be 3
        $open.PSObject.TypeNames | Should -Contain 'NetDrift.ProxyInfo'
    }

    It 'is listed by Get-NetDriftProxy, by name and with wildcards' {
        (Get-NetDriftProxy -Name 'e2e-open').Port | Should -Be $open.Port
        (Get-NetDriftProxy -Name 'e2e-*').Count | Should -Be 2
    }

    It 'refuses a second proxy with the same name, with an error id' {
        { Start-NetDriftProxy -Name 'e2e-open' -Listen '127.0.0.1:0' -Upstream $upstreams[0].Url -ErrorAction Stop } |
            Should -Throw -ErrorId 'ProxyNameTaken,NetDrift.PowerShell.Commands.StartNetDriftProxyCommand'
    }

    It 'refuses an address already in use' {
        { Start-NetDriftProxy -Name 'e2e-clash' -Listen $open.Listen -Upstream $upstreams[0].Url -ErrorAction Stop } |
            Should -Throw -ErrorId 'ListenFailed,NetDrift.PowerShell.Commands.StartNetDriftProxyCommand'
    }

    It 'refuses a bad upstream URL naming the parameter' {
        { Start-NetDriftProxy -Listen '127.0.0.1:0' -Upstream 'ftp://x:1' -ErrorAction Stop } |
            Should -Throw '*-Upstream*'
    }

    It 'asks for -Proxy when several proxies run' {
        { Get-NetDriftStats -ErrorAction Stop } | Should -Throw -ErrorId 'ProxyAmbiguous,NetDrift.PowerShell.Commands.GetNetDriftStatsCommand'
    }
}

Describe 'Traffic through the proxy' {
    It 'tunnels curl -p -x to the origin' {
        $body = curl -s -p -x $open.Url --max-time 10 "$($origin.LoopbackUrl)/hello"
        $LASTEXITCODE | Should -Be 0
        $body | Should -Be 'hello from origin'
    }

    It 'tunnels curl with proxy credentials, and answers 407 without them' {
        $body = curl -s -p -x $guarded.Url -U 'proxyuser:Proxy234' --max-time 10 "$($origin.LoopbackUrl)/hello"
        $LASTEXITCODE | Should -Be 0
        $body | Should -Be 'hello from origin'

        $code = curl -s -o /dev/null -p -x $guarded.Url --max-time 10 -w '%{http_connect}' "$($origin.LoopbackUrl)/hello"
        $code | Should -Be '407'
    }

    It 'forwards plain HTTP from curl -x (absolute-form) without tunnelling' {
        $body = curl -s -x $open.Url --max-time 10 "$($origin.LoopbackUrl)/hello"
        $LASTEXITCODE | Should -Be 0
        $body | Should -Be 'hello from origin'
    }

    It 'never forwards the client''s Proxy-Authorization to the origin' {
        $headers = curl -s -x $guarded.Url -U 'proxyuser:Proxy234' --max-time 10 "$($origin.LoopbackUrl)/headers"
        $LASTEXITCODE | Should -Be 0
        ($headers -join "`n") | Should -Not -Match 'Proxy-Authorization'
        ($headers -join "`n") | Should -Match 'Via: 1.1 netdrift'
    }

    It 'serves Invoke-WebRequest -Proxy with -ProxyCredential' {
        if (-not (Test-NetNamespace)) { Set-ItResult -Skipped -Because $needsNamespace; return }
        $response = Invoke-WebRequest -Uri "$($origin.Url)/hello" -Proxy $guarded.Url -ProxyCredential $user -TimeoutSec 10
        $response.StatusCode | Should -Be 200
        $response.Content | Should -Be 'hello from origin'
    }

    It 'answers Invoke-WebRequest 407 without credentials and counts wrong ones as auth failures' {
        if (-not (Test-NetNamespace)) { Set-ItResult -Skipped -Because $needsNamespace; return }
        $before = $guarded.AuthFailures
        $failure = { Invoke-WebRequest -Uri "$($origin.Url)/hello" -Proxy $guarded.Url -TimeoutSec 10 } | Should -Throw -PassThru
        [int]$failure.Exception.Response.StatusCode | Should -Be 407
        $guarded.AuthFailures | Should -Be $before

        $failure = { Invoke-WebRequest -Uri "$($origin.Url)/hello" -Proxy $guarded.Url -ProxyCredential $wrongUser -TimeoutSec 10 } |
            Should -Throw -PassThru
        [int]$failure.Exception.Response.StatusCode | Should -Be 407
        $guarded.AuthFailures | Should -BeGreaterThan $before
    }

    It 'spreads 30 tunnels 10/10/10 over three equal upstreams' {
        Reset-NetDriftStats -Proxy $open
        $results = Test-NetDriftTunnel -Proxy $open -Target "127.0.0.1:$($origin.Port)" -Count 30 -Concurrency 3 `
            -Send "GET /hello HTTP/1.1`nHost: x`nConnection: close`n`n"
        $results.Succeeded | Should -Not -Contain $false
        $results | ForEach-Object { $_.Response | Should -Match 'hello from origin' }

        $stats = Get-NetDriftStats -Proxy $open
        $stats.Count | Should -Be 3
        foreach ($row in $stats) {
            $row.Requests | Should -Be 10
            $row.Succeeded | Should -Be 10
            $row.Failed | Should -Be 0
            $row.SuccessRate | Should -Be 1
            $row.BytesSent | Should -BeGreaterThan 0
            $row.BytesReceived | Should -BeGreaterThan 0
            $row.PSObject.TypeNames | Should -Contain 'NetDrift.UpstreamStats'
        }
        ($stats.Upstream | Sort-Object) | Should -Be ($upstreams | ForEach-Object { "127.0.0.1:$($_.Port)" } | Sort-Object)
    }

    It 'binds Get-NetDriftProxy | Get-NetDriftStats down the pipeline' {
        $rows = Get-NetDriftProxy -Name 'e2e-open' | Get-NetDriftStats
        $rows.Count | Should -Be 3
        $rows.Proxy | Select-Object -Unique | Should -Be 'e2e-open'
    }

    It 'shows the stats as a table an operator can read' {
        $table = Get-NetDriftStats -Proxy $open | Format-Table | Out-String
        $table | Should -Match 'Upstream'
        $table | Should -Match 'Requests'
        $table | Should -Match '127\.0\.0\.1:\d+'
    }
}

Describe 'Stop-NetDriftProxy' {
    It 'stops a proxy and frees its port' {
        $temporary = Start-NetDriftProxy -Name 'e2e-temp' -Listen '127.0.0.1:0' -Upstream $upstreams[0].Url -LogLevel Warning
        $port = $temporary.Port
        Stop-NetDriftProxy -Name 'e2e-temp'
        $temporary.State | Should -Be 'Stopped'
        Get-NetDriftProxy -Name 'e2e-temp' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $client = [Net.Sockets.TcpClient]::new()
        { $client.Connect('127.0.0.1', $port) } | Should -Throw
        $client.Dispose()
    }

    It 'supports -WhatIf' {
        $kept = Start-NetDriftProxy -Name 'e2e-whatif' -Listen '127.0.0.1:0' -Upstream $upstreams[0].Url -LogLevel Warning
        Stop-NetDriftProxy -Name 'e2e-whatif' -WhatIf
        $kept.State | Should -Be 'Running'
        $kept | Stop-NetDriftProxy
        $kept.State | Should -Be 'Stopped'
    }

    It 'lets an open tunnel finish within the drain timeout' {
        $draining = Start-NetDriftProxy -Name 'e2e-drain' -Listen '127.0.0.1:0' -Upstream $upstreams[0].Url -LogLevel Warning
        $client = [Net.Sockets.TcpClient]::new('127.0.0.1', $draining.Port)
        $stream = $client.GetStream()
        $connect = [Text.Encoding]::ASCII.GetBytes("CONNECT 127.0.0.1:$($origin.Port) HTTP/1.1`r`nHost: x`r`n`r`n")
        $stream.Write($connect, 0, $connect.Length)
        $reader = [IO.StreamReader]::new($stream)
        $reader.ReadLine() | Should -Match '^HTTP/1.1 200'
        while ($reader.ReadLine()) { }
        Wait-Until { $draining.ActiveConnections -eq 1 } -Timeout 0:0:5

        $manifest = Join-Path (Split-Path $PSScriptRoot -Parent) 'out/NetDrift/NetDrift.psd1'
        $stopping = Start-ThreadJob -ScriptBlock {
            Import-Module $using:manifest
            Stop-NetDriftProxy -Name 'e2e-drain' -DrainTimeout 0:0:10
        }
        Wait-Until { $draining.State -eq 'Stopping' } -Timeout 0:0:5

        # The tunnel still works while the proxy drains.
        $writer = [IO.StreamWriter]::new($stream)
        $writer.Write("GET /hello HTTP/1.1`r`nHost: x`r`nConnection: close`r`n`r`n")
        $writer.Flush()
        $reader.ReadToEnd() | Should -Match 'hello from origin'
        $client.Dispose()

        $null = $stopping | Wait-Job -Timeout 10 | Receive-Job
        $stopping.State | Should -Be 'Completed'
        $draining.State | Should -Be 'Stopped'
        $stopping | Remove-Job -Force
    }
}
