# Long work as PowerShell users expect it: Start-NetDriftProxy -AsJob is a real job (Get-Job,
# Receive-Job, Stop-Job, Remove-Job), -Wait -ShowStatus prints a status line periodically, only
# when asked, and Stop-NetDriftProxy shows progress while tunnels drain. The -Wait cases run in a
# child pwsh, stopped with SIGTERM like a service.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    $null = Import-NetDriftUnderTest
    $repoRoot = Split-Path $PSScriptRoot -Parent
    $manifest = Join-Path $repoRoot 'out/NetDrift/NetDrift.psd1'
    $upstream = Start-FaultyProxy -Name 'job-up'

    function Test-PortOpen([int] $Port) {
        $client = [Net.Sockets.TcpClient]::new()
        try { $client.Connect('127.0.0.1', $Port); $true } catch { $false } finally { $client.Dispose() }
    }


    # Lines of a child's stdout until -Until matches them or the time is up. A read still pending
    # then is kept for the next call (a stream allows one read at a time).
    $pendingReads = @{}
    function Read-Lines([Diagnostics.Process] $Process, [scriptblock] $Until, [double] $Seconds) {
        $lines = [Collections.Generic.List[string]]::new()
        $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
        while ([DateTime]::UtcNow -lt $deadline) {
            if (-not $pendingReads.ContainsKey($Process.Id)) { $pendingReads[$Process.Id] = $Process.StandardOutput.ReadLineAsync() }
            $read = $pendingReads[$Process.Id]
            if (-not $read.Wait(100)) { continue }
            $pendingReads.Remove($Process.Id)
            if ($null -eq $read.Result) { break }
            $lines.Add($read.Result)
            if (& $Until $lines) { break }
        }
        , $lines
    }
}

AfterAll {
    Get-Job | Where-Object PSJobTypeName -eq 'NetDriftProxyJob' | Remove-Job -Force
    Get-NetDriftProxy -Name 'job-*' | Stop-NetDriftProxy -DrainTimeout 0:0:1
    Stop-FaultyProxy -Name 'job-*'
}

Describe 'Start-NetDriftProxy -AsJob' {
    BeforeAll {
        $job = Start-NetDriftProxy -Name 'job-main' -Listen 127.0.0.1:0 -Upstream $upstream.Url -LogLevel None -AsJob -ShowStatus -StatusInterval 0:0:0.2 -DrainTimeout 0:0:2
        $port = $job.Proxy.Port
    }

    It 'returns a running job that Get-Job lists' {
        $job | Should -BeOfType ([Management.Automation.Job])
        $job.PSJobTypeName | Should -Be 'NetDriftProxyJob'
        $listed = Get-Job -Name 'job-main'
        $listed.Id | Should -Be $job.Id
        $listed.State | Should -Be 'Running'
        $listed.Location | Should -Be "127.0.0.1:$port"
        (Get-Job -Id $job.Id).InstanceId | Should -Be $job.InstanceId
    }

    It 'serves while the job runs, and is a proxy of the session' {
        (Test-NetDriftTunnel -Proxy $job.Proxy -Target $job.Proxy.Listen).Status | Should -Be 200
        (Get-NetDriftProxy -Name 'job-main').Port | Should -Be $port
    }

    It 'Receive-Job gets the ProxyInfo and status lines' {
        Wait-Until { $job.Information.Count -ge 3 } -Timeout 10 -Because 'a start line and status lines every 0.2 s'
        $output = @(Receive-Job -Job $job -Keep -InformationVariable status 6>$null)
        $output.Count | Should -Be 1
        $output[0] | Should -BeOfType ([NetDrift.ProxyInfo])
        $output[0].Port | Should -Be $port
        $lines = @($status | ForEach-Object { "$_" })
        $lines[0] | Should -Match "serving on http://127\.0\.0\.1:$port"
        $lines[1] | Should -Match "NetDrift 'job-main' Running on http://127\.0\.0\.1:${port}: \d+ open, \d+ total; 1 upstream\(s\); last 15 min \d+ ok, \d+ failed"
        $status[1].Tags | Should -Contain 'NetDrift.Status'
        $job.StatusMessage | Should -Match 'job-main'
        $job.HasMoreData | Should -BeTrue
    }

    It 'Stop-Job drains and stops the proxy and frees the port' {
        Test-PortOpen $port | Should -BeTrue
        Stop-Job -Job $job
        $job.State | Should -Be 'Stopped'
        Test-PortOpen $port | Should -BeFalse
        Get-NetDriftProxy -Name 'job-main' -ErrorAction Ignore | Should -BeNullOrEmpty
        $job.Proxy.State | Should -Be 'Stopped'
        $last = @(Receive-Job -Job $job -Keep -InformationVariable status 6>$null)
        "$($status[-1])" | Should -Match "NetDrift proxy 'job-main' stopped"
        $job.PSEndTime | Should -Not -BeNullOrEmpty
    }

    It 'Remove-Job forgets it' {
        Remove-Job -Job $job
        Get-Job -Name 'job-main' -ErrorAction Ignore | Should -BeNullOrEmpty
    }
}

Describe 'Proxy jobs end with their proxy' {
    It 'completes when the proxy is stopped another way' {
        $job = Start-NetDriftProxy -Name 'job-other' -Listen 127.0.0.1:0 -Upstream $upstream.Url -LogLevel None -AsJob
        Stop-NetDriftProxy -Name 'job-other'
        Wait-Until { $job.State -eq 'Completed' } -Timeout 10 -Because 'the job follows its proxy'
        Wait-Job -Job $job -Timeout 5 | Should -Not -BeNullOrEmpty
        Remove-Job -Job $job
    }

    It 'Remove-Job -Force stops a running proxy job' {
        $job = Start-NetDriftProxy -Name 'job-forced' -Listen 127.0.0.1:0 -Upstream $upstream.Url -LogLevel None -AsJob -DrainTimeout 0:0:1
        $port = $job.Proxy.Port
        { Remove-Job -Job $job -ErrorAction Stop } | Should -Throw -Because 'a running job needs -Force'
        Remove-Job -Job $job -Force
        Test-PortOpen $port | Should -BeFalse
        Get-NetDriftProxy -Name 'job-forced' -ErrorAction Ignore | Should -BeNullOrEmpty
    }

    It 'Receive-Job -Wait returns once the job stops' {
        $job = Start-NetDriftProxy -Name 'job-wait' -Listen 127.0.0.1:0 -Upstream $upstream.Url -LogLevel None -AsJob
        # Another thread of this process stops it while Receive-Job waits.
        $stopper = Start-ThreadJob -ScriptBlock { param($proxyJob) Start-Sleep -Milliseconds 500; $proxyJob.StopJob() } -ArgumentList $job
        $received = @(Receive-Job -Job $job -Wait -AutoRemoveJob 6>$null)
        $received[0].Name | Should -Be 'job-wait'
        Get-Job -Name 'job-wait' -ErrorAction Ignore | Should -BeNullOrEmpty
        $stopper | Wait-Job | Remove-Job
    }

    It 'refuses -ShowStatus without -Wait or -AsJob, and a too short -StatusInterval' {
        { Start-NetDriftProxy -Name 'job-bad' -Listen 127.0.0.1:0 -Upstream $upstream.Url -ShowStatus -ErrorAction Stop } |
            Should -Throw -ErrorId 'AmbiguousParameterSet,NetDrift.PowerShell.Commands.StartNetDriftProxyCommand'
        { Start-NetDriftProxy -Name 'job-bad' -Listen 127.0.0.1:0 -Upstream $upstream.Url -AsJob -ShowStatus -StatusInterval 0:0:0.01 -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidInterval,NetDrift.PowerShell.Commands.StartNetDriftProxyCommand'
        Get-NetDriftProxy -Name 'job-bad' -ErrorAction Ignore | Should -BeNullOrEmpty
    }
}

Describe 'Start-NetDriftProxy -Wait -ShowStatus' {
    It 'prints a one-line status periodically, then drains and exits on SIGTERM' {
        if ($IsWindows) { Set-ItResult -Skipped -Because 'SIGTERM is a POSIX signal'; return }
        $child = Start-ChildPwsh "Import-Module '$manifest'; Start-NetDriftProxy -Name 'job-service' -Listen 127.0.0.1:0 -Upstream '$($upstream.Url)' -LogLevel Warning -Wait -ShowStatus -StatusInterval 0:0:0.3 | Format-List Port"
        try {
            $lines = Read-Lines $child -Seconds 30 -Until { param($l) @($l | Where-Object { $_ -match "^\d\d:\d\d:\d\d NetDrift 'job-service' Running" }).Count -ge 3 }
            $port = ($lines | Where-Object { $_ -match '^Port\s*:\s*(\d+)' } | ForEach-Object { [int]$Matches[1] } | Select-Object -First 1)
            $port | Should -BeGreaterThan 0 -Because "the child printed:`n$($lines -join "`n")"
            $status = @($lines | Where-Object { $_ -match "NetDrift 'job-service' Running on http://127\.0\.0\.1:${port}: \d+ open, \d+ total; 1 upstream\(s\); last 15 min" })
            $status.Count | Should -BeGreaterOrEqual 3 -Because "-ShowStatus prints every 0.3 s; the child printed:`n$($lines -join "`n")"
            (Test-NetDriftTunnel -Proxy "http://127.0.0.1:$port" -Target "127.0.0.1:$port").Status | Should -Be 200

            & kill -TERM $child.Id
            $child.WaitForExit(15000) | Should -BeTrue
            $child.ExitCode | Should -Be 0
            Test-PortOpen $port | Should -BeFalse
        }
        finally {
            if (-not $child.HasExited) { $child.Kill($true) }
            $child.Dispose()
        }
    }

    It 'prints no status line unless asked' {
        if ($IsWindows) { Set-ItResult -Skipped -Because 'SIGTERM is a POSIX signal'; return }
        $child = Start-ChildPwsh "Import-Module '$manifest'; Start-NetDriftProxy -Name 'job-quiet' -Listen 127.0.0.1:0 -Upstream '$($upstream.Url)' -LogLevel Warning -Wait -StatusInterval 0:0:0.2 | Format-List Port"
        try {
            $lines = Read-Lines $child -Seconds 30 -Until { param($l) $l -match 'press Ctrl\+C' }
            $more = Read-Lines $child -Seconds 1.5 -Until { param($l) $false }
            @($lines) + @($more) | Where-Object { $_ -match "NetDrift 'job-quiet' Running on" } | Should -BeNullOrEmpty
            ($lines -join "`n") | Should -Match 'press Ctrl\+C'
            & kill -TERM $child.Id
            $child.WaitForExit(15000) | Should -BeTrue
            $child.ExitCode | Should -Be 0
        }
        finally {
            if (-not $child.HasExited) { $child.Kill($true) }
            $child.Dispose()
        }
    }
}

Describe 'Stop-NetDriftProxy -DrainTimeout' {
    It 'shows progress while an open tunnel drains, then completes it' {
        $target = Start-FaultyProxy -Name 'job-silent' -Fault Timeout
        $proxy = Start-NetDriftProxy -Name 'job-drain' -Listen 127.0.0.1:0 -Upstream $upstream.Url -LogLevel None
        # A tunnel that stays open: through the proxy to a target that never says anything.
        $client = [Net.Sockets.TcpClient]::new('127.0.0.1', $proxy.Port)
        try {
            $stream = $client.GetStream()
            $head = [Text.Encoding]::ASCII.GetBytes("CONNECT 127.0.0.1:$($target.Port) HTTP/1.1`r`nHost: 127.0.0.1:$($target.Port)`r`n`r`n")
            $stream.Write($head, 0, $head.Length)
            $buffer = [byte[]]::new(256)
            $read = $stream.ReadAsync($buffer, 0, $buffer.Length)
            $read.Wait(10000) | Should -BeTrue
            [Text.Encoding]::ASCII.GetString($buffer, 0, $read.Result) | Should -Match '^HTTP/1\.1 200'
            Wait-Until { $proxy.ActiveConnections -eq 1 } -Timeout 5 -Because 'the tunnel is open'

            # Another runspace of this process, whose progress stream can be read.
            $shell = [powershell]::Create()
            try {
                $null = $shell.AddCommand('Import-Module').AddParameter('Name', (Join-Path $repoRoot 'out/NetDrift/NetDrift.psd1')).AddStatement()
                $null = $shell.AddCommand('Stop-NetDriftProxy').AddParameter('Name', 'job-drain').AddParameter('DrainTimeout', [TimeSpan]::FromSeconds(1))
                $null = $shell.Invoke()
                $shell.HadErrors | Should -BeFalse
                $progress = @($shell.Streams.Progress)
            }
            finally { $shell.Dispose() }
            $progress.Count | Should -BeGreaterThan 1
            $progress[0].Activity | Should -Be "Stopping NetDrift proxy 'job-drain'"
            $progress[0].StatusDescription | Should -Match '1 connection\(s\) still open'
            $progress[-1].RecordType | Should -Be 'Completed'
            $proxy.State | Should -Be 'Stopped'
        }
        finally {
            $client.Dispose()
            Stop-FaultyProxy -Name 'job-silent'
        }
    }
}
