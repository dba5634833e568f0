# Medians over rounds and the markdown report of Invoke-ProxyBench.ps1: every figure of every
# contender, with its ratio to HAProxy and to Squid, and the issue's targets checked.
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
    'socks5-tunnel'   = @(@('ratePerSecond', 'tunnels/s', $true), @('perCpuSecond', 'tunnels per front CPU-s', $true), @('p50Ms', 'p50 ms', $false), @('p99Ms', 'p99 ms', $false), @('errors', 'errors', $false))
    'socks5-stream-8' = @(@('megabytesPerSecond', 'MB/s', $true), @('megabytesPerCpuSecond', 'MB per front CPU-s', $true), @('errors', 'errors', $false))
    'idle'            = @(@('opened', 'tunnels held', $true), @('rssPerTunnelKiB', 'KiB RSS per tunnel', $false), @('errors', 'errors', $false))
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
    foreach ($scenario in $script:Columns.Keys) {
        if (-not ($Contenders | Where-Object { $Medians.Contains("$scenario|$_") })) { continue }
        $columns = $script:Columns[$scenario]
        $lines.Add('')
        $lines.Add("## $scenario")
        $lines.Add('')
        $header = '| contender |' + (($columns | ForEach-Object { " $($_[1]) | × H | × S |" }) -join '')
        $lines.Add($header)
        $lines.Add('|---|' + (($columns | ForEach-Object { '---:|---:|---:|' }) -join ''))
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
            $lines.Add("| $contender |" + ($cells -join ''))
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
    $targets = @(
        @{ What = 'tunnels/s ≥ 1.0× HAProxy'; Value = (& $ratio 'tunnel' 'ratePerSecond' 'haproxy'); Min = 1.0 }
        @{ What = 'tunnels/s ≥ 2× Squid'; Value = (& $ratio 'tunnel' 'ratePerSecond' 'squid'); Min = 2.0 }
        @{ What = 'tunnels per front CPU-second ≥ 0.8× HAProxy'; Value = (& $ratio 'tunnel' 'perCpuSecond' 'haproxy'); Min = 0.8 }
        @{ What = '1-stream MB/s ≥ 1.0× HAProxy'; Value = (& $ratio 'stream-1' 'megabytesPerSecond' 'haproxy'); Min = 1.0 }
        @{ What = '1-stream MB/s ≥ 1.0× Squid'; Value = (& $ratio 'stream-1' 'megabytesPerSecond' 'squid'); Min = 1.0 }
        @{ What = '8-stream MB/s ≥ 1.0× HAProxy'; Value = (& $ratio 'stream-8' 'megabytesPerSecond' 'haproxy'); Min = 1.0 }
        @{ What = '8-stream MB/s ≥ 1.0× Squid'; Value = (& $ratio 'stream-8' 'megabytesPerSecond' 'squid'); Min = 1.0 }
        @{ What = '1-stream MB/s ≥ 1.0× Go NetDrift'; Value = (& $ratio 'stream-1' 'megabytesPerSecond' 'go-netdrift'); Min = 1.0 }
        @{ What = '8-stream MB/s ≥ 1.0× Go NetDrift'; Value = (& $ratio 'stream-8' 'megabytesPerSecond' 'go-netdrift'); Min = 1.0 }
        @{ What = 'tunnels/s > 1.0× Go NetDrift'; Value = (& $ratio 'tunnel' 'ratePerSecond' 'go-netdrift'); Min = 1.0 }
    )
    foreach ($t in $targets) {
        [pscustomobject]@{ Target = $t.What; Measured = $t.Value; Met = if ($null -eq $t.Value) { $null } else { $t.Value -ge $t.Min } }
    }
    $rss = Get-Figure $Medians 'idle' 'netdrift' 'rssPerTunnelKiB'
    [pscustomobject]@{ Target = 'RSS per idle tunnel ≤ 8 KiB'; Measured = $rss; Met = if ($null -eq $rss) { $null } else { $rss -le 8 } }
    $goRss = Get-Figure $Medians 'idle' 'go-netdrift' 'rssPerTunnelKiB'
    [pscustomobject]@{ Target = 'RSS per idle tunnel < Go NetDrift'; Measured = $(if ($null -ne $rss -and $goRss) { $rss / $goRss }); Met = if ($null -eq $rss -or -not $goRss) { $null } else { $rss -lt $goRss } }
    $errors = Get-Figure $Medians 'idle' 'netdrift' 'errors'
    [pscustomobject]@{ Target = 'every idle tunnel opened, no error'; Measured = $errors; Met = if ($null -eq $errors) { $null } else { $errors -eq 0 } }
}

function Format-BenchTargets([object[]] $Targets) {
    ''
    '## Targets (NetDrift)'
    ''
    '| target | measured | met |'
    '|---|---:|:---:|'
    foreach ($t in $Targets) {
        $measured = if ($null -eq $t.Measured) { 'not measured' } elseif ($t.Target -like 'RSS per idle tunnel ≤*') { "$(Format-Figure $t.Measured) KiB" } elseif ($t.Target -like '*no error') { "$($t.Measured) errors" } else { ([double]$t.Measured).ToString('0.000', [Globalization.CultureInfo]::InvariantCulture) + '×' }
        $met = if ($null -eq $t.Met) { '–' } elseif ($t.Met) { 'yes' } else { '**no**' }
        "| $($t.Target) | $measured | $met |"
    }
}

Export-ModuleMember -Function Get-BenchMedians, Format-BenchReport, Test-BenchTargets, Format-BenchTargets, Get-Median
