# tests/prerequisites.psd1 is what build.ps1 installs before the network namespace; the suites
# call Install-DebianPackage as a guard. These two lists must not drift apart.

BeforeAll {
    $repoRoot = Split-Path -Parent $PSScriptRoot
    Import-Module (Join-Path $repoRoot 'tools/build/Prerequisites.psm1') -Force
    $declarationPath = Join-Path $repoRoot 'tests/prerequisites.psd1'
    $declared = @(Get-DeclaredPrerequisite $declarationPath)
    # Every script that may install a package; tools/build is the installer itself.
    $folders = @(Get-ChildItem -LiteralPath $repoRoot -Directory | Where-Object Name -NotIn 'out', '.git')
    $scripts = @(@(Get-ChildItem -Path (Join-Path $repoRoot '*') -File -Include '*.ps1', '*.psm1') + @($folders | Get-ChildItem -Recurse -File -Include '*.ps1', '*.psm1') |
            Where-Object { [IO.Path]::GetRelativePath($repoRoot, $_.FullName).Replace('\', '/') -notmatch '^tools/build/|/(bin|obj)/' } |
            ForEach-Object FullName)
    $calls = @(Find-DebianPackageCall -RepoRoot $repoRoot -Files $scripts)
}

Describe 'tests/prerequisites.psd1' {
    It 'finds the Install-DebianPackage calls of the suites' {
        # A scan that finds nothing would make every check below pass vacuously.
        @($calls | Where-Object File -Like 'pester/*').Count | Should -BeGreaterThan 0
        @($calls | Where-Object Name -EQ 'curl').Count | Should -BeGreaterThan 0
    }

    It 'declares every package, command and user that an Install-DebianPackage call names, and no other' {
        $drift = @(Find-PrerequisiteDrift -Declared $declared -Calls $calls)
        $drift -join "`n" | Should -BeNullOrEmpty
    }

    It 'gives build.ps1 exactly the packages a suite asks for' {
        foreach ($file in @($calls | ForEach-Object File | Sort-Object -Unique)) {
            $asked = @($calls | Where-Object File -EQ $file | ForEach-Object Name | Sort-Object -Unique)
            $selected = @(Select-SuitePrerequisite -Declared $declared -RepoRoot $repoRoot -Files (Join-Path $repoRoot $file) |
                    ForEach-Object Name | Sort-Object -Unique)
            $selected -join ',' | Should -Be ($asked -join ',') -Because $file
        }
    }

    It 'reports a package a suite installs but the declaration lacks, and a user that no longer asks' {
        $suite = Join-Path $TestDrive 'pester/Sample.Tests.ps1'
        $null = New-Item -ItemType Directory -Path (Split-Path $suite) -Force
        Set-Content -LiteralPath $suite -Value "Install-DebianPackage -Name dnsutils -Command dig`nInstall-DebianPackage curl"
        $sampleCalls = @(Find-DebianPackageCall -RepoRoot $TestDrive -Files $suite)
        $sampleDeclared = @(
            [pscustomobject]@{ Name = 'curl'; Commands = @('curl'); Library = $false; UsedBy = @('pester/Sample.Tests.ps1') }
            [pscustomobject]@{ Name = 'tmux'; Commands = @('tmux'); Library = $false; UsedBy = @('pester/Sample.Tests.ps1') }
        )
        $drift = @(Find-PrerequisiteDrift -Declared $sampleDeclared -Calls $sampleCalls)
        $drift | Should -HaveCount 3
        $drift[0] | Should -BeLike '*installs dnsutils, which tests/prerequisites.psd1 does not declare*'
        $drift[1] | Should -BeLike 'tmux lists pester/Sample.Tests.ps1 in UsedBy*'
        $drift[2] | Should -BeLike "tmux declares command 'tmux'*"
    }

    It 'refuses an entry with a key it does not know' {
        $path = Join-Path $TestDrive 'typo.psd1'
        Set-Content -LiteralPath $path -Value "@{ DebianPackages = @(@{ Name = 'curl'; UsedBy = @('x'); Command = 'curl' }) }"
        { Get-DeclaredPrerequisite $path } | Should -Throw '*unknown keys: Command*'
    }
}
