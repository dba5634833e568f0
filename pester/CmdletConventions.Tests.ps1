# The conventions every NetDrift cmdlet keeps (STYLE.md 6-7): [OutputType] on each, -WhatIf and
# -Confirm on everything that changes state (and -WhatIf really changing nothing), objects that
# bind down the pipeline by property name, and errors with a stable id, a fitting category and
# the offending object as target.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    $null = Import-NetDriftUnderTest
    $commandCases = @(Get-Command -Module NetDrift -CommandType Cmdlet | Sort-Object Name | ForEach-Object { @{ Name = $_.Name; Verb = $_.Verb } })
    $changingCases = @($commandCases | Where-Object { $_.Verb -in 'Stop', 'Remove', 'Set', 'Reset', 'Update', 'Add' })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    $null = Import-NetDriftUnderTest
    $assembly = (Get-Command -Name Get-NetDriftProxy).ImplementingType.Assembly
    $errorIds = @($assembly.GetType('NetDrift.PowerShell.Commands.ErrorIds', $true).GetFields() | ForEach-Object { $_.GetValue($null) })
    $request = "GET /healthz HTTP/1.1`nHost: localhost`nConnection: close`n`n"

    $upstreams = 1..3 | ForEach-Object { Start-FaultyProxy -Name "conv-up$_" }
    $config = Join-Path $TestDrive 'conv.json'
    @{ upstream_proxies = @(@{ url = $upstreams[0].Url; name = 'one'; tag = 'a' }, @{ url = $upstreams[1].Url; name = 'two'; tag = 'b' }); logging = @{ level = 'None' } } |
        ConvertTo-Json -Depth 4 | Set-Content -Path $config
    $proxy = Start-NetDriftProxy -Name 'conv' -Config $config -Listen 127.0.0.1:0
    $other = Start-NetDriftProxy -Name 'conv-other' -Listen 127.0.0.1:0 -Upstream $upstreams[2].Url -LogLevel None
    $null = Test-NetDriftTunnel -Proxy $proxy -Target $proxy.Listen -Count 4 -Send $request

    function Get-Failure([scriptblock] $Action) {
        try { & $Action; $null }
        catch { $_ }
    }
}

AfterAll {
    Get-NetDriftProxy -Name 'conv*' | Stop-NetDriftProxy -DrainTimeout 0:0:1
    Stop-FaultyProxy -Name 'conv-*'
}

Describe '<Name> declares' -ForEach $commandCases {
    It '[OutputType]' {
        $attributes = (Get-Command $Name).ImplementingType.GetCustomAttributes([Management.Automation.OutputTypeAttribute], $false)
        @($attributes).Count | Should -BeGreaterThan 0 -Because "$Name should say what it writes, [OutputType(typeof(void))] when nothing"
    }

    It 'a sealed cmdlet class named after it' {
        $type = (Get-Command $Name).ImplementingType
        $type.IsSealed | Should -BeTrue
        $type.Name | Should -Be (($Name -replace '-', '') + 'Command')
    }
}

Describe '<Name> changes state, so' -ForEach $changingCases {
    It 'supports -WhatIf and -Confirm' {
        $attribute = (Get-Command $Name).ImplementingType.GetCustomAttributes([Management.Automation.CmdletAttribute], $false)[0]
        $attribute.SupportsShouldProcess | Should -BeTrue
        (Get-Command $Name).Parameters.Keys | Should -Contain 'WhatIf'
        (Get-Command $Name).Parameters.Keys | Should -Contain 'Confirm'
    }
}

Describe '-WhatIf changes nothing' {
    It 'Stop-NetDriftProxy -WhatIf leaves the proxy running' {
        Stop-NetDriftProxy -Name 'conv' -WhatIf
        (Get-NetDriftProxy -Name 'conv').State | Should -Be 'Running'
    }

    It 'Stop-FaultyProxy -WhatIf leaves it running' {
        Stop-FaultyProxy -Name 'conv-up3' -WhatIf
        (Get-FaultyProxy -Name 'conv-up3').IsRunning | Should -BeTrue
    }

    It 'Add-, Set- and Remove-NetDriftUpstream -WhatIf leave the pool as it was' {
        Add-NetDriftUpstream -Proxy 'conv' -Url $upstreams[2].Url -Name 'three' -WhatIf
        Set-NetDriftUpstream -Proxy 'conv' -Name 'one' -Weight 7 -Enabled $false -WhatIf
        Remove-NetDriftUpstream -Proxy 'conv' -Name 'two' -WhatIf
        $pool = Get-NetDriftUpstream -Proxy 'conv'
        $pool.Name | Should -Be @('one', 'two')
        ($pool | Where-Object Name -eq 'one').Weight | Should -Be 1
        ($pool | Where-Object Name -eq 'one').Enabled | Should -BeTrue
        ($pool | Where-Object Name -eq 'two').State | Should -Be 'Active'
    }

    It 'Set-FaultyProxy -WhatIf keeps its fault' {
        Set-FaultyProxy -Name 'conv-up1' -Fault Reset -WhatIf
        (Get-FaultyProxy -Name 'conv-up1').Fault | Should -Be 'None'
    }

    It 'Reset-NetDriftStats -WhatIf keeps the counts' {
        Reset-NetDriftStats -Proxy 'conv' -WhatIf
        (Get-NetDriftStats -Proxy 'conv' | Measure-Object Requests -Sum).Sum | Should -Be 4
    }

    It 'Update-NetDriftConfig -WhatIf applies nothing' {
        @{ upstream_proxies = @(@{ url = $upstreams[0].Url; name = 'one'; tag = 'a'; weight = 9 }); logging = @{ level = 'None' } } |
            ConvertTo-Json -Depth 4 | Set-Content -Path (Join-Path $TestDrive 'conv-next.json')
        $changes = Update-NetDriftConfig -Proxy 'conv' -Path (Join-Path $TestDrive 'conv-next.json') -WhatIf
        $changes | Should -BeNullOrEmpty
        (Get-NetDriftUpstream -Proxy 'conv').Name | Should -Be @('one', 'two')
    }
}

Describe 'Pipeline binding' {
    It 'every object parameter set has a name parameter set that binds by property name' {
        foreach ($command in Get-Command -Module NetDrift -CommandType Cmdlet) {
            if (-not $command.Parameters.ContainsKey('InputObject')) { continue }
            $inputObject = $command.Parameters['InputObject']
            [bool]($inputObject.ParameterSets.Values | Where-Object ValueFromPipeline) | Should -BeTrue -Because "$($command.Name) -InputObject takes the pipeline"
            $command.Parameters['Name'].ParameterSets.Values.ValueFromPipelineByPropertyName | Should -Contain $true -Because "$($command.Name) -Name binds by property name"
        }
    }

    It 'every -Proxy parameter takes objects down the pipeline' {
        foreach ($command in Get-Command -Module NetDrift -CommandType Cmdlet | Where-Object { $_.Parameters.ContainsKey('Proxy') }) {
            $sets = $command.Parameters['Proxy'].ParameterSets.Values
            [bool]($sets | Where-Object { $_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName }) | Should -BeTrue -Because "$($command.Name) -Proxy"
        }
    }

    It 'Get-NetDriftProxy | Get-NetDriftStats / Get-NetDriftUpstream / Reset-NetDriftStats' {
        (Get-NetDriftProxy -Name 'conv' | Get-NetDriftStats).Upstream | Should -Be @('one', 'two')
        (Get-NetDriftProxy -Name 'conv' | Get-NetDriftUpstream).Name | Should -Be @('one', 'two')
        Get-NetDriftProxy -Name 'conv-other' | Reset-NetDriftStats
        (Get-NetDriftStats -Proxy 'conv-other').Requests | Should -Be 0
    }

    It 'Get-NetDriftUpstream | Where Tag -eq b | Set-NetDriftUpstream -Enabled $false' {
        $changed = Get-NetDriftUpstream -Proxy 'conv' | Where-Object Tag -eq 'b' | Set-NetDriftUpstream -Enabled $false -PassThru
        $changed.Name | Should -Be 'two'
        (Get-NetDriftUpstream -Proxy 'conv' -Name 'two').Enabled | Should -BeFalse
        Set-NetDriftUpstream -Proxy 'conv' -Name 'two' -Enabled $true
    }

    It 'Get-NetDriftStats | Where Upstream -eq one | Set-NetDriftUpstream -Weight 3 (Upstream and Proxy by property name)' {
        $changed = Get-NetDriftStats -Proxy 'conv' | Where-Object Upstream -eq 'one' | Set-NetDriftUpstream -Weight 3 -PassThru
        $changed.Weight | Should -Be 3
        $changed.Proxy | Should -Be 'conv'
        Set-NetDriftUpstream -Proxy 'conv' -Name 'one' -Weight 1
    }

    It 'rows with Url, Name and Tag | Add-NetDriftUpstream, then | Remove-NetDriftUpstream' {
        [pscustomobject]@{ Url = $upstreams[2].Url; Name = 'piped'; Tag = 'p'; Weight = 2 } | Add-NetDriftUpstream -Proxy 'conv' | Out-Null
        (Get-NetDriftUpstream -Proxy 'conv' -Name 'piped').Weight | Should -Be 2
        Get-NetDriftUpstream -Proxy 'conv' -Tag 'p' | Remove-NetDriftUpstream
        (Get-NetDriftUpstream -Proxy 'conv').Name | Should -Not -Contain 'piped'
    }

    It 'Get-FaultyProxy | Set-FaultyProxy, and FaultyProxyInfo | Test-NetDriftTunnel' {
        (Get-FaultyProxy -Name 'conv-up3' | Set-FaultyProxy -Latency 0:0:0.01 -PassThru).Latency | Should -Be ([TimeSpan]::FromMilliseconds(10))
        (Get-FaultyProxy -Name 'conv-up3' | Test-NetDriftTunnel -Target $proxy.Listen).Status | Should -Be 200
        (Get-NetDriftProxy -Name 'conv' | Test-NetDriftTunnel -Target $proxy.Listen).Status | Should -Be 200
    }

    It 'file objects | Test-NetDriftConfig (by FullName)' {
        Get-Item -LiteralPath $config | Test-NetDriftConfig | Should -BeTrue
    }

    It 'ProxyInfo | Stop-NetDriftProxy and FaultyProxyInfo | Stop-FaultyProxy (the object sets)' {
        $spare = Start-FaultyProxy -Name 'conv-spare'
        $temporary = Start-NetDriftProxy -Name 'conv-temporary' -Listen 127.0.0.1:0 -Upstream $spare.Url -LogLevel None
        $temporary | Stop-NetDriftProxy
        $temporary.State | Should -Be 'Stopped'
        $spare | Stop-FaultyProxy
        $spare.IsRunning | Should -BeFalse
    }
}

Describe 'Error records' {
    It '<Id>: <Because>' -ForEach @(
        @{ Id = 'ProxyNotFound'; Category = 'ObjectNotFound'; Target = 'nope'; Because = 'Get-NetDriftStats -Proxy nope'
            Action = { Get-NetDriftStats -Proxy 'nope' -ErrorAction Stop } }
        @{ Id = 'ProxyNotFound'; Category = 'ObjectNotFound'; Target = 'nope'; Because = 'Get-NetDriftProxy -Name nope'
            Action = { Get-NetDriftProxy -Name 'nope' -ErrorAction Stop } }
        @{ Id = 'ProxyAmbiguous'; Category = 'InvalidArgument'; Target = $null; Because = 'several proxies and no -Proxy'
            Action = { Get-NetDriftUpstream -ErrorAction Stop } }
        @{ Id = 'ProxyNameTaken'; Category = 'ResourceExists'; Target = 'conv'; Because = 'a second proxy named conv'
            Action = { Start-NetDriftProxy -Name 'conv' -Listen 127.0.0.1:0 -Upstream 'http://127.0.0.1:9' -ErrorAction Stop } }
        @{ Id = 'ListenFailed'; Category = 'ResourceUnavailable'; Target = '<listen>'; Because = 'an address in use'
            Action = { Start-NetDriftProxy -Name 'conv-clash' -Listen $proxy.Listen -Upstream 'http://127.0.0.1:9' -ErrorAction Stop } }
        @{ Id = 'ConfigNotFound'; Category = 'ObjectNotFound'; Target = '<missing>'; Because = 'a config file that does not exist'
            Action = { Start-NetDriftProxy -Config (Join-Path $TestDrive 'missing.json') -ErrorAction Stop } }
        @{ Id = 'InvalidConfig'; Category = 'InvalidData'; Target = '<bad>'; Because = 'a config file with a negative weight'
            Action = {
                Set-Content -Path (Join-Path $TestDrive 'bad.json') -Value '{ "upstream_proxies": [ { "url": "http://127.0.0.1:9", "weight": -1 } ] }'
                Start-NetDriftProxy -Config (Join-Path $TestDrive 'bad.json') -Listen 127.0.0.1:0 -ErrorAction Stop
            } }
        @{ Id = 'UpstreamNotFound'; Category = 'ObjectNotFound'; Target = 'nope'; Because = 'Remove-NetDriftUpstream -Name nope'
            Action = { Remove-NetDriftUpstream -Proxy 'conv' -Name 'nope' -ErrorAction Stop } }
        @{ Id = 'UpstreamExists'; Category = 'ResourceExists'; Target = 'one'; Because = 'Add-NetDriftUpstream with a name the pool has'
            Action = { Add-NetDriftUpstream -Proxy 'conv' -Url 'http://127.0.0.1:9' -Name 'one' -ErrorAction Stop } }
        @{ Id = 'InvalidUpstream'; Category = 'InvalidArgument'; Target = 'ftp://127.0.0.1:9'; Because = 'Add-NetDriftUpstream -Url ftp://...'
            Action = { Add-NetDriftUpstream -Proxy 'conv' -Url 'ftp://127.0.0.1:9' -ErrorAction Stop } }
        @{ Id = 'FaultyProxyNotFound'; Category = 'ObjectNotFound'; Target = 'nope'; Because = 'Set-FaultyProxy -Name nope'
            Action = { Set-FaultyProxy -Name 'nope' -Fault Reset -ErrorAction Stop } }
        @{ Id = 'FaultyProxyNameTaken'; Category = 'ResourceExists'; Target = 'conv-up1'; Because = 'a second faulty proxy named conv-up1'
            Action = { Start-FaultyProxy -Name 'conv-up1' -ErrorAction Stop } }
        @{ Id = 'InvalidFaultOptions'; Category = 'InvalidArgument'; Target = 'None'; Because = 'a negative latency'
            Action = { Start-FaultyProxy -Latency ([TimeSpan]::FromSeconds(-1)) -ErrorAction Stop } }
        @{ Id = 'InvalidProxyUrl'; Category = 'InvalidArgument'; Target = 'ftp://127.0.0.1:1'; Because = 'Test-NetDriftTunnel -Proxy ftp://...'
            Action = { Test-NetDriftTunnel -Proxy 'ftp://127.0.0.1:1' -Target '127.0.0.1:9' -ErrorAction Stop } }
        @{ Id = 'InvalidInterval'; Category = 'InvalidArgument'; Target = '<interval>'; Because = 'Watch-NetDriftStats -Interval 10ms'
            Action = { Watch-NetDriftStats -Proxy 'conv' -Interval 0:0:0.01 -ErrorAction Stop } }
    ) {
        $Id | Should -BeIn $errorIds -Because 'every id lives in Commands/ErrorIds.cs'
        $failure = Get-Failure $Action
        $failure | Should -Not -BeNullOrEmpty
        $failure.FullyQualifiedErrorId | Should -BeLike "$Id,NetDrift.PowerShell.Commands.*"
        "$($failure.CategoryInfo.Category)" | Should -Be $Category
        $failure.Exception.Message | Should -Not -BeNullOrEmpty
        $failure.Exception.Message | Should -Not -Match '   at ' -Because 'an error says what went wrong, not a stack trace'
        switch ($Target) {
            '<listen>' { "$($failure.TargetObject)" | Should -Be $proxy.Listen }
            '<missing>' { "$($failure.TargetObject)" | Should -BeLike '*missing.json' }
            '<bad>' { "$($failure.TargetObject)" | Should -BeLike '*bad.json' }
            '<interval>' { $failure.TargetObject | Should -Be ([TimeSpan]::FromMilliseconds(10)) }
            default { "$($failure.TargetObject)" | Should -Be "$Target" }
        }
    }

    It '<Because> writes a non-terminating ProxyNotFound error' -ForEach @(
        @{ Because = 'Get-NetDriftStats -Proxy nope'; Action = { Get-NetDriftStats -Proxy 'nope' -ErrorAction SilentlyContinue -ErrorVariable script:caught } }
        @{ Because = 'Get-NetDriftUpstream -Proxy nope'; Action = { Get-NetDriftUpstream -Proxy 'nope' -ErrorAction SilentlyContinue -ErrorVariable script:caught } }
        @{ Because = 'Reset-NetDriftStats -Proxy nope'; Action = { Reset-NetDriftStats -Proxy 'nope' -ErrorAction SilentlyContinue -ErrorVariable script:caught } }
        @{ Because = 'Set-NetDriftUpstream -Proxy nope'; Action = { Set-NetDriftUpstream -Proxy 'nope' -Name 'one' -Weight 2 -ErrorAction SilentlyContinue -ErrorVariable script:caught } }
        @{ Because = 'Remove-NetDriftUpstream -Proxy nope'; Action = { Remove-NetDriftUpstream -Proxy 'nope' -Name 'one' -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable script:caught } }
    ) {
        $script:caught = $null
        { & $Action } | Should -Not -Throw -Because '-ErrorAction SilentlyContinue silences a name that matches nothing'
        $script:caught.Count | Should -Be 1
        $script:caught[0].FullyQualifiedErrorId | Should -BeLike 'ProxyNotFound,NetDrift.PowerShell.Commands.*'
        "$($script:caught[0].CategoryInfo.Category)" | Should -Be 'ObjectNotFound'
        "$($script:caught[0].TargetObject)" | Should -Be 'nope'
        # Nothing happened to the real proxy.
        (Get-NetDriftUpstream -Proxy 'conv' -Name 'one').Weight | Should -Not -Be 2
    }

    It 'keeps "several proxies and no -Proxy" terminating, even under SilentlyContinue' {
        { Get-NetDriftStats -ErrorAction SilentlyContinue } | Should -Throw -ErrorId 'ProxyAmbiguous,*'
    }

    It 'NoProxyRunning: a cmdlet that needs a proxy when none runs (in a fresh pwsh)' {
        $pwsh = Get-TestPwsh
        $manifest = Join-Path (Split-Path $PSScriptRoot -Parent) 'out/NetDrift/NetDrift.psd1'
        $script = "Import-Module '$manifest'; try { Get-NetDriftStats -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId; `"`$(`$_.CategoryInfo.Category)`" }"
        $output = & $pwsh.FilePath @(@($pwsh.Arguments) + @('-NoProfile', '-NonInteractive', '-Command', $script))
        $output[0] | Should -BeLike 'NoProxyRunning,*'
        $output[1] | Should -Be 'ObjectNotFound'
        'NoProxyRunning' | Should -BeIn $errorIds
    }

    It 'error ids are unique PascalCase words' {
        $errorIds | Should -Not -BeNullOrEmpty
        @($errorIds | Sort-Object -Unique).Count | Should -Be $errorIds.Count
        foreach ($id in $errorIds) { $id | Should -MatchExactly '^[A-Z][A-Za-z]+$' }
    }
}
