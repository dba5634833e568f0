# The proxy as users run it: from the Go templates, as a -Wait service stopped by SIGTERM, and
# tied to the module's life. Each case runs in a fresh pwsh process.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-NetDriftUnderTest
    $repoRoot = Split-Path $PSScriptRoot -Parent
    $goTemplates = Join-Path $repoRoot 'tests/data/go-netdrift'
    $manifest = Join-Path $repoRoot 'out/NetDrift/NetDrift.psd1'
    $origin = Start-TestOrigin
    $needsNamespace = 'the Go template listens on the fixed port 3130 and its upstreams on 3025/3026: run inside the private network namespace of build.ps1 Test so nothing else holds them'

}

AfterAll {
    Get-NetDriftProxy | Stop-NetDriftProxy -DrainTimeout 0:0:1
    Stop-FaultyProxy
    $origin | Stop-TestOrigin
}

Describe 'The Go NetDrift templates' {
    It 'template-us.json starts unchanged and carries traffic' {
        if (-not (Test-NetNamespace)) { Set-ItResult -Skipped -Because $needsNamespace; return }
        $null = Start-FaultyProxy -Port 3025 -Name 'go-3025'
        $null = Start-FaultyProxy -Port 3026 -Name 'go-3026'
        $proxy = Start-NetDriftProxy -Config (Join-Path $goTemplates 'template-us.json') -LogLevel Warning
        $proxy.Name | Should -Be 'US Proxy Pool'
        $proxy.Listen | Should -Be '127.0.0.1:3130'
        (Get-NetDriftUpstream -Proxy $proxy).Note | Should -Contain 'Primary test proxy server'
        $user = [pscredential]::new('proxyuser', (ConvertTo-SecureString 'Proxy234' -AsPlainText -Force))
        $results = Test-NetDriftTunnel -Proxy $proxy -Target "127.0.0.1:$($origin.Port)" -Credential $user -Count 4 -Send "GET /hello HTTP/1.1`nHost: x`nConnection: close`n`n"
        $results.Succeeded | Should -Not -Contain $false
        (Get-NetDriftStats -Proxy $proxy).Succeeded | Should -Be @(2, 2)
        (Test-NetDriftTunnel -Proxy $proxy -Target "127.0.0.1:$($origin.Port)").Status | Should -Be 407
        $proxy | Stop-NetDriftProxy
    }

    It '<Template> is refused, naming upstream_proxies[0].url' -ForEach @(
        @{ Template = 'template-production.json' }
        @{ Template = 'template-docker.json' }
    ) {
        $path = Join-Path $goTemplates $Template
        $failure = { Start-NetDriftProxy -Config $path -Listen '127.0.0.1:0' -ErrorAction Stop } | Should -Throw -PassThru
        $failure.FullyQualifiedErrorId | Should -BeLike 'InvalidConfig*'
        $failure.Exception.Message | Should -Match ([regex]::Escape('upstream_proxies[0].url'))
        Get-NetDriftProxy | Where-Object ConfigPath -eq $path | Should -BeNullOrEmpty

        Test-NetDriftConfig -Path $path -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeFalse
        $problems.Count | Should -BeGreaterThan 0
        $problems[0].TargetObject.Path | Should -Be 'upstream_proxies[0].url'
    }

    It 'Test-NetDriftConfig accepts template-us.json' {
        Test-NetDriftConfig -Path (Join-Path $goTemplates 'template-us.json') | Should -BeTrue
    }

    It 'Test-NetDriftConfig reports every problem with its field and line' {
        $bad = Join-Path $TestDrive 'bad.json'
        Set-Content -Path $bad -Value @'
{
  "upstream_proxies": [
    { "url": "http://127.0.0.1:1", "wieght": 2 },
    { "url": "http://127.0.0.1:2", "weight": -1 }
  ],
  "load_balancing": "random"
}
'@
        Test-NetDriftConfig -Path $bad -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeFalse
        $problems.Count | Should -Be 3
        $paths = $problems.TargetObject | ForEach-Object { "$($_.Path)@$($_.Line)" }
        $paths | Should -Contain 'upstream_proxies[0].wieght@3'
        $paths | Should -Contain 'upstream_proxies[1].weight@4'
        $paths | Should -Contain 'load_balancing@6'
    }
}

Describe 'Start-NetDriftProxy -Wait' {
    It 'serves until SIGTERM, then drains and exits cleanly' {
        if ($IsWindows) { Set-ItResult -Skipped -Because 'SIGTERM is a POSIX signal'; return }
        $faulty = Start-FaultyProxy -Name 'wait-up'
        $child = Start-ChildPwsh -WorkingDirectory $repoRoot "Import-Module '$manifest'; Start-NetDriftProxy -Listen 127.0.0.1:0 -Upstream '$($faulty.Url)' -LogLevel Warning -Wait | Format-List Port"
        try {
            $port = Read-ChildProxyPort $child
            $port | Should -BeGreaterThan 0 -Because 'the child prints its ProxyInfo before waiting'
            (Test-NetDriftTunnel -Proxy "http://127.0.0.1:$port" -Target "127.0.0.1:$($origin.Port)").Status | Should -Be 200
            $child.HasExited | Should -BeFalse -Because '-Wait keeps serving'

            & kill -TERM $child.Id
            $child.WaitForExit(15000) | Should -BeTrue
            $child.ExitCode | Should -Be 0
            (Test-NetDriftTunnel -Proxy "http://127.0.0.1:$port" -Target "127.0.0.1:$($origin.Port)" -Timeout 0:0:2).Error |
                Should -Match 'ConnectionRefused'
        }
        finally {
            if (-not $child.HasExited) { $child.Kill($true) }
            $child.Dispose()
        }
    }
}

Describe 'Module lifetime' {
    It 'Remove-Module stops every proxy and faulty proxy it started' {
        $script = @"
Import-Module '$manifest'
`$f = Start-FaultyProxy
`$p = Start-NetDriftProxy -Listen 127.0.0.1:0 -Upstream `$f.Url -LogLevel Warning
Remove-Module NetDrift
foreach (`$port in `$p.Port, `$f.Port) {
    `$c = [Net.Sockets.TcpClient]::new()
    try { `$c.Connect('127.0.0.1', `$port); 'OPEN' } catch { 'CLOSED' } finally { `$c.Dispose() }
}
"@
        $child = Start-ChildPwsh -WorkingDirectory $repoRoot $script
        $output = $child.StandardOutput.ReadToEnd()
        $child.WaitForExit(30000) | Should -BeTrue
        ($output -split "`n" | Where-Object { $_ -match 'OPEN|CLOSED' } | ForEach-Object Trim) | Should -Be @('CLOSED', 'CLOSED')
    }
}

Describe 'The configs/ templates' {
    It 'configs/<File> is valid' -ForEach @(
        @{ File = 'template-us.json' }, @{ File = 'template-production.json' }, @{ File = 'template-docker.json' }, @{ File = 'demo.json' }
    ) {
        Test-NetDriftConfig -Path (Join-Path $repoRoot "configs/$File") | Should -BeTrue
    }

    It 'configs/template-production.json starts the pool it describes' {
        $proxy = Start-NetDriftProxy -Config (Join-Path $repoRoot 'configs/template-production.json') -Listen '127.0.0.1:0' -LogLevel Warning
        try {
            $pool = Get-NetDriftUpstream -Proxy $proxy
            $pool.Name | Should -Be @('primary', 'with-auth', 'spare')
            ($pool | Where-Object Name -eq 'with-auth').Url | Should -Be 'http://username:***@127.0.0.1:3026'
            ($pool | Where-Object Name -eq 'spare').Enabled | Should -BeFalse
            $proxy.LoadBalancing | Should -Be 'weighted-round-robin'
        }
        finally {
            $proxy | Stop-NetDriftProxy
        }
    }
}

Describe 'Cuts are resets (CONTRACT §10)' {
    BeforeAll {
        # 1 MiB/s between NetDrift and the origin: a 16 MiB download outlasts any drain here.
        $slow = Start-FaultyProxy -Fault Slow -BytesPerSecond 1MB -Name 'cuts-slow'

        # Sends raw bytes through the proxy and copies everything that comes back into a MemoryStream, in the background.
        function Start-RawDownload {
            param([int] $Port, [string] $Request)
            $tcp = [Net.Sockets.TcpClient]::new('127.0.0.1', $Port)
            $bytes = [Text.Encoding]::ASCII.GetBytes($Request)
            $tcp.GetStream().Write($bytes, 0, $bytes.Length)
            $sink = [IO.MemoryStream]::new()
            [pscustomobject]@{ Tcp = $tcp; Sink = $sink; Copy = $tcp.GetStream().CopyToAsync($sink) }
        }

        function Wait-DownloadEnd {
            param($Download, [Diagnostics.Stopwatch] $Clock)
            while (-not $Download.Copy.IsCompleted -and $Clock.Elapsed.TotalSeconds -lt 10) { Start-Sleep -Milliseconds 20 }
            $Clock.Elapsed
        }
    }

    AfterAll {
        $slow | Stop-FaultyProxy
    }

    It 'Stop-NetDriftProxy -DrainTimeout 1s ends a 1 MiB/s tunnel download with a reset within 2 s' {
        $proxy = Start-NetDriftProxy -Listen 127.0.0.1:0 -Upstream $slow.Url -LogLevel Warning
        $target = "127.0.0.1:$($origin.Port)"
        $download = Start-RawDownload -Port $proxy.Port -Request "CONNECT $target HTTP/1.1`r`nHost: $target`r`n`r`nGET /bytes/16777216 HTTP/1.1`r`nHost: $target`r`nConnection: close`r`n`r`n"
        try {
            $null = Wait-Until { (Get-NetDriftStats -Proxy $proxy).BytesReceived -ge 256KB } -Because 'the download is under way'
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $proxy | Stop-NetDriftProxy -DrainTimeout 0:0:1
            $endedAfter = Wait-DownloadEnd $download $clock

            $download.Copy.IsFaulted | Should -BeTrue -Because 'a cut is a reset, not an end of stream the client takes for a complete transfer'
            $socketError = $download.Copy.Exception
            while ($socketError -and $socketError -isnot [Net.Sockets.SocketException]) { $socketError = $socketError.InnerException }
            $socketError.SocketErrorCode | Should -Be 'ConnectionReset'
            $endedAfter.TotalSeconds | Should -BeLessThan 2
            $download.Sink.Length | Should -BeLessThan 16MB
        }
        finally {
            $download.Tcp.Dispose()
        }
    }

    It 'Stop-NetDriftProxy -DrainTimeout 5s lets a 2 s plain response finish intact, counted once' {
        $proxy = Start-NetDriftProxy -Listen 127.0.0.1:0 -Upstream $slow.Url -LogLevel Warning
        $length = 2MB
        $url = "http://127.0.0.1:$($origin.Port)/bytes/$length"
        $download = Start-RawDownload -Port $proxy.Port -Request "GET $url HTTP/1.1`r`nHost: 127.0.0.1:$($origin.Port)`r`nConnection: close`r`n`r`n"
        try {
            $null = Wait-Until { (Get-NetDriftStats -Proxy $proxy).BytesReceived -ge 256KB } -Because 'the download is under way'
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $proxy | Stop-NetDriftProxy -DrainTimeout 0:0:5
            $stoppedAfter = $clock.Elapsed
            $null = Wait-DownloadEnd $download $clock

            $download.Copy.IsCompletedSuccessfully | Should -BeTrue -Because 'a drained response ends normally'
            $text = [Text.Encoding]::ASCII.GetString($download.Sink.ToArray())
            $bodyAt = $text.IndexOf("`r`n`r`n") + 4
            $text.Substring(0, 12) | Should -Be 'HTTP/1.1 200'
            $text.Length - $bodyAt | Should -Be $length
            $text.Substring($bodyAt) | Should -BeExactly (('abcdefghijklmnopqrstuvwxyz' * ($length / 26 + 1)).Substring(0, $length))
            $stoppedAfter.TotalSeconds | Should -BeGreaterThan 0.5 -Because 'Stop waits for the response instead of cutting it at once'
            $stats = Get-NetDriftStats -Proxy $proxy
            $stats.Succeeded | Should -Be 1
            $stats.Failed | Should -Be 0
        }
        finally {
            $download.Tcp.Dispose()
        }
    }
}

Describe 'Out of file descriptors' {
    It 'backs off without spinning a core, logs and counts the burst once, and serves again' {
        if (-not $IsLinux) { Set-ItResult -Skipped -Because 'RLIMIT_NOFILE via prlimit and CPU time from /proc/<pid>/stat are Linux only'; return }
        Install-DebianPackage -Name util-linux -Command prlimit
        $upstream = Start-FaultyProxy -Name 'fd-up'
        $config = Join-Path $TestDrive 'fd.json'
        # A long header timeout: the clients holding the descriptors must not be closed by it.
        Set-Content -LiteralPath $config -Value "{ `"server`": { `"listen_address`": `"127.0.0.1:0`" }, `"upstream_proxies`": [ { `"url`": `"$($upstream.Url)`" } ], `"limits`": { `"header_timeout_seconds`": 120 }, `"logging`": { `"level`": `"Information`" } }"
        $log = Join-Path $TestDrive 'fd-child.log'
        # The child prints its port and how many descriptors it holds; its log goes to the same file.
        $script = "Import-Module '$manifest'; `$p = Start-NetDriftProxy -Config '$config'; 'PORT ' + `$p.Port; 'FDS ' + [IO.Directory]::GetFiles('/proc/self/fd').Count; Start-Sleep 120"
        $psi = [Diagnostics.ProcessStartInfo]::new('bash')
        # exec keeps the pid: it is the dotnet process itself whose limit and CPU time we use.
        foreach ($a in @('-c', 'exec "$@" > "$0" 2>&1', $log, (Get-DotNetHost), (Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-Command', $script)) { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false
        $child = [Diagnostics.Process]::Start($psi)
        $clients = [Collections.Generic.List[Net.Sockets.TcpClient]]::new()
        try {
            $null = Wait-Until { (Get-Content -LiteralPath $log -Raw -ErrorAction Ignore) -match '(?m)^FDS (\d+)' } -Timeout 60 -Because 'the child proxy starts'
            $text = Get-Content -LiteralPath $log -Raw
            $port = [int]([regex]::Match($text, '(?m)^PORT (\d+)').Groups[1].Value)
            $held = [int]([regex]::Match($text, '(?m)^FDS (\d+)').Groups[1].Value)
            $ticks = [double](& getconf CLK_TCK)
            $cpu = {
                $stat = Get-Content -LiteralPath "/proc/$($child.Id)/stat" -Raw
                $fields = $stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')
                ([long]$fields[11] + [long]$fields[12]) / $ticks # utime + stime, fields 14 and 15
            }
            # Room for 40 more descriptors, then 100 clients: accept must fail with EMFILE.
            $limit = $held + 40
            # Measured against a settled process: a fresh pwsh spends a second or so of CPU on JIT after it starts.
            $null = Wait-Until { $b = & $cpu; Start-Sleep -Milliseconds 500; ((& $cpu) - $b) -lt 0.05 } -Timeout 20 -Interval 1 -Because 'the child settles after its start'
            & prlimit --pid $child.Id "--nofile=${limit}:${limit}"
            $LASTEXITCODE | Should -Be 0
            for ($i = 0; $i -lt 100; $i++) { $clients.Add([Net.Sockets.TcpClient]::new('127.0.0.1', $port)) }
            $null = Wait-Until { (Get-Content -LiteralPath $log -Raw) -match 'cannot accept' } -Timeout 15 -Because 'accept fails with EMFILE'

            $before = & $cpu
            Start-Sleep -Seconds 2
            $spent = (& $cpu) - $before
            Write-Host "CPU time of the exhausted proxy over 2 s: $spent s"

            $spent | Should -BeLessThan 0.5 -Because 'backing off costs a few wake-ups a second, not a core'
            (Get-Content -LiteralPath $log -Raw) | Should -Not -Match 'accepts again' -Because 'the descriptors were still held'

            foreach ($c in $clients) { $c.Dispose() }
            $clients.Clear()
            $resumed = Wait-Until { [regex]::Match((Get-Content -LiteralPath $log -Raw), 'accepts again after (\d+) failed accept') | Where-Object Success } -Timeout 15 -Because 'the proxy accepts once descriptors free up'
            (Test-NetDriftTunnel -Proxy "http://127.0.0.1:$port" -Target "127.0.0.1:$($origin.Port)").Status | Should -Be 200

            $failures = [int]$resumed.Groups[1].Value
            $failures | Should -BeGreaterThan 0
            (Invoke-RestMethod "http://127.0.0.1:$port/stats").rejected_by.descriptors_exhausted | Should -Be $failures
            $text = Get-Content -LiteralPath $log -Raw
            ([regex]::Matches($text, 'cannot accept')).Count | Should -Be 1 -Because 'one burst is logged once'
            ([regex]::Matches($text, 'accepts again')).Count | Should -Be 1
        }
        finally {
            foreach ($c in $clients) { $c.Dispose() }
            if (-not $child.HasExited) { $child.Kill($true) }
            $child.Dispose()
            $upstream | Stop-FaultyProxy
        }
    }
}
