# SOCKS5 on both sides with parts nobody here wrote: Debian's curl as a SOCKS5 client of NetDrift
# (--socks5-hostname: names resolved by the proxy side; --socks5: by curl), with and without
# --proxy-user; .NET's own SOCKS5 client (Invoke-WebRequest -Proxy socks5://, credentials through
# -ProxyCredential); and Debian's microsocks with -u/-P as NetDrift's upstream, reached as
# socks5://user:pass@ (tunnels, plain requests in origin-form, a refused target blamed on the
# target, wrong credentials blamed on the upstream). Every body is checked by length and SHA-256.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-NetDriftUnderTest
    Install-DebianPackage curl
    Install-DebianPackage microsocks
    $needsNamespace = '.NET never proxies loopback hosts; the test host name resolves only inside the network namespace of build.ps1 Test'

    function Get-FreePort {
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $listener.Start(); try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
    }

    # What GET /bytes/<count> must deliver: a..z repeated, cut at count.
    function Get-PatternHash([int] $Count) {
        $text = ('abcdefghijklmnopqrstuvwxyz' * [math]::Ceiling($Count / 26)).Substring(0, $Count)
        [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::ASCII.GetBytes($text)))
    }

    # curl with its output in a file; returns the exit code and the file's length and hash.
    function Invoke-Curl([string[]] $Arguments) {
        $out = Join-Path $TestDrive "curl-$([guid]::NewGuid().ToString('n')).bin"
        $null = & curl --silent --show-error --max-time 20 --noproxy '' --output $out @Arguments 2>&1
        $code = $LASTEXITCODE
        $length = if (Test-Path -LiteralPath $out) { (Get-Item -LiteralPath $out).Length } else { 0 }
        $hash = if ($length -gt 0) { (Get-FileHash -LiteralPath $out -Algorithm SHA256).Hash } else { '' }
        [pscustomobject]@{ ExitCode = $code; Length = $length; Hash = $hash }
    }

    $size = 300001
    $expected = Get-PatternHash $size
    $origin = Start-TestOrigin
    $upstream = Start-FaultyProxy -Fault None -Name 'socks-http-up'
    $password = 'socks-S3cret'
    $user = [pscredential]::new('alice', (ConvertTo-SecureString $password -AsPlainText -Force))
    $proxy = Start-NetDriftProxy -Name 'socks-auth' -Listen '127.0.0.1:0' -Upstream $upstream.Url -ClientCredential $user -LogLevel Warning
    $open = Start-NetDriftProxy -Name 'socks-open' -Listen '127.0.0.1:0' -Upstream $upstream.Url -LogLevel Warning

    $micro = @{ Port = Get-FreePort; User = 'micro'; Password = 'm1cro-Pw' }
    $microLog = Join-Path $TestDrive 'microsocks.log'
    $microsocks = Start-Process -FilePath (Get-Command microsocks).Source -PassThru `
        -ArgumentList @('-i', '127.0.0.1', '-p', "$($micro.Port)", '-u', $micro.User, '-P', $micro.Password) `
        -RedirectStandardOutput $microLog -RedirectStandardError "$microLog.err"
    Wait-Until { $c = [Net.Sockets.TcpClient]::new(); try { $c.Connect('127.0.0.1', $micro.Port); $true } catch { $false } finally { $c.Dispose() } } `
        -Timeout 10 -Because "microsocks listens on $($micro.Port)"
    $viaMicro = Start-NetDriftProxy -Name 'socks-micro' -Listen '127.0.0.1:0' -LogLevel Warning `
        -Upstream "socks5://$($micro.User):$($micro.Password)@127.0.0.1:$($micro.Port)"
}

AfterAll {
    Get-NetDriftProxy | Where-Object Name -like 'socks-*' | Stop-NetDriftProxy -DrainTimeout 0:0:1
    Stop-FaultyProxy -Name 'socks-*' -ErrorAction Ignore
    if ($microsocks -and -not $microsocks.HasExited) { $microsocks.Kill(); $null = $microsocks.WaitForExit(5000) }
    Stop-TestOrigin $origin
}

Describe 'curl as a SOCKS5 client of NetDrift' {
    It 'fetches through --socks5-hostname with --proxy-user, byte-exact' {
        $r = Invoke-Curl @('--socks5-hostname', "127.0.0.1:$($proxy.Port)", '--proxy-user', "alice:$password", "$($origin.LoopbackUrl)/bytes/$size")
        $r.ExitCode | Should -Be 0
        $r.Length | Should -Be $size
        $r.Hash | Should -Be $expected
    }

    It 'fetches through --socks5 (curl resolves) with --proxy-user, byte-exact' {
        $r = Invoke-Curl @('--socks5', "127.0.0.1:$($proxy.Port)", '--proxy-user', "alice:$password", "http://localhost:$($origin.Port)/bytes/$size")
        $r.ExitCode | Should -Be 0
        $r.Hash | Should -Be $expected
    }

    It 'is refused without credentials when authentication is on, and with wrong ones' {
        (Invoke-Curl @('--socks5-hostname', "127.0.0.1:$($proxy.Port)", "$($origin.LoopbackUrl)/hello")).ExitCode | Should -Not -Be 0
        (Invoke-Curl @('--socks5-hostname', "127.0.0.1:$($proxy.Port)", '--proxy-user', 'alice:wrong', "$($origin.LoopbackUrl)/hello")).ExitCode | Should -Not -Be 0
    }

    It 'fetches without credentials from a proxy without authentication, to a name it never resolves itself' {
        $r = Invoke-Curl @('--socks5-hostname', "127.0.0.1:$($open.Port)", "http://localhost:$($origin.Port)/bytes/$size")
        $r.ExitCode | Should -Be 0
        $r.Hash | Should -Be $expected
    }

    It 'counts the SOCKS5 tunnels on the upstream like CONNECTs' {
        $stats = Get-NetDriftStats -Proxy 'socks-open'
        $stats.Requests | Should -BeGreaterOrEqual 1
        $stats.Succeeded | Should -BeGreaterOrEqual 1
    }
}

Describe '.NET''s SOCKS5 client (Invoke-WebRequest -Proxy socks5://)' {
    It 'fetches through NetDrift with -ProxyCredential, byte-exact' {
        if (-not (Test-NetNamespace)) { Set-ItResult -Skipped -Because $needsNamespace; return }
        $response = Invoke-WebRequest -Uri "$($origin.Url)/bytes/$size" -Proxy "socks5://127.0.0.1:$($proxy.Port)" -ProxyCredential $user -TimeoutSec 20
        $response.RawContentLength | Should -Be $size
        [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($response.RawContentStream.ToArray())) | Should -Be $expected
    }
}

Describe 'NetDrift in front of microsocks (socks5://user:pass@)' {
    It 'shows the upstream''s Protocol as Socks5' {
        (Get-NetDriftUpstream -Proxy 'socks-micro').Protocol | Should -Be 'Socks5'
    }

    It 'tunnels an HTTP CONNECT client through it, byte-exact' {
        $r = Invoke-Curl @('--proxytunnel', '--proxy', "http://127.0.0.1:$($viaMicro.Port)", "http://localhost:$($origin.Port)/bytes/$size")
        $r.ExitCode | Should -Be 0
        $r.Hash | Should -Be $expected
    }

    It 'sends a plain absolute-form request to the origin through a SOCKS5 tunnel' {
        $r = Invoke-Curl @('--proxy', "http://127.0.0.1:$($viaMicro.Port)", "http://localhost:$($origin.Port)/bytes/$size")
        $r.ExitCode | Should -Be 0
        $r.Hash | Should -Be $expected
    }

    It 'carries a SOCKS5 client to a SOCKS5 upstream' {
        $r = Invoke-Curl @('--socks5-hostname', "127.0.0.1:$($viaMicro.Port)", "http://localhost:$($origin.Port)/bytes/$size")
        $r.ExitCode | Should -Be 0
        $r.Hash | Should -Be $expected
    }

    It 'opens a tunnel with Test-NetDriftTunnel -Proxy socks5://' {
        $result = Test-NetDriftTunnel -Proxy "socks5://127.0.0.1:$($viaMicro.Port)" -Target "127.0.0.1:$($origin.Port)" -Send "GET /hello HTTP/1.1`nHost: x`nConnection: close`n`n"
        $result.Status | Should -Be 200
        $result.Response | Should -Match '^HTTP/1\.1 200'
    }

    It 'blames a refused target on the target: TargetUnreachable, the upstream stays healthy' {
        $closed = Get-FreePort
        $before = [long](Get-NetDriftStats -Proxy 'socks-micro').FailedBy['TargetUnreachable']
        $result = Test-NetDriftTunnel -Proxy "socks5://127.0.0.1:$($viaMicro.Port)" -Target "127.0.0.1:$closed"
        $result.Succeeded | Should -BeFalse
        $result.Status | Should -BeIn @(3, 4, 5)
        $stats = Get-NetDriftStats -Proxy 'socks-micro'
        [long]$stats.FailedBy['TargetUnreachable'] | Should -Be ($before + 1)
        $stats.Health | Should -Not -Be 'Unhealthy'
    }

    It 'blames wrong credentials on the upstream (Auth)' {
        $wrong = Start-NetDriftProxy -Name 'socks-micro-wrong' -Listen '127.0.0.1:0' -LogLevel Warning -Retries 0 `
            -Upstream "socks5://$($micro.User):wrong@127.0.0.1:$($micro.Port)"
        (Test-NetDriftTunnel -Proxy $wrong -Target "127.0.0.1:$($origin.Port)").Status | Should -Be 502
        (Get-NetDriftStats -Proxy 'socks-micro-wrong').FailedBy['Auth'] | Should -Be 1
    }
}
