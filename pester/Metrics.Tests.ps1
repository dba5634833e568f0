# /metrics on the proxy port, as Prometheus and promtool see it: known traffic through healthy and
# faulty upstreams with retries off, the exposition validated by `promtool check metrics`, its
# counters equal to Get-NetDriftStats, the admin guard, and the alert rules in configs/prometheus
# checked and unit-tested by promtool. All traffic stays on 127.0.0.1.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-NetDriftUnderTest
    Install-DebianPackage curl
    Install-DebianPackage -Name prometheus -Command promtool
    $rulesDir = Join-Path (Split-Path -Parent $PSScriptRoot) 'configs/prometheus'

    $origin = Start-TestOrigin
    $target = "127.0.0.1:$($origin.Port)"
    $get = "GET /hello HTTP/1.1`r`nHost: x`r`nConnection: close`r`n`r`n"

    $ok = Start-FaultyProxy -Fault None -Name 'metrics-ok'
    $bad = Start-FaultyProxy -Fault BadGateway -Name 'metrics-bad'
    $reset = Start-FaultyProxy -Fault Reset -Name 'metrics-reset'
    $pool = Start-NetDriftProxy -Name 'metrics-pool' -Listen '127.0.0.1:0' -Upstream $ok.Url, $bad.Url, $reset.Url `
        -Retries 0 -LoadBalancing round-robin -UpstreamTimeout 0:0:2 -LogLevel Error
    $tunnels = @(Test-NetDriftTunnel -Proxy $pool -Target $target -Count 9 -Send $get -Timeout 0:0:5)

    $user = [pscredential]::new('metricsuser', (ConvertTo-SecureString 'Sc4rapePw' -AsPlainText -Force))
    $secretUpstream = "http://up-user:Up5treamPw@127.0.0.1:$($ok.Port)"
    $guarded = Start-NetDriftProxy -Name 'metrics-guarded' -Listen '127.0.0.1:0' -Upstream $secretUpstream `
        -ClientCredential $user -LogLevel Error

    # One GET of the metrics endpoint with curl: Status and Body (curl gives up after 5 s).
    function Invoke-Scrape {
        param([Parameter(Mandatory)] $Proxy, [string[]] $CurlArgs = @())
        $file = New-TemporaryFile
        try {
            $status = & curl -s --noproxy '*' --max-time 5 -o $file.FullName -w '%{http_code}' @CurlArgs "http://127.0.0.1:$($Proxy.Port)/metrics"
            [pscustomobject]@{ Status = [int]"$status"; Body = [IO.File]::ReadAllText($file.FullName) }
        }
        finally {
            Remove-Item -LiteralPath $file.FullName
        }
    }

    # The samples of a text exposition: Name, Labels (hashtable), Value.
    function ConvertFrom-PrometheusText {
        param([Parameter(Mandatory)] [string] $Text)
        foreach ($line in $Text -split "`n") {
            if (-not $line -or $line.StartsWith('#')) { continue }
            if ($line -notmatch '^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)') { throw "Not a sample line: $line" }
            $labels = @{}
            foreach ($m in [regex]::Matches("$($Matches['labels'])", '(\w+)="((?:[^"\\]|\\.)*)"')) { $labels[$m.Groups[1].Value] = $m.Groups[2].Value }
            $value = switch ($Matches['value']) { '+Inf' { [double]::PositiveInfinity } default { [double]::Parse($_, [Globalization.CultureInfo]::InvariantCulture) } }
            [pscustomobject]@{ Name = $Matches['name']; Labels = $labels; Value = $value }
        }
    }

    # The sum of the samples of one metric whose labels match every pair given.
    function Get-SampleSum {
        param($Samples, [string] $Name, [hashtable] $Match = @{}, [hashtable] $NotMatch = @{})
        $selected = @($Samples | Where-Object {
                $s = $_
                $s.Name -eq $Name -and
                @($Match.Keys | Where-Object { $s.Labels[$_] -ne $Match[$_] }).Count -eq 0 -and
                @($NotMatch.Keys | Where-Object { $s.Labels[$_] -eq $NotMatch[$_] }).Count -eq 0
            })
        if (-not $selected) { throw "No sample $Name matches $($Match | ConvertTo-Json -Compress)." }
        ($selected | Measure-Object Value -Sum).Sum
    }

    $scrape = Invoke-Scrape $pool
    $samples = @(ConvertFrom-PrometheusText $scrape.Body)
}

AfterAll {
    Get-NetDriftProxy -Name 'metrics-*' | Stop-NetDriftProxy -DrainTimeout 0:0:1
    Stop-FaultyProxy -Name 'metrics-*'
    $origin | Stop-TestOrigin
}

Describe 'GET /metrics' {
    It 'answers 200 with the Prometheus text format' {
        $scrape.Status | Should -Be 200
        $scrape.Body | Should -Match '(?m)^# TYPE netdrift_upstream_requests_total counter$'
        $scrape.Body | Should -Match '(?m)^# TYPE netdrift_upstream_latency_seconds histogram$'
    }

    It 'passes promtool check metrics' {
        $output = $scrape.Body | & promtool check metrics 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "promtool said: $output"
        "$output".Trim() | Should -BeNullOrEmpty
    }

    It 'counts the known traffic: successes and failures add up to the tunnels sent' {
        $tunnels.Count | Should -Be 9
        $succeeded = @($tunnels | Where-Object Succeeded).Count
        $succeeded | Should -BeGreaterThan 0
        $succeeded | Should -BeLessThan 9
        Get-SampleSum $samples 'netdrift_upstream_requests_total' @{ result = 'success' } | Should -Be $succeeded
        Get-SampleSum $samples 'netdrift_upstream_requests_total' | Should -Be 9
        Get-SampleSum $samples 'netdrift_upstream_requests_total' @{ upstream = "127.0.0.1:$($bad.Port)"; result = 'target_unreachable' } |
            Should -BeGreaterThan 0
        Get-SampleSum $samples 'netdrift_upstream_requests_total' @{ upstream = "127.0.0.1:$($reset.Port)"; result = 'reset' } |
            Should -BeGreaterThan 0
    }

    It 'has per-upstream counters equal to Get-NetDriftStats (<_>)' -ForEach @('Requests', 'Bytes', 'Latency') {
        $rows = @(Get-NetDriftStats -Proxy $pool)
        $rows.Count | Should -Be 3
        foreach ($row in $rows) {
            $match = @{ proxy = 'metrics-pool'; upstream = $row.Upstream }
            switch ($_) {
                'Requests' {
                    Get-SampleSum $samples 'netdrift_upstream_requests_total' ($match + @{ result = 'success' }) | Should -Be $row.Succeeded
                    Get-SampleSum $samples 'netdrift_upstream_requests_total' $match @{ result = 'success' } | Should -Be $row.Failed
                }
                'Bytes' {
                    Get-SampleSum $samples 'netdrift_upstream_bytes_total' ($match + @{ direction = 'sent' }) | Should -Be $row.BytesSent
                    Get-SampleSum $samples 'netdrift_upstream_bytes_total' ($match + @{ direction = 'received' }) | Should -Be $row.BytesReceived
                }
                'Latency' {
                    Get-SampleSum $samples 'netdrift_upstream_latency_seconds_count' $match | Should -Be $row.Succeeded
                    Get-SampleSum $samples 'netdrift_upstream_latency_seconds_bucket' ($match + @{ le = '+Inf' }) | Should -Be $row.Succeeded
                }
            }
        }
    }

    It 'has proxy-wide series: connections, the limit, the pool' {
        # The scrape's own connection counts too; nothing else connected since.
        Get-SampleSum $samples 'netdrift_connections_total' | Should -Be (Get-NetDriftProxy -Name 'metrics-pool').TotalConnections
        Get-SampleSum $samples 'netdrift_max_connections' | Should -Be 10000
        Get-SampleSum $samples 'netdrift_upstreams' | Should -Be 3
        Get-SampleSum $samples 'netdrift_upstream_up' @{ upstream = "127.0.0.1:$($ok.Port)" } | Should -Be 1
        Get-SampleSum $samples 'netdrift_upstream_health' @{ upstream = "127.0.0.1:$($ok.Port)"; state = 'healthy' } | Should -Be 1
    }

    It 'keeps its counters through Reset-NetDriftStats' {
        Reset-NetDriftStats -Proxy $pool
        (Get-NetDriftStats -Proxy $pool | Measure-Object Requests -Sum).Sum | Should -Be 0
        $after = @(ConvertFrom-PrometheusText (Invoke-Scrape $pool).Body)
        Get-SampleSum $after 'netdrift_upstream_requests_total' | Should -Be 9
        Get-SampleSum $after 'netdrift_connections_total' | Should -BeGreaterThan (Get-SampleSum $samples 'netdrift_connections_total')
    }

    It 'drops the series of a removed upstream' {
        $name = "127.0.0.1:$($reset.Port)"
        Remove-NetDriftUpstream -Proxy $pool -Name $name -Confirm:$false
        $after = Invoke-Scrape $pool
        $after.Body | Should -Not -Match ([regex]::Escape("upstream=`"$name`""))
        Get-SampleSum @(ConvertFrom-PrometheusText $after.Body) 'netdrift_upstreams' | Should -Be 2
    }
}

Describe 'GET /metrics on a proxy with users' {
    It 'answers 401 without credentials and with wrong ones' {
        (Invoke-Scrape $guarded).Status | Should -Be 401
        (Invoke-Scrape $guarded -CurlArgs '-u', 'metricsuser:wrong').Status | Should -Be 401
    }

    It 'answers 200 with Basic credentials, and shows no password' {
        $scrape = Invoke-Scrape $guarded -CurlArgs '-u', 'metricsuser:Sc4rapePw'
        $scrape.Status | Should -Be 200
        $scrape.Body | Should -Match 'netdrift_upstream_requests_total'
        $scrape.Body | Should -Not -Match 'Up5treamPw|Sc4rapePw|up-user'
    }
}

Describe 'The alert rules (configs/prometheus)' {
    It 'pass promtool check rules' {
        $output = & promtool check rules (Join-Path $rulesDir 'netdrift-alerts.yml') 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "promtool said: $output"
        "$output" | Should -Match 'SUCCESS: 6 rules found'
    }

    It 'pass their promtool unit tests' {
        $output = & promtool test rules (Join-Path $rulesDir 'netdrift-alerts.test.yml') 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "promtool said: $output"
        "$output" | Should -Match 'SUCCESS'
    }
}
