# The xunit suite: dotnet test with a trx logger and coverlet, read back into one suite result;
# run a second time under the service unit's runtime settings.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'Common.psm1')
Import-Module (Join-Path $PSScriptRoot 'TestResults.psm1')
Import-Module (Join-Path $PSScriptRoot '../../perf/Bench/BenchServiceLaunch.psm1')

function Invoke-XunitSuite {
    <#
    .SYNOPSIS
        Runs the engine's xunit tests and reads the trx back into one suite result.
    .PARAMETER Runtime
        Default: the runtime as a plain pwsh runs it, with line coverage. Service: with the .NET
        runtime settings (DOTNET_*) of deploy/netdrift.service, as the shipped service runs the
        engine: continuations inline on the socket engine's epoll threads, so a blocking wait
        anywhere on the path stalls, or with one epoll thread deadlocks, every connection.
    #>
    param([Parameter(Mandatory)] [pscustomobject] $Layout, [ValidateSet('Default', 'Service')] [string] $Runtime = 'Default')
    $repoRoot = $Layout.RepoRoot
    $name = if ($Runtime -eq 'Service') { 'xunit (service runtime)' } else { 'xunit' }
    Write-Step "${name}: $([IO.Path]::GetRelativePath($repoRoot, $Layout.XunitProject))"
    $dir = Join-Path $Layout.ResultsDir $(if ($Runtime -eq 'Service') { 'xunit-service' } else { 'xunit' })
    if (Test-Path $dir) { Remove-Item -Recurse -Force $dir }
    $trx = Join-Path $dir 'xunit.trx'
    $arguments = @('test', $Layout.XunitProject, '-c', $Layout.Configuration,
        '--nologo', '--verbosity', 'minimal', '--logger', 'trx;LogFileName=xunit.trx', '--results-directory', $dir)
    $environment = if ($Runtime -eq 'Service') { Get-ServiceRuntimeEnvironment $Layout.ServiceUnit } else { @{} }
    if ($Runtime -eq 'Default') { $arguments += @('--collect', 'XPlat Code Coverage', '--settings', (Write-CoverageSettings $dir)) }
    else { Write-Host "  with $(($environment.GetEnumerator() | Sort-Object Name | ForEach-Object { "$($_.Name)=$($_.Value)" }) -join ' ')" }
    $code = Invoke-WithEnvironment $environment { Invoke-Native (Get-DotNetHost) -AllowFailure $arguments }
    $coverage = if ($Runtime -eq 'Default') { Get-EngineCoverage $repoRoot $dir } else { $null }
    if (-not (Test-Path $trx)) {
        if ($code -eq 0) { return New-SuiteResult -Name $name -Problem 'no tests found' -Coverage $coverage }
        $crashed = New-CrashedSuite $name "dotnet test exited with $code and wrote no results (build error?)"
        $crashed.Coverage = $coverage
        return $crashed
    }
    $doc = [xml](Get-Content -Raw $trx)
    $ns = [Xml.XmlNamespaceManager]::new($doc.NameTable)
    $ns.AddNamespace('t', $doc.DocumentElement.NamespaceURI)
    $counters = $doc.SelectSingleNode('//t:ResultSummary/t:Counters', $ns)
    if (-not $counters) {
        $crashed = New-CrashedSuite $name "$trx has no result counters"
        $crashed.Coverage = $coverage
        return $crashed
    }
    $count = { param($name) [int]$counters.GetAttribute($name) }
    # Skipped tests are in total but not in executed (trx's notExecuted stays 0 for them).
    $failed = (& $count 'failed') + (& $count 'error') + (& $count 'timeout') + (& $count 'aborted')
    $names = @($doc.SelectNodes("//t:UnitTestResult[@outcome='Failed']", $ns) | ForEach-Object { $_.GetAttribute('testName') })
    $result = New-SuiteResult -Name $name -Passed (& $count 'passed') -Failed $failed -Skipped ((& $count 'total') - (& $count 'executed')) `
        -FailedNames $names -Report ([IO.Path]::GetRelativePath($repoRoot, $trx)) -Coverage $coverage
    if ($code -ne 0 -and $failed -eq 0) {
        $result.Failed = 1
        $result.Problem = "dotnet test exited with $code though no test failed"
    }
    $result
}

# The .NET runtime's settings (DOTNET_*) among the unit's Environment= lines.
function Get-ServiceRuntimeEnvironment([string] $UnitPath) {
    $launch = Get-ServiceLaunch -UnitPath $UnitPath -ConfigPath '/dev/null' -HomeDirectory ([IO.Path]::GetTempPath())
    $runtime = @{}
    foreach ($entry in $launch.Environment.GetEnumerator() | Where-Object Name -like 'DOTNET_*') { $runtime[$entry.Name] = $entry.Value }
    if ($runtime.Count -eq 0) { throw "$UnitPath sets no DOTNET_* runtime setting to test under." }
    $runtime
}

# Runs the script block with these environment variables set, then puts the old values back.
function Invoke-WithEnvironment([hashtable] $Environment, [scriptblock] $Script) {
    $saved = @{}
    foreach ($name in $Environment.Keys) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $Environment[$name])
    }
    try { & $Script }
    finally { foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) } }
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
function Get-EngineCoverage([string] $RepoRoot, [string] $ResultsFolder) {
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

Export-ModuleMember -Function Invoke-XunitSuite
