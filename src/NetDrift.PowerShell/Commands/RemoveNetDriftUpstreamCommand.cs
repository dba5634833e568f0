using System.Management.Automation;
using NetDrift.PowerShell.Completion;

namespace NetDrift.PowerShell.Commands;

/// <summary>
/// Removes an upstream live: no new tunnels; open ones finish, and it stays listed as Draining
/// until its last tunnel closes. Returns at once.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "NetDriftUpstream", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class RemoveNetDriftUpstreamCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [Alias("Upstream")]
    [ArgumentCompleter(typeof(UpstreamNameCompleter))]
    public string[] Name { get; set; } = [];

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProxyNameCompleter))]
    public object? Proxy { get; set; }

    protected override void ProcessRecord()
    {
        if (!ProxyResolver.TryResolve(this, Proxy, out var server))
        {
            return;
        }
        foreach (var name in Name)
        {
            var upstream = server.Pool.Find(name);
            if (upstream is null)
            {
                WriteError(CmdletErrors.Record(ErrorIds.UpstreamNotFound, ErrorCategory.ObjectNotFound, name,
                    $"Proxy '{server.Name}' has no upstream named '{name}'."));
                continue;
            }
            if (ShouldProcess($"{name} on proxy {server.Name} ({upstream.Counters.ActiveConnections} open tunnel(s) will finish)", "Remove upstream"))
            {
                server.RemoveUpstream(name);
            }
        }
    }
}
