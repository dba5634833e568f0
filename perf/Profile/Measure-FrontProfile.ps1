<#
.SYNOPSIS
    One front under the bench's tunnel load, sampled with perf or counted with strace: the
    side-by-side profile of NetDrift and HAProxy in docs/PERFORMANCE.md.
.DESCRIPTION
    Starts the bench's rig (tests/NetDrift.TestOrigin, the LoadGen's banner target, three Debian
    tinyproxy upstreams) and one contender as build.ps1 Bench starts it (NetDrift as
    deploy/netdrift.service launches it), runs `NetDrift.LoadGen tunnel` (32 clients) for
    -Seconds, and after 3 s attaches to the front for the rest of the run:
      -Tool perf    perf record -F 1999 -g into -Out; NetDrift gets DOTNET_PerfMapEnabled=1 and
                    DOTNET_EnableWriteXorExecute=0 so its JIT-compiled frames have names
                    (perf report -i <Out> --no-children --sort dso,sym).
      -Tool strace  strace -c on the front's threads into -Out (call counts; divide by the tunnels).
    Prints the LoadGen's JSON line (tunnels, front CPU) so the profile can be put per tunnel.
.EXAMPLE
    dotnet pwsh ./build.ps1 Build
    dotnet publish perf/NetDrift.LoadGen -c Release -o out/loadgen
    dotnet publish tests/NetDrift.TestOrigin -c Release -o out/test-origin
    dotnet pwsh -NoProfile -File perf/Profile/Measure-FrontProfile.ps1 -Contender netdrift -Tool perf -Out /tmp/netdrift.perf
    dotnet pwsh -NoProfile -File perf/Profile/Measure-FrontProfile.ps1 -Contender haproxy -Tool perf -Out /tmp/haproxy.perf
#>
param(
    [ValidateSet('netdrift', 'haproxy')] [string] $Contender = 'netdrift',
    [ValidateSet('perf', 'strace')] [string] $Tool = 'perf',
    [Parameter(Mandatory)] [string] $Out,
    [ValidateSet('get', 'banner')] [string] $Exchange = 'get',
    [ValidateRange(5, 60)] [int] $Seconds = 14,
    [string] $ModuleManifest = 'out/NetDrift/NetDrift.psd1',
    [string] $LoadGen = 'out/loadgen/NetDrift.LoadGen.dll',
    [string] $TestOrigin = 'out/test-origin/NetDrift.TestOrigin.dll'
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$repoRoot = Split-Path (Split-Path $PSScriptRoot -Parent) -Parent
Import-Module (Join-Path $repoRoot 'pester/_TestHelpers.psm1')
Import-Module (Join-Path $repoRoot 'perf/Bench/BenchProcesses.psm1')
Import-Module (Join-Path $repoRoot 'perf/Bench/BenchContenders.psm1')
Import-Module (Join-Path $repoRoot 'perf/Bench/BenchUpstreams.psm1')
Install-DebianPackage tinyproxy
Install-DebianPackage haproxy
Install-DebianPackage strace
Install-DebianPackage linux-perf perf
$dotnet = (Get-Command dotnet).Source
$LoadGen = (Resolve-Path $LoadGen).Path
$workDir = Join-Path ([IO.Path]::GetTempPath()) "netdrift-front-profile-$PID"
$modules = New-ModuleFolder $ModuleManifest (Join-Path $workDir 'modules')

$origin = Start-BenchProcess -FilePath $dotnet -ArgumentList @((Resolve-Path $TestOrigin).Path, '--port', '0') -LogPath (Join-Path $workDir 'origin.log')
$banner = Start-BenchProcess -FilePath $dotnet -ArgumentList @($LoadGen, 'banner') -LogPath (Join-Path $workDir 'banner.log')
$upstreams = $null
$front = $null
try {
    $originPort = Read-ListeningPort $origin -What 'the origin'
    $bannerPort = Read-ListeningPort $banner -What 'the banner target'
    $upstreams = Start-BenchUpstreams -Kind tinyproxy -WorkDir $workDir -LoadGen $LoadGen -MaxClients 3000
    # The netdrift contender as a variant of itself, for the perf map settings.
    $name = if ($Contender -eq 'netdrift' -and $Tool -eq 'perf') { 'netdrift-perfmap' } else { $Contender }
    $setup = @{
        WorkDir = $workDir; ModuleDir = $modules; GoNetDrift = $null; UnitPath = (Join-Path $repoRoot 'deploy/netdrift.service')
        ClientUser = 'bench'; ClientPassword = 'client-secret-1'; MaxConnections = 5000; FileLimit = 20000
        Variants = @{ 'netdrift-perfmap' = @{ ModuleDir = $modules; Environment = @{ DOTNET_PerfMapEnabled = '1'; DOTNET_EnableWriteXorExecute = '0' } } }
    }
    $front = Start-Contender -Name $name -Setup $setup -Upstreams $upstreams
    $target = if ($Exchange -eq 'banner') { "127.0.0.1:$bannerPort" } else { "127.0.0.1:$originPort" }
    $load = Start-BenchProcess -FilePath $dotnet -LogPath (Join-Path $workDir 'loadgen.log') -ArgumentList @($LoadGen, 'tunnel',
        '--proxy', "127.0.0.1:$($front.Port)", '--target', $target, '--exchange', $Exchange, '--concurrency', '32',
        '--duration', "$Seconds", '--warmup', '2', '--cpu-pids', "$($front.Process.Id)")
    Start-Sleep -Seconds 3
    $attached = $Seconds - 3
    if ($Tool -eq 'perf') {
        & perf record -F 1999 -g -o $Out -p $front.Process.Id -- sleep $attached 2>&1 | Select-Object -Last 1 | Write-Host
    }
    else {
        $threads = (Get-ChildItem "/proc/$($front.Process.Id)/task").Name -join ','
        & timeout -s INT $attached strace -c -p $threads -o $Out 2>&1 | Out-Null
    }
    $report = Read-BenchLine $load '^\{' -What 'the load generator' -Seconds ($Seconds + 30)
    Write-Host "front pid $($front.Process.Id), attached $attached s of the run; $Out"
    $report
}
finally {
    if ($front) { Stop-Contender $front }
    Stop-BenchUpstreams $upstreams
    Stop-BenchProcess $origin
    Stop-BenchProcess $banner
}
