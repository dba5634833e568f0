# Statistics through the built module: exact counts after known traffic (successes and failures on
# Reset, BadGateway and Timeout faulty upstreams, with retries off), both windows, reset, peak
# concurrency, latency percentiles, tags, the proxy-level counters, and the Go-compatible /stats
# JSON checked field by field against the Go program's own answer.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-NetDriftUnderTest
    Install-DebianPackage curl
    $repoRoot = Split-Path -Parent $PSScriptRoot
    $origin = Start-TestOrigin
    $target = "127.0.0.1:$($origin.Port)"
    $send = "GET /hello HTTP/1.1`nHost: x`nConnection: close`n`n"
    # What Test-NetDriftTunnel puts on the wire for it (CRLF line ends, UTF-8).
    $sendBytes = [Text.Encoding]::UTF8.GetByteCount($send.ReplaceLineEndings("`r`n"))

    $statsUser = 'statsuser'
    $statsPassword = 'St4ts-Pw'
    $client = [pscredential]::new($statsUser, (ConvertTo-SecureString $statsPassword -AsPlainText -Force))
    $upstreamPassword = 'Upstream-S3cret'
    $upstreamCredential = [pscredential]::new('upuser', (ConvertTo-SecureString $upstreamPassword -AsPlainText -Force))

    $faulty = @{
        ok         = Start-FaultyProxy -Fault None -Name 'stats-ok'
        'ok-auth'  = Start-FaultyProxy -Fault None -Name 'stats-ok-auth' -Credential $upstreamCredential
        reset      = Start-FaultyProxy -Fault Reset -Name 'stats-reset'
        badgateway = Start-FaultyProxy -Fault BadGateway -Name 'stats-badgateway'
        timeout    = Start-FaultyProxy -Fault Timeout -Name 'stats-timeout'
    }
    # Tags as in the Go sample (us, eu), so tag_groups has the sample's keys too. Round-robin with
    # retries off and passive ejection off: every attempt lands where round-robin says, once.
    $config = [ordered]@{
        server           = @{ name = 'stats'; listen_address = '127.0.0.1:0' }
        authentication   = @{ enabled = $true; users = @(@{ username = $statsUser; password = $statsPassword }) }
        upstream_proxies = @(
            @{ name = 'ok'; url = $faulty.ok.Url; tag = 'us' }
            @{ name = 'ok-auth'; url = "http://upuser:$upstreamPassword@127.0.0.1:$($faulty['ok-auth'].Port)"; tag = 'us' }
            @{ name = 'reset'; url = $faulty.reset.Url; tag = 'eu' }
            @{ name = 'badgateway'; url = $faulty.badgateway.Url; tag = 'eu' }
            @{ name = 'timeout'; url = $faulty.timeout.Url; tag = 'eu' }
        )
        load_balancing   = 'round-robin'
        expose_upstream  = $true
        health_check     = @{ failure_threshold = 0 }
        logging          = @{ level = 'Error' }
    }
    $configPath = Join-Path $TestDrive 'stats.json'
    $config | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $configPath -Encoding utf8NoBOM
    $main = Start-NetDriftProxy -Config $configPath -Name 'stats-main' -Retries 0 -UpstreamTimeout 0:0:1

    # Ten tunnels one after another: two on each upstream.
    $trafficStarted = [DateTimeOffset]::UtcNow
    $results = @(Test-NetDriftTunnel -Proxy $main -Target $target -Credential $client -Count 10 -Send $send -Timeout 0:0:5)
    Wait-Until { -not (Get-NetDriftStats -Proxy $main | Where-Object ActiveConnections -gt 0) } -Because 'every tunnel closed'
    $lifetime = @(Get-NetDriftStats -Proxy $main)
    $recent = @(Get-NetDriftStats -Proxy $main -Window Recent)

    function Invoke-Curl {
        param([Parameter(Mandatory)] [string] $Path, [pscredential] $Credential, [string[]] $Extra = @())
        # (A '*' in a splatted array would be globbed into file names by pwsh on Unix.)
        $arguments = @('-s', '--noproxy', '127.0.0.1', '--max-time', '10') + $Extra
        if ($Credential) { $arguments += @('-u', "$($Credential.UserName):$($Credential.GetNetworkCredential().Password)") }
        $output = & curl @arguments "http://127.0.0.1:$($main.Port)$Path"
        if ($LASTEXITCODE -ne 0) { throw "curl $Path failed with exit code $LASTEXITCODE" }
        $output -join "`n"
    }

    # Problems (one string each) where $Actual's shape differs from $Expected's: objects need the
    # expected keys (extra keys are fine), arrays are compared by their first elements, scalars by
    # kind. Objects at -MapPaths are dictionaries (keys are data, like tag names): every entry there
    # must have the shape of the expected first entry.
    function Compare-JsonShape {
        param(
            [Parameter(Mandatory)] [Text.Json.JsonElement] $Expected,
            [Parameter(Mandatory)] [Text.Json.JsonElement] $Actual,
            [string] $Path = '$',
            [string[]] $MapPaths = @()
        )
        $kindOf = { param($e) if ($e.ValueKind -in 'True', 'False') { 'Boolean' } else { "$($e.ValueKind)" } }
        $expectedKind = & $kindOf $Expected
        $actualKind = & $kindOf $Actual
        if ($expectedKind -ne $actualKind) {
            return "$Path is $actualKind, the sample has $expectedKind"
        }
        if ($expectedKind -eq 'Object' -and $Path -in $MapPaths) {
            $first = @($Expected.EnumerateObject()) | Select-Object -First 1
            if (-not $first) { return }
            $entries = @($Actual.EnumerateObject())
            if (-not $entries) { return "$Path has no entries, the sample has some" }
            foreach ($entry in $entries) {
                Compare-JsonShape $first.Value $entry.Value "$Path.$($entry.Name)" $MapPaths
            }
        }
        elseif ($expectedKind -eq 'Object') {
            foreach ($property in $Expected.EnumerateObject()) {
                $child = [Text.Json.JsonElement]::new()
                if ($Actual.TryGetProperty($property.Name, [ref] $child)) {
                    Compare-JsonShape $property.Value $child "$Path.$($property.Name)" $MapPaths
                }
                else {
                    "$Path.$($property.Name) is missing"
                }
            }
        }
        elseif ($expectedKind -eq 'Array' -and $Expected.GetArrayLength() -gt 0) {
            if ($Actual.GetArrayLength() -eq 0) { return "$Path is empty, the sample's is not" }
            Compare-JsonShape $Expected[0] $Actual[0] "$Path[0]" $MapPaths
        }
    }

    # A CONNECT on a raw TcpClient, left open: the tunnel stays up until the client is disposed.
    function Open-RawTunnel {
        param([Parameter(Mandatory)] [int] $Port, [Parameter(Mandatory)] [string] $To)
        $tcp = [Net.Sockets.TcpClient]::new()
        $tcp.NoDelay = $true
        $tcp.Connect('127.0.0.1', $Port)
        $stream = $tcp.GetStream()
        $stream.ReadTimeout = 5000
        $request = [Text.Encoding]::ASCII.GetBytes("CONNECT $To HTTP/1.1`r`nHost: $To`r`n`r`n")
        $stream.Write($request, 0, $request.Length)
        $head = [Text.StringBuilder]::new()
        while (-not $head.ToString().EndsWith("`r`n`r`n")) {
            $b = $stream.ReadByte()
            if ($b -lt 0) { $tcp.Dispose(); throw "the proxy closed before answering: $head" }
            $null = $head.Append([char]$b)
        }
        [pscustomobject]@{ Client = $tcp; Head = $head.ToString() }
    }
}

AfterAll {
    # (BeforeAll may have failed before importing the module or starting the origin.)
    if (Get-Command Get-NetDriftProxy -ErrorAction Ignore) {
        Get-NetDriftProxy | Where-Object Name -like 'stats-*' | Stop-NetDriftProxy -DrainTimeout 0:0:1
        Get-FaultyProxy | Where-Object Name -like 'stats-*' | Stop-FaultyProxy
    }
    Get-Variable origin -ValueOnly -ErrorAction Ignore | Stop-TestOrigin
}

Describe 'Get-NetDriftStats after known traffic' {
    It 'the clients got 200 on the healthy upstreams, 502 on Reset and BadGateway, 504 on Timeout' {
        $results.Count | Should -Be 10
        @($results | Where-Object Status -eq 200).Count | Should -Be 4
        @($results | Where-Object Status -eq 502).Count | Should -Be 4
        @($results | Where-Object Status -eq 504).Count | Should -Be 2
        @($results | Where-Object Succeeded | ForEach-Object Upstream | Sort-Object -Unique) | Should -Be @('ok', 'ok-auth')
    }

    It '<Upstream>: <Succeeded> succeeded, <Failed> failed<Because>' -ForEach @(
        @{ Upstream = 'ok'; Succeeded = 2; Failed = 0; Cause = $null; Because = '' }
        @{ Upstream = 'ok-auth'; Succeeded = 2; Failed = 0; Cause = $null; Because = '' }
        @{ Upstream = 'reset'; Succeeded = 0; Failed = 2; Cause = 'Reset'; Because = ' by Reset' }
        @{ Upstream = 'badgateway'; Succeeded = 0; Failed = 2; Cause = 'TargetUnreachable'; Because = ' by TargetUnreachable (502 to CONNECT blames the target)' }
        @{ Upstream = 'timeout'; Succeeded = 0; Failed = 2; Cause = 'Timeout'; Because = ' by Timeout' }
    ) {
        $row = $lifetime | Where-Object Upstream -eq $Upstream
        $row | Should -HaveCount 1
        $row.PSObject.TypeNames | Should -Contain 'NetDrift.UpstreamStats'
        $row.Proxy | Should -Be 'stats-main'
        $row.Window | Should -Be 'Lifetime'
        $row.Requests | Should -Be 2
        $row.Succeeded | Should -Be $Succeeded
        $row.Failed | Should -Be $Failed
        $row.Requests | Should -Be ($row.Succeeded + $row.Failed)
        $row.SuccessRate | Should -Be ($Succeeded / 2)
        $row.ActiveConnections | Should -Be 0
        $row.PeakConcurrency | Should -Be 1
        if ($Cause) {
            $row.FailedBy.Count | Should -Be 1
            $row.FailedBy[$Cause] | Should -Be 2
            $row.LastError | Should -Match $Cause
            $row.LastErrorAt | Should -BeGreaterOrEqual $trafficStarted.AddSeconds(-1)
            $row.LastErrorAt | Should -BeLessOrEqual ([DateTimeOffset]::UtcNow)
            $row.P50LatencyMs | Should -BeNullOrEmpty
            $row.BytesSent | Should -Be 0
        }
        else {
            $row.FailedBy.Count | Should -Be 0
            $row.LastError | Should -BeNullOrEmpty
            $row.LastErrorAt | Should -BeNullOrEmpty
            $row.P50LatencyMs | Should -BeGreaterThan 0
            $row.P99LatencyMs | Should -BeGreaterOrEqual $row.P50LatencyMs
            $row.AvgLatencyMs | Should -BeGreaterThan 0
        }
    }

    It 'counts the bytes of each healthy upstream''s tunnels exactly, both ways' {
        foreach ($name in 'ok', 'ok-auth') {
            $row = $lifetime | Where-Object Upstream -eq $name
            $mine = @($results | Where-Object Upstream -eq $name)
            $mine.Count | Should -Be 2
            $row.BytesSent | Should -Be (2 * $sendBytes) -Because "$name carried two requests of $sendBytes bytes"
            $row.BytesReceived | Should -Be ($mine | Measure-Object BytesReceived -Sum).Sum -Because "$name carried what the clients received"
            $row.BytesReceived | Should -BeGreaterThan 0
        }
    }

    It 'the Recent window equals the Lifetime window right after the traffic' {
        $recent.Count | Should -Be $lifetime.Count
        foreach ($row in $lifetime) {
            $other = $recent | Where-Object Upstream -eq $row.Upstream
            $other.Window | Should -Be 'Recent'
            foreach ($property in 'Requests', 'Succeeded', 'Failed', 'SuccessRate', 'ActiveConnections', 'PeakConcurrency', 'BytesSent',
                'BytesReceived', 'AvgLatencyMs', 'P50LatencyMs', 'P95LatencyMs', 'P99LatencyMs', 'LastError', 'LastErrorAt', 'Tag') {
                $other.$property | Should -Be $row.$property -Because "$($row.Upstream).$property"
            }
            ($other.FailedBy.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ',' |
                Should -Be (($row.FailedBy.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ',')
        }
    }

    It 'groups by the config file''s tags with Group-Object Tag' {
        $groups = Get-NetDriftStats -Proxy $main | Group-Object Tag | Sort-Object Name
        $groups.Name | Should -Be @('eu', 'us')
        $us = $groups | Where-Object Name -eq 'us'
        $eu = $groups | Where-Object Name -eq 'eu'
        $us.Count | Should -Be 2
        $eu.Count | Should -Be 3
        ($us.Group | Measure-Object Succeeded -Sum).Sum | Should -Be 4
        ($eu.Group | Measure-Object Failed -Sum).Sum | Should -Be 6
        ($eu.Group | Measure-Object Requests -Sum).Sum | Should -Be 6
    }

    It 'filters with -Upstream wildcards and binds by property name from Get-NetDriftProxy' {
        @(Get-NetDriftStats -Proxy $main -Upstream 'ok*').Upstream | Sort-Object | Should -Be @('ok', 'ok-auth')
        @(Get-NetDriftProxy -Name 'stats-main' | Get-NetDriftStats).Count | Should -Be 5
    }
}

Describe 'GET /stats on the proxy port' {
    BeforeAll {
        $text = Invoke-Curl '/stats' -Credential $client
        $document = [Text.Json.JsonDocument]::Parse($text)
        $json = $text | ConvertFrom-Json -DateKind String
        $sampleText = Get-Content -Raw -LiteralPath (Join-Path $repoRoot 'tests/data/go-netdrift/stats-sample.json')
        $sample = [Text.Json.JsonDocument]::Parse($sampleText)
    }

    AfterAll {
        foreach ($name in 'document', 'sample') { (Get-Variable $name -ValueOnly -ErrorAction Ignore)?.Dispose() }
    }

    It 'has every field of the Go sample, at the same place with the same JSON type' {
        $problems = @(Compare-JsonShape $sample.RootElement $document.RootElement -MapPaths '$.total.tag_groups', '$.recent_15m.tag_groups')
        $problems | Should -BeNullOrEmpty
    }

    It 'counts failures in both windows: <Window>' -ForEach @(@{ Window = 'total' }, @{ Window = 'recent_15m' }) {
        $w = $json.$Window
        $w.total_reqs | Should -Be 10
        $w.success_reqs | Should -Be 4
        $w.failed_reqs | Should -Be 6
        $w.upstream_metrics.Count | Should -Be 5
        ($w.upstream_metrics | Measure-Object failed_reqs -Sum).Sum | Should -Be 6
        ($w.upstream_metrics | Measure-Object total_reqs -Sum).Sum | Should -Be $w.total_reqs
        foreach ($metric in $w.upstream_metrics) {
            $row = $lifetime | Where-Object Upstream -eq $metric.name
            $metric.total_reqs | Should -Be $row.Requests -Because "$($metric.name).total_reqs"
            $metric.success_reqs | Should -Be $row.Succeeded -Because "$($metric.name).success_reqs"
            $metric.failed_reqs | Should -Be $row.Failed -Because "$($metric.name).failed_reqs"
            $metric.tag | Should -Be $row.Tag
        }
        @($w.upstream_metrics.index) | Should -Be @(0, 1, 2, 3, 4)
    }

    It 'shows a credentialed upstream''s password as *** and never the password' {
        $withCredentials = $json.total.upstream_metrics | Where-Object name -eq 'ok-auth'
        $withCredentials.url | Should -Be "http://upuser:***@127.0.0.1:$($faulty['ok-auth'].Port)"
        $text | Should -Not -Match ([regex]::Escape($upstreamPassword))
        $text | Should -Not -Match ([regex]::Escape($statsPassword))
    }

    It 'sums the rows of each tag into tag_groups: <Window>' -ForEach @(@{ Window = 'total' }, @{ Window = 'recent_15m' }) {
        $w = $json.$Window
        @($w.tag_groups.PSObject.Properties.Name | Sort-Object) | Should -Be @('eu', 'us')
        foreach ($tag in 'eu', 'us') {
            $group = $w.tag_groups.$tag
            $rows = @($w.upstream_metrics | Where-Object tag -eq $tag)
            $group.tag | Should -Be $tag
            $group.upstream_count | Should -Be $rows.Count
            foreach ($field in 'total_reqs', 'success_reqs', 'failed_reqs') {
                $group.$field | Should -Be ($rows | Measure-Object $field -Sum).Sum -Because "tag_groups.$tag.$field"
            }
            ($group.healthy_count + $group.unhealthy_count) | Should -Be $rows.Count
        }
        $w.tag_groups.eu.failed_reqs | Should -Be 6
    }

    It 'answers 401 with a Basic challenge without credentials, and with wrong ones' {
        $head = Invoke-Curl '/stats' -Extra @('-o', '/dev/null', '-D', '-')
        $head | Should -Match '^HTTP/1\.1 401'
        $head | Should -Match '(?m)^WWW-Authenticate: Basic realm="NetDrift"\r?$'
        $wrong = [pscredential]::new($statsUser, (ConvertTo-SecureString 'not-it' -AsPlainText -Force))
        $failuresBefore = (Get-NetDriftProxy -Name 'stats-main').AuthFailures
        Invoke-Curl '/stats' -Credential $wrong -Extra @('-o', '/dev/null', '-w', '%{http_code}') | Should -Be '401'
        # A wrong /stats login is a guess like a wrong proxy login; no credentials at all is not.
        ((Get-NetDriftProxy -Name 'stats-main').AuthFailures - $failuresBefore) | Should -Be 1
    }

    It 'gives a browser (Accept: text/html) an HTML page with the upstream names' {
        $page = Invoke-Curl '/stats' -Credential $client -Extra @('-H', 'Accept: text/html')
        $page | Should -Match '<html'
        foreach ($name in 'ok', 'ok-auth', 'reset', 'badgateway', 'timeout') {
            $page | Should -Match ">$([regex]::Escape($name))<" -Because "the page lists $name"
        }
        $page | Should -Not -Match ([regex]::Escape($upstreamPassword))
    }
}

Describe 'Get-NetDriftProxy' {
    It 'counts connections and wrong credentials, not the challenge to a request without any' {
        $before = (Get-NetDriftProxy -Name 'stats-main').TotalConnections
        # Earlier wrong /stats logins count too, so only this test's own failures are compared.
        $failuresBefore = (Get-NetDriftProxy -Name 'stats-main').AuthFailures
        $wrong = [pscredential]::new($statsUser, (ConvertTo-SecureString 'not-it' -AsPlainText -Force))
        (Test-NetDriftTunnel -Proxy $main -Target $target).Status | Should -Be 407
        @(Test-NetDriftTunnel -Proxy $main -Target $target -Credential $wrong -Count 2).Status | Should -Be @(407, 407)

        $info = Get-NetDriftProxy -Name 'stats-main'
        $info.TotalConnections | Should -Be ($before + 3)
        ($info.AuthFailures - $failuresBefore) | Should -Be 2
        Wait-Until { (Get-NetDriftProxy -Name 'stats-main').ActiveConnections -eq 0 } -Because 'the refused clients are gone'
    }
}

Describe 'Peak concurrency and Reset-NetDriftStats' {
    BeforeAll {
        $K = 4
        $tunnels = [Collections.Generic.List[object]]::new()
        $peakUpstream = Start-FaultyProxy -Fault None -Name 'stats-peak-up'
        $peak = Start-NetDriftProxy -Name 'stats-peak' -Listen '127.0.0.1:0' -Upstream $peakUpstream.Url -LogLevel Error
    }

    AfterAll {
        foreach ($t in $tunnels) { $t.Client.Dispose() }
    }

    It 'holds K tunnels open at once: ActiveConnections and PeakConcurrency are K' {
        (Test-NetDriftTunnel -Proxy $peak -Target $target -Send $send).Status | Should -Be 200
        foreach ($i in 1..$K) {
            $tunnel = Open-RawTunnel -Port $peak.Port -To $target
            $tunnels.Add($tunnel)
            $tunnel.Head | Should -Match '^HTTP/1\.1 200'
        }
        foreach ($window in 'Lifetime', 'Recent') {
            $row = Get-NetDriftStats -Proxy $peak -Window $window
            $row.ActiveConnections | Should -Be $K
            $row.PeakConcurrency | Should -Be $K
            $row.Requests | Should -Be ($K + 1)
        }
        (Get-NetDriftProxy -Name 'stats-peak').ActiveConnections | Should -Be $K
        (Get-NetDriftProxy -Name 'stats-peak').TotalConnections | Should -Be ($K + 1)
    }

    It 'Reset-NetDriftStats zeroes counts, bytes and latency but keeps the active gauges; the peak restarts from them' {
        Reset-NetDriftStats -Proxy $peak
        foreach ($window in 'Lifetime', 'Recent') {
            $row = Get-NetDriftStats -Proxy $peak -Window $window
            $row.Requests | Should -Be 0
            $row.Succeeded | Should -Be 0
            $row.Failed | Should -Be 0
            $row.BytesSent | Should -Be 0
            $row.BytesReceived | Should -Be 0
            $row.AvgLatencyMs | Should -Be 0
            $row.P50LatencyMs | Should -BeNullOrEmpty
            $row.ActiveConnections | Should -Be $K
            $row.PeakConcurrency | Should -Be $K
        }
        $info = Get-NetDriftProxy -Name 'stats-peak'
        $info.ActiveConnections | Should -Be $K
        $info.TotalConnections | Should -Be 0
    }

    It 'after the tunnels close, the peak since the reset stays K and new traffic counts from zero' {
        foreach ($t in $tunnels) { $t.Client.Dispose() }
        $tunnels.Clear()
        Wait-Until { (Get-NetDriftStats -Proxy $peak).ActiveConnections -eq 0 -and (Get-NetDriftProxy -Name 'stats-peak').ActiveConnections -eq 0 } -Because 'the held tunnels closed'

        (Test-NetDriftTunnel -Proxy $peak -Target $target -Send $send).Status | Should -Be 200
        Wait-Until { (Get-NetDriftStats -Proxy $peak).ActiveConnections -eq 0 } -Because 'the last tunnel closed'
        $row = Get-NetDriftStats -Proxy $peak
        $row.PeakConcurrency | Should -Be $K
        $row.Requests | Should -Be 1
        $row.Succeeded | Should -Be 1
        $row.BytesSent | Should -Be $sendBytes
        (Get-NetDriftProxy -Name 'stats-peak').TotalConnections | Should -Be 1
    }
}

Describe 'Latency percentiles' {
    It 'land on an upstream''s 100 ms latency (never below it, less one 12.5% bucket)' {
        $slowUpstream = Start-FaultyProxy -Fault None -Name 'stats-latency-up' -Latency 0:0:0.1
        $slow = Start-NetDriftProxy -Name 'stats-latency' -Listen '127.0.0.1:0' -Upstream $slowUpstream.Url -LogLevel Error
        # Warm up first (the first tunnels of a proxy pay for JIT), then measure from a reset.
        $null = Test-NetDriftTunnel -Proxy $slow -Target $target -Count 4 -Concurrency 4
        Wait-Until { (Get-NetDriftStats -Proxy $slow).ActiveConnections -eq 0 } -Because 'the warm-up tunnels closed'
        Reset-NetDriftStats -Proxy $slow
        $tries = @(Test-NetDriftTunnel -Proxy $slow -Target $target -Count 12 -Concurrency 4)
        @($tries | Where-Object Status -eq 200).Count | Should -Be 12
        Wait-Until { (Get-NetDriftStats -Proxy $slow).ActiveConnections -eq 0 } -Because 'every tunnel closed'

        $row = Get-NetDriftStats -Proxy $slow
        $row.Succeeded | Should -Be 12
        foreach ($p in 'P50LatencyMs', 'P95LatencyMs', 'P99LatencyMs') {
            $row.$p | Should -BeGreaterOrEqual 87.5 -Because "$p is no faster than the upstream's delay"
            $row.$p | Should -BeLessThan 300 -Because "$p is near 100 ms (scheduling only adds a little)"
        }
        $row.AvgLatencyMs | Should -BeGreaterOrEqual 98 -Because "no faster than the delay (less the timer's millisecond granularity)"
        $row.P50LatencyMs | Should -BeLessOrEqual $row.P99LatencyMs
    }
}
