# NetDrift module manifest. build.ps1 copies it into out/NetDrift/ and fills ModuleVersion (and
# PSData.Prerelease when there is one) from <Version> in Directory.Build.props, the one place the
# version lives: leave ModuleVersion below as it is.
@{
    RootModule           = 'NetDrift.PowerShell.dll'
    ModuleVersion        = '0.0.0'
    GUID                 = '8207abbe-ad83-407c-a72b-ef85ed675c0c'
    Author               = 'NetDrift contributors'
    CompanyName          = 'NetDrift contributors'
    Copyright            = '(c) NetDrift contributors. MIT licence.'
    Description          = 'A load-balancing HTTP forward proxy (CONNECT tunnels and plain HTTP) run from PowerShell: weighted and sticky balancing over upstream proxies, health checks, live pool changes, per-upstream stats, and faulty test proxies for Pester suites.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('NetDrift.Format.ps1xml')
    TypesToProcess       = @('NetDrift.Types.ps1xml')

    # Explicit lists: PowerShell exports only what the assembly really defines, so a cmdlet listed
    # here before it is written is simply absent, not an error.
    CmdletsToExport      = @(
        'Start-NetDriftProxy'
        'Stop-NetDriftProxy'
        'Get-NetDriftProxy'
        'Add-NetDriftUpstream'
        'Remove-NetDriftUpstream'
        'Set-NetDriftUpstream'
        'Get-NetDriftUpstream'
        'Get-NetDriftConnection'
        'Stop-NetDriftConnection'
        'Get-NetDriftSession'
        'Get-NetDriftStats'
        'Get-NetDriftUser'
        'Reset-NetDriftStats'
        'Update-NetDriftConfig'
        'Test-NetDriftConfig'
        'Start-FaultyProxy'
        'Set-FaultyProxy'
        'Get-FaultyProxy'
        'Stop-FaultyProxy'
        'Test-NetDriftTunnel'
        'Watch-NetDriftStats'
        'ConvertTo-NetDriftPasswordHash'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()

    PrivateData          = @{
        PSData = @{
            Tags = @(
                'proxy', 'forward-proxy', 'http-proxy', 'connect', 'load-balancer',
                'load-balancing', 'upstream', 'health-check', 'fault-injection', 'testing',
                'pester', 'PSEdition_Core', 'Linux', 'MacOS', 'Windows'
            )
        }
    }
}
