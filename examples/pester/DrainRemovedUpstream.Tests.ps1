# Example: Remove-NetDriftUpstream never cuts an open tunnel; the upstream drains, then leaves.
BeforeAll {
    . (Join-Path $PSScriptRoot '_Import.ps1')
    $old = Start-FaultyProxy -Name 'ex-drain-old'
    $new = Start-FaultyProxy -Name 'ex-drain-new'
    $proxy = Start-NetDriftProxy -Name 'ex-drain' -Listen 127.0.0.1:0 -Upstream $old.Url -LogLevel None
}
AfterAll {
    $proxy | Stop-NetDriftProxy
    Get-FaultyProxy -Name 'ex-drain-*' | Stop-FaultyProxy
}

Describe 'Draining a removed upstream' {
    It 'lets the open tunnel finish, sends new ones elsewhere, then forgets it' {
        # Open a tunnel through the old upstream and keep it open.
        $client = [Net.Sockets.TcpClient]::new('127.0.0.1', $proxy.Port)
        $stream = $client.GetStream()
        $connect = [Text.Encoding]::ASCII.GetBytes("CONNECT 127.0.0.1:$($proxy.Port) HTTP/1.1`r`nHost: x`r`n`r`n")
        $stream.Write($connect, 0, $connect.Length)
        $reader = [IO.StreamReader]::new($stream)
        $reader.ReadLine() | Should -Match ' 200 '
        while ($reader.ReadLine()) { }

        $null = Add-NetDriftUpstream -Proxy $proxy -Url $new.Url -Name 'new'
        Remove-NetDriftUpstream -Proxy $proxy -Name "127.0.0.1:$($old.Port)"
        (Get-NetDriftUpstream -Proxy $proxy -Name "127.0.0.1:$($old.Port)").State | Should -Be 'Draining'
        (Test-NetDriftTunnel -Proxy $proxy -Target "127.0.0.1:$($proxy.Port)").Succeeded | Should -BeTrue

        # The old tunnel still works; once closed, the upstream is gone.
        $writer = [IO.StreamWriter]::new($stream)
        $writer.Write("GET /healthz HTTP/1.1`r`nHost: x`r`nConnection: close`r`n`r`n"); $writer.Flush()
        $reader.ReadToEnd() | Should -Match 'ok'
        $client.Dispose()
        $deadline = (Get-Date).AddSeconds(5)
        while (@(Get-NetDriftUpstream -Proxy $proxy).Count -gt 1 -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 50 }
        (Get-NetDriftUpstream -Proxy $proxy).Name | Should -Be 'new'
    }
}
