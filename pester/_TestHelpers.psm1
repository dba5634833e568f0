# Helpers for the NetDrift Pester suites. Import it in a suite's BeforeAll:
#     Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
# (examples/pester suites: Join-Path $PSScriptRoot '../../pester/_TestHelpers.psm1').
#
# build.ps1 Test runs the suites in a fresh pwsh, inside a private network namespace when it can
# (NETDRIFT_TEST_NETNS=1): only loopback exists there, and origin.netdrift.test and
# origin2.netdrift.test resolve to 127.0.0.1. Address origins by those names when a request goes
# through a proxy: .NET's HttpClient never sends a request for 127.0.0.1 or localhost through one.

Set-StrictMode -Version Latest

$script:RepoRoot = Split-Path -Parent $PSScriptRoot
$script:AptUpdated = $false

function Get-DotNetHost {
    <#
    .SYNOPSIS
        The path of the dotnet host: the one build.ps1 used, else the one running this pwsh
        (`dotnet pwsh`), else the one on PATH.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param()
    if ($env:NETDRIFT_TEST_DOTNET -and (Test-Path -LiteralPath $env:NETDRIFT_TEST_DOTNET)) { return $env:NETDRIFT_TEST_DOTNET }
    $self = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') { return $self }
    $found = Get-Command dotnet -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if (-not $found) { throw 'dotnet was not found (set NETDRIFT_TEST_DOTNET or put it on PATH).' }
    $found.Source
}

function Import-NetDriftUnderTest {
    <#
    .SYNOPSIS
        Imports the built module, out/NetDrift/NetDrift.psd1, into the global scope; returns it.
    #>
    [CmdletBinding()]
    [OutputType([psmoduleinfo])]
    param()
    $manifest = Join-Path $script:RepoRoot 'out/NetDrift/NetDrift.psd1'
    if (-not (Test-Path -LiteralPath $manifest)) {
        throw "$manifest does not exist: run ./build.ps1 Build (or Test) first."
    }
    Import-Module -Name $manifest -Global -PassThru -ErrorAction Stop
}

function Get-TestPwsh {
    <#
    .SYNOPSIS
        How to start a fresh pwsh like the running one: FilePath plus the Arguments that go first.
    .EXAMPLE
        $pwsh = Get-TestPwsh
        $p = Start-Process $pwsh.FilePath -ArgumentList ($pwsh.Arguments + '-NoProfile', '-Command', '...') -PassThru
    #>
    [CmdletBinding()]
    param()
    $self = [Environment]::ProcessPath
    $arguments = if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') { @((Join-Path $PSHOME 'pwsh.dll')) } else { @() }
    [pscustomobject]@{ FilePath = $self; Arguments = $arguments }
}

function Test-NetNamespace {
    <#
    .SYNOPSIS
        True when the suite runs in build.ps1's private network namespace (test host names resolve).
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param()
    $env:NETDRIFT_TEST_NETNS -eq '1'
}

function Start-TestOrigin {
    <#
    .SYNOPSIS
        Starts NetDrift.TestOrigin on 127.0.0.1 and waits until it listens.
    .DESCRIPTION
        Returns Port, HostName, Url (http://<HostName>:<port>, for requests through a proxy),
        LoopbackUrl (http://127.0.0.1:<port>, for direct requests), Target (<HostName>:<port>, for
        CONNECT), CertificatePath and Process. Endpoints: GET /hello, GET /bytes/<n>, POST /echo,
        GET /headers, GET /status/<code>, GET /delay/<ms>. -Tls serves HTTPS (the URLs say https)
        with a fresh self-signed certificate for the test host names, localhost and 127.0.0.1,
        written as PEM to CertificatePath so clients can trust exactly it. Stop it with
        Stop-TestOrigin (it also exits when this process does).
    #>
    [CmdletBinding()]
    param(
        [ValidateRange(0, 65535)]
        [int] $Port = 0,

        [string] $HostName = 'origin.netdrift.test',

        [switch] $Tls,

        [ValidateRange(1, 300)]
        [int] $TimeoutSeconds = 30
    )
    $dll = $env:NETDRIFT_TEST_ORIGIN
    if (-not $dll) { $dll = Join-Path $script:RepoRoot 'out/test-origin/NetDrift.TestOrigin.dll' }
    if (-not (Test-Path -LiteralPath $dll)) {
        throw "The test origin $dll does not exist: run ./build.ps1 Test, or set NETDRIFT_TEST_ORIGIN."
    }
    $psi = [Diagnostics.ProcessStartInfo]::new((Get-DotNetHost))
    $originArguments = @($dll, '--port', "$Port")
    $certificatePath = $null
    if ($Tls) {
        $certificatePath = Join-Path ([IO.Path]::GetTempPath()) "netdrift-origin-$PID-$([guid]::NewGuid().ToString('n')).pem"
        $originArguments += @('--tls-certificate-out', $certificatePath)
    }
    foreach ($a in $originArguments) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    # The origin exits when its stdin closes: holding the pipe ties it to this process.
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $process = [Diagnostics.Process]::Start($psi)
    $stderr = $process.StandardError.ReadToEndAsync()
    $firstLine = $process.StandardOutput.ReadLineAsync()
    if (-not $firstLine.Wait([TimeSpan]::FromSeconds($TimeoutSeconds)) -or "$($firstLine.Result)" -notmatch '^LISTENING (\d+)$') {
        $seen = if ($firstLine.IsCompleted) { "'$($firstLine.Result)'" } else { 'nothing' }
        if (-not $process.HasExited) { $process.Kill($true) }
        $null = $process.WaitForExit(5000)
        $errors = if ($stderr.IsCompleted) { $stderr.Result.Trim() } else { '' }
        $process.Dispose()
        throw "The test origin did not start within $TimeoutSeconds s (stdout: $seen; stderr: $errors)."
    }
    $actualPort = [int]$Matches[1]
    $null = $process.StandardOutput.ReadToEndAsync()
    $scheme = if ($Tls) { 'https' } else { 'http' }
    [pscustomobject]@{
        PSTypeName      = 'NetDrift.TestOrigin'
        Port            = $actualPort
        HostName        = $HostName
        Url             = "${scheme}://${HostName}:$actualPort"
        LoopbackUrl     = "${scheme}://127.0.0.1:$actualPort"
        Target          = "${HostName}:$actualPort"
        CertificatePath = $certificatePath
        Process         = $process
    }
}

function Stop-TestOrigin {
    <#
    .SYNOPSIS
        Stops a test origin from Start-TestOrigin: closes its stdin, then kills it if it lingers.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [AllowNull()]
        [psobject] $Origin
    )
    process {
        if ($null -eq $Origin) { return }
        $process = [Diagnostics.Process]$Origin.Process
        try {
            if (-not $process.HasExited) {
                # Closing can fail when the origin just exited on its own; then there is nothing to do.
                try { $process.StandardInput.Close() } catch { }
                if (-not $process.WaitForExit(5000)) {
                    $process.Kill($true)
                    $null = $process.WaitForExit(5000)
                }
            }
        }
        catch [InvalidOperationException] {
            # Already disposed: nothing left to stop.
        }
        if ($Origin.CertificatePath) { Remove-Item -LiteralPath $Origin.CertificatePath -Force -ErrorAction Ignore }
    }
}

function Wait-Until {
    <#
    .SYNOPSIS
        Polls a condition until it returns something truthy, and returns that; throws on timeout.
    .DESCRIPTION
        -Timeout is seconds, a TimeSpan or a TimeSpan string such as 0:0:5 (default 10 s), -Interval milliseconds (default 100). A
        condition that throws counts as not yet true; the last error is in the timeout message.
    .EXAMPLE
        Wait-Until { (Get-NetDriftStats).Requests -ge 3 } -Timeout 5 -Because 'three requests are counted'
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)]
        [scriptblock] $Condition,

        [object] $Timeout = 10,

        [ValidateRange(1, 60000)]
        [int] $Interval = 100,

        [string] $Because
    )
    $limit = [TimeSpan]::Zero
    if ($Timeout -is [TimeSpan]) { $limit = $Timeout }
    elseif ("$Timeout" -match ':' -and [TimeSpan]::TryParse("$Timeout", [Globalization.CultureInfo]::InvariantCulture, [ref]$limit)) { }
    else { $limit = [TimeSpan]::FromSeconds([double]$Timeout) }
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $lastError = $null
    while ($true) {
        try {
            $value = & $Condition
            if ($value) { return $value }
            $lastError = $null
        }
        catch {
            $lastError = $_
        }
        if ($clock.Elapsed -ge $limit) { break }
        Start-Sleep -Milliseconds $Interval
    }
    $what = if ($Because) { $Because } else { "{ $($Condition.ToString().Trim()) }" }
    $message = "Timed out after $([math]::Round($limit.TotalSeconds, 1)) s waiting until $what."
    if ($lastError) { $message += " Last error: $lastError" }
    throw $message
}

function Install-DebianPackage {
    <#
    .SYNOPSIS
        Makes sure a command exists, installing its Debian package with apt-get when it is missing.
    .DESCRIPTION
        The test network namespace has no route out, so build.ps1 installs the packages that
        tests/prerequisites.psd1 declares for the suites it runs before starting Pester; in the
        suite the call is then a quick check. Declare every package a suite installs there
        (pester/Prerequisites.Tests.ps1 fails otherwise).
        -Library is for a package without a command of its own (python3-requests): dpkg's record
        says whether it is installed, since a command of the same language (a pyenv python3 on
        PATH) proves nothing about it.
    .EXAMPLE
        Install-DebianPackage curl
        Install-DebianPackage -Name dnsutils -Command dig
        Install-DebianPackage -Name python3-requests -Library
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)]
        [string] $Name,

        [Parameter(Position = 1)]
        [string] $Command = $Name,

        [switch] $Library
    )
    $installed = if ($Library) {
        { (& dpkg-query -W -f '${Status}' $Name 2>$null) -eq 'install ok installed' }
    }
    else {
        { [bool](Get-Command $Command -CommandType Application -ErrorAction Ignore) }
    }
    if (& $installed) { return }
    if (-not (Get-Command apt-get -CommandType Application -ErrorAction Ignore)) {
        throw "'$Command' is missing and there is no apt-get here: install $Name yourself."
    }
    $sudo = @()
    if ((& id -u) -ne '0') {
        if (-not (Get-Command sudo -CommandType Application -ErrorAction Ignore)) { throw "Installing $Name needs root (or sudo)." }
        $sudo = @('sudo', '-n')
    }
    $offline = if (Test-NetNamespace) { ' The test network namespace has no network: declare $Name in tests/prerequisites.psd1 so build.ps1 installs it beforehand.' } else { '' }
    $run = {
        param([string[]] $AptArguments)
        $env:DEBIAN_FRONTEND = 'noninteractive'
        $all = $sudo + @('apt-get') + $AptArguments
        $output = & $all[0] @($all | Select-Object -Skip 1) 2>&1
        if ($LASTEXITCODE -ne 0) { throw "apt-get $($AptArguments -join ' ') failed ($LASTEXITCODE).$offline $($output -join "`n")" }
    }
    if (-not $script:AptUpdated) {
        & $run @('-qq', 'update')
        $script:AptUpdated = $true
    }
    & $run @('-qq', '-y', '--no-install-recommends', 'install', $Name)
    if (-not (& $installed)) {
        $missing = if ($Library) { 'dpkg does not list it as installed' } else { "'$Command' is still not on PATH" }
        throw "apt-get installed $Name but $missing."
    }
}

function Start-ChildPwsh {
    <#
    .SYNOPSIS
        Starts pwsh.dll itself (not the `dotnet pwsh` tool shim, so signals reach the real process)
        running -Command $Script with plain-text output; stdout and stderr redirected, stdin closed.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string] $Script,
        [string] $WorkingDirectory
    )
    $psi = [Diagnostics.ProcessStartInfo]::new((Get-DotNetHost))
    foreach ($a in @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-Command', "`$PSStyle.OutputRendering = 'PlainText'; $Script")) {
        $psi.ArgumentList.Add($a)
    }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    if ($WorkingDirectory) { $psi.WorkingDirectory = $WorkingDirectory }
    $process = [Diagnostics.Process]::Start($psi)
    $process.StandardInput.Close()
    $process
}

function Read-ChildProxyPort {
    <#
    .SYNOPSIS
        Reads a child's stdout until its `Start-NetDriftProxy ... | Format-List Port` line; the port,
        or $null when the child closed its output or printed none within -Seconds.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][Diagnostics.Process] $Process,
        [int] $Seconds = 30
    )
    $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
    while ([DateTime]::UtcNow -lt $deadline) {
        $line = $Process.StandardOutput.ReadLine()
        if ($null -eq $line) { return $null }
        if ($line -match '^Port\s*:\s*(\d+)') { return [int]$Matches[1] }
    }
    $null
}

Export-ModuleMember -Function Import-NetDriftUnderTest, Get-DotNetHost, Get-TestPwsh, Test-NetNamespace, Start-TestOrigin,
    Stop-TestOrigin, Wait-Until, Install-DebianPackage, Start-ChildPwsh, Read-ChildProxyPort
