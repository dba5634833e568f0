# Proves the test infrastructure itself: the origin server, the helpers and the network namespace
# in which origin.netdrift.test is a loopback name.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Install-DebianPackage curl
    $origin = Start-TestOrigin
    $needsNamespace = 'the test host names resolve only inside the network namespace of build.ps1 Test (NETDRIFT_TEST_NETNS=1)'
}

AfterAll {
    $origin | Stop-TestOrigin
}

Describe 'NetDrift.TestOrigin' {
    It 'answers GET /hello to curl on 127.0.0.1' {
        $body = curl -s --noproxy '*' --max-time 10 "$($origin.LoopbackUrl)/hello"
        $LASTEXITCODE | Should -Be 0
        $body | Should -Be 'hello from origin'
    }

    It 'answers GET /hello to curl by its test host name' {
        if (-not (Test-NetNamespace)) { Set-ItResult -Skipped -Because $needsNamespace; return }
        $body = curl -s --noproxy '*' --max-time 10 "$($origin.Url)/hello"
        $LASTEXITCODE | Should -Be 0
        $body | Should -Be 'hello from origin'
    }

    It 'answers GET /hello to Invoke-WebRequest by its test host name' {
        if (-not (Test-NetNamespace)) { Set-ItResult -Skipped -Because $needsNamespace; return }
        $response = Invoke-WebRequest -Uri "$($origin.Url)/hello" -NoProxy -TimeoutSec 10
        $response.StatusCode | Should -Be 200
        $response.Content | Should -Be 'hello from origin'
    }

    It 'resolves the test host names to loopback only' {
        if (-not (Test-NetNamespace)) { Set-ItResult -Skipped -Because $needsNamespace; return }
        foreach ($name in 'origin.netdrift.test', 'origin2.netdrift.test') {
            $addresses = [Net.Dns]::GetHostAddresses($name)
            $addresses | Should -Not -BeNullOrEmpty
            $addresses | ForEach-Object { [Net.IPAddress]::IsLoopback($_) | Should -BeTrue -Because "$name is $_" }
        }
    }

    It 'serves exactly N bytes of a..z at GET /bytes/N' {
        $response = Invoke-WebRequest -Uri "$($origin.LoopbackUrl)/bytes/100000" -NoProxy -TimeoutSec 10
        $bytes = [byte[]]$response.Content
        $bytes.Length | Should -Be 100000
        [Text.Encoding]::ASCII.GetString($bytes, 0, 30) | Should -Be 'abcdefghijklmnopqrstuvwxyzabcd'
        [char]$bytes[99999] | Should -Be ([char]([int][char]'a' + 99999 % 26))
    }

    It 'echoes a POST /echo body' {
        $body = 'ping ' + ('x' * 5000)
        $response = Invoke-WebRequest -Uri "$($origin.LoopbackUrl)/echo" -Method Post -Body $body -ContentType 'text/plain' -NoProxy -TimeoutSec 10
        $response.Content | Should -BeExactly $body
    }

    It 'lists the request headers it received at GET /headers' {
        $response = Invoke-WebRequest -Uri "$($origin.LoopbackUrl)/headers" -Headers @{ 'X-NetDrift-Probe' = 'yes' } -NoProxy -TimeoutSec 10
        $response.Content | Should -Match '(?m)^X-NetDrift-Probe: yes$'
        $response.Content | Should -Match "(?m)^Host: 127\.0\.0\.1:$($origin.Port)$"
    }

    It 'answers GET /status/503 with 503' {
        $response = Invoke-WebRequest -Uri "$($origin.LoopbackUrl)/status/503" -NoProxy -SkipHttpErrorCheck -TimeoutSec 10
        $response.StatusCode | Should -Be 503
    }

    It 'runs side by side on free ports and exits when its stdin closes' {
        $second = Start-TestOrigin -HostName 'origin2.netdrift.test'
        try {
            $second.Port | Should -Not -Be $origin.Port
            $second.Url | Should -Be "http://origin2.netdrift.test:$($second.Port)"
            (Invoke-WebRequest -Uri "$($second.LoopbackUrl)/hello" -NoProxy -TimeoutSec 10).Content | Should -Be 'hello from origin'
        }
        finally {
            $second | Stop-TestOrigin
        }
        $second.Process.HasExited | Should -BeTrue
        { Invoke-WebRequest -Uri "$($second.LoopbackUrl)/hello" -NoProxy -TimeoutSec 5 } | Should -Throw
    }

    It 'serves HTTPS with -Tls, verifiable against the certificate it wrote, which Stop-TestOrigin removes' {
        $secure = Start-TestOrigin -Tls
        try {
            $secure.LoopbackUrl | Should -Be "https://127.0.0.1:$($secure.Port)"
            $secure.Url | Should -Be "https://origin.netdrift.test:$($secure.Port)"
            $body = curl -s --noproxy '*' --max-time 10 --cacert $secure.CertificatePath "$($secure.LoopbackUrl)/hello"
            $LASTEXITCODE | Should -Be 0
            $body | Should -Be 'hello from origin'
            # By name too: the certificate holds the test host names, so verification passes.
            $body = curl -s --noproxy '*' --max-time 10 --cacert $secure.CertificatePath `
                --resolve "origin.netdrift.test:$($secure.Port):127.0.0.1" "$($secure.Url)/hello"
            $LASTEXITCODE | Should -Be 0
            $body | Should -Be 'hello from origin'
        }
        finally {
            $secure | Stop-TestOrigin
        }
        Test-Path -LiteralPath $secure.CertificatePath | Should -BeFalse
    }
}

Describe 'Wait-Until' {
    It 'returns the first truthy value' {
        $script:calls = 0
        Wait-Until { $script:calls++; if ($script:calls -ge 3) { "ready after $script:calls" } } -Timeout 5 -Interval 10 |
            Should -Be 'ready after 3'
    }

    It 'takes -Timeout as seconds, a TimeSpan or a TimeSpan string' {
        foreach ($timeout in 0.2, [TimeSpan]::FromMilliseconds(200), '0:0:0.2') {
            $clock = [Diagnostics.Stopwatch]::StartNew()
            { Wait-Until { $false } -Timeout $timeout -Interval 20 } | Should -Throw '*0.2 s*'
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
        }
    }

    It 'throws on timeout, naming what it waited for and the last error' {
        { Wait-Until { throw 'not yet' } -Timeout 0.3 -Interval 20 -Because 'the moon is up' } |
            Should -Throw '*the moon is up*not yet*'
    }
}
