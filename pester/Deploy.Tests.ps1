# deploy/ as the tools that will run it see it: systemd-analyze verify on the unit, haproxy -c on
# the balancer config, promtool on the scrape config and the recording rules (with their unit
# tests), Test-NetDriftConfig on the instances' config, and the timings that must agree across
# them: a stop is noticed by HAProxy before the listener closes, and systemd waits for the drain.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-NetDriftUnderTest
    Install-DebianPackage -Name systemd -Command systemd-analyze
    Install-DebianPackage haproxy
    Install-DebianPackage -Name prometheus -Command promtool
    $deploy = Join-Path (Split-Path -Parent $PSScriptRoot) 'deploy'
    $unitPath = Join-Path $deploy 'netdrift.service'
    $unit = Get-Content -Raw -LiteralPath $unitPath
    $haproxyText = Get-Content -Raw -LiteralPath (Join-Path $deploy 'haproxy.cfg')
    $instanceConfig = Get-Content -Raw -LiteralPath (Join-Path $deploy 'netdrift.json') | ConvertFrom-Json

    # The value of a `Key=value` line of the unit (the last one wins, as in systemd).
    function Get-UnitSetting([string] $Key) {
        $values = @([regex]::Matches($unit, "(?m)^$Key=(.*)$") | ForEach-Object { $_.Groups[1].Value.Trim() })
        if ($values) { $values[-1] }
    }
}

Describe 'deploy/netdrift.service' {
    It 'passes systemd-analyze verify with no warning' {
        # verify fails when ExecStart's binary is missing, and this machine runs pwsh as a dotnet
        # tool, not from /usr/bin/pwsh: a temporary copy points ExecStart at the executable running
        # this test, everything else unchanged. Unknown or malformed keys are only warnings (exit
        # 0), so the output must be empty too.
        $executable = (Get-Process -Id $PID).Path
        $copy = Join-Path $TestDrive 'netdrift.service'
        $unit -replace '(?m)^ExecStart=/usr/bin/pwsh ', "ExecStart=$executable " | Set-Content -LiteralPath $copy -NoNewline
        (Get-Content -Raw -LiteralPath $copy) | Should -Match "(?m)^ExecStart=$([regex]::Escape($executable)) -NoProfile"
        $output = & systemd-analyze verify $copy 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "systemd-analyze said: $output"
        "$output".Trim() | Should -BeNullOrEmpty
    }

    It 'runs the documented command, restarts on failure and keeps the sandbox' {
        Get-UnitSetting 'ExecStart' | Should -BeExactly '/usr/bin/pwsh -NoProfile -Command "Start-NetDriftProxy -Config /etc/netdrift/netdrift.json -Wait"'
        Get-UnitSetting 'Restart' | Should -Be 'on-failure'
        Get-UnitSetting 'NoNewPrivileges' | Should -Be 'yes'
        Get-UnitSetting 'ProtectSystem' | Should -Be 'strict'
        Get-UnitSetting 'ReadWritePaths' | Should -Be '/var/log/netdrift'
        Get-UnitSetting 'RestrictAddressFamilies' | Should -Be 'AF_INET AF_INET6 AF_UNIX'
        [int](Get-UnitSetting 'LimitNOFILE') | Should -BeGreaterThan (2 * $instanceConfig.limits.max_connections)
        # The JIT writes code: this option would kill the runtime at start.
        Get-UnitSetting 'MemoryDenyWriteExecute' | Should -BeNullOrEmpty
    }

    It 'waits longer than a stop takes: shutdown delay plus the drain timeout' {
        # -DrainTimeout's default (the unit does not pass it), read from a fresh cmdlet object.
        $defaultDrain = [Activator]::CreateInstance((Get-Command Start-NetDriftProxy).ImplementingType).DrainTimeout.TotalSeconds
        $defaultDrain | Should -BeGreaterThan 0
        $stop = [int](Get-UnitSetting 'TimeoutStopSec')
        $stop | Should -BeGreaterThan ($instanceConfig.server.shutdown_delay_seconds + $defaultDrain)
    }
}

Describe 'deploy/haproxy.cfg' {
    It 'passes haproxy -c' {
        $output = & haproxy -c -f (Join-Path $deploy 'haproxy.cfg') 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "haproxy said: $output"
        "$output" | Should -Match 'Configuration file is valid'
        "$output" | Should -Not -Match '\[WARNING\]'
    }

    It 'balances in TCP mode with send-proxy-v2, /healthz checks on the proxy port, redispatch and retries' {
        $haproxyText | Should -Match '(?m)^\s*mode tcp\s*$'
        $haproxyText | Should -Match '(?m)^\s*option redispatch\b'
        $haproxyText | Should -Match '(?m)^\s*retries [1-9]'
        $haproxyText | Should -Match '(?m)^\s*option httpchk\s*$'
        $haproxyText | Should -Match '(?m)^\s*http-check send meth GET uri /healthz ver HTTP/1\.1 hdr Host \S+'
        $haproxyText | Should -Match '(?m)^\s*default-server .*\bsend-proxy-v2\b.*\bcheck-send-proxy\b'
        $servers = @([regex]::Matches($haproxyText, '(?m)^\s*server \S+ (\S+):(\d+) port (\d+)'))
        $servers.Count | Should -BeGreaterOrEqual 2
        foreach ($server in $servers) { $server.Groups[3].Value | Should -Be $server.Groups[2].Value -Because 'the check goes to the proxy port' }
    }

    It 'marks a stopping instance down before its shutdown delay ends' {
        $haproxyText -match '(?m)^\s*default-server .*\binter (\d+)s\b.*\bfall (\d+)\b' | Should -BeTrue
        $noticedAfter = [int]$Matches[1] * [int]$Matches[2]
        $instanceConfig.server.shutdown_delay_seconds | Should -BeGreaterThan $noticedAfter
    }
}

Describe 'deploy/prometheus.yml and netdrift.rules.yml' {
    It 'pass promtool check config (which checks the rule files it names)' {
        $output = & promtool check config (Join-Path $deploy 'prometheus.yml') 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "promtool said: $output"
        "$output" | Should -Match 'SUCCESS: 1 rule files found'
    }

    It 'pass promtool check rules' {
        $output = & promtool check rules (Join-Path $deploy 'netdrift.rules.yml') 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "promtool said: $output"
        "$output" | Should -Match 'SUCCESS: \d+ rules found'
    }

    It 'sum per-upstream series across instances (promtool test rules)' {
        $output = & promtool test rules (Join-Path $deploy 'netdrift.rules.test.yml') 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "promtool said: $output"
        "$output" | Should -Match 'SUCCESS'
    }

    It 'scrape every instance HAProxy balances over' {
        $balanced = @([regex]::Matches($haproxyText, '(?m)^\s*server \S+ (\S+:\d+)') | ForEach-Object { $_.Groups[1].Value } | Sort-Object)
        $scraped = @([regex]::Matches((Get-Content -Raw -LiteralPath (Join-Path $deploy 'prometheus.yml')), '(?m)^\s*- (\d+\.\d+\.\d+\.\d+:\d+)\s*$') |
                ForEach-Object { $_.Groups[1].Value } | Sort-Object)
        $scraped -join ',' | Should -Be ($balanced -join ',')
    }
}

Describe 'deploy/netdrift.json' {
    It 'is a valid config that trusts a balancer and waits for it' {
        Test-NetDriftConfig -Path (Join-Path $deploy 'netdrift.json') | Should -BeTrue
        @($instanceConfig.server.proxy_protocol.trusted).Count | Should -BeGreaterThan 0
        $instanceConfig.metrics_endpoint | Should -Be '/metrics'
    }
}
