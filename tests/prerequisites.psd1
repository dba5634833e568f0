# The Debian packages the test suites (and the perf and fuzz scripts) need, in one place.
# `build.ps1 Test` installs the packages of the suites it runs before it enters the test network
# namespace, which has no route out; in the suite, Install-DebianPackage is then a quick check.
# pester/Prerequisites.Tests.ps1 fails when this list and the Install-DebianPackage calls differ.
#
#   Name      the Debian package
#   Commands  the commands that prove it is installed (default: the package name)
#   Library   $true for a package without a command (dpkg's record proves it instead)
#   UsedBy    the repository-relative files that call Install-DebianPackage for it
@{
    DebianPackages = @(
        @{
            Name   = 'curl'
            UsedBy = @('pester/AccessLog.Tests.ps1', 'pester/Connections.Tests.ps1', 'pester/DrainBehindBalancer.Tests.ps1', 'pester/Metrics.Tests.ps1', 'pester/NetDriftProxy.Tests.ps1',
                'pester/PlainHttp.Tests.ps1', 'pester/ScaleOut.Tests.ps1', 'pester/Sessions.Tests.ps1', 'pester/Socks5.Tests.ps1', 'pester/Stats.Tests.ps1', 'pester/TestOrigin.Tests.ps1', 'pester/Tls.Tests.ps1')
        }
        @{ Name = 'wget'; UsedBy = @('pester/RealClients.Tests.ps1') }
        @{ Name = 'goaccess'; UsedBy = @('pester/AccessLog.Tests.ps1') }
        @{ Name = 'microsocks'; UsedBy = @('pester/Socks5.Tests.ps1') }
        @{ Name = 'python3-requests'; Library = $true; UsedBy = @('pester/RealClients.Tests.ps1') }
        @{ Name = 'apache2-utils'; Commands = @('ab', 'htpasswd'); UsedBy = @('pester/PlainHttp.Tests.ps1', 'perf/Bench/Invoke-ProxyBench.ps1') }
        @{ Name = 'prometheus'; Commands = @('promtool'); UsedBy = @('pester/Deploy.Tests.ps1', 'pester/Metrics.Tests.ps1') }
        @{ Name = 'chromium'; UsedBy = @('pester/StatsPage.Tests.ps1') }
        @{ Name = 'tmux'; UsedBy = @('pester/Watch.Tests.ps1') }
        @{ Name = 'util-linux'; Commands = @('prlimit'); UsedBy = @('pester/Lifecycle.Tests.ps1') }
        @{ Name = 'stunnel4'; UsedBy = @('pester/Tls.Tests.ps1') }
        @{ Name = 'haproxy'; UsedBy = @('perf/Bench/Invoke-ProxyBench.ps1', 'perf/Profile/Measure-FrontProfile.ps1', 'pester/Deploy.Tests.ps1', 'pester/ProxyProtocol.Tests.ps1', 'pester/ScaleOut.Tests.ps1') }
        @{ Name = 'systemd'; Commands = @('systemd-analyze'); UsedBy = @('pester/Deploy.Tests.ps1') }
        # Bench and Fuzz run with the network: their scripts install these themselves.
        @{ Name = 'squid'; UsedBy = @('perf/Bench/Invoke-ProxyBench.ps1') }
        @{ Name = 'tinyproxy'; UsedBy = @('perf/Bench/Invoke-ProxyBench.ps1', 'perf/Profile/Measure-FrontProfile.ps1', 'perf/Profile/Measure-TunnelProfile.ps1', 'pester/Tls.Tests.ps1') }
        @{ Name = 'strace'; UsedBy = @('perf/Profile/Measure-FrontProfile.ps1', 'perf/Profile/Measure-TunnelProfile.ps1') }
        @{ Name = 'linux-perf'; Commands = @('perf'); UsedBy = @('perf/Profile/Measure-FrontProfile.ps1') }
        @{ Name = 'afl++'; Commands = @('afl-fuzz'); UsedBy = @('tests/NetDrift.Fuzz/Invoke-Fuzz.ps1') }
    )
}
