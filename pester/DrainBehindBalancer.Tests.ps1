# Draining behind a balancer (CONTRACT §11) as a balancer's health check sees it: curl polling
# /healthz gets 503 from the start of a stop, while the port still accepts for
# server.shutdown_delay_seconds, and only then a refused connection. The -Wait case runs in a
# child pwsh stopped with SIGTERM, like a service.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    $null = Import-NetDriftUnderTest
    Install-DebianPackage curl
    $repoRoot = Split-Path $PSScriptRoot -Parent
    $manifest = Join-Path $repoRoot 'out/NetDrift/NetDrift.psd1'
    $upstream = Start-FaultyProxy -Name 'drainlb-up'

    function New-DelayConfig([double] $Seconds) {
        $path = Join-Path $TestDrive "delay-$([guid]::NewGuid().ToString('N')).json"
        @{
            server           = @{ listen_address = '127.0.0.1:0'; shutdown_delay_seconds = $Seconds }
            upstream_proxies = @(@{ url = $upstream.Url })
        } | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $path
        $path
    }

    # The status curl gets for GET /healthz; 000 when the connection is refused.
    function Get-HealthzStatus([int] $Port) {
        "$(& curl -s --noproxy '*' --max-time 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$Port/healthz")"
    }

    # Polls /healthz until the port refuses (bounded): the statuses seen, in order.
    function Watch-HealthzUntilClosed([int] $Port, [double] $Seconds, [scriptblock] $StillRunning) {
        $seen = [Collections.Generic.List[string]]::new()
        $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
        while ([DateTime]::UtcNow -lt $deadline) {
            $status = Get-HealthzStatus $Port
            $seen.Add($status)
            if ($status -eq '000' -or -not (& $StillRunning)) { break }
            Start-Sleep -Milliseconds 100
        }
        , $seen
    }

    # What came after the first 503 other than 503s and the refusal: nothing should say healthy again.
    function Get-StatusAfterDraining([string[]] $Seen) {
        $first = [array]::IndexOf($Seen, '503')
        if ($first -ge 0) { $Seen[$first..($Seen.Count - 1)] | Where-Object { $_ -notin @('503', '000') } }
    }

}

AfterAll {
    Get-NetDriftProxy -Name 'drainlb-*' | Stop-NetDriftProxy -DrainTimeout 0:0:1 -ShutdownDelay 0:0:0
    Stop-FaultyProxy -Name 'drainlb-*'
}

Describe 'Stop-NetDriftProxy behind a balancer' {
    It 'turns /healthz to 503 while the port still accepts for the shutdown delay, then closes it' {
        $proxy = Start-NetDriftProxy -Name 'drainlb-stop' -Config (New-DelayConfig 2) -LogLevel None
        Get-HealthzStatus $proxy.Port | Should -Be '200'

        # Stopped from another runspace of this process while this one polls like a balancer.
        $shell = [powershell]::Create()
        try {
            $null = $shell.AddCommand('Import-Module').AddParameter('Name', $manifest).AddStatement()
            $null = $shell.AddCommand('Stop-NetDriftProxy').AddParameter('Name', 'drainlb-stop').AddParameter('DrainTimeout', [TimeSpan]::FromSeconds(1))
            $stopping = $shell.BeginInvoke()
            $seen = Watch-HealthzUntilClosed $proxy.Port -Seconds 15 -StillRunning { $true }
            $stopping.AsyncWaitHandle.WaitOne(15000) | Should -BeTrue
            $null = $shell.EndInvoke($stopping)
            $shell.HadErrors | Should -BeFalse
        }
        finally { $shell.Dispose() }

        $statuses = $seen -join ' '
        $seen[-1] | Should -Be '000' -Because "the port closes after the delay; curl saw: $statuses"
        # A check every 100 ms over a 2 s delay: several 503s before the refusal, never a 200 after the first.
        $drainingChecks = @($seen | Where-Object { $_ -eq '503' }).Count
        $drainingChecks | Should -BeGreaterOrEqual 3 -Because "curl saw: $statuses"
        Get-StatusAfterDraining $seen | Should -BeNullOrEmpty -Because "curl saw: $statuses"
        $proxy.State | Should -Be 'Stopped'
    }

    It '-ShutdownDelay 0:0:0 overrides the config and closes the port at once' {
        $proxy = Start-NetDriftProxy -Name 'drainlb-now' -Config (New-DelayConfig 60) -LogLevel None
        $clock = [Diagnostics.Stopwatch]::StartNew()

        Stop-NetDriftProxy -Name 'drainlb-now' -DrainTimeout 0:0:1 -ShutdownDelay 0:0:0

        $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
        Get-HealthzStatus $proxy.Port | Should -Be '000'
    }
}

Describe 'Start-NetDriftProxy -Wait behind a balancer' {
    It 'answers /healthz 503 after SIGTERM during the shutdown delay, then drains and exits 0' {
        if ($IsWindows) { Set-ItResult -Skipped -Because 'SIGTERM is a POSIX signal'; return }
        $child = Start-ChildPwsh "Import-Module '$manifest'; Start-NetDriftProxy -Config '$(New-DelayConfig 2)' -LogLevel Warning -Wait | Format-List Port"
        try {
            $port = Read-ChildProxyPort $child
            $port | Should -BeGreaterThan 0 -Because 'the child prints its ProxyInfo before waiting'
            Get-HealthzStatus $port | Should -Be '200'

            & kill -TERM $child.Id
            $seen = Watch-HealthzUntilClosed $port -Seconds 15 -StillRunning { -not $child.HasExited }

            $statuses = $seen -join ' '
            $seen | Should -Contain '503' -Because "/healthz turns 503 during the delay; curl saw: $statuses"
            # The first check may beat the signal handler; none after the first 503 says healthy.
            Get-StatusAfterDraining $seen | Should -BeNullOrEmpty -Because "curl saw: $statuses"
            $child.WaitForExit(15000) | Should -BeTrue
            $child.ExitCode | Should -Be 0
            Get-HealthzStatus $port | Should -Be '000'
        }
        finally {
            if (-not $child.HasExited) { $child.Kill($true) }
            $child.Dispose()
        }
    }
}
