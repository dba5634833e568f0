using System.Management.Automation;
using NetDrift.PowerShell.Completion;

namespace NetDrift.PowerShell.Commands;

/// <summary>Zeroes a proxy's counters; active-connection gauges stay, peaks restart from them.</summary>
[Cmdlet(VerbsCommon.Reset, "NetDriftStats", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class ResetNetDriftStatsCommand : PSCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProxyNameCompleter))]
    public object? Proxy { get; set; }

    protected override void ProcessRecord()
    {
        if (!ProxyResolver.TryResolve(this, Proxy, out var server))
        {
            return;
        }
        if (ShouldProcess(server.Name, "Reset NetDrift statistics"))
        {
            server.ResetStats();
        }
    }
}
