# Help as users get it: Get-Help reads the MAML the module ships (module/en-US, built from
# docs/help by tools/Help/Build-Help.ps1). Every cmdlet and parameter is described, the committed
# help is what the sources make now, and every example runs, in a fresh pwsh each, cleaning up
# after itself. (After PSScriptAnalyzer's Tests/Engine/ModuleHelp.Tests.ps1.)

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    $null = Import-NetDriftUnderTest
    $commandCases = @(Get-Command -Module NetDrift -CommandType Cmdlet | Sort-Object Name | ForEach-Object { @{ Name = $_.Name } })
    $exampleCases = @(foreach ($case in $commandCases) {
            $index = 0
            foreach ($example in @((Get-Help $case.Name -Full).examples.example)) {
                if ($null -eq $example) { continue }
                $index++
                @{ Name = $case.Name; Index = $index; Title = "$($example.title)".Trim(' -') }
            }
        })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    $module = Import-NetDriftUnderTest
    $repoRoot = Split-Path $PSScriptRoot -Parent
    $manifest = Join-Path $repoRoot 'out/NetDrift/NetDrift.psd1'
    $docs = Join-Path $repoRoot 'docs/help'
    $committed = Join-Path $repoRoot 'module/en-US'
    $commonParameters = [Management.Automation.Cmdlet]::CommonParameters

    function Get-ParaText([object] $Description) {
        (@($Description) | Where-Object { $_ } | ForEach-Object { "$($_.Text)" }) -join "`n"
    }

    # Every example, run in its own fresh pwsh a few at a time: Name#Index -> ExitCode, Output.
    $exampleRuns = @{}
    $jobs = foreach ($command in Get-Command -Module NetDrift -CommandType Cmdlet) {
        $index = 0
        foreach ($example in @((Get-Help $command.Name -Full).examples.example)) {
            if ($null -eq $example) { continue }
            $index++
            [pscustomobject]@{ Key = "$($command.Name)#$index"; Code = "$($example.code)" }
        }
    }
    $pwsh = Get-TestPwsh
    $runner = Join-Path $TestDrive 'Invoke-HelpExample.ps1'
    # The example runs as a user would paste it; anything it leaves running, or an unhandled error, fails it.
    Set-Content -LiteralPath $runner -Encoding utf8NoBOM -Value @'
param([string] $Manifest, [string] $CodePath)
$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'
Import-Module $Manifest
Set-Location ([IO.Path]::GetTempPath())
try {
    & ([scriptblock]::Create((Get-Content -Raw -LiteralPath $CodePath))) | Out-String -Width 160 | Write-Host
}
catch {
    [Console]::Error.WriteLine("The example failed: $_`n$($_.ScriptStackTrace)")
    exit 1
}
$left = @(Get-NetDriftProxy | ForEach-Object { "proxy $($_.Name)" }) + @(Get-FaultyProxy | ForEach-Object { "faulty proxy $($_.Name)" }) +
    @(Get-Job | ForEach-Object { "job $($_.Name)" })
if ($left.Count) {
    [Console]::Error.WriteLine("The example left running: $($left -join ', ')")
    exit 2
}
exit 0
'@
    $results = $jobs | ForEach-Object -ThrottleLimit 6 -Parallel {
        $codePath = Join-Path $using:TestDrive "$($_.Key -replace '[^\w-]', '_').ps1"
        Set-Content -LiteralPath $codePath -Value $_.Code -Encoding utf8NoBOM
        $psi = [Diagnostics.ProcessStartInfo]::new(($using:pwsh).FilePath)
        foreach ($a in @(($using:pwsh).Arguments) + @('-NoProfile', '-NonInteractive', '-File', $using:runner, '-Manifest', $using:manifest, '-CodePath', $codePath)) {
            $psi.ArgumentList.Add($a)
        }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardInput = $true
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $process = [Diagnostics.Process]::Start($psi)
        $process.StandardInput.Close()
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        $exited = $process.WaitForExit(90000)
        if (-not $exited) { $process.Kill($true); $null = $process.WaitForExit(5000) }
        [pscustomobject]@{
            Key      = $_.Key
            ExitCode = $(if ($exited) { $process.ExitCode } else { -1 })
            Output   = "$($stdout.Result)`n$($stderr.Result)".Trim()
        }
        $process.Dispose()
    }
    foreach ($result in $results) { $exampleRuns[$result.Key] = $result }
}

AfterAll {
    Get-NetDriftProxy | Stop-NetDriftProxy -DrainTimeout 0:0:1
    Stop-FaultyProxy
}

Describe 'Help for <Name>' -ForEach $commandCases {
    BeforeAll {
        $command = Get-Command -Name $Name
        $help = Get-Help -Name $Name -Full
        $parameters = @($command.Parameters.Keys | Where-Object { $_ -notin $commonParameters })
        $helpParameters = @($help.parameters.parameter | Where-Object { $_ })
    }

    It 'comes from the shipped help file, not generated from the syntax' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match "^\s*$([regex]::Escape($Name))\b" -Because 'PowerShell makes the synopsis from the syntax when there is no help'
        $help.ModuleName | Should -Be 'NetDrift'
    }

    It 'has a description' {
        (Get-ParaText $help.description).Length | Should -BeGreaterThan 40
    }

    It 'has at least two examples, each with code and remarks' {
        $examples = @($help.examples.example | Where-Object { $_ })
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $examples) {
            "$($example.code)".Trim() | Should -Not -BeNullOrEmpty -Because "$($example.title) needs code"
            (Get-ParaText $example.remarks) | Should -Not -BeNullOrEmpty -Because "$($example.title) needs remarks"
        }
    }

    It 'describes every parameter' {
        foreach ($parameter in $parameters) {
            $entry = $helpParameters | Where-Object name -eq $parameter
            $entry | Should -Not -BeNullOrEmpty -Because "-$parameter needs a '### -$parameter' section in docs/help/$Name.md"
            (Get-ParaText $entry.description).Trim() | Should -Not -BeNullOrEmpty -Because "-$parameter needs a description"
        }
    }

    It 'documents no parameter the cmdlet does not have' {
        foreach ($entry in $helpParameters) {
            $entry.name | Should -BeIn $parameters -Because "the help of $Name describes -$($entry.name)"
        }
    }

    It 'states each parameter''s real type, mandatoriness and pipeline input' {
        foreach ($parameter in $parameters) {
            $meta = $command.Parameters[$parameter]
            $entry = $helpParameters | Where-Object name -eq $parameter
            $type = [Nullable]::GetUnderlyingType($meta.ParameterType) ?? $meta.ParameterType
            $entry.type.name | Should -Be $type.FullName -Because "-$parameter is a $($type.FullName)"
            $mandatory = @($meta.ParameterSets.Values | Where-Object { -not $_.IsMandatory }).Count -eq 0
            $entry.required | Should -Be "$mandatory".ToLowerInvariant() -Because "-$parameter is mandatory: $mandatory"
            $byValue = [bool]($meta.ParameterSets.Values | Where-Object ValueFromPipeline)
            $byName = [bool]($meta.ParameterSets.Values | Where-Object ValueFromPipelineByPropertyName)
            ($entry.pipelineInput -match 'ByValue') | Should -Be $byValue -Because "-$parameter takes pipeline input by value: $byValue"
            ($entry.pipelineInput -match 'ByPropertyName') | Should -Be $byName -Because "-$parameter takes pipeline input by property name: $byName"
        }
    }

    It 'shows the syntax of every parameter set' {
        @($help.syntax.syntaxItem).Count | Should -Be @($command.ParameterSets).Count
    }

    It 'names every [OutputType] under Outputs' {
        $documented = @($help.returnValues.returnValue | ForEach-Object { "$($_.type.name)".Trim() })
        $declared = @($command.OutputType | ForEach-Object { if ($_.Type -eq [void]) { 'None' } else { $_.Name } })
        $declared.Count | Should -BeGreaterThan 0
        foreach ($type in $declared) {
            $type | Should -BeIn $documented -Because "docs/help/$Name.md needs '### $type' under '## Outputs'"
        }
    }
}

Describe 'The help sources' {
    It 'has one docs/help page per cmdlet, and none for a cmdlet that does not exist' {
        $pages = @(Get-ChildItem -LiteralPath $docs -Filter '*.md' | Where-Object { $_.Name -ne 'README.md' -and $_.Name -notlike 'about_*' } |
                ForEach-Object BaseName | Sort-Object)
        $pages | Should -Be @(Get-Command -Module NetDrift -CommandType Cmdlet | ForEach-Object Name | Sort-Object)
    }

    It 'module/en-US is what tools/Help/Build-Help.ps1 makes of docs/help and the cmdlets now' {
        $fresh = Join-Path $TestDrive 'help'
        $pwsh = Get-TestPwsh
        $output = & $pwsh.FilePath @(@($pwsh.Arguments) + @('-NoProfile', '-NonInteractive', '-File', (Join-Path $repoRoot 'tools/Help/Build-Help.ps1'),
                '-ModulePath', $manifest, '-OutputPath', $fresh)) 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "Build-Help.ps1 said: $($output -join "`n")"
        ($output -join "`n") | Should -Not -Match 'WARNING' -Because 'Build-Help.ps1 warns about missing help'
        $expected = @(Get-ChildItem -LiteralPath $fresh -File | ForEach-Object Name | Sort-Object)
        $expected | Should -Contain 'NetDrift.PowerShell.dll-Help.xml'
        $expected | Should -Contain 'about_NetDrift.help.txt'
        @(Get-ChildItem -LiteralPath $committed -File | ForEach-Object Name | Sort-Object) | Should -Be $expected
        foreach ($name in $expected) {
            $now = (Get-Content -Raw -LiteralPath (Join-Path $fresh $name)) -replace "`r`n", "`n"
            $then = (Get-Content -Raw -LiteralPath (Join-Path $committed $name)) -replace "`r`n", "`n"
            $then -eq $now | Should -BeTrue -Because "module/en-US/$name is stale: run ./build.ps1 Build, then ./tools/Help/Build-Help.ps1, and commit module/en-US"
        }
    }

    It 'ships module/en-US in the built module' {
        foreach ($file in Get-ChildItem -LiteralPath $committed -File) {
            $shipped = Join-Path $module.ModuleBase "en-US/$($file.Name)"
            Test-Path -LiteralPath $shipped | Should -BeTrue -Because "build.ps1 stages module/en-US"
            (Get-FileHash -LiteralPath $shipped).Hash | Should -Be (Get-FileHash -LiteralPath $file.FullName).Hash
        }
    }

    It 'about_NetDrift covers the concepts, the config file and troubleshooting' {
        $about = Get-Help -Name about_NetDrift | Out-String
        $about | Should -Match 'SHORT DESCRIPTION'
        foreach ($heading in 'LONG DESCRIPTION', 'CONCEPTS', 'CONFIGURATION', 'TROUBLESHOOTING') {
            $about | Should -Match "(?m)^$heading\s*$"
        }
        $about | Should -Match 'upstream_proxies'
        $file = Join-Path $module.ModuleBase 'en-US/about_NetDrift.help.txt'
        foreach ($line in Get-Content -LiteralPath $file) { $line.Length | Should -BeLessOrEqual 80 -Because "'$line' is too wide for a console" }
    }

    It 'about_NetDrift lists every error id the cmdlets use' {
        $about = Get-Help -Name about_NetDrift | Out-String
        $assembly = (Get-Command -Name Get-NetDriftProxy).ImplementingType.Assembly
        $ids = $assembly.GetType('NetDrift.PowerShell.Commands.ErrorIds', $true).GetFields() | ForEach-Object { $_.GetValue($null) }
        foreach ($id in $ids) { $about | Should -Match "\b$id\b" -Because "users look error ids up in about_NetDrift" }
    }
}

Describe 'Help examples' {
    It '<Name> example <Index> runs: <Title>' -ForEach $exampleCases {
        $run = $exampleRuns["$Name#$Index"]
        $run | Should -Not -BeNullOrEmpty
        $run.ExitCode | Should -Be 0 -Because "the example's output was:`n$($run.Output)"
    }
}
