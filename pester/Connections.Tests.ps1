# Open connections (CONTRACT §10) with a real client: curl holds a CONNECT tunnel open (the origin
# delays its answer), Get-NetDriftConnection lists it with its user, target and upstream and the
# filters pick it or not, and `| Stop-NetDriftConnection` cuts it with a reset that curl reports as
# a failure; -WhatIf cuts nothing; an id that is not open is a ConnectionNotFound error.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    Import-NetDriftUnderTest
    Install-DebianPackage curl
    $origin = Start-TestOrigin
    $upstream = Start-FaultyProxy -Fault None -Name 'conns-up'
    $password = 'conns-S3cret'
    $users = 'alice', 'bob' | ForEach-Object { [pscredential]::new($_, (ConvertTo-SecureString $password -AsPlainText -Force)) }
    $proxy = Start-NetDriftProxy -Name 'conns' -Listen '127.0.0.1:0' -Upstream $upstream.Url -ClientCredential $users -LogLevel Warning
    $upstreamName = (Get-NetDriftUpstream -Proxy $proxy).Name
    $target = "127.0.0.1:$($origin.Port)"

    # curl through a CONNECT tunnel to an answer that takes 30 s: the tunnel stays open meanwhile.
    function Start-CurlTunnel([string] $User) {
        $psi = [Diagnostics.ProcessStartInfo]::new('curl')
        foreach ($a in @('-sS', '--noproxy', '', '--proxytunnel', '-x', "http://${User}:$password@127.0.0.1:$($proxy.Port)",
                '--max-time', '40', '-o', '/dev/null', "$($origin.LoopbackUrl)/delay/30000")) {
            $psi.ArgumentList.Add($a)
        }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardError = $true
        $psi.RedirectStandardOutput = $true
        $process = [Diagnostics.Process]::Start($psi)
        $null = Wait-Until { Get-NetDriftConnection -Proxy $proxy -User $User -Target $target | Where-Object Upstream } -Timeout 0:0:15
        $process
    }

    function Stop-Curl([Diagnostics.Process] $Process) {
        if (-not $Process.HasExited) { $Process.Kill() }
        $Process.WaitForExit()
        $Process.Dispose()
    }
}

AfterAll {
    $proxy | Stop-NetDriftProxy -DrainTimeout 0:0:1
    $upstream | Stop-FaultyProxy
    $origin | Stop-TestOrigin
}

Describe 'Get-NetDriftConnection' {
    BeforeAll { $curl = Start-CurlTunnel -User 'bob' }
    AfterAll { Stop-Curl $curl }

    It 'lists the open tunnel with the §10 properties' {
        $c = Get-NetDriftConnection -Proxy $proxy -User 'bob'
        @($c).Count | Should -Be 1
        $c.PSObject.TypeNames[0] | Should -Be 'NetDrift.ConnectionInfo'
        $c.Proxy | Should -Be 'conns'
        $c.Id | Should -BeGreaterThan 0
        $c.Client | Should -Match '^127\.0\.0\.1:\d+$'
        $c.Protocol | Should -Be 'Http'
        $c.Kind | Should -Be 'Tunnel'
        $c.Target | Should -Be $target
        $c.Upstream | Should -Be $upstreamName
        $c.StartedAt | Should -BeOfType [DateTimeOffset]
        $c.BytesSent | Should -BeGreaterThan 0 -Because 'curl sent its GET through the tunnel'
        $c.IdleFor | Should -BeOfType [TimeSpan]
    }

    It 'filters by user, upstream and target, with wildcards' {
        @(Get-NetDriftConnection -Proxy $proxy -User 'B*').Count | Should -Be 1
        @(Get-NetDriftConnection -Proxy $proxy -User 'alice').Count | Should -Be 0
        @(Get-NetDriftConnection -Proxy $proxy -Upstream '127.0.0.1:*' -Target "*:$($origin.Port)").Count | Should -Be 1
        @(Get-NetDriftConnection -Proxy $proxy -Upstream 'nope*').Count | Should -Be 0
        @(Get-NetDriftConnection -Proxy $proxy -Target 'example.com:*').Count | Should -Be 0
        @(Get-NetDriftProxy -Name 'conns' | Get-NetDriftConnection -User bob).Count | Should -Be 1
    }

    It 'shows a table view with the columns an operator scans' {
        $table = Get-NetDriftConnection -Proxy $proxy -User bob | Format-Table | Out-String -Width 200
        $table | Should -Match 'Id\s+Client\s+User\s+Kind\s+Target\s+Upstream\s+Age\s+Sent\s+Received\s+Idle'
        $table | Should -Match "bob\s+Tunnel\s+$([regex]::Escape($target))\s+$([regex]::Escape($upstreamName))"
    }

    It 'Watch-NetDriftStats -Connections renders the connection table below the upstreams' {
        # Watch writes to the host, not the pipeline: a child pwsh with its own proxy and tunnel, output redirected.
        $manifest = Join-Path (Split-Path $PSScriptRoot -Parent) 'out/NetDrift/NetDrift.psd1'
        $script = @"
`$PSStyle.OutputRendering = 'PlainText'
Import-Module '$manifest'
`$p = Start-NetDriftProxy -Name watched -Listen 127.0.0.1:0 -Upstream '$($upstream.Url)' -LogLevel None
`$client = [System.Net.Sockets.TcpClient]::new('127.0.0.1', `$p.Port)
`$stream = `$client.GetStream()
`$connect = [Text.Encoding]::ASCII.GetBytes("CONNECT $target HTTP/1.1``r``nHost: $target``r``n``r``n")
`$stream.Write(`$connect, 0, `$connect.Length)
`$null = `$stream.Read([byte[]]::new(512), 0, 512)
Watch-NetDriftStats -Proxy `$p -Connections -Interval 0:0:0.2 -Count 2
`$client.Dispose()
"@
        $out = & (Get-DotNetHost) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $script 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 0
        ([regex]::Matches($out, 'Open connections: 1')).Count | Should -Be 2 -Because "each refresh lists it; the output: $out"
        $out | Should -Match 'Id\s+Client\s+User\s+Kind\s+Target\s+Upstream\s+Age\s+Sent\s+Received\s+Idle'
        $out | Should -Match "127\.0\.0\.1:\d+\s+-\s+Tunnel\s+$([regex]::Escape($target))\s+$([regex]::Escape($upstreamName))"
    }
}

Describe 'Stop-NetDriftConnection' {
    It '-WhatIf cuts nothing' {
        $curl = Start-CurlTunnel -User 'alice'
        try {
            Get-NetDriftConnection -Proxy $proxy -User alice | Stop-NetDriftConnection -WhatIf
            Start-Sleep -Milliseconds 300
            @(Get-NetDriftConnection -Proxy $proxy -User alice).Count | Should -Be 1
            $curl.HasExited | Should -BeFalse
        }
        finally { Stop-Curl $curl }
    }

    It 'cuts a tunnel from the pipeline with a reset that curl reports as a failure' {
        $curl = Start-CurlTunnel -User 'bob'
        try {
            Get-NetDriftConnection -Proxy $proxy -User bob | Stop-NetDriftConnection -Confirm:$false
            $curl.WaitForExit(15000) | Should -BeTrue -Because 'the cut ends the transfer at once'
            $stderr = $curl.StandardError.ReadToEnd()
            # 56: failure receiving network data (the reset); a clean close before the answer would be 52.
            $curl.ExitCode | Should -Be 56 -Because "curl said: $stderr"
            $stderr | Should -Match 'reset' -Because 'a cut is a TCP reset, not an ordinary end'
            Wait-Until { @(Get-NetDriftConnection -Proxy $proxy -User bob).Count -eq 0 } -Timeout 0:0:5
        }
        finally { Stop-Curl $curl }
    }

    It 'writes ConnectionNotFound for an id that is not open, and cuts the others' {
        $curl = Start-CurlTunnel -User 'alice'
        try {
            $id = (Get-NetDriftConnection -Proxy $proxy -User alice).Id
            Stop-NetDriftConnection -Proxy 'conns' -Id 987654, $id -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable problems
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'ConnectionNotFound*'
            $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $problems[0].TargetObject | Should -Be 987654
            $curl.WaitForExit(15000) | Should -BeTrue
        }
        finally { Stop-Curl $curl }
    }
}
