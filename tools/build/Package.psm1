# Package: with PSResourceGet, out/package/NetDrift.<version>.nupkg (what Install-PSResource
# installs from a file repository) and the versioned module folder out/package/NetDrift/<version>/.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'Common.psm1')
Import-Module (Join-Path $PSScriptRoot 'Build.psm1')

function Invoke-Package([pscustomobject] $Layout, [switch] $NoBuild, [string] $PackagePath) {
    $moduleOut = $Layout.ModuleOut
    if ($NoBuild) {
        if (-not (Test-Path (Join-Path $moduleOut 'NetDrift.psd1'))) { throw 'out/NetDrift is not built; run without -NoBuild.' }
    }
    else {
        Invoke-ModuleBuild $Layout
    }
    $version = Get-ProjectVersion $Layout
    Write-Step "Package NetDrift $($version.Text)"
    Import-Module Microsoft.PowerShell.PSResourceGet -ErrorAction Ignore
    $packageDir = if ($PackagePath) { [IO.Path]::GetFullPath($PackagePath, $Layout.RepoRoot) } else { Join-Path $Layout.OutDir 'package' }
    if (Test-Path $packageDir) { Remove-Item -Recurse -Force $packageDir }
    $null = New-Item -ItemType Directory -Path $packageDir
    # The layout of an installed module: <name>/<version>/ (no prerelease tag in the folder name).
    $versionedDir = Join-Path $packageDir "NetDrift/$($version.Core)"
    $null = New-Item -ItemType Directory -Path $versionedDir
    Copy-Item -Path (Join-Path $moduleOut '*') -Destination $versionedDir -Recurse
    if (Get-Command Compress-PSResource -ErrorAction Ignore) {
        Compress-PSResource -Path $moduleOut -DestinationPath $packageDir
    }
    elseif (Get-Command Publish-PSResource -ErrorAction Ignore) {
        # Older PSResourceGet: publish to a throw-away local file repository.
        $repoName = "NetDriftBuild$PID"
        $repoDir = Join-Path $Layout.OutDir "package-repo"
        $null = New-Item -ItemType Directory -Path $repoDir -Force
        Register-PSResourceRepository -Name $repoName -Uri $repoDir -Trusted
        try {
            Publish-PSResource -Path $moduleOut -Repository $repoName
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
    Write-Host "Package: $([IO.Path]::GetRelativePath($Layout.RepoRoot, $package)), $([IO.Path]::GetRelativePath($Layout.RepoRoot, $versionedDir))"
}

Export-ModuleMember -Function Invoke-Package
