# Malformed request heads sent on raw sockets to a running proxy started through the module: each is
# a 400 and a close, whether it asks for an admin path (/stats, /healthz, an unknown path) or is an
# absolute-form request to forward; the upstream never sees one, and each counts under Malformed.
# Admin paths take no body, but one that breaks the chunk grammar is a 400 too, never a 405.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-NetDriftUnderTest
    $upstream = Start-FaultyProxy -Fault None -Name 'validation-up'
    $proxy = Start-NetDriftProxy -Name 'validation' -Listen '127.0.0.1:0' -Upstream $upstream.Url -LogLevel Warning

    function Send-Raw([string] $Text) {
        $tcp = [Net.Sockets.TcpClient]::new('127.0.0.1', $proxy.Port)
        try {
            $stream = $tcp.GetStream(); $stream.ReadTimeout = 5000
            $bytes = [Text.Encoding]::ASCII.GetBytes($Text); $stream.Write($bytes, 0, $bytes.Length)
            $reader = [IO.StreamReader]::new($stream); try { $reader.ReadToEnd() } catch { '' }
        } finally { $tcp.Dispose() }
    }
}

AfterAll {
    Get-NetDriftProxy -Name 'validation' -ErrorAction Ignore | Stop-NetDriftProxy -DrainTimeout 0:0:1
    Stop-FaultyProxy -Name 'validation-up' -ErrorAction Ignore
}

Describe 'Request heads are validated before any answer' {
    It '<Why> on <Target> is 400 and close' -ForEach @(
        foreach ($target in '/stats', '/nosuch', 'http://origin.netdrift.test/') {
            @{ Target = $target; Why = 'missing Host'; Head = "GET $target HTTP/1.1`r`n`r`n" }
            @{ Target = $target; Why = 'two Host fields'; Head = "GET $target HTTP/1.1`r`nHost: a`r`nHost: b`r`n`r`n" }
            @{ Target = $target; Why = 'Host with userinfo'; Head = "GET $target HTTP/1.1`r`nHost: u@a`r`n`r`n" }
            @{ Target = $target; Why = 'Content-Length +5'; Head = "POST $target HTTP/1.1`r`nHost: a`r`nContent-Length: +5`r`n`r`nhello" }
            @{ Target = $target; Why = 'Transfer-Encoding identity'; Head = "POST $target HTTP/1.1`r`nHost: a`r`nTransfer-Encoding: identity`r`n`r`n" }
            @{ Target = $target; Why = 'Content-Length and Transfer-Encoding'; Head = "POST $target HTTP/1.1`r`nHost: a`r`nContent-Length: 5`r`nTransfer-Encoding: chunked`r`n`r`n0`r`n`r`n" }
            @{ Target = $target; Why = 'a fragment'; Head = "GET $($target)#x HTTP/1.1`r`nHost: a`r`n`r`n" }
        }
    ) {
        $before = (Get-NetDriftProxy -Name 'validation').Rejections['Malformed']
        $accepted = (Get-FaultyProxy -Name 'validation-up').Connections
        $answer = Send-Raw $Head
        $answer | Should -Match '^HTTP/1\.1 400 '
        $answer | Should -Match 'Connection: close'
        (Get-NetDriftProxy -Name 'validation').Rejections['Malformed'] | Should -Be ($before + 1)
        (Get-FaultyProxy -Name 'validation-up').Connections | Should -Be $accepted
    }

    It 'serves the same paths when the head is well formed' {
        (Send-Raw "GET /healthz HTTP/1.1`r`nHost: a`r`n`r`n") | Should -Match '^HTTP/1\.1 200 '
        (Send-Raw "GET /nosuch HTTP/1.1`r`nHost: a`r`n`r`n") | Should -Match '^HTTP/1\.1 404 '
        (Send-Raw "POST /stats HTTP/1.1`r`nHost: a`r`nContent-Length: 0`r`n`r`n") | Should -Match '^HTTP/1\.1 405 '
    }

    It 'answers a 64 KiB method name with 400, not 431' {
        (Send-Raw ('A' * 65536 + " / HTTP/1.1`r`nHost: a`r`n`r`n")) | Should -Match '^HTTP/1\.1 400 '
    }
}

Describe 'Request bodies on admin paths are checked before any answer' {
    It '<Why> in a chunked POST /stats is 400 and close' -ForEach @(
        @{ Why = 'a bare semicolon'; Body = "5;`r`nhello`r`n0`r`n`r`n" }
        @{ Why = 'a 0x prefix'; Body = "0x5`r`nhello`r`n0`r`n`r`n" }
        @{ Why = 'a LF inside an extension'; Body = "5;a`nb`r`nhello`r`n0`r`n`r`n" }
        @{ Why = 'trailing whitespace in the size'; Body = "5 `r`nhello`r`n0`r`n`r`n" }
        @{ Why = 'a missing CRLF after the data'; Body = "5`r`nhelloXY0`r`n`r`n" }
        @{ Why = 'a bare-CR terminator'; Body = "5`rhello`r`n0`r`n`r`n" }
        @{ Why = 'a chunk size overflow'; Body = "ffffffffffffffffff`r`nhello`r`n0`r`n`r`n" }
    ) {
        $before = (Get-NetDriftProxy -Name 'validation').Rejections['Malformed']
        $answer = Send-Raw ("POST /stats HTTP/1.1`r`nHost: a`r`nTransfer-Encoding: chunked`r`n`r`n" + $Body)
        $answer | Should -Match '^HTTP/1\.1 400 '
        $answer | Should -Match 'Connection: close'
        (Get-NetDriftProxy -Name 'validation').Rejections['Malformed'] | Should -Be ($before + 1)
    }

    It 'still answers 405 to a well-formed chunked POST /stats' {
        (Send-Raw "POST /stats HTTP/1.1`r`nHost: a`r`nTransfer-Encoding: chunked`r`n`r`n5;a=b`r`nhello`r`n0`r`n`r`n") | Should -Match '^HTTP/1\.1 405 '
    }
}
