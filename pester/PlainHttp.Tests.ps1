# Plain http:// forwarding through the built module with real clients: curl -x (two URLs on one
# kept-alive client connection, a 1 MiB POST with Content-Length and chunked bodies, sha256
# checked), Invoke-WebRequest -Proxy GET and POST, and the statistics counting each request.
# Upstream: a faulty proxy with -Fault None; origin: NetDrift.TestOrigin.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-NetDriftUnderTest
    Install-DebianPackage curl
    Install-DebianPackage -Name apache2-utils -Command ab
    $origin = Start-TestOrigin
    $needsNamespace = 'Invoke-WebRequest never proxies loopback hosts; the test host name resolves only inside the network namespace of build.ps1 Test'

    $upstream = Start-FaultyProxy -Fault None -Name 'plain-up'
    $proxy = Start-NetDriftProxy -Name 'plain' -Listen '127.0.0.1:0' -Upstream $upstream.Url -LogLevel Warning

    $work = Join-Path ([IO.Path]::GetTempPath()) "netdrift-plain-$PID"
    $null = New-Item -ItemType Directory -Path $work -Force
    $upload = Join-Path $work 'upload.bin'
    $bytes = [byte[]]::new(1MB)
    [Random]::new(6).NextBytes($bytes)
    [IO.File]::WriteAllBytes($upload, $bytes)
    $uploadHash = (Get-FileHash -LiteralPath $upload -Algorithm SHA256).Hash

    function Get-Counts {
        $stats = Get-NetDriftStats -Proxy $proxy
        [pscustomobject]@{ Requests = $stats.Requests; Succeeded = $stats.Succeeded; Failed = $stats.Failed }
    }
}

AfterAll {
    Get-NetDriftProxy -Name 'plain' -ErrorAction Ignore | Stop-NetDriftProxy -DrainTimeout 0:0:1
    Stop-FaultyProxy -Name 'plain-up' -ErrorAction Ignore
    $origin | Stop-TestOrigin
    if ($work) { Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore }
}

Describe 'Plain HTTP through NetDrift' {
    It 'answers two URLs in one curl over one kept-alive client connection' {
        $before = Get-Counts
        $output = curl -sv -x $proxy.Url --max-time 10 "$($origin.LoopbackUrl)/hello" "$($origin.LoopbackUrl)/hello" 2>&1 | ForEach-Object { "$_" }
        $LASTEXITCODE | Should -Be 0
        $text = $output -join "`n"
        ([regex]::Matches($text, 'hello from origin')).Count | Should -Be 2
        $text | Should -Match 'Re-?using existing connection'
        $text | Should -Match 'left intact'
        # One TCP connection to the proxy for both requests.
        ([regex]::Matches($text, '(?m)^\* +Connected to ')).Count | Should -Be 1
        $after = Get-Counts
        ($after.Requests - $before.Requests) | Should -Be 2
        ($after.Succeeded - $before.Succeeded) | Should -Be 2
    }

    It 'echoes a 1 MiB POST body (<Name>) byte for byte' -ForEach @(
        @{ Name = 'Content-Length'; Extra = @() }
        @{ Name = 'chunked'; Extra = @('-H', 'Transfer-Encoding: chunked') }
    ) {
        $download = Join-Path $work "echo-$Name.bin"
        $code = curl -s -x $proxy.Url --max-time 15 -H 'Content-Type: application/octet-stream' @Extra `
            --data-binary "@$upload" -o $download -w '%{http_code}' "$($origin.LoopbackUrl)/echo"
        $LASTEXITCODE | Should -Be 0
        $code | Should -Be '200'
        (Get-Item -LiteralPath $download).Length | Should -Be 1MB
        (Get-FileHash -LiteralPath $download -Algorithm SHA256).Hash | Should -Be $uploadHash
    }

    It 'serves Invoke-WebRequest -Proxy GET and POST' {
        if (-not (Test-NetNamespace)) { Set-ItResult -Skipped -Because $needsNamespace; return }
        $get = Invoke-WebRequest -Uri "$($origin.Url)/hello" -Proxy $proxy.Url -TimeoutSec 10
        $get.StatusCode | Should -Be 200
        $get.Content | Should -Match 'hello from origin'
        $post = Invoke-WebRequest -Uri "$($origin.Url)/echo" -Method Post -Body 'plain body through netdrift' `
            -ContentType 'text/plain' -Proxy $proxy.Url -TimeoutSec 10
        $post.StatusCode | Should -Be 200
        $post.Content | Should -Be 'plain body through netdrift'
    }

    It 'counts every plain request in Get-NetDriftStats' {
        $before = Get-Counts
        $null = curl -s -x $proxy.Url --max-time 10 "$($origin.LoopbackUrl)/hello" "$($origin.LoopbackUrl)/bytes/100" "$($origin.LoopbackUrl)/status/404"
        $LASTEXITCODE | Should -Be 0
        $after = Wait-Until { $c = Get-Counts; if (($c.Succeeded - $before.Succeeded) -ge 3) { $c } } -Timeout 5 -Because 'three plain requests are counted'
        ($after.Requests - $before.Requests) | Should -Be 3
        ($after.Succeeded - $before.Succeeded) | Should -Be 3
        ($after.Failed - $before.Failed) | Should -Be 0
        (Get-NetDriftStats -Proxy $proxy).BytesReceived | Should -BeGreaterThan 0
    }

    It 'moves 10 MiB down and up intact (sha256)' {
        $direct = Join-Path $work 'direct.bin'
        $proxied = Join-Path $work 'proxied.bin'
        curl -s --noproxy 127.0.0.1 --max-time 30 -o $direct "$($origin.LoopbackUrl)/bytes/10485760"
        curl -s -x $proxy.Url --max-time 30 -o $proxied "$($origin.LoopbackUrl)/bytes/10485760"
        $LASTEXITCODE | Should -Be 0
        (Get-Item $proxied).Length | Should -Be 10MB
        (Get-FileHash $proxied -Algorithm SHA256).Hash | Should -Be (Get-FileHash $direct -Algorithm SHA256).Hash

        $big = Join-Path $work 'big-upload.bin'
        $data = [byte[]]::new(10MB); [Random]::new(10).NextBytes($data); [IO.File]::WriteAllBytes($big, $data)
        $echoed = Join-Path $work 'big-echoed.bin'
        curl -s -x $proxy.Url --max-time 30 --data-binary "@$big" -o $echoed "$($origin.LoopbackUrl)/echo"
        $LASTEXITCODE | Should -Be 0
        (Get-FileHash $echoed -Algorithm SHA256).Hash | Should -Be (Get-FileHash $big -Algorithm SHA256).Hash
    }

    It 'answers HEAD as the origin does, with no body, and keeps the connection usable' {
        $direct = curl -s -I --noproxy 127.0.0.1 --max-time 10 "$($origin.LoopbackUrl)/hello"
        $output = curl -s -i -x $proxy.Url --max-time 10 -I "$($origin.LoopbackUrl)/hello" --next -s -x $proxy.Url "$($origin.LoopbackUrl)/hello" 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 0
        ($output -split "`n")[0].Trim() | Should -Be ($direct -split "`n")[0].Trim()
        # The HEAD answer carried no body: the next request's answer follows it directly.
        $output | Should -Match 'hello from origin'
        ([regex]::Matches($output, 'hello from origin')).Count | Should -Be 1
    }

    It 'completes 2000 requests from ab -k -c 10 with no failure' {
        $upstreamStatsBefore = (Get-NetDriftStats -Proxy $proxy).Failed
        $report = ab -q -k -c 10 -n 2000 -X "127.0.0.1:$($proxy.Port)" "$($origin.LoopbackUrl)/hello" 2>&1 | Out-String
        $report | Should -Match 'Complete requests:\s+2000'
        $report | Should -Match 'Failed requests:\s+0'
        $report | Should -Match 'Non-2xx responses:\s+0|^(?![\s\S]*Non-2xx)'
        (Get-NetDriftStats -Proxy $proxy).Failed | Should -Be $upstreamStatsBefore
    }
}
