# The xunit suite: dotnet test with a trx logger and coverlet, read back into one suite result.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'Common.psm1')
Import-Module (Join-Path $PSScriptRoot 'TestResults.psm1')

function Invoke-XunitSuite([pscustomobject] $Layout) {
    $repoRoot = $Layout.RepoRoot
    Write-Step "xunit: $([IO.Path]::GetRelativePath($repoRoot, $Layout.XunitProject))"
    $dir = Join-Path $Layout.ResultsDir 'xunit'
    if (Test-Path $dir) { Remove-Item -Recurse -Force $dir }
    $trx = Join-Path $dir 'xunit.trx'
    $code = Invoke-Native (Get-DotNetHost) -AllowFailure @('test', $Layout.XunitProject, '-c', $Layout.Configuration,
        '--nologo', '--verbosity', 'minimal', '--logger', 'trx;LogFileName=xunit.trx', '--results-directory', $dir,
        '--collect', 'XPlat Code Coverage', '--settings', (Write-CoverageSettings $dir))
    $coverage = Get-EngineCoverage $repoRoot $dir
    if (-not (Test-Path $trx)) {
        if ($code -eq 0) { return New-SuiteResult -Name 'xunit' -Problem 'no tests found' -Coverage $coverage }
        $crashed = New-CrashedSuite 'xunit' "dotnet test exited with $code and wrote no results (build error?)"
        $crashed.Coverage = $coverage
        return $crashed
    }
    $doc = [xml](Get-Content -Raw $trx)
    $ns = [Xml.XmlNamespaceManager]::new($doc.NameTable)
    $ns.AddNamespace('t', $doc.DocumentElement.NamespaceURI)
    $counters = $doc.SelectSingleNode('//t:ResultSummary/t:Counters', $ns)
    if (-not $counters) {
        $crashed = New-CrashedSuite 'xunit' "$trx has no result counters"
        $crashed.Coverage = $coverage
        return $crashed
    }
    $count = { param($name) [int]$counters.GetAttribute($name) }
    # Skipped tests are in total but not in executed (trx's notExecuted stays 0 for them).
    $failed = (& $count 'failed') + (& $count 'error') + (& $count 'timeout') + (& $count 'aborted')
    $names = @($doc.SelectNodes("//t:UnitTestResult[@outcome='Failed']", $ns) | ForEach-Object { $_.GetAttribute('testName') })
    $result = New-SuiteResult -Name 'xunit' -Passed (& $count 'passed') -Failed $failed -Skipped ((& $count 'total') - (& $count 'executed')) `
        -FailedNames $names -Report ([IO.Path]::GetRelativePath($repoRoot, $trx)) -Coverage $coverage
    if ($code -ne 0 -and $failed -eq 0) {
        $result.Failed = 1
        $result.Problem = "dotnet test exited with $code though no test failed"
    }
    $result
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
