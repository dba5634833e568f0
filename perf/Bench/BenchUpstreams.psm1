# The upstream proxies every front of the benchmark forwards to: three processes of one kind,
# the same three for every front in a case, so no front gets cheaper or dearer upstreams.
#   tinyproxy  Debian's tinyproxy (C, a thread per connection, no auth): the rate and idle cases.
#              It costs about half the CPU per tunnel of our C# upstream, so it leaves the front
#              more of the machine; but it copies through a small buffer and tops out far below
#              the fronts' stream rates (~120 MB/s against ~420 MB/s for one stream here).
#   netdrift   NetDrift.LoadGen upstreams (the engine's FaultyProxy, no fault, splice): the stream
#              cases, where tinyproxy would be the bottleneck.
#   netdrift-https  the same inside TLS (--protocol https), each with its own CA file: the
#              netdrift-https contender's own upstreams.
# Every case's report shows the rig's CPU next to the front's, and the direct row the rig's ceiling.
Set-StrictMode -Version Latest
Import-Module (Join-Path $PSScriptRoot 'BenchProcesses.psm1')
Import-Module (Join-Path $PSScriptRoot 'BenchContenders.psm1')

function Start-BenchUpstreams {
    <#
    .SYNOPSIS
        Starts three upstreams of a kind; returns @{ Kind; Ports; Cas; Processes; User; Password }
        (User/Password null when the upstreams take no auth; Cas the PEM files of netdrift-https ones).
    #>
    param(
        [Parameter(Mandatory)] [ValidateSet('tinyproxy', 'netdrift', 'netdrift-https')] [string] $Kind,
        [Parameter(Mandatory)] [string] $WorkDir,
        [Parameter(Mandatory)] [string] $LoadGen,
        [Parameter(Mandatory)] [int] $MaxClients,
        [int] $Count = 3
    )
    $dotnet = (Get-Command dotnet).Source
    $processes = @()
    $ports = @()
    $cas = @()
    foreach ($i in 1..$Count) {
        if ($Kind -eq 'tinyproxy') {
            $port = Get-FreePort
            $config = Join-Path $WorkDir "tinyproxy$i.conf"
            # No ConnectPort line: CONNECT to any port (the origin's). No logging on the path.
            Set-Content -LiteralPath $config -Value @(
                'User nobody', 'Group nogroup', "Port $port", 'Listen 127.0.0.1', 'Timeout 600',
                "MaxClients $MaxClients", 'LogLevel Critical', 'DisableViaHeader Yes')
            $process = Start-BenchProcess -FilePath (Get-Command tinyproxy).Source -ArgumentList @('-d', '-c', $config) `
                -LogPath (Join-Path $WorkDir "tinyproxy$i.log") -DrainOutput -WorkingDirectory $WorkDir
            Wait-PortOpen $port 'tinyproxy'
            $processes += $process
            $ports += $port
        }
        else {
            $tls = $Kind -eq 'netdrift-https'
            $process = Start-BenchProcess -FilePath $dotnet -LogPath (Join-Path $WorkDir "$Kind-upstream$i.log") -ArgumentList (@(
                $LoadGen, 'upstreams', '--count', '1') + $(if ($tls) { @('--protocol', 'https') } else { @() }))
            # "LISTENING <port>", and for TLS " CA <pem>".
            $words = (Read-BenchLine $process $(if ($tls) { '^LISTENING \d+ CA ' } else { '^LISTENING \d+' }) -What 'an upstream') -split ' '
            $ports += [int]$words[1]
            if ($tls) { $cas += $words[3] }
            $processes += $process
        }
    }
    @{ Kind = $Kind; Ports = $ports; Cas = $cas; Processes = $processes; User = $null; Password = $null }
}

function Stop-BenchUpstreams([hashtable] $Upstreams) {
    if ($Upstreams) { foreach ($p in $Upstreams.Processes) { Stop-BenchProcess $p } }
}

Export-ModuleMember -Function Start-BenchUpstreams, Stop-BenchUpstreams
