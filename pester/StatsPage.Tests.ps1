# The live stats page as an operator sees it: loaded in headless Chromium (Debian's), after its
# script has fetched the JSON and drawn the table and the 15-minute chart.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-NetDriftUnderTest
    Install-DebianPackage chromium
    $origin = Start-TestOrigin
    $healthy = Start-FaultyProxy -Fault None -Name 'page-healthy'
    $broken = Start-FaultyProxy -Fault BadGateway -Name 'page-broken'
    $config = Join-Path $TestDrive 'page.json'
    @{
        server           = @{ name = 'Page Pool'; listen_address = '127.0.0.1:0' }
        upstream_proxies = @(
            @{ url = $healthy.Url; name = 'fast-one'; tag = 'us' }
            @{ url = $broken.Url; name = 'broken-one'; tag = 'eu' }
        )
        retries          = 1
        logging          = @{ level = 'Error' }
    } | ConvertTo-Json -Depth 5 | Set-Content -Path $config
    $proxy = Start-NetDriftProxy -Config $config
    $null = Test-NetDriftTunnel -Proxy $proxy -Target "127.0.0.1:$($origin.Port)" -Count 6 -Send "GET /hello HTTP/1.1`nHost: x`nConnection: close`n`n"

    function Invoke-Chromium {
        param([string[]] $Arguments)
        $profileDir = Join-Path $TestDrive ("chromium-" + [guid]::NewGuid())
        $all = @('--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
            '--disable-sync', '--no-first-run', '--disable-quic', "--user-data-dir=$profileDir", '--virtual-time-budget=5000') + $Arguments
        & chromium @all 2>$null
    }
}

AfterAll {
    Get-NetDriftProxy | Stop-NetDriftProxy -DrainTimeout 0:0:1
    Stop-FaultyProxy
    $origin | Stop-TestOrigin
}

Describe 'The stats page' {
    It 'answers a browser with HTML and a script, JSON to everyone else' {
        $html = curl -s --noproxy '*' -H 'Accept: text/html' "$($proxy.Url)/stats"
        ($html -join "`n") | Should -Match '<table'
        ($html -join "`n") | Should -Match 'fast-one'
        $json = curl -s --noproxy '*' "$($proxy.Url)/stats" | ConvertFrom-Json
        $json.total.upstream_metrics.name | Should -Be @('fast-one', 'broken-one')
    }

    It 'renders the upstream rows and the chart in headless Chromium' {
        $dom = (Invoke-Chromium @('--dump-dom', "$($proxy.Url)/stats")) -join "`n"
        $dom | Should -Match '<td>fast-one</td><td>us</td><td class="h-Healthy">Healthy</td>'
        $dom | Should -Match '<td>broken-one</td><td>eu</td>'
        # The script replaced the summary line and drew one bar pair per minute.
        $dom | Should -Match 'Last 15 minutes: \d+ requests, \d+ failed'
        ([regex]::Matches($dom, '<rect x="\d')).Count | Should -Be 30
    }

    It 'lists the open connections, redrawn by its script' {
        $client = [System.Net.Sockets.TcpClient]::new('127.0.0.1', $proxy.Port)
        try {
            $stream = $client.GetStream()
            $connect = [Text.Encoding]::ASCII.GetBytes("CONNECT 127.0.0.1:$($origin.Port) HTTP/1.1`r`nHost: x`r`n`r`n")
            $stream.Write($connect, 0, $connect.Length)
            $null = $stream.Read([byte[]]::new(512), 0, 512)
            $id = (Get-NetDriftConnection -Proxy $proxy -Target "127.0.0.1:$($origin.Port)").Id
            $dom = (Invoke-Chromium @('--dump-dom', "$($proxy.Url)/stats")) -join "`n"
            $dom | Should -Match 'Open connections'
            $dom | Should -Match "<tr><td>$id</td><td>127\.0\.0\.1:\d+</td><td></td><td>Tunnel</td><td>127\.0\.0\.1:$($origin.Port)</td><td>fast-one</td>"
        }
        finally { $client.Dispose() }
    }

    It 'takes a screenshot an operator can read' {
        $shot = Join-Path $TestDrive 'stats.png'
        Invoke-Chromium @("--screenshot=$shot", '--window-size=1200,620', "$($proxy.Url)/stats") | Out-Null
        Test-Path $shot | Should -BeTrue
        (Get-Item $shot).Length | Should -BeGreaterThan 10KB
        $keep = Join-Path (Split-Path $PSScriptRoot -Parent) 'out/test-results/stats-page.png'
        New-Item -ItemType Directory -Force -Path (Split-Path $keep) | Out-Null
        Copy-Item $shot $keep -Force
    }
}
