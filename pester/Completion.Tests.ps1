# Tab completion from the running session, through TabExpansion2 as the console calls it: proxy
# names for -Name and -Proxy, upstream names for -Upstream and the upstream cmdlets' -Name (of the
# proxy -Proxy names, else of every proxy), faulty proxy names, and enum values.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    $null = Import-NetDriftUnderTest

    $upstreams = 1..3 | ForEach-Object { Start-FaultyProxy -Name "tab-up$_" }
    $null = Start-FaultyProxy -Name 'tab other faulty'
    $alpha = Start-NetDriftProxy -Name 'tab-alpha' -Listen 127.0.0.1:0 -Upstream $upstreams[0].Url -LogLevel None
    $null = Add-NetDriftUpstream -Proxy 'tab-alpha' -Url $upstreams[1].Url -Name 'alpha-eu'
    $beta = Start-NetDriftProxy -Name 'tab beta pool' -Listen 127.0.0.1:0 -Upstream $upstreams[2].Url -LogLevel None
    $null = Add-NetDriftUpstream -Proxy 'tab beta pool' -Url $upstreams[1].Url -Name 'beta-us'

    # The completion texts for the cursor at the end of the line.
    function Complete([string] $Line) {
        @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches | ForEach-Object CompletionText)
    }
}

AfterAll {
    Get-NetDriftProxy -Name 'tab*' | Stop-NetDriftProxy -DrainTimeout 0:0:1
    Stop-FaultyProxy -Name 'tab*'
}

Describe 'Proxy names' {
    It 'completes <Line>' -ForEach @(
        @{ Line = 'Get-NetDriftProxy -Name tab' }
        @{ Line = 'Stop-NetDriftProxy -Name tab' }
        @{ Line = 'Get-NetDriftStats -Proxy tab' }
        @{ Line = 'Reset-NetDriftStats -Proxy tab' }
        @{ Line = 'Get-NetDriftUpstream -Proxy tab' }
        @{ Line = 'Add-NetDriftUpstream -Url http://127.0.0.1:9 -Proxy tab' }
        @{ Line = 'Set-NetDriftUpstream -Name x -Proxy tab' }
        @{ Line = 'Remove-NetDriftUpstream -Name x -Proxy tab' }
        @{ Line = 'Update-NetDriftConfig -Proxy tab' }
        @{ Line = 'Watch-NetDriftStats -Proxy tab' }
    ) {
        Complete $Line | Should -Be @("'tab beta pool'", 'tab-alpha')
    }

    It 'quotes a name with spaces and keeps the quote the user started' {
        Complete 'Get-NetDriftProxy -Name tab-' | Should -Be @('tab-alpha')
        Complete "Get-NetDriftProxy -Name 'tab b" | Should -Be @("'tab beta pool'")
        Complete 'Get-NetDriftProxy -Name "tab b' | Should -Be @('"tab beta pool"')
    }

    It 'offers nothing that does not match' {
        Complete 'Get-NetDriftProxy -Name zzz' | Should -BeNullOrEmpty
    }

    It 'Test-NetDriftTunnel -Proxy offers NetDrift and faulty proxies' {
        $offered = Complete 'Test-NetDriftTunnel -Target 127.0.0.1:9 -Proxy tab'
        $offered | Should -Contain 'tab-alpha'
        $offered | Should -Contain 'tab-up1'
        $offered | Should -Contain "'tab other faulty'"
    }

    It 'a completed name works as -Proxy of Test-NetDriftTunnel' {
        (Test-NetDriftTunnel -Proxy 'tab-alpha' -Target $alpha.Listen).Status | Should -Be 200
        (Test-NetDriftTunnel -Proxy 'tab-up1' -Target $alpha.Listen).Status | Should -Be 200
    }
}

Describe 'Upstream names' {
    It 'completes the upstreams of the proxy named by -Proxy' {
        Complete "Get-NetDriftUpstream -Proxy tab-alpha -Name " | Should -Be @("127.0.0.1:$($upstreams[0].Port)", 'alpha-eu')
        Complete "Set-NetDriftUpstream -Proxy 'tab beta pool' -Name " | Should -Be @("127.0.0.1:$($upstreams[2].Port)", 'beta-us')
        Complete "Remove-NetDriftUpstream -Proxy tab-alpha -Name al" | Should -Be @('alpha-eu')
        Complete "Get-NetDriftStats -Proxy tab-alpha -Upstream al" | Should -Be @('alpha-eu')
    }

    It 'completes the upstreams of every proxy when -Proxy is not given yet' {
        $offered = Complete 'Set-NetDriftUpstream -Name '
        $offered | Should -Contain 'alpha-eu'
        $offered | Should -Contain 'beta-us'
        Complete 'Get-NetDriftStats -Upstream beta' | Should -Be @('beta-us')
    }

    It 'completes after -Proxy was given a ProxyInfo in a variable' {
        $global:tabAlpha = $alpha
        Complete 'Get-NetDriftUpstream -Proxy $tabAlpha -Name a' | Should -Be @('alpha-eu')
    }
}

Describe 'Faulty proxy names' {
    It 'completes <Line>' -ForEach @(
        @{ Line = 'Get-FaultyProxy -Name tab-up' }
        @{ Line = 'Set-FaultyProxy -Name tab-up' }
        @{ Line = 'Stop-FaultyProxy -Name tab-up' }
    ) {
        Complete $Line | Should -Be @('tab-up1', 'tab-up2', 'tab-up3')
    }

    It 'quotes a name with spaces' {
        Complete 'Stop-FaultyProxy -Name tab-o' | Should -BeNullOrEmpty
        Complete 'Stop-FaultyProxy -Name tab' | Should -Contain "'tab other faulty'"
    }
}

Describe 'Enums and fixed values' {
    It 'completes -Fault with the fault types' {
        Complete 'Start-FaultyProxy -Fault Ti' | Should -Be @('Timeout')
        Complete 'Set-FaultyProxy -Name x -Fault Bad' | Should -Be @('BadGateway')
    }

    It 'completes -Window and -LoadBalancing' {
        Complete 'Get-NetDriftStats -Window R' | Should -Be @('Recent')
        Complete 'Start-NetDriftProxy -LoadBalancing least' | Should -Be @('least-connections', 'least-latency')
    }
}
