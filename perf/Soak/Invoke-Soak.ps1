#Requires -Version 7.4
<#
.SYNOPSIS
    The soak run of `build.ps1 Soak` (issue 7, point 6): minutes of mixed traffic, then leak and
    bookkeeping checks. Runs in a fresh pwsh that has imported out/NetDrift.
.DESCRIPTION
    Starts the test origin (out/test-origin) and four faulty upstreams on loopback (None, Reset,
    Slow with latency, BadGateway), a NetDrift proxy over them with retries, and drives for
    -Minutes: CONNECT tunnels through Test-NetDriftTunnel -Send whose echoed bytes are checked,
    plain absolute-form GETs whose bodies are checked byte for byte, malformed requests (400) and
    clients that reset a tunnel abruptly. Afterwards: open descriptors (/proc/self/fd), threads
    and managed memory (GC.GetTotalMemory after a full collect) must be back within ±10% of where
    they were after warm-up, no tunnel may have corrupted a byte, and the counters must add up
    (per upstream Requests = Succeeded + Failed; the client's successes = the upstreams' successes).
    Writes perf/results/soak.md; exit code 1 when a check failed.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $RepoRoot,
    [double] $Minutes = 3,
    [double] $Tolerance = 0.10
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Import-Module (Join-Path $RepoRoot 'pester/_TestHelpers.psm1') -Force

function Get-Resources {
    [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
    $self = [Diagnostics.Process]::GetCurrentProcess()
    [pscustomobject]@{
        Fds     = if (Test-Path /proc/self/fd) { @(Get-ChildItem /proc/self/fd -Force -ErrorAction Ignore).Count } else { -1 }
        Threads = $self.Threads.Count
        Memory  = [GC]::GetTotalMemory($true)
    }
}

# One raw exchange with the proxy: sends Text, reads to EOF (or until the timeout).
function Send-Raw([int] $Port, [string] $Text, [switch] $Reset) {
    $socket = [Net.Sockets.Socket]::new([Net.Sockets.AddressFamily]::InterNetwork, [Net.Sockets.SocketType]::Stream, [Net.Sockets.ProtocolType]::Tcp)
    try {
        $socket.ReceiveTimeout = 10000
        $socket.Connect([Net.IPAddress]::Loopback, $Port)
        $null = $socket.Send([Text.Encoding]::ASCII.GetBytes($Text))
        $data = [IO.MemoryStream]::new()
        $buffer = [byte[]]::new(16384)
        while ($true) {
            $n = try { $socket.Receive($buffer) } catch { 0 }
            if ($n -le 0) { break }
            $data.Write($buffer, 0, $n)
            if ($Reset -and $data.Length -ge 12) { break }
        }
        [Text.Encoding]::Latin1.GetString($data.ToArray())
    }
    finally {
        if ($Reset) { $socket.LingerState = [Net.Sockets.LingerOption]::new($true, 0) }
        $socket.Dispose()
    }
}

$origin = Start-TestOrigin -HostName '127.0.0.1'
$good = Start-FaultyProxy -Fault None -Name 'soak-none'
$reset = Start-FaultyProxy -Fault Reset -Name 'soak-reset'
$slow = Start-FaultyProxy -Fault Slow -Latency 0:0:0.05 -Name 'soak-slow'
$bad = Start-FaultyProxy -Fault BadGateway -Name 'soak-badgateway'
$proxy = Start-NetDriftProxy -Name 'soak' -Listen '127.0.0.1:0' -Upstream $good.Url, $reset.Url, $slow.Url, $bad.Url `
    -Retries 3 -LoadBalancing round-robin -UpstreamTimeout 0:0:5 -LogLevel Critical
$target = "127.0.0.1:$($origin.Port)"
$random = [Random]::new(6)

$tally = [ordered]@{ Tunnels = 0; TunnelOk = 0; Corrupted = 0; TunnelFailed = 0; Plain = 0; PlainOk = 0; PlainBad = 0; PlainRelayed = 0; PlainFailed = 0; Malformed = 0; MalformedOk = 0; Resets = 0; ResetOk = 0; ResetFailed = 0 }
function Invoke-Round {
    # CONNECT tunnels: a POST /echo through each, the echoed body must come back intact.
    $payload = -join (1..48 | ForEach-Object { '{0:x2}' -f $random.Next(256) })
    $send = "POST /echo HTTP/1.1`r`nHost: origin`r`nContent-Type: text/plain`r`nContent-Length: $($payload.Length)`r`nConnection: close`r`n`r`n$payload"
    foreach ($r in Test-NetDriftTunnel -Proxy $proxy -Target $target -Count 12 -Concurrency 6 -Send $send -Timeout 0:0:10) {
        $tally.Tunnels++
        if (-not $r.Succeeded -and $r.Status -ne 200) { $tally.TunnelFailed++; continue }
        $tally.TunnelOk++
        if ("$($r.Response)" -notmatch '^HTTP/1\.1 200' -or -not "$($r.Response)".EndsWith($payload)) { $tally.Corrupted++ }
    }
    # Plain requests in absolute form: the body is exactly n bytes of a..z repeated.
    for ($i = 0; $i -lt 4; $i++) {
        $n = $random.Next(1, 5000)
        $tally.Plain++
        $answer = Send-Raw $proxy.Port "GET http://127.0.0.1:$($origin.Port)/bytes/$n HTTP/1.1`r`nHost: 127.0.0.1:$($origin.Port)`r`nConnection: close`r`n`r`n"
        $head = if ($answer.Contains("`r`n`r`n")) { $answer.Substring(0, $answer.IndexOf("`r`n`r`n")) } else { $answer }
        # An answer an upstream gave carries NetDrift's Via; NetDrift's own 502/503/504 does not.
        # A plain request's non-2xx answer is passed on and counted a success (docs/ARCHITECTURE.md):
        # the BadGateway upstream's 502 cannot be told from an origin's.
        if ($head -notmatch '(?m)^Via:.*netdrift') { $tally.PlainFailed++; continue }
        if ($head -notmatch '^HTTP/1\.1 200') { $tally.PlainRelayed++; continue }
        $tally.PlainOk++
        $body = $answer.Substring($answer.IndexOf("`r`n`r`n") + 4)
        $expected = -join (0..($n - 1) | ForEach-Object { [char](97 + $_ % 26) })
        if ($body -ne $expected) { $tally.PlainBad++ }
    }
    # Malformed heads: 400, and no upstream is bothered.
    foreach ($junk in "GARBAGE`r`n`r`n", "GET http://a/ HTTP/7.0`r`n`r`n", "CONNECT nohost HTTP/1.1`r`n`r`n") {
        $tally.Malformed++
        if ((Send-Raw $proxy.Port $junk) -match '^HTTP/1\.1 400') { $tally.MalformedOk++ }
    }
    # Clients that open a tunnel and reset it as soon as the proxy answers.
    for ($i = 0; $i -lt 3; $i++) {
        $tally.Resets++
        $answer = Send-Raw $proxy.Port "CONNECT $target HTTP/1.1`r`nHost: $target`r`n`r`n" -Reset
        if ($answer -match '^HTTP/1\.1 200') { $tally.ResetOk++ } else { $tally.ResetFailed++ }
    }
}

function Wait-Idle {
    $deadline = [DateTime]::UtcNow.AddSeconds(15)
    while ($proxy.ActiveConnections -gt 0 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
    Start-Sleep -Seconds 2
}

try {
    # Warm-up, then the baseline everything must return to.
    for ($i = 0; $i -lt 3; $i++) { Invoke-Round }
    Wait-Idle
    # The baseline once the thread pool has shed the warm-up's extra workers (they retire after
    # about 20 s idle): threads unchanged over 10 s, at most 45 s.
    $before = Get-Resources
    $stableSince = [DateTime]::UtcNow
    $settleUntil = [DateTime]::UtcNow.AddSeconds(45)
    while ([DateTime]::UtcNow -lt $settleUntil -and ([DateTime]::UtcNow - $stableSince).TotalSeconds -lt 10) {
        Start-Sleep -Seconds 2
        $again = Get-Resources
        if ($again.Threads -ne $before.Threads) { $stableSince = [DateTime]::UtcNow }
        $before = $again
    }
    foreach ($k in @($tally.Keys)) { $tally[$k] = 0 }
    Reset-NetDriftStats -Proxy $proxy

    $started = [DateTime]::UtcNow
    $deadline = $started.AddMinutes($Minutes)
    $rounds = 0
    $peak = Get-Resources
    while ([DateTime]::UtcNow -lt $deadline) {
        Invoke-Round
        $rounds++
        if ($rounds % 20 -eq 0) {
            $now = Get-Resources
            if ($now.Fds -gt $peak.Fds) { $peak.Fds = $now.Fds }
            if ($now.Threads -gt $peak.Threads) { $peak.Threads = $now.Threads }
            if ($now.Memory -gt $peak.Memory) { $peak.Memory = $now.Memory }
        }
    }
    $elapsed = [DateTime]::UtcNow - $started
    Wait-Idle
    $stats = @(Get-NetDriftStats -Proxy $proxy)

    # Idle threads and buffers retire on their own schedule: give them up to 30 s to come back.
    $settle = [DateTime]::UtcNow.AddSeconds(30)
    do {
        $after = Get-Resources
        $within = { param($a, $b) [Math]::Abs($a - $b) -le [Math]::Max(2, $Tolerance * $b) }
        # Threads: a leak is growth. Fewer than at the baseline is the thread pool retiring
        # workers the warm-up had added, on its own clock, so only growth fails.
        $notAbove = { param($a, $b) $a - $b -le [Math]::Max(2, $Tolerance * $b) }
        $ok = (& $within $after.Fds $before.Fds) -and (& $notAbove $after.Threads $before.Threads) -and
            ([Math]::Abs($after.Memory - $before.Memory) -le $Tolerance * $before.Memory)
        if ($ok) { break }
        Start-Sleep -Seconds 2
    } while ([DateTime]::UtcNow -lt $settle)

    $checks = [Collections.Generic.List[object]]::new()
    function Add-Check([string] $Name, [bool] $Passed, [string] $Detail) { $checks.Add([pscustomobject]@{ Check = $Name; Passed = $Passed; Detail = $Detail }) }
    $pct = { param($a, $b) if ($b) { '{0:+0.0;-0.0;0.0}%' -f (100.0 * ($a - $b) / $b) } else { 'n/a' } }
    if ($before.Fds -ge 0) {
        Add-Check 'open file descriptors' (& $within $after.Fds $before.Fds) "$($before.Fds) -> $($after.Fds) ($(& $pct $after.Fds $before.Fds)); peak $($peak.Fds)"
    }
    Add-Check 'threads (no growth over +10%)' (& $notAbove $after.Threads $before.Threads) "$($before.Threads) -> $($after.Threads) ($(& $pct $after.Threads $before.Threads)); peak $($peak.Threads)"
    Add-Check 'managed memory' ([Math]::Abs($after.Memory - $before.Memory) -le $Tolerance * $before.Memory) `
        ('{0:N1} MB -> {1:N1} MB ({2}); peak {3:N1} MB' -f ($before.Memory / 1MB), ($after.Memory / 1MB), (& $pct $after.Memory $before.Memory), ($peak.Memory / 1MB))
    Add-Check 'no corrupted tunnel or body' ($tally.Corrupted -eq 0 -and $tally.PlainBad -eq 0) "$($tally.Corrupted) corrupted tunnels of $($tally.TunnelOk); $($tally.PlainBad) bad bodies of $($tally.PlainOk)"
    Add-Check 'malformed requests answered 400' ($tally.MalformedOk -eq $tally.Malformed) "$($tally.MalformedOk) of $($tally.Malformed)"
    $unbalanced = @($stats | Where-Object { $_.Requests -ne $_.Succeeded + $_.Failed })
    Add-Check 'per upstream Requests = Succeeded + Failed' ($unbalanced.Count -eq 0) (($stats | ForEach-Object { "$($_.Upstream): $($_.Requests) = $($_.Succeeded) + $($_.Failed)" }) -join '; ')
    $clientOk = $tally.TunnelOk + $tally.PlainOk + $tally.PlainRelayed + $tally.ResetOk
    $upstreamOk = ($stats | Measure-Object Succeeded -Sum).Sum
    Add-Check "client's successes = upstreams' successes" ($clientOk -eq $upstreamOk) "client $clientOk (tunnels $($tally.TunnelOk), plain 200 $($tally.PlainOk), plain non-2xx relayed from an upstream $($tally.PlainRelayed), reset after 200 $($tally.ResetOk)); upstreams $upstreamOk"
    Add-Check 'no request failed on every upstream' ($tally.TunnelFailed + $tally.PlainFailed + $tally.ResetFailed -eq 0) "tunnels $($tally.TunnelFailed), plain $($tally.PlainFailed), resets $($tally.ResetFailed)"

    $lines = @(
        '# Soak run'
        ''
        "Generated by ``./build.ps1 Soak -Minutes $Minutes`` on $([DateTime]::UtcNow.ToString('yyyy-MM-dd HH:mm')) UTC ($([Runtime.InteropServices.RuntimeInformation]::OSDescription), $([Environment]::ProcessorCount) cores, .NET $([Environment]::Version))."
        ''
        ('Traffic for {0:N1} min in {1} rounds: {2} CONNECT tunnels with an echoed body checked, {3} plain GETs with the body checked byte for byte, {4} malformed requests, {5} tunnels reset by the client. Upstreams: None, Reset, Slow (50 ms latency), BadGateway; retries 3, round-robin.' -f `
            $elapsed.TotalMinutes, $rounds, $tally.Tunnels, $tally.Plain, $tally.Malformed, $tally.Resets)
        ''
        '| Check | Result | Figures |'
        '|---|---|---|'
    ) + @($checks | ForEach-Object { "| $($_.Check) | $(if ($_.Passed) { 'pass' } else { 'FAIL' }) | $($_.Detail) |" }) + @(
        ''
        '| Upstream | Requests | Succeeded | Failed | Failed by |'
        '|---|---:|---:|---:|---|'
    ) + @($stats | ForEach-Object { "| $($_.Upstream) | $($_.Requests) | $($_.Succeeded) | $($_.Failed) | $(($_.FailedBy.GetEnumerator() | Where-Object Value | ForEach-Object { "$($_.Key) $($_.Value)" }) -join ', ') |" })
    $resultsDir = Join-Path $RepoRoot 'perf/results'
    $null = New-Item -ItemType Directory -Path $resultsDir -Force
    Set-Content -LiteralPath (Join-Path $resultsDir 'soak.md') -Value $lines -Encoding utf8NoBOM
    $lines | Out-Host
    if (@($checks | Where-Object { -not $_.Passed }).Count) { exit 1 }
    exit 0
}
finally {
    $proxy | Stop-NetDriftProxy -DrainTimeout 0:0:1
    Stop-FaultyProxy
    $origin | Stop-TestOrigin
}
