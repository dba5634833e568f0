# The README's first command runs this demo; run it here too so it never rots.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '_TestHelpers.psm1') -Force
    $repoRoot = Split-Path $PSScriptRoot -Parent
}

Describe 'demo/Start-Demo.ps1' {
    It 'starts upstreams and a proxy, carries traffic, shows stats and stops cleanly' {
        if (-not (Test-NetNamespace)) {
            Set-ItResult -Skipped -Because 'the demo uses the fixed ports 3025-3027 and 3130; only the private network namespace of build.ps1 Test guarantees they are free'
            return
        }
        $manifest = Join-Path $repoRoot 'out/NetDrift/NetDrift.psd1'
        $demo = Join-Path $repoRoot 'demo/Start-Demo.ps1'
        $output = & (Get-DotNetHost) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command `
            "`$PSStyle.OutputRendering = 'PlainText'; Import-Module '$manifest'; & '$demo' -ServeFor 0:0:0.2" 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 0
        $output | Should -Match '8 of 8 tunnels succeeded'
        $output | Should -Match 'us-1'
        $output | Should -Match 'eu-1'
        $output | Should -Match 'Requests'
        $output | Should -Match 'NetDrift demo stopped'
        $output | Should -Not -Match 'Exception'
    }
}
