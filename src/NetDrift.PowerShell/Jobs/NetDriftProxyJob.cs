using System.Management.Automation;
using NetDrift.Engine.Server;
using NetDrift.PowerShell.Session;

namespace NetDrift.PowerShell.Jobs;

/// <summary>
/// A running proxy as a PowerShell job (Start-NetDriftProxy -AsJob): Running while the proxy
/// serves. Its output is the ProxyInfo; its information stream holds status lines (started, every
/// -StatusInterval with -ShowStatus, stopped). Stop-Job drains and stops the proxy; a proxy stopped
/// any other way (Stop-NetDriftProxy, Remove-Module) completes the job. Engine threads only add to
/// the job's collections, never to a pipeline.
/// </summary>
public sealed class NetDriftProxyJob : Job
{
    public const string JobTypeName = "NetDriftProxyJob";

    private readonly ProxyServer _server;
    private readonly TimeSpan _drainTimeout;
    private readonly Timer? _statusTimer;
    private readonly object _gate = new();
    private string _statusMessage = "";
    private bool _stopRequested;

    internal NetDriftProxyJob(ProxyServer server, string command, TimeSpan drainTimeout, TimeSpan? statusInterval)
        : base(command, server.Name)
    {
        PSJobTypeName = JobTypeName;
        _server = server;
        _drainTimeout = drainTimeout;
        PSBeginTime = DateTime.Now;
        Proxy = new ProxyInfo(server);
        Output.Add(PSObject.AsPSObject(Proxy));
        Status($"NetDrift proxy '{server.Name}' serving on {server.Url} as job '{Name}'; Stop-Job drains and stops it.");
        SetJobState(JobState.Running);
        if (statusInterval is { } interval)
        {
            _statusTimer = new Timer(_ => Status(StatusLine.Format(_server, DateTimeOffset.Now)), null, interval, interval);
        }
        _ = server.Completion.ContinueWith(_ => Finish(), TaskScheduler.Default);
    }

    /// <summary>The proxy this job runs (also the job's first output).</summary>
    public ProxyInfo Proxy { get; }

    public override string Location => _server.Listen;

    public override string StatusMessage => Volatile.Read(ref _statusMessage);

    public override bool HasMoreData => Output.Count > 0 || Information.Count > 0 || Error.Count > 0 || Warning.Count > 0;

    /// <summary>Stop-Job: no new clients, open tunnels may finish up to the drain timeout, then the job is Stopped.</summary>
    public override void StopJob()
    {
        lock (_gate)
        {
            if (IsFinishedState(JobStateInfo.State) || _stopRequested)
            {
                return;
            }
            _stopRequested = true;
            SetJobState(JobState.Stopping);
        }
        NetDriftSession.ForgetProxy(_server);
        _server.StopAsync(_drainTimeout).GetAwaiter().GetResult();
        Finish();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _statusTimer?.Dispose();
            // Remove-Job -Force stops first; a job disposed any other way must not leave a listener behind.
            if (_server.State == ProxyState.Running)
            {
                StopJob();
            }
        }
        base.Dispose(disposing);
    }

    private void Finish()
    {
        lock (_gate)
        {
            if (IsFinishedState(JobStateInfo.State))
            {
                return;
            }
            _statusTimer?.Change(Timeout.Infinite, Timeout.Infinite);
            NetDriftSession.ForgetProxy(_server);
            Status($"NetDrift proxy '{_server.Name}' stopped after {_server.Counters.TotalConnections} connection(s).");
            PSEndTime = DateTime.Now;
            SetJobState(_stopRequested ? JobState.Stopped : JobState.Completed);
        }
    }

    private void Status(string line)
    {
        Volatile.Write(ref _statusMessage, line);
        var record = new InformationRecord(new HostInformationMessage { Message = line }, Name);
        record.Tags.Add("PSHOST");
        record.Tags.Add("NetDrift.Status");
        Information.Add(record);
    }

    private static bool IsFinishedState(JobState state) => state is JobState.Completed or JobState.Stopped or JobState.Failed;
}
