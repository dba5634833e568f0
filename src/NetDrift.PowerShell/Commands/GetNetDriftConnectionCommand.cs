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
        var users = Patterns(User);
        var upstreams = Patterns(Upstream);
        var targets = Patterns(Target);
        foreach (var connection in server.GetConnections())
        {
            if (Matches(users, connection.User) && Matches(upstreams, connection.Upstream) && Matches(targets, connection.Target))
            {
                WriteObject(ConnectionInfo.From(server.Name, connection));
            }
        }
    }

    private static WildcardPattern[]? Patterns(string[]? values) =>
        values?.Select(v => new WildcardPattern(v, WildcardOptions.IgnoreCase)).ToArray();

    /// <summary>No filter matches everything; a filter never matches a field that is not set.</summary>
    private static bool Matches(WildcardPattern[]? patterns, string? value) =>
        patterns is null || (value is not null && patterns.Any(p => p.IsMatch(value)));
}
