<#
.SYNOPSIS
    Where one tunnel's CPU goes (issue 19 point 2): system calls, epoll wake-ups, thread-pool work
    items, timers and allocations per tunnel, and per MiB of one long stream, over bounded runs.
.DESCRIPTION
    NetDrift runs inside this pwsh (Start-NetDriftProxy, warning-level log), so the runtime's own
    counters can be read around a run: GC.GetTotalAllocatedBytes, ThreadPool.CompletedWorkItemCount,
    Timer.ActiveCount (sampled mid-run) and the process's CPU time. System calls come from
    `strace -c` attached to this process's threads over a second run of the same size (strace slows the
    process; its counts, not its times, are quoted). Upstreams: Debian's tinyproxy for tunnels (as
    build.ps1 Bench), a NetDrift.LoadGen splice upstream for the stream.

    Run it twice to see a runtime switch, e.g. with DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1
    in the environment of the pwsh that runs this script (the runtime reads it at start).
.EXAMPLE
    dotnet pwsh ./build.ps1 Build
    dotnet publish perf/NetDrift.LoadGen -c Release -o out/loadgen
    dotnet publish tests/NetDrift.TestOrigin -c Release -o out/test-origin
    dotnet pwsh -NoProfile -File perf/Profile/Measure-TunnelProfile.ps1 -ModuleManifest out/NetDrift/NetDrift.psd1 `
        -LoadGen out/loadgen/NetDrift.LoadGen.dll -TestOrigin out/test-origin/NetDrift.TestOrigin.dll
#>
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [Parameter(Mandatory)] [string] $LoadGen,
    [Parameter(Mandatory)] [string] $TestOrigin,
    [int] $Tunnels = 6000,
    [int] $Concurrency = 32,
    [long] $StreamBytes = 2GB,
    [int] $IdleTunnels = 2000
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$repoRoot = Split-Path (Split-Path $PSScriptRoot -Parent) -Parent
Import-Module (Join-Path $repoRoot 'pester/_TestHelpers.psm1')
Import-Module (Join-Path $repoRoot 'perf/Bench/BenchProcesses.psm1')
Import-Module (Join-Path $repoRoot 'perf/Bench/BenchContenders.psm1')
Import-Module (Join-Path $repoRoot 'perf/Bench/BenchUpstreams.psm1')
Import-Module (Resolve-Path $ModuleManifest).Path
Install-DebianPackage tinyproxy
Install-DebianPackage strace
$LoadGen = (Resolve-Path $LoadGen).Path
$dotnet = (Get-Command dotnet).Source
$workDir = Join-Path ([IO.Path]::GetTempPath()) "netdrift-profile-$PID"
$null = New-Item -ItemType Directory -Path $workDir -Force

function Start-LoadGen([string[]] $Arguments) {
    $start = [Diagnostics.ProcessStartInfo]::new($dotnet)
    foreach ($a in @($LoadGen) + $Arguments) { $start.ArgumentList.Add($a) }
    $start.RedirectStandardOutput = $true; $start.RedirectStandardInput = $true; $start.UseShellExecute = $false
    [Diagnostics.Process]::Start($start)
}

function Wait-LoadGen([Diagnostics.Process] $Process) {
    $output = $Process.StandardOutput.ReadToEnd()
    $Process.WaitForExit()
    $json = $output -split "`n" | Where-Object { $_.StartsWith('{') } | Select-Object -Last 1
    if ($Process.ExitCode -ne 0 -or -not $json) { throw "NetDrift.LoadGen failed: $output" }
    $json | ConvertFrom-Json
}

function Invoke-LoadGen([string[]] $Arguments) { Wait-LoadGen (Start-LoadGen $Arguments) }

# Calls and failed calls per system call, from strace -c output.
function Read-StraceCounts([string] $Path) {
    $counts = [ordered]@{}
    foreach ($line in Get-Content -LiteralPath $Path) {
        $words = -split $line
        if ($words.Count -ge 5 -and $words[0] -match '^\d' -and $words[-1] -ne 'total') {
            $errors = if ($words.Count -ge 6) { [long]$words[4] } else { 0 }
            $counts[$words[-1]] = [pscustomobject]@{ Calls = [long]$words[3]; Errors = $errors }
        }
    }
    $counts
}

function Measure-Runtime([string[]] $Arguments) {
    $process = [Diagnostics.Process]::GetCurrentProcess()
    [GC]::Collect()
    $before = @{ Alloc = [GC]::GetTotalAllocatedBytes($true); Items = [Threading.ThreadPool]::CompletedWorkItemCount
        Cpu = $process.TotalProcessorTime.TotalSeconds; Gen0 = [GC]::CollectionCount(0) }
    $run = Start-LoadGen $Arguments
    # Timer.ActiveCount mid-run: the timers that in-flight tunnels hold at once.
    Start-Sleep -Milliseconds 1500
    $timers = [Threading.Timer]::ActiveCount
    $result = Wait-LoadGen $run
    $process.Refresh()
    [pscustomobject]@{
        Result = $result; Allocated = [GC]::GetTotalAllocatedBytes($true) - $before.Alloc
        WorkItems = [Threading.ThreadPool]::CompletedWorkItemCount - $before.Items
        Cpu = $process.TotalProcessorTime.TotalSeconds - $before.Cpu; Gen0 = [GC]::CollectionCount(0) - $before.Gen0
        ActiveTimersMidRun = $timers
    }
}

function Invoke-Straced([string[]] $Arguments, [string] $Output) {
    # Every thread of this process, not -f: that would follow the load generator this process starts.
    $threads = @(Get-ChildItem "/proc/$PID/task" | ForEach-Object { '-p', $_.Name })
    $strace = Start-Process -FilePath (Get-Command strace).Source -ArgumentList (@('-qq', '-c', '-o', $Output) + $threads) -PassThru
    Start-Sleep -Milliseconds 1500
    try { $null = Invoke-LoadGen $Arguments } finally { & kill -INT $strace.Id; $strace.WaitForExit(10000) | Out-Null }
    Read-StraceCounts $Output
}

# One report table: the runtime's counts and each system call made at least once per 20 units.
function Write-PerUnitTable([string] $Unit, [double] $Count, $Runtime, $Calls, [hashtable] $Extra) {
    "| what | per $Unit |"
    '|---|---:|'
    "| front CPU (µs) | $([math]::Round($Runtime.Cpu / $Count * 1e6, 1)) |"
    "| bytes allocated | $([math]::Round($Runtime.Allocated / $Count)) |"
    "| thread-pool work items | $([math]::Round($Runtime.WorkItems / $Count, 2)) |"
    foreach ($name in $Extra.Keys | Sort-Object) { "| $name | $($Extra[$name]) |" }
    foreach ($name in $Calls.Keys) {
        $c = $Calls[$name]
        if ($c.Calls -ge $Count / 20) { "| $name | $([math]::Round($c.Calls / $Count, 2))$(if ($c.Errors) { " ($([math]::Round($c.Errors / $Count, 2)) failed)" }) |" }
    }
}

$origin = $tiny = $splice = $proxy = $null
try {
    $origin = Start-BenchProcess -FilePath $dotnet -ArgumentList @((Resolve-Path $TestOrigin).Path, '--port', '0') -LogPath (Join-Path $workDir 'origin.log')
    $target = "127.0.0.1:$(Read-ListeningPort $origin -What 'the origin')"
    $tiny = Start-BenchUpstreams -Kind tinyproxy -WorkDir $workDir -LoadGen $LoadGen -MaxClients 2000 -Count 1
    $splice = Start-BenchUpstreams -Kind netdrift -WorkDir $workDir -LoadGen $LoadGen -MaxClients 2000 -Count 1
    $port = Get-FreePort
    $config = Join-Path $workDir 'netdrift.json'
    [ordered]@{
        server = [ordered]@{ listen_address = "127.0.0.1:$port" }
        upstream_proxies = @([ordered]@{ name = 'tiny'; url = "http://127.0.0.1:$($tiny.Ports[0])" }, [ordered]@{ name = 'splice'; url = "http://127.0.0.1:$($splice.Ports[0])"; enabled = $false })
        logging = @{ level = 'Warning' }; health_check = @{ enabled = $false }; limits = @{ max_connections = 20000 }
    } | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $config
    $proxy = Start-NetDriftProxy -Config $config
    $tunnel = @('tunnel', '--proxy', "127.0.0.1:$port", '--target', $target, '--concurrency', "$Concurrency", '--duration', '120', '--warmup', '0', '--max', "$Tunnels")
    $null = Invoke-LoadGen $tunnel # warm-up: JIT tiers settle
    $runtime = Measure-Runtime $tunnel
    $calls = Invoke-Straced $tunnel (Join-Path $workDir 'strace-tunnel.txt')
    $n = [double]$runtime.Result.completed
    "## Per tunnel: CONNECT + GET /hello + close, $Concurrency clients, $n tunnels, 0 errors expected ($($runtime.Result.errors) seen)"
    ''
    Write-PerUnitTable 'tunnel' $n $runtime $calls @{ 'gen0 collections per 1,000 tunnels' = [math]::Round($runtime.Gen0 / $n * 1000, 2)
        'timers active mid-run, per in-flight tunnel' = [math]::Round($runtime.ActiveTimersMidRun / $Concurrency, 2) }
    # Idle: what a held, silent tunnel keeps, managed (live after a full collection) and in all (RSS).
    $process = [Diagnostics.Process]::GetCurrentProcess()
    $managedBefore = [GC]::GetTotalMemory($true); $process.Refresh(); $rssBefore = $process.WorkingSet64
    $idle = Start-LoadGen @('idle', '--proxy', "127.0.0.1:$port", '--target', $target, '--count', "$IdleTunnels")
    $opened = $idle.StandardOutput.ReadLine() | ConvertFrom-Json
    Start-Sleep -Seconds 1
    $process.Refresh(); $rssAfter = $process.WorkingSet64
    $managedAfter = [GC]::GetTotalMemory($true)
    $idle.StandardInput.WriteLine('stop'); $idle.WaitForExit(30000) | Out-Null
    ''
    "## Per idle tunnel: $($opened.opened) held ($($opened.errors) failed)"
    ''
    '| what | KiB per tunnel |'
    '|---|---:|'
    "| RSS growth | $([math]::Round(($rssAfter - $rssBefore) / 1KB / $opened.opened, 2)) |"
    "| managed heap, live after a full GC | $([math]::Round(($managedAfter - $managedBefore) / 1KB / $opened.opened, 2)) |"
    Set-NetDriftUpstream -Name tiny -Enabled $false
    Set-NetDriftUpstream -Name splice -Enabled $true
    $stream = @('throughput', '--proxy', "127.0.0.1:$port", '--target', $target, '--streams', '1', '--bytes', "$StreamBytes")
    $null = Invoke-LoadGen $stream
    $runtime = Measure-Runtime $stream
    $calls = Invoke-Straced $stream (Join-Path $workDir 'strace-stream.txt')
    $mib = $StreamBytes / 1MB
    ''
    "## Per MiB: one tunnel × $mib MiB from the origin ($([math]::Round($runtime.Result.megabytesPerSecond)) MB/s unstraced)"
    ''
    Write-PerUnitTable 'MiB' $mib $runtime $calls @{}
}
finally {
    if ($proxy) { $proxy | Stop-NetDriftProxy }
    foreach ($p in @($origin) + @(if ($tiny) { $tiny.Processes }) + @(if ($splice) { $splice.Processes })) { if ($p) { Stop-BenchProcess $p } }
}
