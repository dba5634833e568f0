using System.Management.Automation;
using NetDrift.PowerShell.Completion;

namespace NetDrift.PowerShell.Commands;

/// <summary>The live sessions of a proxy (sessions), oldest first.</summary>
[Cmdlet(VerbsCommon.Get, "NetDriftSession")]
[OutputType(typeof(SessionInfo))]
public sealed class GetNetDriftSessionCommand : PSCmdlet
{
    /// <summary>A proxy name or ProxyInfo; may be omitted when exactly one proxy runs.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProxyNameCompleter))]
    public object? Proxy { get; set; }

    /// <summary>Only these users' sessions (wildcards allowed).</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? User { get; set; }

    protected override void ProcessRecord()
    {
        if (!ProxyResolver.TryResolve(this, Proxy, out var server))
        {
            return;
        }
        var users = new WildcardFilter(User);
        foreach (var session in server.Sessions())
        {
            if (users.Matches(session.User))
            {
                WriteObject(SessionInfo.From(server.Name, session));
            }
        }
    }
}
