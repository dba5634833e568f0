# Real clients other than curl through NetDrift with client Basic auth, each to an http and an
# https origin (NetDrift.TestOrigin -Tls, a self-signed certificate the clients trust or skip):
# Invoke-WebRequest -ProxyCredential (GETs, and a POST whose challenge is answered on its
# connection), Python requests (Debian's python3-requests) with a proxies dict, wget with
# http_proxy/https_proxy, and a .NET HttpClient with a WebProxy and credentials making 50 requests
# on at most two client connections (.NET answers every 407 challenge, so this holds only while a
# 407 keeps the connection open). Every body is checked by length and SHA-256.
# Upstream: a faulty proxy with -Fault None.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-NetDriftUnderTest
    Install-DebianPackage wget
    Install-DebianPackage -Name python3-requests -Library
    # Debian's python3, the one python3-requests is for; a python3 earlier on PATH (pyenv) may lack it.
    $python = '/usr/bin/python3'
    $needsNamespace = '.NET never proxies loopback hosts; the test host name resolves only inside the network namespace of build.ps1 Test'

    $origins = @{ http = Start-TestOrigin; https = Start-TestOrigin -Tls }
    $certificate = $origins.https.CertificatePath
    $upstream = Start-FaultyProxy -Fault None -Name 'clients-up'
    $password = 'clients-S3cret'
    $user = [pscredential]::new('alice', (ConvertTo-SecureString $password -AsPlainText -Force))
    $proxy = Start-NetDriftProxy -Name 'clients' -Listen '127.0.0.1:0' -Upstream $upstream.Url -ClientCredential $user -LogLevel Warning
    $proxyWithLogin = "http://alice:$password@127.0.0.1:$($proxy.Port)"

    $work = Join-Path ([IO.Path]::GetTempPath()) "netdrift-clients-$PID"
    $null = New-Item -ItemType Directory -Path $work -Force
    # A few hundred KiB, not a multiple of the origin's 26-byte alphabet.
    $size = 300001
    $upload = Join-Path $work 'upload.bin'
    $uploadBytes = [byte[]]::new(256KB)
    [Random]::new(13).NextBytes($uploadBytes)
    [IO.File]::WriteAllBytes($upload, $uploadBytes)
    $uploadHash = (Get-FileHash -LiteralPath $upload -Algorithm SHA256).Hash

    # What GET /bytes/<count> must deliver: a..z repeated, cut at count.
    function Get-PatternHash([int] $Count) {
        $text = ('abcdefghijklmnopqrstuvwxyz' * [math]::Ceiling($Count / 26)).Substring(0, $Count)
        [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::ASCII.GetBytes($text)))
    }

    function Get-BodyHash([string] $Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash }

    # GET, or POST of a file, through a proxies dict; the body goes to a file, the status to stdout.
    $fetchPy = Join-Path $work 'fetch.py'
    Set-Content -LiteralPath $fetchPy -Encoding utf8NoBOM -Value @'
import sys
import requests

proxy, url, verify, out = sys.argv[1:5]
upload = sys.argv[5] if len(sys.argv) > 5 else None
session = requests.Session()
session.trust_env = False  # only the proxies dict below, never a proxy from the environment
proxies = {"http": proxy, "https": proxy}
verify = True if verify == "-" else verify
if upload:
    with open(upload, "rb") as f:
        response = session.post(url, data=f.read(), headers={"Content-Type": "application/octet-stream"},
                                proxies=proxies, verify=verify, timeout=20)
else:
    response = session.get(url, proxies=proxies, verify=verify, timeout=20)
with open(out, "wb") as f:
    f.write(response.content)
print(response.status_code)
'@
}

AfterAll {
    Get-NetDriftProxy -Name 'clients' -ErrorAction Ignore | Stop-NetDriftProxy -DrainTimeout 0:0:1
    Stop-FaultyProxy -Name 'clients-up' -ErrorAction Ignore
    if ($origins) { $origins.Values | Stop-TestOrigin }
    if ($work) { Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore }
}

Describe 'Real clients through NetDrift with client auth' {
    It 'Invoke-WebRequest -ProxyCredential gets an intact body from an <_> origin' -ForEach 'http', 'https' {
        if (-not (Test-NetNamespace)) { Set-ItResult -Skipped -Because $needsNamespace; return }
        $out = Join-Path $work "iwr-$_.bin"
        # The https origin's certificate is self-signed, and Invoke-WebRequest takes no trust anchor.
        $response = Invoke-WebRequest -Uri "$($origins[$_].Url)/bytes/$size" -Proxy $proxy.Url -ProxyCredential $user `
            -SkipCertificateCheck -OutFile $out -PassThru -TimeoutSec 20
        $response.StatusCode | Should -Be 200
        (Get-Item -LiteralPath $out).Length | Should -Be $size
        Get-BodyHash $out | Should -Be (Get-PatternHash $size)
    }

    It 'Invoke-WebRequest -ProxyCredential posts an intact body to an http origin on one connection' {
        if (-not (Test-NetNamespace)) { Set-ItResult -Skipped -Because $needsNamespace; return }
        # Under the 64 KiB a 407 reads past: .NET sends it unauthenticated first, then again on the
        # same connection with credentials.
        $body = $uploadBytes[0..(60000 - 1)]
        $out = Join-Path $work 'iwr-echo.bin'
        $connectionsBefore = $proxy.TotalConnections
        $response = Invoke-WebRequest -Uri "$($origins.http.Url)/echo" -Method Post -Body ([byte[]]$body) -ContentType 'application/octet-stream' `
            -Proxy $proxy.Url -ProxyCredential $user -OutFile $out -PassThru -TimeoutSec 20
        $response.StatusCode | Should -Be 200
        ($proxy.TotalConnections - $connectionsBefore) | Should -Be 1
        Get-BodyHash $out | Should -Be ([Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([byte[]]$body)))
    }

    It 'Python requests with a proxies dict gets an intact body from an <_> origin' -ForEach 'http', 'https' {
        $out = Join-Path $work "requests-$_.bin"
        $verify = if ($_ -eq 'https') { $certificate } else { '-' }
        $status = & $python $fetchPy $proxyWithLogin "$($origins[$_].LoopbackUrl)/bytes/$size" $verify $out 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "$status"
        $status | Should -Be '200'
        (Get-Item -LiteralPath $out).Length | Should -Be $size
        Get-BodyHash $out | Should -Be (Get-PatternHash $size)
    }

    It 'Python requests with a proxies dict uploads an intact body to an <_> origin' -ForEach 'http', 'https' {
        $out = Join-Path $work "requests-echo-$_.bin"
        $verify = if ($_ -eq 'https') { $certificate } else { '-' }
        $status = & $python $fetchPy $proxyWithLogin "$($origins[$_].LoopbackUrl)/echo" $verify $out $upload 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "$status"
        $status | Should -Be '200'
        Get-BodyHash $out | Should -Be $uploadHash
    }

    It 'wget with <Variable> gets an intact body from an <Scheme> origin' -ForEach @(
        @{ Variable = 'http_proxy'; Scheme = 'http' }
        @{ Variable = 'https_proxy'; Scheme = 'https' }
    ) {
        $out = Join-Path $work "wget-$Scheme.bin"
        # env: the proxy variable for wget alone, not for this process's own HttpClient.
        $log = & env -u no_proxy -u NO_PROXY "$Variable=$proxyWithLogin" wget --no-verbose --tries=1 --timeout=20 `
            --ca-certificate=$certificate -O $out "$($origins[$Scheme].LoopbackUrl)/bytes/$size" 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($log -join "`n")
        (Get-Item -LiteralPath $out).Length | Should -Be $size
        Get-BodyHash $out | Should -Be (Get-PatternHash $size)
    }

    # http: every request meets a 407 (.NET never sends proxy credentials unasked), answered on the
    # same connection. https: one CONNECT, challenged and answered on the same connection, whose
    # tunnel then carries all 50 requests; a 407 that closed would make it two.
    It 'HttpClient with a WebProxy and credentials makes 50 requests to an <Scheme> origin over at most <MaxConnections> connection(s)' -ForEach @(
        @{ Scheme = 'http'; MaxConnections = 2 }
        @{ Scheme = 'https'; MaxConnections = 1 }
    ) {
        if (-not (Test-NetNamespace)) { Set-ItResult -Skipped -Because $needsNamespace; return }
        $handler = [Net.Http.SocketsHttpHandler]::new()
        $handler.UseProxy = $true
        $handler.Proxy = [Net.WebProxy]::new($proxy.Url)
        $handler.Proxy.Credentials = $user.GetNetworkCredential()
        # Trust exactly the origin's certificate (data, not a callback: no runspace on I/O threads).
        $trust = [Security.Cryptography.X509Certificates.X509ChainPolicy]::new()
        $trust.TrustMode = [Security.Cryptography.X509Certificates.X509ChainTrustMode]::CustomRootTrust
        $trust.RevocationMode = [Security.Cryptography.X509Certificates.X509RevocationMode]::NoCheck
        $null = $trust.CustomTrustStore.Add([Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem((Get-Content -LiteralPath $certificate -Raw)))
        $handler.SslOptions.CertificateChainPolicy = $trust
        $client = [Net.Http.HttpClient]::new($handler)
        $client.Timeout = [TimeSpan]::FromSeconds(20)
        $connectionsBefore = $proxy.TotalConnections
        $authFailuresBefore = $proxy.AuthFailures
        try {
            foreach ($i in 0..49) {
                $count = 20000 + 997 * $i
                $body = $client.GetByteArrayAsync("$($origins[$Scheme].Url)/bytes/$count").GetAwaiter().GetResult()
                $body.Length | Should -Be $count -Because "request $i"
                [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($body)) | Should -Be (Get-PatternHash $count) -Because "request $i"
            }
        }
        finally {
            $client.Dispose()
        }
        ($proxy.TotalConnections - $connectionsBefore) | Should -BeIn (1..$MaxConnections)
        $proxy.AuthFailures | Should -Be $authFailuresBefore
    }
}
