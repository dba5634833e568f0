# No secret leaks (issue 7, point 3): a proxy whose client user and upstreams carry known
# passwords runs at Trace level in a child pwsh whose stdout/stderr (the console log) are captured.
# After good traffic, a wrong password, a failing upstream, a reload that changes an upstream
# password and two bad configs, every surface an operator sees is searched for each secret, plain,
# percent-encoded and as the base64 of user:password: the log, every error record, the cmdlets'
# objects (Format-List * and JSON), /stats JSON, the stats HTML page and /metrics.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    $repoRoot = Split-Path $PSScriptRoot -Parent
    $manifest = Join-Path $repoRoot 'out/NetDrift/NetDrift.psd1'

    $clientUser = 'secretclient'
    $clientSecret = 'Cl1entS3cret!'
    $wrongSecret = 'Wr0ngGu3ss!'
    $upUser = 'secretup'
    $upSecret = 'Up5tr3amS3cret!'
    $upSecret2 = 'N3wUp5tr3am!'
    $b64 = { param($u, $p) [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("${u}:$p")) }
    $script:needles = [ordered]@{
        'client password'            = $clientSecret
        'wrong client password'      = $wrongSecret
        'upstream password'          = $upSecret
        'upstream password (%-enc)'  = [Uri]::EscapeDataString($upSecret)
        'changed upstream password'  = $upSecret2
        'changed (%-enc)'            = [Uri]::EscapeDataString($upSecret2)
        'client base64'              = & $b64 $clientUser $clientSecret
        'wrong client base64'        = & $b64 $clientUser $wrongSecret
        'upstream base64'            = & $b64 $upUser $upSecret
        'changed upstream base64'    = & $b64 $upUser $upSecret2
    }

    $dumpPath = Join-Path $TestDrive 'surfaces.json'
    $configPath = Join-Path $TestDrive 'secrets.json'
    # The scenario, run in the child. Secrets arrive through the environment, so no command line
    # or script text carries them.
    $scenario = @'
$ErrorActionPreference = 'Continue'
$PSStyle.OutputRendering = 'PlainText'
$ProgressPreference = 'SilentlyContinue'
Import-Module $env:SEC_MANIFEST -ErrorAction Stop
$cu = $env:SEC_CU; $cp = $env:SEC_CP; $wp = $env:SEC_WP; $uu = $env:SEC_UU; $up = $env:SEC_UP; $up2 = $env:SEC_UP2
function enc([string] $Text) { [Uri]::EscapeDataString($Text) }
$upCred = [pscredential]::new($uu, (ConvertTo-SecureString $up -AsPlainText -Force))
$good = Start-FaultyProxy -Fault None -Name 'sec-good' -Credential $upCred
$reset = Start-FaultyProxy -Fault Reset -Name 'sec-reset' -Credential $upCred
$bad = Start-FaultyProxy -Fault BadGateway -Name 'sec-bad' -Credential $upCred
$target = Start-FaultyProxy -Fault None -Name 'sec-target'   # any TCP listener will do as a CONNECT target
function Write-Config([string] $Password, [string] $ExtraUrl) {
    $upstreams = @(
        @{ url = "http://${uu}:$(enc $Password)@127.0.0.1:$($good.Port)"; name = 'good' }
        @{ url = "http://${uu}:$(enc $Password)@127.0.0.1:$($reset.Port)"; name = 'reset' }
        @{ url = "http://${uu}:$(enc $Password)@127.0.0.1:$($bad.Port)"; name = 'bad' }
    )
    if ($ExtraUrl) { $upstreams += @{ url = $ExtraUrl; name = 'broken' } }
    @{
        server           = @{ name = 'Secret Pool'; listen_address = '127.0.0.1:0' }
        authentication   = @{ enabled = $true; users = @(@{ username = $cu; password = $cp }) }
        upstream_proxies = $upstreams
        load_balancing   = 'round-robin'
        retries          = 2
        logging          = @{ level = 'Trace' }
    } | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $env:SEC_CONFIG
}
Write-Config $up
$proxy = Start-NetDriftProxy -Config $env:SEC_CONFIG -LogLevel Trace
$client = [pscredential]::new($cu, (ConvertTo-SecureString $cp -AsPlainText -Force))
$wrong = [pscredential]::new($cu, (ConvertTo-SecureString $wp -AsPlainText -Force))
$t = "127.0.0.1:$($target.Port)"
$tunnels = @(Test-NetDriftTunnel -Proxy $proxy -Target $t -Credential $client -Count 9 -Timeout 0:0:5)
$denied = @(Test-NetDriftTunnel -Proxy $proxy -Target $t -Credential $wrong -Count 2 -Timeout 0:0:5)
# A plain request in absolute form, with and without the right credentials, on a raw socket.
function Send-Raw([string] $Text) {
    $tcp = [Net.Sockets.TcpClient]::new('127.0.0.1', $proxy.Port)
    try {
        $s = $tcp.GetStream(); $s.ReadTimeout = 5000
        $b = [Text.Encoding]::ASCII.GetBytes($Text); $s.Write($b, 0, $b.Length)
        $r = [IO.StreamReader]::new($s); try { $r.ReadToEnd() } catch { '' }
    } finally { $tcp.Dispose() }
}
$b64 = { param($u, $p) [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("${u}:$p")) }
$plain = @(
    Send-Raw "GET http://127.0.0.1:$($target.Port)/ HTTP/1.1`r`nHost: x`r`nProxy-Authorization: Basic $(& $b64 $cu $cp)`r`nConnection: close`r`n`r`n"
    Send-Raw "GET http://127.0.0.1:$($target.Port)/ HTTP/1.1`r`nHost: x`r`nProxy-Authorization: Basic $(& $b64 $cu $wp)`r`nConnection: close`r`n`r`n"
    Send-Raw "BROKEN $(& $b64 $cu $cp)`r`n`r`n"
)
# Reload with a changed upstream password: the faulty proxies still want the old one, so 407s follow.
Write-Config $up2
Update-NetDriftConfig -Proxy $proxy
$after = @(Test-NetDriftTunnel -Proxy $proxy -Target $t -Credential $client -Count 3 -Timeout 0:0:5)
# Two bad configs: an upstream URL carrying a secret but no valid port, and unparsable JSON.
Write-Config $up2 "http://${uu}:$(enc $up2)@127.0.0.1:99999"
Update-NetDriftConfig -Proxy $proxy -ErrorAction SilentlyContinue
Set-Content -LiteralPath $env:SEC_CONFIG -Value "{ `"upstream_proxies`": [ { `"url`": `"http://${uu}:${up}@`" } ], "
Update-NetDriftConfig -Proxy $proxy -ErrorAction SilentlyContinue
$null = Start-NetDriftProxy -Listen '127.0.0.1:0' -Upstream "http://${uu}:${up}@127.0.0.1:0" -ErrorAction SilentlyContinue
$null = Start-NetDriftProxy -Listen '127.0.0.1:0' -Upstream "http://${uu}:$(enc $up)@bad host:1" -ErrorAction SilentlyContinue
$null = Add-NetDriftUpstream -Proxy $proxy -Url "http://${uu}:${up}@127.0.0.1:$($good.Port)" -Name 'good' -ErrorAction SilentlyContinue
$null = Add-NetDriftUpstream -Proxy $proxy -Url "http://${uu}:${up}@127.0.0.1:0" -Name 'invalid' -ErrorAction SilentlyContinue
$null = Add-NetDriftUpstream -Proxy $proxy -Url "ftp://${uu}:$(enc $up)@127.0.0.1:21" -ErrorAction SilentlyContinue

$http = [Net.Http.HttpClient]::new([Net.Http.HttpClientHandler]@{ UseProxy = $false })
$http.Timeout = [TimeSpan]::FromSeconds(5)
$get = { param($path, $accept, $auth)
    $m = [Net.Http.HttpRequestMessage]::new('GET', "http://127.0.0.1:$($proxy.Port)$path")
    if ($accept) { $m.Headers.TryAddWithoutValidation('Accept', $accept) | Out-Null }
    if ($auth) { $m.Headers.TryAddWithoutValidation('Authorization', "Basic $auth") | Out-Null }
    $http.SendAsync($m).GetAwaiter().GetResult().Content.ReadAsStringAsync().GetAwaiter().GetResult()
}
$both = { param($o) ($o | Format-List * | Out-String -Width 400) + "`n" + ($o | ConvertTo-Json -Depth 5 -WarningAction SilentlyContinue) }
$errors = foreach ($e in $Error) {
    @($e.ToString(), $e.Exception.ToString(), $e.FullyQualifiedErrorId, "$($e.CategoryInfo)", "$($e.ErrorDetails)",
      ($e.TargetObject | Out-String -Width 400), ($e | Format-List * -Force | Out-String -Width 400)) -join "`n"
}
$surfaces = [ordered]@{
    'error records'        = ($errors -join "`n----`n")
    'Get-NetDriftUpstream' = & $both (Get-NetDriftUpstream -Proxy $proxy)
    'Get-NetDriftStats'    = & $both (Get-NetDriftStats -Proxy $proxy)
    'Get-NetDriftProxy'    = & $both (Get-NetDriftProxy)
    'Get-FaultyProxy'      = & $both (Get-FaultyProxy)
    'stats JSON'           = (& $get '/stats' $null) + (& $get '/stats' $null (& $b64 $cu $cp))
    'stats HTML'           = (& $get '/stats' 'text/html') + (& $get '/stats' 'text/html' (& $b64 $cu $cp))
    'metrics'              = (& $get '/metrics' $null) + (& $get '/metrics' $null (& $b64 $cu $wp)) + (& $get '/metrics' $null (& $b64 $cu $cp))
    'plain answers'        = ($plain -join "`n----`n")
    'facts'                = @{
        Good = @($tunnels | Where-Object Succeeded).Count; Denied = @($denied | ForEach-Object Status)
        After = @($after | ForEach-Object Status); ErrorCount = $Error.Count
    } | ConvertTo-Json -Compress
}
$surfaces | ConvertTo-Json | Set-Content -LiteralPath $env:SEC_DUMP -Encoding utf8NoBOM
$proxy | Stop-NetDriftProxy -DrainTimeout 0:0:1
Stop-FaultyProxy
Start-Sleep -Milliseconds 300
'@
    $scenarioPath = Join-Path $TestDrive 'scenario.ps1'
    Set-Content -LiteralPath $scenarioPath -Value $scenario -Encoding utf8NoBOM
    $pwsh = Get-TestPwsh
    $psi = [Diagnostics.ProcessStartInfo]::new($pwsh.FilePath)
    foreach ($a in @($pwsh.Arguments) + @('-NoProfile', '-NonInteractive', '-File', $scenarioPath)) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.WorkingDirectory = $repoRoot
    $envs = @{
        SEC_MANIFEST = $manifest; SEC_CONFIG = $configPath; SEC_DUMP = $dumpPath
        SEC_CU = $clientUser; SEC_CP = $clientSecret; SEC_WP = $wrongSecret; SEC_UU = $upUser; SEC_UP = $upSecret; SEC_UP2 = $upSecret2
    }
    foreach ($k in $envs.Keys) { $psi.Environment[$k] = $envs[$k] }
    $child = [Diagnostics.Process]::Start($psi)
    $stdout = $child.StandardOutput.ReadToEndAsync()
    $stderr = $child.StandardError.ReadToEndAsync()
    $child.StandardInput.Close()
    if (-not $child.WaitForExit(25000)) { $child.Kill($true); throw 'the secrets scenario did not finish in 25 s' }
    $script:log = $stdout.GetAwaiter().GetResult() + "`n" + $stderr.GetAwaiter().GetResult()
    $script:surfaces = @{ 'log' = $script:log }
    if (Test-Path $dumpPath) {
        $dump = Get-Content -Raw $dumpPath | ConvertFrom-Json -AsHashtable
        foreach ($k in $dump.Keys) { $script:surfaces[$k] = [string]$dump[$k] }
    }

    function Find-Secret([string] $Text) {
        foreach ($name in $script:needles.Keys) {
            if ($Text.Contains($script:needles[$name])) {
                $at = $Text.IndexOf($script:needles[$name])
                "$name at: ...$($Text.Substring([Math]::Max(0, $at - 80), [Math]::Min(160, $Text.Length - [Math]::Max(0, $at - 80))))..."
            }
        }
    }
}

Describe 'Secrets never leak' {
    It 'the scenario ran: traffic, refusals, a reload and errors happened, and Trace lines were logged' {
        $script:surfaces.Keys | Should -Contain 'facts' -Because "the child wrote no dump; its output was:`n$($script:log -replace '[\x00-\x08\x0B\x0C\x0E-\x1F]', '')"
        $facts = $script:surfaces['facts'] | ConvertFrom-Json
        $facts.Good | Should -BeGreaterThan 0
        $facts.Denied | Should -Be @(407, 407)
        $facts.ErrorCount | Should -BeGreaterOrEqual 3
        $script:log | Should -Match 'trce|Trace|dbug'
        $script:log | Should -Match 'secretup|127\.0\.0\.1'
        $script:surfaces['plain answers'] | Should -Match 'HTTP/1\.1 407'
        $script:surfaces['metrics'] | Should -Match 'netdrift_'
        $script:surfaces['stats HTML'] | Should -Match '<html'
    }

    It 'no secret in <Surface>' -ForEach @(
        @{ Surface = 'log' }
        @{ Surface = 'error records' }
        @{ Surface = 'Get-NetDriftUpstream' }
        @{ Surface = 'Get-NetDriftStats' }
        @{ Surface = 'Get-NetDriftProxy' }
        @{ Surface = 'Get-FaultyProxy' }
        @{ Surface = 'stats JSON' }
        @{ Surface = 'stats HTML' }
        @{ Surface = 'metrics' }
    ) {
        $script:surfaces.Keys | Should -Contain $Surface
        $script:surfaces[$Surface].Length | Should -BeGreaterThan 0
        @(Find-Secret $script:surfaces[$Surface]) | Should -BeNullOrEmpty
    }
}
