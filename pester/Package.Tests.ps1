# Packaging as users install it: build.ps1 Package (on the module already built, -NoBuild) writes a
# .nupkg and a versioned module folder; a fresh pwsh with its own HOME registers a temporary file
# repository, installs NetDrift from it with PSResourceGet, imports it by name, runs a proxy in front
# of a faulty proxy, and unregisters the repository. Nothing touches the real user's module path.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    $null = Import-NetDriftUnderTest
    $repoRoot = Split-Path $PSScriptRoot -Parent
    $props = [xml](Get-Content -Raw (Join-Path $repoRoot 'Directory.Build.props'))
    $versionText = $props.SelectSingleNode('/Project/PropertyGroup/Version').InnerText.Trim()
    $version = ($versionText -split '-', 2)[0]
    $packageDir = Join-Path $TestDrive 'package'
    $isolatedHome = Join-Path $TestDrive 'home'
    # They must exist: .NET reports a missing one as '', and PSResourceGet would then keep its
    # repository list relative to the working directory.
    $isolatedFolders = [ordered]@{
        HOME            = $isolatedHome
        XDG_DATA_HOME   = Join-Path $isolatedHome '.local/share'
        XDG_CONFIG_HOME = Join-Path $isolatedHome '.config'
        XDG_CACHE_HOME  = Join-Path $isolatedHome '.cache'
        LOCALAPPDATA    = Join-Path $isolatedHome 'AppData/Local'
        APPDATA         = Join-Path $isolatedHome 'AppData/Roaming'
        USERPROFILE     = $isolatedHome
    }
    foreach ($folder in $isolatedFolders.Values) { $null = New-Item -ItemType Directory -Path $folder -Force }

    $pwsh = Get-TestPwsh
    $packaging = & $pwsh.FilePath @(@($pwsh.Arguments) + @('-NoProfile', '-NonInteractive', '-File', (Join-Path $repoRoot 'build.ps1'),
            'Package', '-NoBuild', '-PackagePath', $packageDir)) 2>&1
    $packagingExit = $LASTEXITCODE

    # A child pwsh whose user scope (modules, PSResourceGet's repository list) lives under $isolatedHome.
    function Invoke-IsolatedPwsh([string] $Script) {
        $psi = [Diagnostics.ProcessStartInfo]::new($pwsh.FilePath)
        foreach ($a in @(@($pwsh.Arguments) + @('-NoProfile', '-NonInteractive', '-Command', "`$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'; $Script"))) {
            $psi.ArgumentList.Add($a)
        }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardInput = $true
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        foreach ($name in $isolatedFolders.Keys) { $psi.Environment[$name] = $isolatedFolders[$name] }
        $null = $psi.Environment.Remove('PSModulePath')
        $psi.WorkingDirectory = $TestDrive
        $process = [Diagnostics.Process]::Start($psi)
        $process.StandardInput.Close()
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit(180000)) { $process.Kill($true) }
        $process.WaitForExit()
        [pscustomobject]@{
            ExitCode = $process.ExitCode
            Lines    = @($stdout.Result -split "`r?`n" | Where-Object { $_ })
            Text     = "$($stdout.Result)`n$($stderr.Result)"
        }
    }
}

Describe 'build.ps1 Package' {
    It 'succeeds' {
        $packagingExit | Should -Be 0 -Because ($packaging -join "`n")
    }

    It 'writes NetDrift.<version>.nupkg with the module inside' {
        $nupkg = Join-Path $packageDir "NetDrift.$versionText.nupkg"
        Test-Path -LiteralPath $nupkg | Should -BeTrue
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($nupkg)
        try { $entries = @($zip.Entries.FullName) } finally { $zip.Dispose() }
        foreach ($file in 'NetDrift.psd1', 'NetDrift.PowerShell.dll', 'NetDrift.Format.ps1xml', 'NetDrift.Types.ps1xml',
            'dependencies/NetDrift.Engine.dll', 'en-US/NetDrift.PowerShell.dll-Help.xml', 'en-US/about_NetDrift.help.txt') {
            $entries | Should -Contain $file
        }
    }

    It 'writes the versioned module folder NetDrift/<version>, importable as it is' {
        $folder = Join-Path $packageDir "NetDrift/$version"
        $manifest = Import-PowerShellDataFile -LiteralPath (Join-Path $folder 'NetDrift.psd1')
        $manifest.ModuleVersion | Should -Be $version
        Test-Path -LiteralPath (Join-Path $folder 'dependencies/NetDrift.Engine.dll') | Should -BeTrue
        Test-ModuleManifest -Path (Join-Path $folder 'NetDrift.psd1') | ForEach-Object Version | Should -Be ([version]$version)
    }
}

Describe 'Installing from a file repository' {
    It 'Install-PSResource installs it, and it runs a proxy in a fresh pwsh' {
        # The Documents folder behind Windows' CurrentUser scope cannot be moved by the environment.
        if ($IsWindows) { Set-ItResult -Skipped -Because 'CurrentUser would install into the real Documents folder'; return }
        $repository = Join-Path $TestDrive 'repository'
        $null = New-Item -ItemType Directory -Path $repository
        Copy-Item -LiteralPath (Join-Path $packageDir "NetDrift.$versionText.nupkg") -Destination $repository
        $script = @"
Register-PSResourceRepository -Name 'NetDriftTest' -Uri '$repository' -Trusted
try {
    `$found = Find-PSResource -Name NetDrift -Repository 'NetDriftTest' -Prerelease
    "FOUND `$(`$found.Version)"
    Install-PSResource -Name NetDrift -Repository 'NetDriftTest' -Scope CurrentUser -Prerelease -TrustRepository -Quiet
}
finally {
    Unregister-PSResourceRepository -Name 'NetDriftTest'
}
"REPOSITORIES `$(@(Get-PSResourceRepository).Name -join ',')"
Import-Module NetDrift
`$module = Get-Module NetDrift
"BASE `$(`$module.ModuleBase)"
"VERSION `$(`$module.Version)"
`$faulty = Start-FaultyProxy
`$proxy = Start-NetDriftProxy -Listen 127.0.0.1:0 -Upstream `$faulty.Url -LogLevel None
"TUNNEL `$((Test-NetDriftTunnel -Proxy `$proxy -Target `$proxy.Listen -Send "GET /healthz HTTP/1.1``nHost: x``nConnection: close``n``n").Status)"
"HELP `$((Get-Help Start-NetDriftProxy).Synopsis)"
Stop-NetDriftProxy
Stop-FaultyProxy
"LEFT `$(@(Get-NetDriftProxy).Count + @(Get-FaultyProxy).Count)"
"@
        $result = Invoke-IsolatedPwsh $script
        $result.ExitCode | Should -Be 0 -Because $result.Text
        $result.Lines | Should -Contain "FOUND $version"
        $base = ($result.Lines | Where-Object { $_ -like 'BASE *' }) -replace '^BASE ', ''
        $base | Should -BeLike "$isolatedHome*" -Because 'the module came from the isolated user scope'
        $base | Should -BeLike "*NetDrift?$version"
        $result.Lines | Should -Contain "VERSION $version"
        $result.Lines | Should -Contain 'TUNNEL 200'
        $result.Lines | Should -Contain 'HELP Starts a load-balancing HTTP forward proxy in this PowerShell session.'
        $result.Lines | Should -Contain 'LEFT 0'
        ($result.Lines | Where-Object { $_ -like 'REPOSITORIES *' }) | Should -Not -Match 'NetDriftTest'
        Test-Path -LiteralPath (Join-Path $isolatedFolders.XDG_DATA_HOME 'PSResourceGet') | Should -BeTrue -Because 'the repository list stays in the isolated home'
        Test-Path -LiteralPath (Join-Path $TestDrive 'PSResourceGet') | Should -BeFalse
    }

    It 'Save-PSResource saves a module folder that imports by path' {
        $repository = Join-Path $TestDrive 'repository-save'
        $saved = Join-Path $TestDrive 'saved'
        $null = New-Item -ItemType Directory -Path $repository, $saved
        Copy-Item -LiteralPath (Join-Path $packageDir "NetDrift.$versionText.nupkg") -Destination $repository
        $script = @"
Register-PSResourceRepository -Name 'NetDriftSave' -Uri '$repository' -Trusted
try { Save-PSResource -Name NetDrift -Repository 'NetDriftSave' -Path '$saved' -Prerelease -TrustRepository -Quiet }
finally { Unregister-PSResourceRepository -Name 'NetDriftSave' }
Import-Module (Join-Path '$saved' 'NetDrift')
`$f = Start-FaultyProxy
"TUNNEL `$((Test-NetDriftTunnel -Proxy `$f -Target "127.0.0.1:`$(`$f.Port)").Status)"
Stop-FaultyProxy
"@
        $result = Invoke-IsolatedPwsh $script
        $result.ExitCode | Should -Be 0 -Because $result.Text
        $result.Lines | Should -Contain 'TUNNEL 200'
        Test-Path -LiteralPath (Join-Path $saved "NetDrift/$version/dependencies/NetDrift.Engine.dll") | Should -BeTrue
    }
}
