# Child processes of the benchmark: started with redirected pipes, read by line, and stopped
# (SIGTERM, then kill) so that nothing outlives the run. Used by Invoke-ProxyBench.ps1.
Set-StrictMode -Version Latest

function Start-BenchProcess {
    <#
    .SYNOPSIS
        Starts a program with stdin/stdout/stderr redirected; stderr goes to a log file.
    #>
    param(
        [Parameter(Mandatory)] [string] $FilePath,
        [string[]] $ArgumentList = @(),
        [Parameter(Mandatory)] [string] $LogPath,
        [hashtable] $Environment = @{},
        # For servers whose stdout nobody reads: copied to the log so it never fills the pipe.
        [switch] $DrainOutput,
        # Where the program runs: files it drops (the Go NetDrift writes proxy.pid) land there.
        [string] $WorkingDirectory = [IO.Path]::GetTempPath()
    )
    $psi = [Diagnostics.ProcessStartInfo]::new($FilePath)
    foreach ($a in $ArgumentList) { $psi.ArgumentList.Add($a) }
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] }
    $psi.WorkingDirectory = $WorkingDirectory
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $process = [Diagnostics.Process]::Start($psi)
    # stderr is drained in the background so a chatty child never blocks on a full pipe.
    $log = [IO.StreamWriter]::new($LogPath, $true)
    $log.AutoFlush = $true
    $null = $process.StandardError.BaseStream.CopyToAsync($log.BaseStream)
    if ($DrainOutput) { $null = $process.StandardOutput.BaseStream.CopyToAsync([IO.Stream]::Null) }
    $process | Add-Member -NotePropertyName BenchLog -NotePropertyValue $log -PassThru
}

function Read-BenchLine {
    <#
    .SYNOPSIS
        The next stdout line of a child that matches -Pattern, within -Seconds; throws with the
        child's log otherwise.
    #>
    param(
        [Parameter(Mandatory)] [Diagnostics.Process] $Process,
        [Parameter(Mandatory)] [string] $Pattern,
        [double] $Seconds = 60,
        [string] $What = 'the child'
    )
    $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
    while ([DateTime]::UtcNow -lt $deadline) {
        $read = $Process.StandardOutput.ReadLineAsync()
        while (-not $read.Wait(200)) {
            if ([DateTime]::UtcNow -ge $deadline) { throw "$What printed no line matching '$Pattern' within $Seconds s." }
        }
        $line = $read.Result
        if ($null -eq $line) { throw "$What ended (exit $(if ($Process.HasExited) { $Process.ExitCode })) before printing '$Pattern'." }
        if ($line -match $Pattern) { return $line }
    }
    throw "$What printed no line matching '$Pattern' within $Seconds s."
}

function Read-ListeningPort {
    <#
    .SYNOPSIS
        The port a listening child (the origin, the LoadGen's listening modes) announces on its
        "LISTENING <port>" line.
    #>
    param([Parameter(Mandatory)] [Diagnostics.Process] $Process, [string] $What = 'the child')
    [int]((Read-BenchLine $Process '^LISTENING \d+' -What $What) -split ' ')[1]
}

function Stop-BenchProcess {
    <#
    .SYNOPSIS
        Closes the child's stdin, sends SIGTERM, waits, then kills the whole tree.
    #>
    param([Parameter(Mandatory)] [AllowNull()] [Diagnostics.Process] $Process, [double] $Seconds = 10)
    if ($null -eq $Process) { return }
    try { $Process.StandardInput.Close() } catch { }
    if (-not $Process.HasExited) { & kill -TERM $Process.Id 2>$null }
    if (-not $Process.WaitForExit([int]($Seconds * 1000))) { $Process.Kill($true) }
    $Process.WaitForExit()
    if ($Process.PSObject.Properties['BenchLog']) { $Process.BenchLog.Dispose() }
    $Process.Dispose()
}

function Get-ProcessTreeRssKiB {
    <#
    .SYNOPSIS
        Resident memory of a process and its descendants (squid's helpers, haproxy's threads are
        in the process already), from /proc, in KiB.
    #>
    param([Parameter(Mandatory)] [int] $ProcessId)
    $total = 0L
    $pending = [Collections.Generic.Queue[int]]::new()
    $pending.Enqueue($ProcessId)
    while ($pending.Count -gt 0) {
        $id = $pending.Dequeue()
        $status = Get-Content -LiteralPath "/proc/$id/status" -ErrorAction Ignore
        $rss = $status | Where-Object { $_ -match '^VmRSS:\s+(\d+) kB' } | ForEach-Object { [long]$Matches[1] }
        if ($rss) { $total += $rss }
        foreach ($task in Get-ChildItem -LiteralPath "/proc/$id/task" -ErrorAction Ignore) {
            $children = Get-Content -LiteralPath (Join-Path $task.FullName 'children') -Raw -ErrorAction Ignore
            if ($children) { foreach ($child in $children.Trim() -split '\s+') { $pending.Enqueue([int]$child) } }
        }
    }
    $total
}

function Get-BenchFileLimit {
    <#
    .SYNOPSIS
        This process's soft RLIMIT_NOFILE (children inherit it): a front proxy holds two sockets
        per tunnel, so it bounds how many idle tunnels any contender can hold.
    #>
    $line = Get-Content -LiteralPath '/proc/self/limits' | Where-Object { $_ -match '^Max open files\s+(\d+|unlimited)' } | Select-Object -First 1
    if (-not $line) { return 1048576 }
    $null = $line -match '^Max open files\s+(\d+|unlimited)'
    if ($Matches[1] -eq 'unlimited') { 1048576 } else { [int]$Matches[1] }
}

Export-ModuleMember -Function Start-BenchProcess, Read-BenchLine, Read-ListeningPort, Stop-BenchProcess, Get-ProcessTreeRssKiB, Get-BenchFileLimit
