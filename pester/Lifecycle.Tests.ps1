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

    function Start-Pwsh {
        param([Parameter(Mandatory)][string] $Script)
        # pwsh.dll itself, not the `dotnet pwsh` tool shim: signals must reach the real process.
        $psi = [Diagnostics.ProcessStartInfo]::new((Get-DotNetHost))
        foreach ($a in @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-Command', "`$PSStyle.OutputRendering = 'PlainText'; $Script")) { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.WorkingDirectory = $repoRoot
        [Diagnostics.Process]::Start($psi)
    }
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
        $child = Start-Pwsh "Import-Module '$manifest'; Start-NetDriftProxy -Listen 127.0.0.1:0 -Upstream '$($faulty.Url)' -LogLevel Warning -Wait | Format-List Port"
        try {
            $port = $null
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while (-not $port -and [DateTime]::UtcNow -lt $deadline) {
                $line = $child.StandardOutput.ReadLine()
                if ($null -eq $line) { break }
                if ($line -match '^Port\s*:\s*(\d+)') { $port = [int]$Matches[1] }
            }
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
        $child = Start-Pwsh $script
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
