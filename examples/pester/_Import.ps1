# Every example starts here: use the installed NetDrift module, or the one this repository built.
if (Get-Module -ListAvailable -Name NetDrift) {
    Import-Module NetDrift
}
else {
    Import-Module (Join-Path $PSScriptRoot '../../out/NetDrift/NetDrift.psd1')
}

# A target that needs nothing else running: the proxy's own /healthz answers "ok" to a GET sent
# through a tunnel. In your own suites, point -Target at the service you really care about.
function Get-HealthzRequest([int] $Port) { "GET /healthz HTTP/1.1`nHost: 127.0.0.1:$Port`nConnection: close`n`n" }
