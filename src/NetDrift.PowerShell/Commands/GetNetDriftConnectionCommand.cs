using System.Management.Automation;
using NetDrift.PowerShell.Completion;

namespace NetDrift.PowerShell.Commands;

/// <summary>The open client connections of a proxy (CONTRACT §10), filtered by user, upstream and target (wildcards).</summary>
[Cmdlet(VerbsCommon.Get, "NetDriftConnection")]
[OutputType(typeof(ConnectionInfo))]
public sealed class GetNetDriftConnectionCommand : PSCmdlet
{
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProxyNameCompleter))]
    public object? Proxy { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? User { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(UpstreamNameCompleter))]
    public string[]? Upstream { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Target { get; set; }

    protected override void ProcessRecord()
    {
        if (!ProxyResolver.TryResolve(this, Proxy, out var server))
        {
            return;
        }
        var users = new WildcardFilter(User);
        var upstreams = new WildcardFilter(Upstream);
        var targets = new WildcardFilter(Target);
        foreach (var connection in server.GetConnections())
        {
            if (users.Matches(connection.User) && upstreams.Matches(connection.Upstream) && targets.Matches(connection.Target))
            {
                WriteObject(ConnectionInfo.From(server.Name, connection));
            }
        }
    }
}
