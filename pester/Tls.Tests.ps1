# TLS on both sides with parts nobody here wrote (CONTRACT §8): curl --proxy https://… with
# --proxy-cacert speaks to NetDrift's TLS listener (server.tls), plain requests and CONNECT; and
# NetDrift in front of Debian's stunnel4 wrapping tinyproxy (a real TLS proxy), trusted through
# tls_ca_file. Two more stunnel services, one with a certificate for another name and one with an
# expired certificate, are upstream failures whose reason reaches LastError, never a hang.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-NetDriftUnderTest
    Install-DebianPackage curl
    Install-DebianPackage -Name stunnel4 -Command stunnel4
    Install-DebianPackage tinyproxy

    function Get-FreePort {
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $listener.Start(); try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
    }

    # A self-signed certificate and its key as PEM files; -Name puts a DNS name in it instead of 127.0.0.1.
    function New-PemCertificate([string] $Stem, [string] $Name, [datetimeoffset] $NotAfter = [datetimeoffset]::UtcNow.AddDays(1)) {
        $key = [Security.Cryptography.ECDsa]::Create([Security.Cryptography.ECCurve+NamedCurves]::nistP256)
        $request = [Security.Cryptography.X509Certificates.CertificateRequest]::new("CN=$Stem", $key, [Security.Cryptography.HashAlgorithmName]::SHA256)
        $names = [Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder]::new()
        if ($Name) { $names.AddDnsName($Name) } else { $names.AddIpAddress([Net.IPAddress]::Loopback) }
        $request.CertificateExtensions.Add($names.Build())
        $issued = $request.CreateSelfSigned($NotAfter.AddDays(-10), $NotAfter)
        $paths = [pscustomobject]@{ Certificate = Join-Path $TestDrive "$Stem.crt.pem"; Key = Join-Path $TestDrive "$Stem.key.pem" }
        Set-Content -LiteralPath $paths.Certificate -Value $issued.ExportCertificatePem()
        Set-Content -LiteralPath $paths.Key -Value $key.ExportPkcs8PrivateKeyPem()
        $paths
    }

    function Write-Config([string] $Path, [hashtable] $Config) { $Config | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $Path }

    $origin = Start-TestOrigin
    $hello = "$($origin.LoopbackUrl)/hello"
    $faulty = Start-FaultyProxy -Fault None -Name 'tls-up'

    # NetDrift as an HTTPS proxy.
    $listenerCert = New-PemCertificate -Stem 'listener'
    $listenerConfig = Join-Path $TestDrive 'listener.json'
    Write-Config $listenerConfig @{
        server           = @{ name = 'tls-listener'; listen_address = '127.0.0.1:0'; tls = @{ certificate = $listenerCert.Certificate; key = $listenerCert.Key } }
        upstream_proxies = @(@{ url = $faulty.Url })
        logging          = @{ level = 'Warning' }
    }
    $tlsProxy = Start-NetDriftProxy -Name 'tls-listener' -Config $listenerConfig

    # stunnel4 (TLS) in front of tinyproxy (HTTP proxy): a real https:// upstream, and two bad ones.
    $ports = @{ tinyproxy = Get-FreePort; good = Get-FreePort; wrongName = Get-FreePort; expired = Get-FreePort }
    $tinyConfig = Join-Path $TestDrive 'tinyproxy.conf'
    @"
Port $($ports.tinyproxy)
Listen 127.0.0.1
Allow 127.0.0.1
Timeout 30
MaxClients 50
LogLevel Warning
"@ | Set-Content -LiteralPath $tinyConfig
    $tinyproxy = Start-Process -FilePath (Get-Command tinyproxy).Source -ArgumentList @('-d', '-c', $tinyConfig) -PassThru `
        -RedirectStandardOutput (Join-Path $TestDrive 'tinyproxy.log') -RedirectStandardError (Join-Path $TestDrive 'tinyproxy.err')

    $certs = @{
        good      = New-PemCertificate -Stem 'stunnel-good'
        wrongName = New-PemCertificate -Stem 'stunnel-wrong' -Name 'other.example'
        expired   = New-PemCertificate -Stem 'stunnel-expired' -NotAfter ([datetimeoffset]::UtcNow.AddDays(-1))
    }
    $stunnelConfig = Join-Path $TestDrive 'stunnel.conf'
    $services = foreach ($kind in 'good', 'wrongName', 'expired') {
        @"
[$kind]
accept = 127.0.0.1:$($ports[$kind])
connect = 127.0.0.1:$($ports.tinyproxy)
cert = $($certs[$kind].Certificate)
key = $($certs[$kind].Key)
"@
    }
    @"
foreground = yes
pid =
debug = warning
$($services -join "`n")
"@ | Set-Content -LiteralPath $stunnelConfig
    $stunnel = Start-Process -FilePath (Get-Command stunnel4).Source -ArgumentList @($stunnelConfig) -PassThru `
        -RedirectStandardOutput (Join-Path $TestDrive 'stunnel.log') -RedirectStandardError (Join-Path $TestDrive 'stunnel.err')
    foreach ($port in $ports.Values) {
        Wait-Until { $c = [Net.Sockets.TcpClient]::new(); try { $c.Connect('127.0.0.1', $port); $true } catch { $false } finally { $c.Dispose() } } `
            -Timeout 15 -Because "stunnel4 and tinyproxy listen on $port"
    }

    $frontConfig = Join-Path $TestDrive 'front.json'
    Write-Config $frontConfig @{
        server           = @{ name = 'tls-front'; listen_address = '127.0.0.1:0' }
        upstream_proxies = @(
            @{ url = "https://127.0.0.1:$($ports.good)"; name = 'stunnel'; tls_ca_file = $certs.good.Certificate }
            @{ url = "https://127.0.0.1:$($ports.wrongName)"; name = 'wrong-name'; tls_ca_file = $certs.wrongName.Certificate; tls_server_name = 'proxy.example'; weight = 0 }
            @{ url = "https://127.0.0.1:$($ports.expired)"; name = 'expired'; tls_ca_file = $certs.expired.Certificate; weight = 0 }
        )
        retries          = 0
        upstream_timeout = 5
        logging          = @{ level = 'Warning' }
    }
    $front = Start-NetDriftProxy -Name 'tls-front' -Config $frontConfig
}

AfterAll {
    foreach ($process in $stunnel, $tinyproxy) {
        if ($process -and -not $process.HasExited) { $process.Kill(); $process.WaitForExit(5000) }
    }
    Get-NetDriftProxy -Name 'tls-listener', 'tls-front' -ErrorAction Ignore | Stop-NetDriftProxy -DrainTimeout 0:0:1
    Stop-FaultyProxy -Name 'tls-up' -ErrorAction Ignore
    if ($origin) { $origin | Stop-TestOrigin }
}

Describe 'curl to NetDrift''s TLS listener' {
    It 'serves a plain request inside TLS (--proxy https:// --proxy-cacert)' {
        $body = curl -s --max-time 10 --proxy "https://127.0.0.1:$($tlsProxy.Port)" --proxy-cacert $listenerCert.Certificate $hello
        $LASTEXITCODE | Should -Be 0
        $body | Should -Be 'hello from origin'
    }

    It 'opens a CONNECT tunnel inside TLS (-p)' {
        $body = curl -s -p --max-time 10 --proxy "https://127.0.0.1:$($tlsProxy.Port)" --proxy-cacert $listenerCert.Certificate $hello
        $LASTEXITCODE | Should -Be 0
        $body | Should -Be 'hello from origin'
    }

    It 'refuses plaintext on the TLS port (allow_plaintext is false)' {
        $null = curl -s --max-time 10 --proxy "http://127.0.0.1:$($tlsProxy.Port)" $hello
        $LASTEXITCODE | Should -Not -Be 0
    }

    It 'fails the handshake when curl does not trust the certificate' {
        $null = curl -s --max-time 10 --proxy "https://127.0.0.1:$($tlsProxy.Port)" $hello
        $LASTEXITCODE | Should -Be 60 # CURLE_PEER_FAILED_VERIFICATION
    }
}

Describe 'NetDrift in front of stunnel4 wrapping tinyproxy' {
    It 'shows the upstream''s Protocol as Https' {
        (Get-NetDriftUpstream -Proxy tls-front -Name stunnel).Protocol | Should -Be 'Https'
    }

    It 'forwards a plain request over TLS to the upstream, trusted through tls_ca_file' {
        $body = curl -s --max-time 10 -x $front.Url $hello
        $body | Should -Be 'hello from origin'
    }

    It 'opens a CONNECT tunnel over TLS to the upstream' {
        $body = curl -s -p --max-time 10 -x $front.Url $hello
        $body | Should -Be 'hello from origin'
        (Get-NetDriftStats -Proxy tls-front -Upstream stunnel).Succeeded | Should -BeGreaterOrEqual 2
    }

    It 'fails on a certificate for another name, the reason in LastError, well within upstream_timeout' -ForEach @(
        @{ Upstream = 'wrong-name'; Reason = 'name mismatch' }
        @{ Upstream = 'expired'; Reason = 'expired' }
    ) {
        Set-NetDriftUpstream -Proxy tls-front -Name $Upstream -Weight 1
        Set-NetDriftUpstream -Proxy tls-front -Name stunnel -Weight 0
        try {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $code = curl -s -o /dev/null -w '%{http_code}' --max-time 10 -x $front.Url $hello
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 4
            $code | Should -Be '502'
            (Get-NetDriftStats -Proxy tls-front -Upstream $Upstream).LastError | Should -BeLike "*$Reason*"
        }
        finally {
            Set-NetDriftUpstream -Proxy tls-front -Name stunnel -Weight 1
            Set-NetDriftUpstream -Proxy tls-front -Name $Upstream -Weight 0
        }
    }
}

Describe 'Start-FaultyProxy -Protocol Https and Test-NetDriftTunnel' {
    BeforeAll {
        $target = Start-TestOrigin
        $httpsFaulty = Start-FaultyProxy -Protocol Https -Name 'tls-faulty'
    }
    AfterAll {
        Stop-FaultyProxy -Name 'tls-faulty' -ErrorAction Ignore
        if ($target) { $target | Stop-TestOrigin }
    }

    It 'shows an https:// Url and its certificate file' {
        $httpsFaulty.Url | Should -BeLike 'https://127.0.0.1:*'
        $httpsFaulty.Protocol | Should -Be 'Https'
        Test-Path -LiteralPath $httpsFaulty.CertificatePath | Should -BeTrue
    }

    It 'tunnels through it with Test-NetDriftTunnel, trusting its own certificate' {
        $result = Test-NetDriftTunnel -Proxy $httpsFaulty -Target "127.0.0.1:$($target.Port)" -Send "GET /hello HTTP/1.1`nHost: x`nConnection: close`n`n"
        $result.Succeeded | Should -BeTrue
        $result.Response | Should -BeLike '*hello from origin*'
    }

    It 'refuses an https:// URL whose certificate is not trusted, unless -SkipCertificateCheck' {
        (Test-NetDriftTunnel -Proxy $httpsFaulty.Url -Target "127.0.0.1:$($target.Port)").Succeeded | Should -BeFalse
        (Test-NetDriftTunnel -Proxy $httpsFaulty.Url -Target "127.0.0.1:$($target.Port)" -SkipCertificateCheck).Succeeded | Should -BeTrue
    }

    It 'is trusted by curl with --proxy-cacert CertificatePath' {
        $body = curl -s --max-time 10 --proxy $httpsFaulty.Url --proxy-cacert $httpsFaulty.CertificatePath $hello
        $body | Should -Be 'hello from origin'
    }
}
