# Medians over rounds and the markdown report of Invoke-ProxyBench.ps1: every figure of every
# contender, with its ratio to HAProxy and to Squid, the CPU of every party next to the front's
# (a case the front did not limit is flagged), and the issue's targets checked.
Set-StrictMode -Version Latest

function Get-Median([double[]] $Values) {
    if ($null -eq $Values -or $Values.Count -eq 0) { return $null }
    $sorted = [double[]]($Values | Sort-Object)
    $middle = [int][math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2 -eq 1) { $sorted[$middle] } else { ($sorted[$middle - 1] + $sorted[$middle]) / 2 }
}

function Get-BenchMedians {
    <#
    .SYNOPSIS
        For each scenario and contender, the median of each numeric field over the rounds.
    #>
    param([Parameter(Mandatory)] [object[]] $Samples)
    $medians = [ordered]@{}
    foreach ($group in ($Samples | Group-Object Scenario, Contender)) {
        $first = $group.Group[0]
        $row = [ordered]@{ scenario = $first.Scenario; contender = $first.Contender; rounds = $group.Count }
        foreach ($name in $first.Result.PSObject.Properties.Name) {
            $values = @($group.Group | ForEach-Object { $_.Result.$name } | Where-Object { $_ -is [ValueType] -and $_ -isnot [bool] })
            if ($values.Count -gt 0) { $row[$name] = Get-Median ([double[]]$values) }
        }
        $medians["$($first.Scenario)|$($first.Contender)"] = [pscustomobject]$row
    }
    $medians
}

# Which figures each scenario shows, and whether more is better.
$script:Columns = [ordered]@{
    'tunnel'          = @(@('ratePerSecond', 'tunnels/s', $true), @('perCpuSecond', 'tunnels per front CPU-s', $true), @('p50Ms', 'p50 ms', $false), @('p99Ms', 'p99 ms', $false), @('errors', 'errors', $false))
    'plain-keepalive' = @(@('ratePerSecond', 'requests/s', $true), @('perCpuSecond', 'requests per front CPU-s', $true), @('p50Ms', 'p50 ms', $false), @('p99Ms', 'p99 ms', $false), @('errors', 'errors', $false))
    'plain-close'     = @(@('ratePerSecond', 'requests/s', $true), @('perCpuSecond', 'requests per front CPU-s', $true), @('p50Ms', 'p50 ms', $false), @('p99Ms', 'p99 ms', $false), @('errors', 'errors', $false))
    'stream-1'        = @(@('megabytesPerSecond', 'MB/s', $true), @('megabytesPerCpuSecond', 'MB per front CPU-s', $true), @('errors', 'errors', $false))
    'stream-8'        = @(@('megabytesPerSecond', 'MB/s', $true), @('megabytesPerCpuSecond', 'MB per front CPU-s', $true), @('errors', 'errors', $false))
    'banner-tunnel'   = @(@('ratePerSecond', 'tunnels/s', $true), @('perCpuSecond', 'tunnels per front CPU-s', $true), @('p50Ms', 'p50 ms', $false), @('p99Ms', 'p99 ms', $false), @('errors', 'errors', $false))
    'socks5-tunnel'   = @(@('ratePerSecond', 'tunnels/s', $true), @('perCpuSecond', 'tunnels per front CPU-s', $true), @('p50Ms', 'p50 ms', $false), @('p99Ms', 'p99 ms', $false), @('errors', 'errors', $false))
    'socks5-stream-8' = @(@('megabytesPerSecond', 'MB/s', $true), @('megabytesPerCpuSecond', 'MB per front CPU-s', $true), @('errors', 'errors', $false))
    'idle-2000'       = @(@('opened', 'tunnels held', $true), @('rssPerTunnelKiB', 'KiB RSS per tunnel', $false), @('errors', 'errors', $false))
    'idle-max'        = @(@('opened', 'tunnels held', $true), @('rssPerTunnelKiB', 'KiB RSS per tunnel', $false), @('errors', 'errors', $false))
}

# The scenarios of a run in report order: each base case, then its -auth twin.
function Get-ReportScenarios([string[]] $Present) {
    foreach ($base in $script:Columns.Keys) {
        foreach ($name in $base, "$base-auth") { if ($name -in $Present) { $name } }
    }
}

# The machine counts as saturated at this share of all its cores busy.
$script:BusyShare = 0.85

function Get-CaseBound {
    <#
    .SYNOPSIS
        Whether a case's figure was limited by something other than the front: @{ Others; Busy;
        By } from a result's CPU seconds (front, rig, load generator, the whole machine), its
        wall seconds and cores. By is $null when the front was the limit or the machine had
        idle cores, 'rig + load generator' when they used more CPU than the front on a busy
        machine, 'other work on the machine' when that did. Busy is over the load generator's
        CPU window (windowSeconds), which brackets the machine's reading.
    #>
    param([Parameter(Mandatory)] $Row)
    $field = { param($name) if ($Row.PSObject.Properties[$name] -and $null -ne $Row.$name) { [double]$Row.$name } }
    $front, $rig, $loadGen, $machine = (& $field 'frontCpuSeconds'), (& $field 'rigCpuSeconds'), (& $field 'loadGenCpuSeconds'), (& $field 'machineCpuSeconds')
    $seconds, $cores = (& $field 'windowSeconds'), (& $field 'cores')
    if ($null -eq $front -or $null -eq $machine -or -not $seconds -or -not $cores) { return $null }
    $rig = [double]$rig; $loadGen = [double]$loadGen
    $others = [math]::Max(0.0, $machine - $front - $rig - $loadGen)
    $busy = $machine / ($seconds * $cores)
    $by = if ($busy -lt $script:BusyShare) { $null }
    elseif ($rig + $loadGen -gt $front) { 'rig + load generator' }
    elseif ($others -gt $front) { 'other work on the machine' }
    else { $null }
    [pscustomobject]@{ Front = $front; Rig = $rig; LoadGen = $loadGen; Others = $others; Busy = $busy; By = $by }
}

function Format-CpuCells($Row) {
    $bound = if ($null -ne $Row) { Get-CaseBound $Row }
    if ($null -eq $bound) { return ' | |' }
    $f = { param($v) $v.ToString('0.00', [Globalization.CultureInfo]::InvariantCulture) }
    $flag = if ($bound.By) { "**bound: $($bound.By)**" } else { '' }
    " $(& $f $bound.Front) / $(& $f $bound.Rig) / $(& $f $bound.LoadGen) / $(& $f $bound.Others) ($([math]::Round($bound.Busy * 100))% busy) | $flag |"
}

function Format-Figure($Value) {
    if ($null -eq $Value) { return 'n/a' }
    $v = [double]$Value
    if ([math]::Abs($v) -ge 100) { return $v.ToString('N0', [Globalization.CultureInfo]::InvariantCulture) }
    if ([math]::Abs($v) -ge 10) { return $v.ToString('0.0', [Globalization.CultureInfo]::InvariantCulture) }
    $v.ToString('0.00', [Globalization.CultureInfo]::InvariantCulture)
}

function Format-Ratio($Value, $Baseline) {
    if ($null -eq $Value -or $null -eq $Baseline -or [double]$Baseline -eq 0) { return '' }
    ([double]$Value / [double]$Baseline).ToString('0.00', [Globalization.CultureInfo]::InvariantCulture) + '×'
}

function Get-Figure($Medians, [string] $Scenario, [string] $Contender, [string] $Field) {
    $row = $Medians["$Scenario|$Contender"]
    if ($null -eq $row -or -not $row.PSObject.Properties[$Field]) { return $null }
    $row.$Field
}

function Format-BenchReport {
    <#
    .SYNOPSIS
        The markdown of perf/results/latest.md: a table per scenario (a row per contender, each
        figure followed by its ratio to HAProxy and to Squid), then the targets.
    #>
    param(
        [Parameter(Mandatory)] $Medians,
        [Parameter(Mandatory)] [string[]] $Contenders,
        [Parameter(Mandatory)] [hashtable] $Run,
        [Parameter(Mandatory)] [string[]] $Descriptions
    )
    $lines = [Collections.Generic.List[string]]::new()
    $lines.Add('# NetDrift benchmark: tunnels, plain HTTP, throughput and idle tunnels against HAProxy and Squid')
    $lines.Add('')
    $lines.Add("Measured $($Run.Date) on $($Run.Machine); $($Run.Rounds) rounds, contenders interleaved within each round, medians shown. " +
        'All traffic on 127.0.0.1: the load generator, the origin, the three upstreams and the front proxy share the cores, so compare ratios, not absolute figures. ' +
        "Ratios are to HAProxy (× H) and to Squid (× S) in the same run. Command: ``$($Run.Command)``.")
    $lines.Add('')
    foreach ($d in $Descriptions) { $lines.Add("- $d") }
    $present = @($Medians.Values | ForEach-Object scenario | Sort-Object -Unique)
    foreach ($scenario in Get-ReportScenarios $present) {
        if (-not ($Contenders | Where-Object { $Medians.Contains("$scenario|$_") })) { continue }
        $columns = $script:Columns[$scenario -replace '-auth$']
        $withCpu = $scenario -notlike 'idle-*'
        $lines.Add('')
        $lines.Add("## $scenario")
        $lines.Add('')
        $header = '| contender |' + (($columns | ForEach-Object { " $($_[1]) | × H | × S |" }) -join '') + $(if ($withCpu) { ' CPU s: front / rig / load gen / others | limited by |' })
        $lines.Add($header)
        $lines.Add('|---|' + (($columns | ForEach-Object { '---:|---:|---:|' }) -join '') + $(if ($withCpu) { '---:|---|' }))
        foreach ($contender in $Contenders) {
            if (-not $Medians.Contains("$scenario|$contender")) { continue }
            $cells = foreach ($column in $columns) {
                $field = $column[0]
                $value = Get-Figure $Medians $scenario $contender $field
                $ratios = if ($field -eq 'errors') { @('', '') } else {
                    @((Format-Ratio $value (Get-Figure $Medians $scenario 'haproxy' $field)), (Format-Ratio $value (Get-Figure $Medians $scenario 'squid' $field)))
                }
                " $(Format-Figure $value) | $($ratios[0]) | $($ratios[1]) |"
            }
            $lines.Add("| $contender |" + ($cells -join '') + $(if ($withCpu) { Format-CpuCells $Medians["$scenario|$contender"] }))
        }
    }
    $lines
}

function Test-BenchTargets {
    <#
    .SYNOPSIS
        The issue's targets for NetDrift, each with the measured ratio and whether it holds.
    #>
    param([Parameter(Mandatory)] $Medians)
    $ratio = {
        param($scenario, $field, $over)
        $a = Get-Figure $Medians $scenario 'netdrift' $field
        $b = Get-Figure $Medians $scenario $over $field
        if ($null -eq $a -or $null -eq $b -or [double]$b -eq 0) { $null } else { [double]$a / [double]$b }
    }
    # The best of the other fronts for a figure (HAProxy, Squid, the Go NetDrift), as a ratio.
    $overBest = {
        param($scenario, $field)
        $a = Get-Figure $Medians $scenario 'netdrift' $field
        $best = @('haproxy', 'squid', 'go-netdrift' | ForEach-Object { Get-Figure $Medians $scenario $_ $field } | Where-Object { $null -ne $_ } | Sort-Object -Descending)
        if ($null -eq $a -or -not $best -or [double]$best[0] -eq 0) { $null } else { [double]$a / [double]$best[0] }
    }
    $targets = @(
        @{ What = 'tunnels/s ≥ 1.0× HAProxy'; Value = (& $ratio 'tunnel' 'ratePerSecond' 'haproxy'); Min = 1.0 }
        @{ What = 'tunnels/s ≥ 1.25× Go NetDrift'; Value = (& $ratio 'tunnel' 'ratePerSecond' 'go-netdrift'); Min = 1.25 }
        @{ What = 'tunnels/s with 200 routes ≥ 0.95× without'; Value = $(
            $with = Get-Figure $Medians 'tunnel' 'netdrift-routes' 'ratePerSecond'; $without = Get-Figure $Medians 'tunnel' 'netdrift' 'ratePerSecond'
            if ($null -eq $with -or $null -eq $without -or [double]$without -eq 0) { $null } else { [double]$with / [double]$without }); Min = 0.95 }
        @{ What = 'tunnels per front CPU-second ≥ 0.8× HAProxy'; Value = (& $ratio 'tunnel' 'perCpuSecond' 'haproxy'); Min = 0.8 }
        @{ What = '1-stream MB/s ≥ the best other front'; Value = (& $overBest 'stream-1' 'megabytesPerSecond'); Min = 1.0 }
        @{ What = '1-stream MB per front CPU-s ≥ the best other front'; Value = (& $overBest 'stream-1' 'megabytesPerCpuSecond'); Min = 1.0 }
        @{ What = '8-stream MB/s ≥ the best other front'; Value = (& $overBest 'stream-8' 'megabytesPerSecond'); Min = 1.0 }
        @{ What = '8-stream MB per front CPU-s ≥ the best other front'; Value = (& $overBest 'stream-8' 'megabytesPerCpuSecond'); Min = 1.0 }
    )
    # The access log's cost (issue 17 point 4): NetDrift with it, to a file, over NetDrift without it, in the same run.
    $logged = {
        param($scenario, $field)
        $on = Get-Figure $Medians $scenario 'netdrift-accesslog' $field
        $off = Get-Figure $Medians $scenario 'netdrift' $field
        if ($null -eq $on -or $null -eq $off -or [double]$off -eq 0) { $null } else { [double]$on / [double]$off }
    }
    $targets += @(
        @{ What = 'tunnels/s with the access log ≥ 0.95× without'; Value = (& $logged 'tunnel' 'ratePerSecond'); Min = 0.95 }
        @{ What = 'plain requests/s (keep-alive) with the access log ≥ 0.95× without'; Value = (& $logged 'plain-keepalive' 'ratePerSecond'); Min = 0.95 }
        @{ What = '1-stream MB/s with the access log ≥ 0.95× without'; Value = (& $logged 'stream-1' 'megabytesPerSecond'); Min = 0.95 }
        @{ What = '8-stream MB/s with the access log ≥ 0.95× without'; Value = (& $logged 'stream-8' 'megabytesPerSecond'); Min = 0.95 }
    )
    foreach ($t in $targets) {
        [pscustomobject]@{ Target = $t.What; Measured = $t.Value; Met = if ($null -eq $t.Value) { $null } else { $t.Value -ge $t.Min } }
    }
    foreach ($idle in 'idle-2000', 'idle-max') {
        $rss = Get-Figure $Medians $idle 'netdrift' 'rssPerTunnelKiB'
        $held = Get-Figure $Medians $idle 'netdrift' 'opened'
        [pscustomobject]@{ Target = "RSS per idle tunnel ≤ 8 KiB ($idle, $(if ($held) { [int]$held } else { '?' }) held)"; Measured = $rss; Met = if ($null -eq $rss) { $null } else { $rss -le 8 } }
    }
    $errors = @($Medians.Values | Where-Object contender -EQ 'netdrift' | ForEach-Object { if ($_.PSObject.Properties['errors']) { [double]$_.errors } })
    [pscustomobject]@{ Target = 'no error in any NetDrift case'; Measured = $(if ($errors) { ($errors | Measure-Object -Sum).Sum }); Met = if (-not $errors) { $null } else { ($errors | Measure-Object -Sum).Sum -eq 0 } }
}

function Format-BenchTargets([object[]] $Targets) {
    ''
    '## Targets (NetDrift)'
    ''
    '| target | measured | met |'
    '|---|---:|:---:|'
    foreach ($t in $Targets) {
        $measured = if ($null -eq $t.Measured) { 'not measured' } elseif ($t.Target -like 'RSS per idle tunnel ≤*') { "$(Format-Figure $t.Measured) KiB" } elseif ($t.Target -like '*no error*') { "$($t.Measured) errors" } else { ([double]$t.Measured).ToString('0.000', [Globalization.CultureInfo]::InvariantCulture) + '×' }
        $met = if ($null -eq $t.Met) { '–' } elseif ($t.Met) { 'yes' } else { '**no**' }
        "| $($t.Target) | $measured | $met |"
    }
}

Export-ModuleMember -Function Get-BenchMedians, Format-BenchReport, Test-BenchTargets, Format-BenchTargets, Get-Median, Get-CaseBound
