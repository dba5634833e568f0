using System.Management.Automation;
using NetDrift.Engine.Stats;
using NetDrift.PowerShell.Completion;

namespace NetDrift.PowerShell.Commands;

/// <summary>One row of statistics per upstream of a proxy.</summary>
[Cmdlet(VerbsCommon.Get, "NetDriftStats")]
[OutputType(typeof(UpstreamStats))]
public sealed class GetNetDriftStatsCommand : PSCmdlet
{
    /// <summary>A proxy name or ProxyInfo; may be omitted when exactly one proxy runs.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProxyNameCompleter))]
    public object? Proxy { get; set; }

    /// <summary>Only these upstreams (wildcards allowed).</summary>
    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(UpstreamNameCompleter))]
    public string[]? Upstream { get; set; }

    // An int behind an engine enum: PowerShell loads this type (GetExportedTypes) before the module's
    // initializer can point it at the engine, and an enum field would need the engine right then.
    private int _window = (int)StatsWindow.Lifetime;

    /// <summary>Lifetime: since start or the last Reset-NetDriftStats. Recent: the last 15 minutes, sliding.</summary>
    [Parameter]
    public StatsWindow Window { get => (StatsWindow)_window; set => _window = (int)value; }

    protected override void ProcessRecord()
    {
        if (!ProxyResolver.TryResolve(this, Proxy, out var server))
        {
            return;
        }
        var patterns = Upstream?.Select(u => new WildcardPattern(u, WildcardOptions.IgnoreCase)).ToArray();
        foreach (var upstream in server.Pool.All)
        {
            if (patterns is null || patterns.Any(p => p.IsMatch(upstream.Name)))
            {
                WriteObject(UpstreamStats.From(server.Name, upstream, Window));
            }
        }
        if (server.ShowsDirect && (patterns is null || patterns.Any(p => p.IsMatch(server.Direct.Name))))
        {
            WriteObject(UpstreamStats.From(server.Name, server.Direct, Window));
        }
    }
}
