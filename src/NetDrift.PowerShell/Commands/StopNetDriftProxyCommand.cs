using System.Management.Automation;
using NetDrift.Engine.Server;
using NetDrift.PowerShell.Session;
using NetDrift.PowerShell.Completion;

namespace NetDrift.PowerShell.Commands;

/// <summary>
/// Stops proxies: /healthz answers 503 at once, new clients are still taken for the shutdown delay
/// (server.shutdown_delay_seconds, or -ShutdownDelay), then none; open tunnels may finish up to
/// -DrainTimeout, then the rest are closed. Without -Name or -InputObject, stops every proxy of the session.
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "NetDriftProxy", SupportsShouldProcess = true, DefaultParameterSetName = ByName)]
[OutputType(typeof(ProxyInfo))]
public sealed class StopNetDriftProxyCommand : PSCmdlet
{
    private const string ByName = "ByName";
    private const string ByObject = "ByObject";

    [Parameter(ParameterSetName = ByName, Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ProxyNameCompleter))]
    public string[]? Name { get; set; }

    [Parameter(ParameterSetName = ByObject, Mandatory = true, ValueFromPipeline = true)]
    public ProxyInfo[]? InputObject { get; set; }

    [Parameter]
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Overrides server.shutdown_delay_seconds for this stop.</summary>
    [Parameter]
    public TimeSpan? ShutdownDelay { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private bool _sawInput;

    protected override void ProcessRecord()
    {
        _sawInput = true;
        IEnumerable<ProxyServer> targets = ParameterSetName == ByObject
            ? InputObject!.Select(i => i.Server)
            : SessionNames.Proxies(this, Name);
        foreach (var server in targets.ToArray())
        {
            Stop(server);
        }
    }

    protected override void EndProcessing()
    {
        if (!_sawInput)
        {
            foreach (var server in NetDriftSession.RunningProxies)
            {
                Stop(server);
            }
        }
    }

    private void Stop(ProxyServer server)
    {
        if (!ShouldProcess($"{server.Name} ({server.Url}), {server.Counters.ActiveConnections} open connection(s)", "Stop NetDrift proxy"))
        {
            return;
        }
        NetDriftSession.ForgetProxy(server);
        var stopping = server.StopAsync(DrainTimeout, ShutdownDelay ?? server.Config.Server.ShutdownDelay);
        var activity = $"Stopping NetDrift proxy '{server.Name}'";
        var shown = false;
        while (!stopping.Wait(100))
        {
            // A new record each time: a host may keep the records it was given (a runspace's
            // Progress stream does), so reusing one would rewrite what was already shown.
            var open = server.Counters.ActiveConnections;
            WriteProgress(new ProgressRecord(1, activity, $"{open} connection(s) still open; /healthz answers 503; closing the rest at the drain timeout ({DrainTimeout})"));
            shown = true;
        }
        if (shown)
        {
            WriteProgress(new ProgressRecord(1, activity, "Stopped") { RecordType = ProgressRecordType.Completed });
        }
        stopping.GetAwaiter().GetResult();
        if (PassThru)
        {
            WriteObject(new ProxyInfo(server));
        }
    }
}
