# The parts of the benchmark harness (perf/Bench) that decide what a figure means, without running
# a benchmark: NetDrift is launched with deploy/netdrift.service's own arguments and environment,
# and a case is flagged when the front was not what limited it.

BeforeAll {
    $repoRoot = Split-Path -Parent $PSScriptRoot
    Import-Module (Join-Path $repoRoot 'perf/Bench/BenchServiceLaunch.psm1') -Force
    Import-Module (Join-Path $repoRoot 'perf/Bench/BenchReport.psm1') -Force
    $unitPath = Join-Path $repoRoot 'deploy/netdrift.service'

    function New-Row([double] $Front, [double] $Rig, [double] $LoadGen, [double] $Machine, [double] $Window = 5, [int] $Cores = 2) {
        [pscustomobject]@{ frontCpuSeconds = $Front; rigCpuSeconds = $Rig; loadGenCpuSeconds = $LoadGen; machineCpuSeconds = $Machine; windowSeconds = $Window; cores = $Cores }
    }
}

Describe 'Get-ServiceLaunch (NetDrift in the bench runs as the systemd unit runs it)' {
    BeforeAll {
        $launch = Get-ServiceLaunch -UnitPath $unitPath -ConfigPath '/tmp/bench dir/netdrift.json' -HomeDirectory '/tmp/bench dir'
        $unit = Get-Content -LiteralPath $unitPath
    }

    It "passes the unit's pwsh arguments, with the bench's config in place of /etc/netdrift's" {
        $launch.ConfigPath | Should -Be '/etc/netdrift/netdrift.json'
        $launch.Arguments | Should -Be @('-NoProfile', '-Command', "Start-NetDriftProxy -Config '/tmp/bench dir/netdrift.json' -Wait")
    }

    It "sets every Environment= of the unit, HOME replaced by the bench's folder" {
        $expected = @($unit | Where-Object { $_ -match '^Environment=' } | ForEach-Object { ($_ -replace '^Environment=') -split '=', 2 | Select-Object -First 1 })
        $expected.Count | Should -BeGreaterThan 0
        foreach ($name in $expected) { $launch.Environment.Contains($name) | Should -BeTrue -Because "the unit sets $name" }
        $launch.Environment['HOME'] | Should -Be '/tmp/bench dir'
        $line = @($unit | Where-Object { $_ -match '^Environment=POWERSHELL_TELEMETRY_OPTOUT=' })
        if ($line) { $launch.Environment['POWERSHELL_TELEMETRY_OPTOUT'] | Should -Be ($line[-1] -replace '^Environment=POWERSHELL_TELEMETRY_OPTOUT=') }
    }

    It 'splits quoted words as systemd does' {
        Split-UnitCommandLine '/usr/bin/pwsh -NoProfile -Command "a \"b\" c" X=1' | Should -Be @('/usr/bin/pwsh', '-NoProfile', '-Command', 'a "b" c', 'X=1')
    }

    It 'refuses a unit that does not start pwsh' {
        $other = Join-Path $TestDrive 'other.service'
        Set-Content -LiteralPath $other -Value "[Service]`nExecStart=/usr/bin/true -Config /x"
        { Get-ServiceLaunch -UnitPath $other -ConfigPath /y -HomeDirectory /z } | Should -Throw '*does not start pwsh*'
    }
}

Describe 'Get-CaseBound (a case the front did not limit is flagged)' {
    It 'does not flag a case on a machine with idle cores, whoever used more' {
        (Get-CaseBound (New-Row -Front 1 -Rig 2 -LoadGen 2 -Machine 6)).By | Should -BeNullOrEmpty   # 60% of 2 cores × 5 s
    }

    It 'does not flag a busy machine where the front used the most' {
        $bound = Get-CaseBound (New-Row -Front 5 -Rig 2 -LoadGen 2 -Machine 9.5)
        $bound.By | Should -BeNullOrEmpty
        $bound.Busy | Should -Be 0.95
        $bound.Others | Should -Be 0.5
    }

    It 'flags a busy machine where the rig and the load generator used more than the front' {
        (Get-CaseBound (New-Row -Front 3 -Rig 2 -LoadGen 2 -Machine 9)).By | Should -Be 'rig + load generator'
    }

    It 'flags a busy machine where other work used more than the front' {
        $bound = Get-CaseBound (New-Row -Front 2 -Rig 1 -LoadGen 1 -Machine 9.5)
        $bound.By | Should -Be 'other work on the machine'
        $bound.Others | Should -Be 5.5   # not rounded to a whole second
    }

    It 'has nothing to say without a front process (direct) or a machine reading' {
        Get-CaseBound ([pscustomobject]@{ frontCpuSeconds = $null; rigCpuSeconds = 1; loadGenCpuSeconds = 1; machineCpuSeconds = 4; windowSeconds = 2; cores = 2 }) | Should -BeNullOrEmpty
        Get-CaseBound ([pscustomobject]@{ frontCpuSeconds = 1; rigCpuSeconds = 1; loadGenCpuSeconds = 1 }) | Should -BeNullOrEmpty
    }
}
