# Dependency isolation (STYLE.md 8): the cmdlet assembly is the only one in the module folder;
# the engine, Microsoft.Extensions.* and prometheus-net load from dependencies/ into a private
# AssemblyLoadContext, so a session where another version of Microsoft.Extensions.Logging is
# already loaded still starts proxies that log. Each case runs in a fresh pwsh.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    $module = Import-NetDriftUnderTest
    $moduleBase = $module.ModuleBase
    $manifest = Join-Path $moduleBase 'NetDrift.psd1'

    # Microsoft.Extensions.Logging.Abstractions 6.0.0 (assembly 6.0.0.0; the module ships 8.0),
    # restored by tools/build/Pester/Pester.Restore.csproj before the suites run.
    $packages = ((& (Get-DotNetHost) nuget locals global-packages --list | Select-Object -Last 1) -replace '^global-packages:\s*', '').Trim()
    $olderLogging = Join-Path $packages 'microsoft.extensions.logging.abstractions/6.0.0/lib/net6.0/Microsoft.Extensions.Logging.Abstractions.dll'

    function Invoke-Pwsh([string] $Script) {
        $pwsh = Get-TestPwsh
        $file = Join-Path $TestDrive "child-$([guid]::NewGuid().ToString('N')).ps1"
        $wrapped = "`$PSStyle.OutputRendering = 'PlainText'`n`$ErrorActionPreference = 'Stop'`ntry {`n$Script`n}`ncatch { `"FAILED: `$(`$_.Exception.Message)`"; exit 1 }"
        Set-Content -LiteralPath $file -Value $wrapped -Encoding utf8NoBOM
        $output = & $pwsh.FilePath @(@($pwsh.Arguments) + @('-NoProfile', '-NonInteractive', '-File', $file)) 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Lines = @($output | ForEach-Object { "$_" }); Text = ($output -join "`n") }
    }

    # Starts a faulty upstream and a logging proxy, tunnels through it, and reports what loaded where.
    $exercise = @'
$f = Start-FaultyProxy -Name 'iso-up'
$p = Start-NetDriftProxy -Name 'iso' -Listen 127.0.0.1:0 -Upstream $f.Url -LogLevel Information
"TUNNEL $((Test-NetDriftTunnel -Proxy $p -Target $p.Listen).Status)"
$alc = { param($assembly) [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($assembly).Name }
"ENGINE $(& $alc $p.Engine.GetType().Assembly)"
"CMDLETS $(& $alc ([NetDrift.ProxyInfo].Assembly))"
$faultType = $p.Engine.GetType().Assembly.GetType('NetDrift.Engine.Faults.FaultType', $true)
"FAULT-TYPE-SHARED $($f.Fault.GetType() -eq $faultType)"
foreach ($a in [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Microsoft.Extensions.Logging.Abstractions' }) {
    "LOGGING $($a.GetName().Version) $(& $alc $a)"
}
Stop-NetDriftProxy -Name 'iso'
Stop-FaultyProxy -Name 'iso-up'
Remove-Module NetDrift
$c = [Net.Sockets.TcpClient]::new()
try { $c.Connect('127.0.0.1', $p.Port); 'AFTER-REMOVE OPEN' } catch { 'AFTER-REMOVE CLOSED' } finally { $c.Dispose() }
'@
}

Describe 'The staged module' {
    It 'holds only the cmdlet assembly in its folder, and every dependency in dependencies/' {
        @(Get-ChildItem -LiteralPath $moduleBase -Filter '*.dll' -File).Name | Should -Be @('NetDrift.PowerShell.dll')
        $dependencies = @(Get-ChildItem -LiteralPath (Join-Path $moduleBase 'dependencies') -Filter '*.dll' -File).Name
        $dependencies | Should -Contain 'NetDrift.Engine.dll'
        $dependencies | Should -Contain 'Microsoft.Extensions.Logging.Abstractions.dll'
        $dependencies | Should -Contain 'Prometheus.NetStandard.dll'
    }

    It 'has a cmdlet assembly whose only reference into dependencies/ is the engine' {
        $names = @(Get-ChildItem -LiteralPath (Join-Path $moduleBase 'dependencies') -Filter '*.dll' | ForEach-Object BaseName)
        $cmdlets = (Get-Command Get-NetDriftProxy).ImplementingType.Assembly
        $intoFolder = @($cmdlets.GetReferencedAssemblies() | Where-Object Name -in $names | ForEach-Object Name)
        $intoFolder | Should -Be @('NetDrift.Engine') -Because 'a direct reference to Microsoft.Extensions.* would bind in the default context, to whatever version is there'
    }

    It 'loads the engine and its dependencies into the NetDrift load context, the cmdlets into the default one' {
        $result = Invoke-Pwsh "Import-Module '$manifest'`n$exercise"
        $result.ExitCode | Should -Be 0 -Because $result.Text
        $result.Lines | Should -Contain 'TUNNEL 200'
        $result.Lines | Should -Contain 'ENGINE NetDrift'
        $result.Lines | Should -Contain 'CMDLETS Default'
        $result.Lines | Should -Contain 'FAULT-TYPE-SHARED True'
        $result.Lines | Should -Contain 'LOGGING 8.0.0.0 NetDrift'
        $result.Lines | Should -Contain 'AFTER-REMOVE CLOSED'
    }
}

Describe 'A session that already loaded another Microsoft.Extensions.Logging.Abstractions' {
    BeforeAll {
        Test-Path -LiteralPath $olderLogging | Should -BeTrue -Because 'dotnet restore tools/build/Pester/Pester.Restore.csproj brings it'
    }

    It 'imports NetDrift, starts a proxy that logs, and keeps both versions apart' {
        $result = Invoke-Pwsh "Add-Type -LiteralPath '$olderLogging'`nImport-Module '$manifest'`n$exercise"
        $result.ExitCode | Should -Be 0 -Because $result.Text
        $result.Lines | Should -Contain 'TUNNEL 200'
        $result.Text | Should -Match "info: NetDrift\.Proxy\[\d+\] Proxy 'iso' listening on 127\.0\.0\.1:\d+" -Because 'the proxy logs through its own Microsoft.Extensions.Logging'
        $result.Lines | Should -Contain 'LOGGING 6.0.0.0 Default'
        $result.Lines | Should -Contain 'LOGGING 8.0.0.0 NetDrift'
        $result.Lines | Should -Contain 'ENGINE NetDrift'
        $result.Lines | Should -Contain 'FAULT-TYPE-SHARED True'
        $result.Lines | Should -Contain 'AFTER-REMOVE CLOSED'
        $result.Text | Should -Not -Match 'Could not load file or assembly'
    }

    It 'breaks the same session when the dependencies sit next to the cmdlets (the control)' {
        # What the module looked like without the load context: everything in one folder.
        $flat = Join-Path $TestDrive 'flat/NetDrift'
        $null = New-Item -ItemType Directory -Path $flat -Force
        Copy-Item -Path (Join-Path $moduleBase '*') -Destination $flat -Recurse
        Move-Item -Path (Join-Path $flat 'dependencies/*') -Destination $flat
        Remove-Item -LiteralPath (Join-Path $flat 'dependencies')
        $result = Invoke-Pwsh "Add-Type -LiteralPath '$olderLogging'`nImport-Module '$(Join-Path $flat 'NetDrift.psd1')'`n$exercise"
        $result.ExitCode | Should -Be 1
        $result.Text | Should -Match "FAILED: Could not load file or assembly 'Microsoft\.Extensions\.Logging\.Abstractions, Version=8\.0\.0\.0"
        $result.Lines | Should -Not -Contain 'TUNNEL 200'
    }
}
