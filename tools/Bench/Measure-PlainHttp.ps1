#Requires -Version 7.4
<#
.SYNOPSIS
    Plain HTTP forwarding rate: ab -k through NetDrift against ab -k straight to the same upstream,
    in one run, interleaved over rounds; medians and the ratio go to bench/results/plain-http.md.
.DESCRIPTION
    Everything on 127.0.0.1: a local origin (NetDrift.TestOrigin), one healthy test upstream (a
    faulty proxy with -Fault None), and a NetDrift proxy in front of it. "direct" is the cost floor
    of the one upstream hop; "netdrift" adds NetDrift's hop. Called by `build.ps1 Bench`.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [Parameter(Mandatory)] [string] $OriginDll,
    [Parameter(Mandatory)] [string] $ResultsPath,
    [int] $Requests = 5000,
    [int] $Concurrency = 10,
    [int] $Rounds = 3
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module $ModuleManifest
if (-not (Get-Command ab -ErrorAction Ignore)) {
    & apt-get -qq install -y --no-install-recommends apache2-utils | Out-Null
}

$origin = [Diagnostics.Process]::Start([Diagnostics.ProcessStartInfo]@{
    FileName = (Get-Command dotnet).Source; Arguments = "`"$OriginDll`" --port 0"
    RedirectStandardOutput = $true; RedirectStandardInput = $true; UseShellExecute = $false
})
try {
    if ($origin.StandardOutput.ReadLine() -notmatch '^LISTENING (\d+)$') { throw 'The test origin did not start.' }
    $url = "http://127.0.0.1:$($Matches[1])/hello"
    $upstream = Start-FaultyProxy -Name 'bench-upstream'
    $proxy = Start-NetDriftProxy -Name 'bench-plain' -Listen 127.0.0.1:0 -Upstream $upstream.Url -LogLevel None

    function Measure-Ab([string] $Via) {
        $out = & ab -q -k -c $Concurrency -n $Requests -X $Via $url 2>&1 | Out-String
        if ($out -notmatch 'Requests per second:\s+([\d.]+)') { throw "ab gave no rate through ${Via}:`n$out" }
        $rate = [double]$Matches[1]
        $failed = if ($out -match 'Failed requests:\s+(\d+)') { [int]$Matches[1] } else { -1 }
        $p50 = if ($out -match '\n\s+50%\s+(\d+)') { [int]$Matches[1] } else { -1 }
        $p99 = if ($out -match '\n\s+99%\s+(\d+)') { [int]$Matches[1] } else { -1 }
        [pscustomobject]@{ Rate = $rate; Failed = $failed; P50 = $p50; P99 = $p99 }
    }

    $samples = @{ direct = @(); netdrift = @() }
    $null = Measure-Ab "127.0.0.1:$($proxy.Port)"   # warm-up
    foreach ($round in 1..$Rounds) {
        $samples.direct += Measure-Ab "127.0.0.1:$($upstream.Port)"
        $samples.netdrift += Measure-Ab "127.0.0.1:$($proxy.Port)"
    }
    function Get-Median([double[]] $Values) { $s = $Values | Sort-Object; $s[[int][math]::Floor($s.Count / 2)] }
    $direct = Get-Median $samples.direct.Rate
    $netdrift = Get-Median $samples.netdrift.Rate
    $lines = @(
        "# Plain HTTP forwarding (ab -k, $Requests requests, concurrency $Concurrency, median of $Rounds interleaved rounds)",
        '',
        "Measured $(Get-Date -Format 'yyyy-MM-dd HH:mm') on $([Environment]::ProcessorCount) cores, all on 127.0.0.1.",
        '',
        '| contender | requests/s | ratio to direct | p50 ms | p99 ms | failed |',
        '|---|---:|---:|---:|---:|---:|',
        ('| direct (client → upstream) | {0:N0} | 1.00 | {1} | {2} | {3} |' -f $direct, (Get-Median $samples.direct.P50), (Get-Median $samples.direct.P99), ($samples.direct.Failed | Measure-Object -Sum).Sum),
        ('| netdrift (client → NetDrift → upstream) | {0:N0} | {1:N2} | {2} | {3} | {4} |' -f $netdrift, ($netdrift / $direct), (Get-Median $samples.netdrift.P50), (Get-Median $samples.netdrift.P99), ($samples.netdrift.Failed | Measure-Object -Sum).Sum),
        '',
        'The test upstream closes its connection after every response (it answers one request per',
        'connection), so "direct" pays a TCP handshake per request; NetDrift keeps the client connection',
        'alive and reuses pooled upstream connections when the upstream allows it.'
    )
    $null = New-Item -ItemType Directory -Force -Path (Split-Path $ResultsPath)
    Set-Content -Path $ResultsPath -Value $lines
    $lines | Write-Host
}
finally {
    Get-NetDriftProxy -Name 'bench-plain' -ErrorAction Ignore | Stop-NetDriftProxy -DrainTimeout 0:0:1
    Stop-FaultyProxy -Name 'bench-upstream' -ErrorAction Ignore
    if (-not $origin.HasExited) { $origin.Kill() }
}
