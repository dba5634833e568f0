# The access log of a real run, read by parsers from outside the project: Python's re with the
# regex of Squid's documented native format (squid.conf logformat "squid":
# %ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt), every field checked against what
# curl and Invoke-WebRequest did; and goaccess from Debian with its SQUID preset (which expects the
# lines as syslog delivers them, so each is given a syslog prefix), its totals checked.
# Upstream: a faulty proxy with -Fault None; origin: NetDrift.TestOrigin.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-NetDriftUnderTest
    Install-DebianPackage curl
    Install-DebianPackage goaccess
    $origin = Start-TestOrigin
    $upstream = Start-FaultyProxy -Fault None -Name 'alog-up'
    $password = 'Acc3ss-L0g-Pw'
    $config = Join-Path $TestDrive 'netdrift.json'
    @"
{
  "server": { "name": "alog", "listen_address": "127.0.0.1:0" },
  "authentication": { "enabled": true, "users": [ { "username": "alice", "password": "$password" } ] },
  "upstream_proxies": [ { "url": "$($upstream.Url)", "name": "up-a" } ],
  "allowed_ports": [ $($origin.Port) ],
  "logging": { "level": "Warning" },
  "access_log": { "path": "access.log", "format": "squid" }
}
"@ | Set-Content -LiteralPath $config
    $proxy = Start-NetDriftProxy -Config $config
    $withUser = "http://alice:${password}@127.0.0.1:$($proxy.Port)"
    $log = Join-Path $TestDrive 'access.log'

    # What each client did, in order: the line the log must hold for it.
    $expected = [Collections.Generic.List[object]]::new()
    $watch = [Diagnostics.Stopwatch]::new()
    function Add-Expected([string] $Code, [int] $Status, [long] $Bytes, [string] $Method, [string] $Url, [string] $User, [string] $Hierarchy, [string] $Type = '-') {
        # Squid escapes a space in a field (a content type's parameters) as %20.
        $expected.Add([pscustomobject]@{
                Code = $Code; Status = $Status; Bytes = $Bytes; Method = $Method; Url = $Url; User = $User; Hierarchy = $Hierarchy
                Type = ($Type -replace ' ', '%20'); MaxElapsed = $watch.ElapsedMilliseconds + 1000
            })
    }
    $startedAt = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() / 1000

    # 1. A tunnel (curl -p): the bytes are the origin's whole answer, measured straight from the origin.
    $direct = (curl -s -o /dev/null -w '%{size_header} %{size_download}' "$($origin.LoopbackUrl)/bytes/5000").Split(' ')
    $watch.Restart()
    $tunnelCode = curl -s -p -x $withUser -o /dev/null -w '%{http_code}' --max-time 10 "$($origin.LoopbackUrl)/bytes/5000"
    Add-Expected TCP_TUNNEL 200 ([long]$direct[0] + [long]$direct[1]) CONNECT "127.0.0.1:$($origin.Port)" alice FIRSTUP_PARENT/up-a

    # 2. A plain request (curl -x): the bytes are the upstream's answer, measured straight through the upstream.
    $viaUpstream = (curl -s -x $upstream.Url -o /dev/null -w '%{size_header} %{size_download} %{content_type}' "$($origin.LoopbackUrl)/bytes/3000").Split(' ', 3)
    $watch.Restart()
    $plainCode = curl -s -x $withUser -o /dev/null -w '%{http_code}' --max-time 10 "$($origin.LoopbackUrl)/bytes/3000"
    Add-Expected TCP_MISS 200 ([long]$viaUpstream[0] + [long]$viaUpstream[1]) GET "$($origin.LoopbackUrl)/bytes/3000" alice FIRSTUP_PARENT/up-a $viaUpstream[2]

    # 3. A 407: no credentials.
    $watch.Restart()
    $challengeCode = curl -s -x "http://127.0.0.1:$($proxy.Port)" -o /dev/null -w '%{http_code}' --max-time 10 "$($origin.LoopbackUrl)/hello"
    Add-Expected TCP_DENIED 407 0 GET "$($origin.LoopbackUrl)/hello" '-' HIER_NONE/-

    # 4. A 403: a tunnel to a port outside allowed_ports.
    $watch.Restart()
    $forbiddenCode = curl -s -p -x $withUser -o /dev/null -w '%{http_connect}' --max-time 10 'http://127.0.0.1:22/'
    Add-Expected TCP_DENIED 403 0 CONNECT '127.0.0.1:22' alice HIER_NONE/-

    # 5. Invoke-WebRequest through the proxy (only inside build.ps1's network namespace: it never proxies loopback).
    $iwrRan = Test-NetNamespace
    if ($iwrRan) {
        $credential = [pscredential]::new('alice', (ConvertTo-SecureString $password -AsPlainText -Force))
        $viaUpstreamIwr = (curl -s -x $upstream.Url -o /dev/null -w '%{size_header} %{size_download}' "$($origin.LoopbackUrl)/bytes/2000").Split(' ')
        $watch.Restart()
        $iwr = Invoke-WebRequest -Uri "$($origin.Url)/bytes/2000" -Proxy $proxy.Url -ProxyCredential $credential -TimeoutSec 10
        # .NET asks without credentials first and answers the 407 challenge on the same connection.
        Add-Expected TCP_DENIED 407 0 GET "$($origin.Url)/bytes/2000" '-' HIER_NONE/-
        Add-Expected TCP_MISS 200 ([long]$viaUpstreamIwr[0] + [long]$viaUpstreamIwr[1]) GET "$($origin.Url)/bytes/2000" alice FIRSTUP_PARENT/up-a $viaUpstream[2]
    }
    # Stopping writes what is queued.
    $proxy | Stop-NetDriftProxy -DrainTimeout 0:0:2
    $endedAt = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() / 1000

    # Squid's native format as a regex (the one Squid's log analysers use), in Python: a parser that is not ours.
    $parser = @'
import json, re, sys
squid = re.compile(r"^(\d+\.\d{3})\s+(\d+) (\S+) ([A-Z_]+)/(\d{3}) (\d+) (\S+) (\S+) (\S+) ([A-Z_]+)/(\S+) (\S+)$")
rows = []
for line in open(sys.argv[1], encoding="utf-8").read().splitlines():
    m = squid.match(line)
    if not m:
        rows.append({"unparsed": line})
        continue
    t, elapsed, client, code, status, size, method, url, user, hier, peer, mtype = m.groups()
    rows.append({"Time": float(t), "Elapsed": int(elapsed), "Client": client, "Code": code, "Status": int(status), "Bytes": int(size),
                 "Method": method, "Url": url, "User": user, "Hierarchy": hier + "/" + peer, "Type": mtype})
print(json.dumps(rows))
'@
    $parsed = @(python3 -c $parser $log | ConvertFrom-Json)
}

AfterAll {
    Get-NetDriftProxy -Name 'alog' -ErrorAction Ignore | Stop-NetDriftProxy -DrainTimeout 0:0:1
    Stop-FaultyProxy -Name 'alog-up' -ErrorAction Ignore
    $origin | Stop-TestOrigin
}

Describe 'The access log of a real run' {
    It 'the clients got what they asked for' {
        $tunnelCode | Should -Be '200'
        $plainCode | Should -Be '200'
        $challengeCode | Should -Be '407'
        $forbiddenCode | Should -Be '403'
        if ($iwrRan) { $iwr.StatusCode | Should -Be 200 }
    }

    It 'holds one line per exchange, each in Squid''s native format' {
        $parsed.Where({ $_.PSObject.Properties.Name -contains 'unparsed' }) | Should -BeNullOrEmpty
        $parsed.Count | Should -Be $expected.Count
    }

    It 'line <Index> matches what the client did, field by field' -ForEach @(0..5 | ForEach-Object { @{ Index = $_ } }) {
        if ($Index -ge $expected.Count) { Set-ItResult -Skipped -Because 'Invoke-WebRequest runs only in the test network namespace'; return }
        $line = $parsed[$Index]
        $want = $expected[$Index]
        $line.Code | Should -Be $want.Code
        $line.Status | Should -Be $want.Status
        $line.Bytes | Should -Be $want.Bytes
        $line.Method | Should -Be $want.Method
        $line.Url | Should -Be $want.Url
        $line.User | Should -Be $want.User
        $line.Hierarchy | Should -Be $want.Hierarchy
        $line.Type | Should -Be $want.Type
        $line.Client | Should -Be '127.0.0.1'
        $line.Elapsed | Should -BeLessOrEqual $want.MaxElapsed
        $line.Time | Should -BeGreaterOrEqual ([Math]::Floor($startedAt))
        $line.Time | Should -BeLessOrEqual ($endedAt + 1)
    }

    It 'never holds the password, in clear or in Basic form' {
        $text = Get-Content -LiteralPath $log -Raw
        $text | Should -Not -Match ([regex]::Escape($password))
        $text | Should -Not -Match ([regex]::Escape([Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("alice:$password"))))
    }

    It 'is read whole by goaccess --log-format=SQUID' {
        $syslog = Join-Path $TestDrive 'access-syslog.log'
        Get-Content -LiteralPath $log | ForEach-Object { "Dec  2 16:00:00 localhost squid[1]: $_" } | Set-Content -LiteralPath $syslog
        $report = Join-Path $TestDrive 'goaccess.json'
        $null = goaccess $syslog --log-format=SQUID --date-format=%s --time-format=%s --no-global-config -o $report 2>&1
        $LASTEXITCODE | Should -Be 0
        $general = (Get-Content -LiteralPath $report -Raw | ConvertFrom-Json).general
        $general.total_requests | Should -Be $expected.Count
        $general.failed_requests | Should -Be 0
        $general.bandwidth | Should -Be ($expected | Measure-Object -Property Bytes -Sum).Sum
    }
}
