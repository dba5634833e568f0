#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, demonstrates and packages the NetDrift module.

.DESCRIPTION
    Build    publishes src/NetDrift.PowerShell and stages an explicit file list into out/NetDrift/.
    Test     Build, then the xunit tests, then every pester/*.Tests.ps1 (and
             examples/pester/*.Tests.ps1) in a fresh pwsh inside a private network namespace where
             origin.netdrift.test and origin2.netdrift.test are 127.0.0.1. The last line printed
             is "N passed, N failed, N skipped"; the exit code is 1 when anything failed or a
             runner could not run.
    Demo     Build, then demo/Start-Demo.ps1 in a fresh pwsh that has imported out/NetDrift.
    Package  Build, then with PSResourceGet out/package/NetDrift.<version>.nupkg (what
             Install-PSResource installs from a file repository) and the versioned module folder
             out/package/NetDrift/<version>/ (what Install-PSResource puts on a module path).
             -NoBuild packages out/NetDrift as it is; -PackagePath writes elsewhere.
    Clean    removes out/ and every bin/ and obj/.
    Bench    (not part of Test) the BenchmarkDotNet microbenchmarks (tools/NetDrift.Benchmarks, short
             job) into bench/results/microbenchmarks.md, then NetDrift against HAProxy and Squid
             (tools/Bench/Invoke-ProxyBench.ps1, load from tools/NetDrift.LoadGen) into
             bench/results/latest.md and latest.json. -BenchRounds (default 3) sets the rounds,
             -GoNetDrift <binary> adds the Go NetDrift, -SkipMicro skips BenchmarkDotNet,
             -BenchQuick runs small sizes (a smoke run; its figures are not for the README).
    Fuzz     (not part of Test) SharpFuzz + AFL++ over the request-head parser and chunked bodies
             for -FuzzSeconds (default 60); see tools/NetDrift.Fuzz/Invoke-Fuzz.ps1. Crash inputs
             land in tests/NetDrift.Engine.Tests/Http/FuzzRegressions (replayed by Test).
    Soak     (not part of Test) Build, then -Minutes (default 3) of mixed traffic through faulty
             upstreams, then fd/thread/memory and counter checks; writes bench/results/soak.md.
             See tools/Soak/Invoke-Soak.ps1.

    Test also measures NetDrift.Engine's line coverage (coverlet) and prints it just before the
    final line.

    Run it as `dotnet tool restore; dotnet pwsh ./build.ps1 <Task>` (PowerShell is a local tool).

.EXAMPLE
    dotnet pwsh ./build.ps1 Test -PesterPath pester/TestOrigin.Tests.ps1 -SkipXunit
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Package', 'Clean', 'Bench', 'Fuzz', 'Soak')]
    [string] $Task = 'Build',

    [string] $Configuration = 'Release',

    # Test: run only these Pester files instead of every suite.
    [string[]] $PesterPath,

    # Test: skip the xunit tests (to iterate on Pester suites).
    [switch] $SkipXunit,

    # Package: package the module already staged in out/NetDrift instead of building it first.
    [switch] $NoBuild,

    # Package: the folder to write the package into (default out/package).
    [string] $PackagePath,

    # Fuzz: how long afl-fuzz runs, in seconds.
    [int] $FuzzSeconds = 60,

    # Soak: how long the traffic runs, in minutes.
    [double] $Minutes = 3,

    # Bench: rounds of the contender comparison (medians over them).
    [int] $BenchRounds = 3,

    # Bench: a Go NetDrift binary (restyler/netdrift's cmd/proxy, built outside this repo) to measure beside.
    [string] $GoNetDrift,

    # Bench: skip the BenchmarkDotNet microbenchmarks.
    [switch] $SkipMicro,

    # Bench: small sizes and short runs, to check the runner end to end.
    [switch] $BenchQuick
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$env:DOTNET_NOLOGO = '1'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
if ([Console]::IsOutputRedirected) { $PSStyle.OutputRendering = 'PlainText' }

$RepoRoot = $PSScriptRoot
$OutDir = Join-Path $RepoRoot 'out'
$ModuleOut = Join-Path $OutDir 'NetDrift'
$PublishDir = Join-Path $OutDir 'publish/NetDrift.PowerShell'
$ResultsDir = Join-Path $OutDir 'test-results'
$OriginOut = Join-Path $OutDir 'test-origin'
$ModuleSource = Join-Path $RepoRoot 'module'
$ModuleProject = Join-Path $RepoRoot 'src/NetDrift.PowerShell/NetDrift.PowerShell.csproj'
$XunitProject = Join-Path $RepoRoot 'tests/NetDrift.Engine.Tests/NetDrift.Engine.Tests.csproj'
$OriginProject = Join-Path $RepoRoot 'tests/NetDrift.TestOrigin/NetDrift.TestOrigin.csproj'
$PesterProject = Join-Path $RepoRoot 'tools/Pester/Pester.Restore.csproj'
$PesterRunner = Join-Path $RepoRoot 'tools/Pester/Invoke-PesterRun.ps1'
$TestHelpers = Join-Path $RepoRoot 'pester/_TestHelpers.psm1'
# Set by the xunit run when it measured coverage; printed just before the final count.
$script:EngineCoverage = $null

# The names the Pester network namespace resolves to 127.0.0.1 (HttpClient sends nothing for a
# loopback address through a proxy, so suites address the origin by name).
$TestHostNames = @('origin.netdrift.test', 'origin2.netdrift.test')

# Files the module ships besides the assemblies: required, then copied when present.
$ModuleFiles = @('NetDrift.Format.ps1xml')
$OptionalModuleFiles = @('NetDrift.Types.ps1xml', 'en-US')

# Assemblies PowerShell itself provides: never shipped, whatever the publish folder holds.
$HostAssemblyPatterns = @('System.Management.Automation.dll', 'Microsoft.PowerShell.*.dll',
    'Microsoft.Management.Infrastructure*.dll')

# A hung suite must not eat CI's whole budget.
$PesterTimeout = [TimeSpan]::FromMinutes($(if ($env:NETDRIFT_PESTER_TIMEOUT_MINUTES) { [double]$env:NETDRIFT_PESTER_TIMEOUT_MINUTES } else { 45 }))

function Write-Step([string] $Text) {
    Write-Host "==> $Text" -ForegroundColor Cyan
}

# The dotnet host running this script when it was started as `dotnet pwsh`, else the one on PATH.
function Get-DotNetHost {
    $self = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') { return $self }
    $found = Get-Command dotnet -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if (-not $found) { throw 'dotnet was not found on PATH; install the .NET SDK.' }
    $found.Source
}

# How to start a fresh pwsh like this one: `dotnet <PSHOME>/pwsh.dll` for the local tool.
function Get-PwshLaunch {
    $self = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') {
        return @{ FilePath = $self; Arguments = @((Join-Path $PSHOME 'pwsh.dll')) }
    }
    @{ FilePath = $self; Arguments = @() }
}

# Runs a native command with its output on the console; throws on a non-zero exit code unless
# -AllowFailure, in which case the exit code is returned.
function Invoke-Native {
    param(
        [Parameter(Mandatory)] [string] $FilePath,
        [string[]] $ArgumentList = @(),
        [switch] $AllowFailure
    )
    Write-Host "> $([IO.Path]::GetFileName($FilePath)) $($ArgumentList -join ' ')" -ForegroundColor DarkGray
    & $FilePath @ArgumentList | Out-Host
    $code = $LASTEXITCODE
    if ($code -ne 0 -and -not $AllowFailure) {
        throw "$([IO.Path]::GetFileName($FilePath)) $($ArgumentList[0]) failed with exit code $code."
    }
    if ($AllowFailure) { $code }
}

function Get-ProjectVersion {
    $props = [xml](Get-Content -Raw (Join-Path $RepoRoot 'Directory.Build.props'))
    $node = $props.SelectSingleNode('/Project/PropertyGroup/Version')
    if (-not $node -or -not $node.InnerText.Trim()) { throw 'Directory.Build.props has no <Version>.' }
    $text = $node.InnerText.Trim()
    $core, $prerelease = $text -split '-', 2
    $parsed = $null
    if (-not [Version]::TryParse($core, [ref]$parsed)) { throw "Directory.Build.props <Version> '$text' is not a version." }
    [pscustomobject]@{ Text = $text; Core = $core; Prerelease = $prerelease }
}

# The cmdlet project may ask for its dependencies in a subfolder (for a private
# AssemblyLoadContext, as PSResourceGet does) with <NetDriftDependencyFolder>name</...>.
function Get-DependencyFolder {
    $node = ([xml](Get-Content -Raw $ModuleProject)).SelectSingleNode('//NetDriftDependencyFolder')
    if ($node) { $node.InnerText.Trim() } else { '' }
}

function Write-ModuleManifest([pscustomobject] $Version) {
    $text = Get-Content -Raw (Join-Path $ModuleSource 'NetDrift.psd1')
    # The template's header speaks to its editors; the staged copy says where it came from.
    $text = "# Generated by build.ps1 from module/NetDrift.psd1 and Directory.Build.props.`n" + ($text -replace '\A(#[^\n]*\n)+', '')
    $pattern = "(?m)^(\s*ModuleVersion\s*=\s*)'[^']*'"
    if ($text -notmatch $pattern) { throw "module/NetDrift.psd1 has no ModuleVersion = '...' line." }
    $text = $text -replace $pattern, "`${1}'$($Version.Core)'"
    if ($Version.Prerelease) {
        $psData = '(?m)^(\s*)PSData\s*=\s*@\{'
        if ($text -notmatch $psData) { throw 'module/NetDrift.psd1 has no PrivateData.PSData to carry the prerelease tag.' }
        $text = $text -replace $psData, "`$0`n`$1    Prerelease = '$($Version.Prerelease)'"
    }
    $target = Join-Path $ModuleOut 'NetDrift.psd1'
    Set-Content -LiteralPath $target -Value $text -Encoding utf8NoBOM -NoNewline
}

function Invoke-Build {
    $version = Get-ProjectVersion
    Write-Step "Build NetDrift $($version.Text) ($Configuration)"
    $dotnet = Get-DotNetHost
    # A failed build leaves no out/NetDrift behind that could pass for this one.
    foreach ($dir in $PublishDir, $ModuleOut) {
        if (Test-Path $dir) { Remove-Item -Recurse -Force $dir }
    }
    Invoke-Native $dotnet @('publish', $ModuleProject, '-c', $Configuration, '-o', $PublishDir, '--nologo', '-v', 'minimal')
    $null = New-Item -ItemType Directory -Path $ModuleOut

    $rootAssembly = 'NetDrift.PowerShell.dll'
    $assemblies = @($rootAssembly, 'NetDrift.Engine.dll')
    foreach ($name in $assemblies) {
        if (-not (Test-Path (Join-Path $PublishDir $name))) { throw "dotnet publish produced no $name." }
    }
    # Runtime dependencies are exactly the other assemblies publish resolved, minus the host's.
    $dependencies = @(Get-ChildItem -LiteralPath $PublishDir -Filter '*.dll' -File |
            Where-Object { $_.Name -notin $assemblies } |
            Where-Object { $n = $_.Name; -not ($HostAssemblyPatterns | Where-Object { $n -like $_ }) } |
            ForEach-Object Name | Sort-Object)
    if (Test-Path (Join-Path $PublishDir 'runtimes')) {
        Write-Warning 'The publish output has a runtimes/ folder (RID-specific assets); it is not staged.'
    }

    $dependencyFolder = Get-DependencyFolder
    $dependencyTarget = if ($dependencyFolder) { Join-Path $ModuleOut $dependencyFolder } else { $ModuleOut }
    $null = New-Item -ItemType Directory -Path $dependencyTarget -Force
    Copy-Item -LiteralPath (Join-Path $PublishDir $rootAssembly) -Destination $ModuleOut
    foreach ($name in @($assemblies | Where-Object { $_ -ne $rootAssembly }) + $dependencies) {
        Copy-Item -LiteralPath (Join-Path $PublishDir $name) -Destination $dependencyTarget
    }

    Write-ModuleManifest $version
    foreach ($name in $ModuleFiles) {
        $source = Join-Path $ModuleSource $name
        if (-not (Test-Path $source)) { throw "module/$name is missing." }
        Copy-Item -LiteralPath $source -Destination $ModuleOut
    }
    foreach ($name in $OptionalModuleFiles) {
        $source = Join-Path $ModuleSource $name
        if (Test-Path $source) { Copy-Item -LiteralPath $source -Destination $ModuleOut -Recurse }
    }

    # A module that cannot be imported is a broken build, whatever the compiler said.
    $manifest = Join-Path $ModuleOut 'NetDrift.psd1'
    $null = Test-ModuleManifest -Path $manifest
    $pwsh = Get-PwshLaunch
    # (pwsh -Command goes on after a failed statement, hence the explicit exit.)
    $probe = "try { `$m = Import-Module -Name '$($manifest -replace "'", "''")' -PassThru -ErrorAction Stop } " +
    'catch { [Console]::Error.WriteLine("$_"); exit 1 }; $m.ExportedCmdlets.Keys -join '','''
    $probeOutput = & $pwsh.FilePath @($pwsh.Arguments + @('-NoProfile', '-NonInteractive', '-Command', $probe)) 2>&1
    if ($LASTEXITCODE -ne 0) { throw "The staged module does not import: $($probeOutput -join ' ')" }
    $exported = @($probeOutput | Where-Object { $_ -is [string] }) -join ','
    $exportedNames = @($exported.Split(',', [StringSplitOptions]::RemoveEmptyEntries))
    $declared = @((Import-PowerShellDataFile $manifest).CmdletsToExport)
    $missing = @($declared | Where-Object { $_ -notin $exportedNames })

    $staged = Get-ChildItem -LiteralPath $ModuleOut -Recurse -File |
        ForEach-Object { [IO.Path]::GetRelativePath($ModuleOut, $_.FullName) } | Sort-Object
    Write-Host "Staged $([IO.Path]::GetRelativePath($RepoRoot, $ModuleOut)): $($staged -join ', ')"
    Write-Host "Exports $($exportedNames.Count) of $($declared.Count) cmdlets$(if ($missing) { "; not implemented yet: $($missing -join ', ')" })"
}

function New-SuiteResult([string] $Name, [int] $Passed = 0, [int] $Failed = 0, [int] $Skipped = 0,
    [string] $Problem = '', [string[]] $FailedNames = @(), [string] $Report = '') {
    [pscustomobject]@{
        Name = $Name; Passed = $Passed; Failed = $Failed; Skipped = $Skipped
        Problem = $Problem; FailedNames = $FailedNames; Report = $Report
    }
}

# A runner that could not run counts as one failure, never as zero tests passed.
function New-CrashedSuite([string] $Name, [string] $Problem) {
    New-SuiteResult -Name $Name -Failed 1 -Problem $Problem
}

function Invoke-XunitSuite {
    Write-Step "xunit: $([IO.Path]::GetRelativePath($RepoRoot, $XunitProject))"
    $dir = Join-Path $ResultsDir 'xunit'
    if (Test-Path $dir) { Remove-Item -Recurse -Force $dir }
    $trx = Join-Path $dir 'xunit.trx'
    $code = Invoke-Native (Get-DotNetHost) -AllowFailure @('test', $XunitProject, '-c', $Configuration,
        '--nologo', '--verbosity', 'minimal', '--logger', 'trx;LogFileName=xunit.trx', '--results-directory', $dir,
        '--collect', 'XPlat Code Coverage', '--settings', (Write-CoverageSettings $dir))
    $script:EngineCoverage = Get-EngineCoverage $dir
    if (-not (Test-Path $trx)) {
        if ($code -eq 0) { return New-SuiteResult -Name 'xunit' -Problem 'no tests found' }
        return New-CrashedSuite 'xunit' "dotnet test exited with $code and wrote no results (build error?)"
    }
    $doc = [xml](Get-Content -Raw $trx)
    $ns = [Xml.XmlNamespaceManager]::new($doc.NameTable)
    $ns.AddNamespace('t', $doc.DocumentElement.NamespaceURI)
    $counters = $doc.SelectSingleNode('//t:ResultSummary/t:Counters', $ns)
    if (-not $counters) { return New-CrashedSuite 'xunit' "$trx has no result counters" }
    $count = { param($name) [int]$counters.GetAttribute($name) }
    # Skipped tests are in total but not in executed (trx's notExecuted stays 0 for them).
    $failed = (& $count 'failed') + (& $count 'error') + (& $count 'timeout') + (& $count 'aborted')
    $names = @($doc.SelectNodes("//t:UnitTestResult[@outcome='Failed']", $ns) | ForEach-Object { $_.GetAttribute('testName') })
    $result = New-SuiteResult -Name 'xunit' -Passed (& $count 'passed') -Failed $failed -Skipped ((& $count 'total') - (& $count 'executed')) `
        -FailedNames $names -Report ([IO.Path]::GetRelativePath($RepoRoot, $trx))
    if ($code -ne 0 -and $failed -eq 0) {
        $result.Failed = 1
        $result.Problem = "dotnet test exited with $code though no test failed"
    }
    $result
}

function Get-NuGetPackagesFolder {
    $line = & (Get-DotNetHost) nuget locals global-packages --list | Select-Object -Last 1
    if ($LASTEXITCODE -ne 0 -or "$line" -notmatch '^global-packages:\s*(.+)$') {
        throw "Cannot find the NuGet global packages folder ('dotnet nuget locals' said: $line)."
    }
    $Matches[1].Trim()
}

function Get-PesterModulePath {
    $download = ([xml](Get-Content -Raw $PesterProject)).SelectSingleNode("//PackageDownload[@Include='Pester']")
    $version = $download.GetAttribute('Version').Trim('[', ']', ' ')
    Invoke-Native (Get-DotNetHost) @('restore', $PesterProject, '--nologo', '-v', 'quiet')
    $path = Join-Path (Get-NuGetPackagesFolder) "pester/$version/tools/Pester.psd1"
    if (-not (Test-Path $path)) { throw "Pester $version was restored but $path is missing." }
    $path
}

function Get-PesterSuiteFiles {
    if ($PesterPath) {
        # `pwsh -File build.ps1 -PesterPath a,b` passes one string "a,b".
        return @($PesterPath | ForEach-Object { $_ -split ',' } | Where-Object { $_ } |
                ForEach-Object { (Resolve-Path -LiteralPath $_).ProviderPath })
    }
    $folders = @('pester', 'examples/pester') | ForEach-Object { Join-Path $RepoRoot $_ } | Where-Object { Test-Path $_ }
    @($folders | ForEach-Object { Get-ChildItem -LiteralPath $_ -Filter '*.Tests.ps1' -File } | ForEach-Object FullName | Sort-Object)
}

# The network namespace has no route out, so the Debian packages the suites ask for with
# Install-DebianPackage are installed here, before entering it.
function Install-SuitePackages([string[]] $Files) {
    $requests = foreach ($file in $Files) {
        $ast = [Management.Automation.Language.Parser]::ParseFile($file, [ref]$null, [ref]$null)
        $calls = $ast.FindAll({
                param($node)
                $node -is [Management.Automation.Language.CommandAst] -and $node.GetCommandName() -eq 'Install-DebianPackage'
            }, $true)
        foreach ($call in $calls) {
            $name = $null; $command = $null; $library = $false; $pending = $null; $positional = 0
            foreach ($element in @($call.CommandElements | Select-Object -Skip 1)) {
                if ($element -is [Management.Automation.Language.CommandParameterAst]) {
                    if ($element.ParameterName -eq 'Library') { $library = $true; $pending = $null; continue }
                    $pending = $element.ParameterName; continue
                }
                if ($element -isnot [Management.Automation.Language.StringConstantExpressionAst]) { $pending = $null; continue }
                $slot = if ($pending) { $pending } elseif ($positional++ -eq 0) { 'Name' } else { 'Command' }
                if ($slot -eq 'Name') { $name = $element.Value } elseif ($slot -eq 'Command') { $command = $element.Value }
                $pending = $null
            }
            if ($name) { [pscustomobject]@{ Name = $name; Command = $(if ($command) { $command } else { $name }); Library = $library } }
        }
    }
    $requests = @($requests | Sort-Object Name, Command, Library -Unique)
    if (-not $requests) { return }
    Import-Module $TestHelpers -Force
    foreach ($request in $requests) {
        try { Install-DebianPackage -Name $request.Name -Command $request.Command -Library:$request.Library }
        catch { Write-Warning "Could not install $($request.Name): $_ (the suites that need it will fail)." }
    }
}

# Root on Linux with unshare: a private network namespace (only lo, up) and a private mount
# namespace whose /etc/hosts maps the test host names to 127.0.0.1.
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

function Invoke-PesterSuite([bool] $ModuleBuilt) {
    Write-Step 'Pester'
    if (-not $ModuleBuilt) { return New-CrashedSuite 'pester' 'the module did not build, so no suite ran' }
    try {
        $files = Get-PesterSuiteFiles
        if (-not $files) { return New-CrashedSuite 'pester' 'no *.Tests.ps1 found in pester/' }
        $pesterModule = Get-PesterModulePath
        $dotnet = Get-DotNetHost
        if (Test-Path $OriginOut) { Remove-Item -Recurse -Force $OriginOut }
        Invoke-Native $dotnet @('publish', $OriginProject, '-c', $Configuration, '-o', $OriginOut, '--nologo', '-v', 'minimal')
        Install-SuitePackages $files

        $dir = Join-Path $ResultsDir 'pester'
        if (Test-Path $dir) { Remove-Item -Recurse -Force $dir }
        $null = New-Item -ItemType Directory -Path $dir
        $summaryPath = Join-Path $dir 'summary.json'
        $specPath = Join-Path $dir 'run.json'
        @{
            PesterModule   = $pesterModule
            Paths          = @($files)
            SummaryPath    = $summaryPath
            TestResultPath = Join-Path $dir 'pester.xml'
            Verbosity      = $(if ($env:NETDRIFT_PESTER_VERBOSITY) { $env:NETDRIFT_PESTER_VERBOSITY } else { 'Normal' })
        } | ConvertTo-Json | Set-Content -LiteralPath $specPath -Encoding utf8NoBOM

        $pwsh = Get-PwshLaunch
        $childArgs = @($pwsh.Arguments) + @('-NoProfile', '-NonInteractive', '-File', $PesterRunner, '-SpecPath', $specPath)
        $psi = [Diagnostics.ProcessStartInfo]::new()
        $psi.UseShellExecute = $false
        $psi.WorkingDirectory = $RepoRoot
        # No test may wait for a keyboard: stdin is an empty pipe.
        $psi.RedirectStandardInput = $true
        $psi.Environment['NETDRIFT_TEST_ORIGIN'] = Join-Path $OriginOut 'NetDrift.TestOrigin.dll'
        $psi.Environment['NETDRIFT_TEST_DOTNET'] = $dotnet

        $unsupported = Test-NetNamespaceSupport
        if ($unsupported) {
            Write-Warning "Pester runs without a private network namespace ($unsupported); tests that need the test host names skip."
            $psi.Environment['NETDRIFT_TEST_NETNS'] = '0'
            $psi.FileName = $pwsh.FilePath
            foreach ($a in $childArgs) { $psi.ArgumentList.Add($a) }
        }
        else {
            $hosts = Join-Path $dir 'hosts'
            $lines = @(Get-Content -LiteralPath '/etc/hosts') + "127.0.0.1 $($TestHostNames -join ' ')"
            Set-Content -LiteralPath $hosts -Value $lines -Encoding utf8NoBOM
            Write-Host "Network namespace: lo only; $($TestHostNames -join ', ') -> 127.0.0.1"
            $psi.Environment['NETDRIFT_TEST_NETNS'] = '1'
            $psi.FileName = 'unshare'
            $setup = 'ip link set lo up && mount --bind "$0" /etc/hosts && exec "$@"'
            foreach ($a in @('--net', '--mount', '--', 'sh', '-c', $setup, $hosts, $pwsh.FilePath) + $childArgs) { $psi.ArgumentList.Add($a) }
        }

        $process = [Diagnostics.Process]::Start($psi)
        try {
            $process.StandardInput.Close()
            $deadline = [DateTime]::UtcNow + $PesterTimeout
            while (-not $process.WaitForExit(500)) {
                if ([DateTime]::UtcNow -gt $deadline) {
                    $process.Kill($true)
                    return New-CrashedSuite 'pester' "timed out after $PesterTimeout and was killed"
                }
            }
            $process.WaitForExit()
            $exitCode = $process.ExitCode
        }
        finally {
            if (-not $process.HasExited) { $process.Kill($true) }
            $process.Dispose()
        }

        if (-not (Test-Path $summaryPath)) {
            return New-CrashedSuite 'pester' "the Pester process exited with $exitCode and reported nothing"
        }
        $summary = Get-Content -Raw $summaryPath | ConvertFrom-Json
        $result = New-SuiteResult -Name 'pester' -Passed $summary.Passed -Failed $summary.Failed -Skipped $summary.Skipped `
            -FailedNames @($summary.FailedNames) -Report ([IO.Path]::GetRelativePath($RepoRoot, $summary.TestResultPath))
        if ($result.Failed -eq 0 -and ($exitCode -ne 0 -or $summary.Result -ne 'Passed')) {
            $result.Failed = 1
            $result.Problem = "Pester's result is '$($summary.Result)' (exit code $exitCode)"
        }
        $result
    }
    catch {
        Write-Host "Pester could not run: $_" -ForegroundColor Red
        New-CrashedSuite 'pester' "$_"
    }
}

function Invoke-Test {
    $moduleBuilt = $true
    try { Invoke-Build }
    catch {
        Write-Host "Build failed: $_" -ForegroundColor Red
        $moduleBuilt = $false
    }
    $suites = [Collections.Generic.List[object]]::new()
    if ($SkipXunit) { Write-Step 'xunit: skipped (-SkipXunit)' }
    else {
        try { $suites.Add((Invoke-XunitSuite)) }
        catch {
            Write-Host "xunit could not run: $_" -ForegroundColor Red
            $suites.Add((New-CrashedSuite 'xunit' "$_"))
        }
    }
    $suites.Add((Invoke-PesterSuite $moduleBuilt))

    Write-Step 'Summary'
    foreach ($suite in $suites) {
        $line = '{0,-7} {1} passed, {2} failed, {3} skipped' -f $suite.Name, $suite.Passed, $suite.Failed, $suite.Skipped
        if ($suite.Report) { $line += "  ($($suite.Report))" }
        if ($suite.Problem) { $line += "  -- $($suite.Problem)" }
        Write-Host $line -ForegroundColor $(if ($suite.Failed) { 'Red' } else { 'Green' })
        $names = @($suite.FailedNames | Where-Object { $_ })
        foreach ($name in @($names | Select-Object -First 25)) { Write-Host "  failed: $name" -ForegroundColor Red }
        if ($names.Count -gt 25) { Write-Host "  ... and $($names.Count - 25) more" -ForegroundColor Red }
    }
    $passed = ($suites | Measure-Object Passed -Sum).Sum
    $failed = ($suites | Measure-Object Failed -Sum).Sum
    $skipped = ($suites | Measure-Object Skipped -Sum).Sum
    if ($script:EngineCoverage) { Write-Host $script:EngineCoverage }
    Write-Host "$passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0) { 1 } else { 0 }
}

function Invoke-Demo {
    Invoke-Build
    $demo = Join-Path $RepoRoot 'demo/Start-Demo.ps1'
    if (-not (Test-Path $demo)) { throw 'demo/Start-Demo.ps1 is missing.' }
    Write-Step 'Demo'
    $manifest = Join-Path $ModuleOut 'NetDrift.psd1'
    $command = "try { Import-Module -Name '$($manifest -replace "'", "''")' -ErrorAction Stop } " +
    "catch { [Console]::Error.WriteLine(`"`$_`"); exit 1 }; & '$($demo -replace "'", "''")'"
    # Started directly, not through the pipeline, so the demo has the real console (colours,
    # redraw in place, Ctrl+C) and none of its output is taken for this function's result.
    $pwsh = Get-PwshLaunch
    $psi = [Diagnostics.ProcessStartInfo]::new($pwsh.FilePath)
    foreach ($a in @($pwsh.Arguments) + @('-NoProfile', '-Command', $command)) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.WorkingDirectory = $RepoRoot
    $process = [Diagnostics.Process]::Start($psi)
    try {
        $process.WaitForExit()
        $process.ExitCode
    }
    finally {
        $process.Dispose()
    }
}

function Invoke-Package {
    if ($NoBuild) {
        if (-not (Test-Path (Join-Path $ModuleOut 'NetDrift.psd1'))) { throw 'out/NetDrift is not built; run without -NoBuild.' }
    }
    else {
        Invoke-Build
    }
    $version = Get-ProjectVersion
    Write-Step "Package NetDrift $($version.Text)"
    Import-Module Microsoft.PowerShell.PSResourceGet -ErrorAction Ignore
    $packageDir = if ($PackagePath) { [IO.Path]::GetFullPath($PackagePath, $RepoRoot) } else { Join-Path $OutDir 'package' }
    if (Test-Path $packageDir) { Remove-Item -Recurse -Force $packageDir }
    $null = New-Item -ItemType Directory -Path $packageDir
    # The layout of an installed module: <name>/<version>/ (no prerelease tag in the folder name).
    $versionedDir = Join-Path $packageDir "NetDrift/$($version.Core)"
    $null = New-Item -ItemType Directory -Path $versionedDir
    Copy-Item -Path (Join-Path $ModuleOut '*') -Destination $versionedDir -Recurse
    if (Get-Command Compress-PSResource -ErrorAction Ignore) {
        Compress-PSResource -Path $ModuleOut -DestinationPath $packageDir
    }
    elseif (Get-Command Publish-PSResource -ErrorAction Ignore) {
        # Older PSResourceGet: publish to a throw-away local file repository.
        $repoName = "NetDriftBuild$PID"
        $repoDir = Join-Path $OutDir "package-repo"
        $null = New-Item -ItemType Directory -Path $repoDir -Force
        Register-PSResourceRepository -Name $repoName -Uri $repoDir -Trusted
        try {
            Publish-PSResource -Path $ModuleOut -Repository $repoName
            Get-ChildItem -LiteralPath $repoDir -Filter '*.nupkg' | Move-Item -Destination $packageDir
        }
        finally {
            Unregister-PSResourceRepository -Name $repoName
            Remove-Item -Recurse -Force $repoDir
        }
    }
    else {
        throw 'Microsoft.PowerShell.PSResourceGet is not available in this PowerShell (it ships with 7.4+); cannot package.'
    }
    $package = Join-Path $packageDir "NetDrift.$($version.Text).nupkg"
    if (-not (Test-Path $package)) {
        throw "Packaging produced no $package (found: $((Get-ChildItem $packageDir).Name -join ', '))."
    }
    Write-Host "Package: $([IO.Path]::GetRelativePath($RepoRoot, $package)), $([IO.Path]::GetRelativePath($RepoRoot, $versionedDir))"
}

# Every BenchmarkDotNet report of a run in one file: a heading per benchmark class, its table as
# BenchmarkDotNet wrote it, and the environment block once (repeated under a class only if it differs).
function Write-MicrobenchmarkReport([string] $ReportFolder, [string] $Destination) {
    $reports = @(Get-ChildItem -LiteralPath $ReportFolder -Filter '*-report-github.md' -ErrorAction Ignore | Sort-Object Name)
    if (-not $reports) { throw "BenchmarkDotNet wrote no report into $ReportFolder." }
    $environment = $null
    $sections = foreach ($report in $reports) {
        $text = (Get-Content -Raw -LiteralPath $report.FullName).Trim() -replace '\r\n', "`n"
        # A github report is the environment as a fenced block, then the table.
        if ($text -notmatch '(?s)\A(```.*?\n```)\s*(.*)\z') { throw "$($report.Name) is not a BenchmarkDotNet github report." }
        $block, $table = $Matches[1], $Matches[2]
        $environment ??= $block
        $class = $report.Name -replace '-report-github\.md$' -replace '^.*\.'
        "## $class`n`n$(if ($block -ne $environment) { "$block`n`n" })$table"
    }
    $header = "# Microbenchmarks`n`n``./build.ps1 Bench`` (tools/NetDrift.Benchmarks, ``--job short``), $((Get-Date).ToUniversalTime().ToString('yyyy-MM-dd')).`n`n$environment"
    Set-Content -LiteralPath $Destination -Value ((@($header) + $sections) -join "`n`n") -Encoding utf8NoBOM
}

# The benchmark project is outside NetDrift.sln, so dotnet build/test never build or run it.
function Invoke-Bench {
    Write-Step 'Benchmarks'
    $dotnet = Get-DotNetHost
    $resultsDir = Join-Path $RepoRoot 'bench/results'
    $null = New-Item -ItemType Directory -Path $resultsDir -Force
    if (-not $SkipMicro) {
        $project = Join-Path $RepoRoot 'tools/NetDrift.Benchmarks'
        $artifacts = Join-Path $OutDir 'bench'
        if (Test-Path $artifacts) { Remove-Item -Recurse -Force $artifacts }
        # Not through Invoke-Native: pwsh on Unix globs a '*' that comes in an array, not a literal one.
        Write-Host "> dotnet run -c Release --project tools/NetDrift.Benchmarks -- --filter '*' --job short" -ForegroundColor DarkGray
        & $dotnet run -c Release --project $project -- --filter '*' --job short --artifacts $artifacts | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "The benchmarks failed with exit code $LASTEXITCODE." }
        Write-MicrobenchmarkReport (Join-Path $artifacts 'results') (Join-Path $resultsDir 'microbenchmarks.md')
        Write-Host 'Report: bench/results/microbenchmarks.md'
    }

    Invoke-Build
    $loadGenOut = Join-Path $OutDir 'loadgen'
    Invoke-Native $dotnet @('publish', (Join-Path $RepoRoot 'tools/NetDrift.LoadGen'), '-c', 'Release', '-o', $loadGenOut, '--nologo', '-v', 'minimal')
    $arguments = @('-ModuleManifest', (Join-Path $ModuleOut 'NetDrift.psd1'), '-LoadGen', (Join-Path $loadGenOut 'NetDrift.LoadGen.dll'),
        '-Rounds', "$BenchRounds")
    $arguments += if ($BenchQuick) {
        @('-ResultsDir', (Join-Path $OutDir 'bench-quick'), '-Seconds', '2', '-SingleStreamBytes', '209715200', '-MultiStreamBytes', '26214400', '-IdleTunnels', '1000')
    } else { @('-ResultsDir', $resultsDir) }
    if ($GoNetDrift) { $arguments += @('-GoNetDrift', (Resolve-Path $GoNetDrift).Path) }
    $pwsh = Get-PwshLaunch
    & $pwsh.FilePath @($pwsh.Arguments + @('-NoProfile', '-File', (Join-Path $RepoRoot 'tools/Bench/Invoke-ProxyBench.ps1')) + $arguments) | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "The proxy benchmark failed with exit code $LASTEXITCODE." }
    Write-Host "Report: $(if ($BenchQuick) { 'out/bench-quick' } else { 'bench/results' })/latest.md"
}

# coverlet's settings: only NetDrift.Engine is measured, as cobertura.
function Write-CoverageSettings([string] $Folder) {
    $null = New-Item -ItemType Directory -Path $Folder -Force
    $path = Join-Path $Folder 'coverage.runsettings'
    Set-Content -LiteralPath $path -Encoding utf8NoBOM -Value @'
<RunSettings>
  <DataCollectionRunSettings>
    <DataCollectors>
      <DataCollector friendlyName="XPlat code coverage">
        <Configuration>
          <Format>cobertura</Format>
          <Include>[NetDrift.Engine]*</Include>
          <ExcludeByAttribute>GeneratedCodeAttribute</ExcludeByAttribute>
        </Configuration>
      </DataCollector>
    </DataCollectors>
  </DataCollectionRunSettings>
</RunSettings>
'@
    $path
}

# The line rate of NetDrift.Engine in the cobertura file coverlet wrote under the results folder.
function Get-EngineCoverage([string] $ResultsFolder) {
    $file = Get-ChildItem -LiteralPath $ResultsFolder -Recurse -Filter 'coverage.cobertura.xml' -ErrorAction Ignore |
        Sort-Object LastWriteTime | Select-Object -Last 1
    if (-not $file) { return 'engine line coverage: not measured (no coverage.cobertura.xml)' }
    $doc = [xml](Get-Content -Raw $file.FullName)
    $package = $doc.SelectSingleNode("//package[@name='NetDrift.Engine']")
    $lines = @($package.SelectNodes('.//class/lines/line'))
    # A line can appear under several classes (lambdas, async state machines): count it once.
    $byLine = @{}
    foreach ($line in $lines) {
        $key = "$($line.ParentNode.ParentNode.GetAttribute('filename')):$($line.GetAttribute('number'))"
        $byLine[$key] = [Math]::Max([long]$byLine[$key], [long]$line.GetAttribute('hits'))
    }
    $covered = @($byLine.Values | Where-Object { $_ -gt 0 }).Count
    if (-not $byLine.Count) { return 'engine line coverage: not measured (NetDrift.Engine not in the report)' }
    'engine line coverage: {0:0.0}% ({1} of {2} lines; {3})' -f (100.0 * $covered / $byLine.Count), $covered, $byLine.Count,
        [IO.Path]::GetRelativePath($RepoRoot, $file.FullName)
}

# The fuzz project is outside NetDrift.sln; afl-fuzz (Debian's afl++) drives it.
function Invoke-Fuzz {
    Write-Step "Fuzz ($FuzzSeconds s)"
    $pwsh = Get-PwshLaunch
    & $pwsh.FilePath @($pwsh.Arguments + @('-NoProfile', '-NonInteractive', '-File', (Join-Path $RepoRoot 'tools/NetDrift.Fuzz/Invoke-Fuzz.ps1'),
            '-RepoRoot', $RepoRoot, '-DotNet', (Get-DotNetHost), '-Seconds', "$FuzzSeconds")) | Out-Host
    $LASTEXITCODE
}

function Invoke-Soak {
    Invoke-Build
    $dotnet = Get-DotNetHost
    Invoke-Native $dotnet @('publish', $OriginProject, '-c', $Configuration, '-o', $OriginOut, '--nologo', '-v', 'quiet')
    Write-Step "Soak ($Minutes min)"
    $manifest = Join-Path $ModuleOut 'NetDrift.psd1'
    $script = Join-Path $RepoRoot 'tools/Soak/Invoke-Soak.ps1'
    $command = "Import-Module -Name '$($manifest -replace "'", "''")' -ErrorAction Stop; " +
    "& '$($script -replace "'", "''")' -RepoRoot '$($RepoRoot -replace "'", "''")' -Minutes $([string]::Format([Globalization.CultureInfo]::InvariantCulture, '{0}', $Minutes)); exit `$LASTEXITCODE"
    $env:NETDRIFT_TEST_ORIGIN = Join-Path $OriginOut 'NetDrift.TestOrigin.dll'
    $env:NETDRIFT_TEST_DOTNET = $dotnet
    $pwsh = Get-PwshLaunch
    & $pwsh.FilePath @($pwsh.Arguments + @('-NoProfile', '-NonInteractive', '-Command', $command)) | Out-Host
    $LASTEXITCODE
}

function Invoke-Clean {
    Write-Step 'Clean'
    if (Test-Path $OutDir) { Remove-Item -Recurse -Force $OutDir }
    foreach ($root in 'src', 'tests', 'tools') {
        $path = Join-Path $RepoRoot $root
        if (-not (Test-Path $path)) { continue }
        Get-ChildItem -LiteralPath $path -Directory -Recurse -Include 'bin', 'obj', 'TestResults' |
            Where-Object { Test-Path $_.FullName } |
            Remove-Item -Recurse -Force
    }
}

Push-Location $RepoRoot
try {
    # Only Test, Demo, Fuzz and Soak decide the exit code; anything else a task writes is not a result.
    $exitCode = switch ($Task) {
        'Build' { $null = Invoke-Build; 0 }
        'Test' { Invoke-Test | Select-Object -Last 1 }
        'Demo' { Invoke-Demo | Select-Object -Last 1 }
        'Package' { $null = Invoke-Package; 0 }
        'Clean' { $null = Invoke-Clean; 0 }
        'Bench' { $null = Invoke-Bench; 0 }
        'Fuzz' { Invoke-Fuzz | Select-Object -Last 1 }
        'Soak' { Invoke-Soak | Select-Object -Last 1 }
    }
}
catch {
    Write-Host "build.ps1 ${Task} failed: $($_.Exception.Message)" -ForegroundColor Red
    $exitCode = 1
}
finally {
    Pop-Location
}
exit $exitCode
