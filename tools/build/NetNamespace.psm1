# The private network namespace Pester runs in: only lo, up, and an /etc/hosts of its own where
# the test host names are 127.0.0.1 (HttpClient sends nothing for a loopback address through a
# proxy, so suites address the origin by name). It has no route out.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$TestHostNames = @('origin.netdrift.test', 'origin2.netdrift.test')

# Why the namespace cannot be made here ('' when it can): root on Linux with unshare, ip, mount.
function Test-NetNamespaceSupport {
    if ($env:NETDRIFT_TEST_NO_NETNS -eq '1') { return 'NETDRIFT_TEST_NO_NETNS=1' }
    if (-not $IsLinux) { return 'not Linux' }
    foreach ($tool in 'unshare', 'ip', 'mount') {
        if (-not (Get-Command $tool -CommandType Application -ErrorAction Ignore)) { return "$tool is not installed" }
    }
    $probe = & unshare --net --mount sh -c 'ip link set lo up' 2>&1
    if ($LASTEXITCODE -ne 0) { return "unshare failed: $probe" }
    ''
}

# Points $StartInfo at `unshare` so that it runs FilePath Arguments inside the namespace; the
# hosts file it mounts is written into $WorkFolder.
function Set-NetNamespaceLaunch {
    param(
        [Parameter(Mandatory)] [Diagnostics.ProcessStartInfo] $StartInfo,
        [Parameter(Mandatory)] [string] $FilePath,
        [string[]] $Arguments = @(),
        [Parameter(Mandatory)] [string] $WorkFolder
    )
    $hosts = Join-Path $WorkFolder 'hosts'
    $lines = @(Get-Content -LiteralPath '/etc/hosts') + "127.0.0.1 $($TestHostNames -join ' ')"
    Set-Content -LiteralPath $hosts -Value $lines -Encoding utf8NoBOM
    Write-Host "Network namespace: lo only; $($TestHostNames -join ', ') -> 127.0.0.1"
    $StartInfo.FileName = 'unshare'
    $setup = 'ip link set lo up && mount --bind "$0" /etc/hosts && exec "$@"'
    foreach ($a in @('--net', '--mount', '--', 'sh', '-c', $setup, $hosts, $FilePath) + $Arguments) { $StartInfo.ArgumentList.Add($a) }
}

Export-ModuleMember -Function Test-NetNamespaceSupport, Set-NetNamespaceLaunch
