using System.Management.Automation;
using NetDrift.PowerShell.Completion;

namespace NetDrift.PowerShell.Commands;

/// <summary>
/// Cuts open connections with a TCP reset on both sides (CONTRACT §10 "cuts are resets"), so the
/// client sees a failure, never a complete transfer. Binds Id and Proxy from Get-NetDriftConnection.
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "NetDriftConnection", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class StopNetDriftConnectionCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public long[] Id { get; set; } = [];

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProxyNameCompleter))]
    public object? Proxy { get; set; }

    protected override void ProcessRecord()
    {
        if (!ProxyResolver.TryResolve(this, Proxy, out var server))
        {
            return;
        }
        var open = server.GetConnections().ToDictionary(c => c.Id);
        foreach (var id in Id)
        {
            if (!open.TryGetValue(id, out var connection))
            {
                WriteError(NotOpen(server.Name, id));
                continue;
            }
            var what = $"connection {id} on proxy {server.Name} ({connection.Client} → {connection.Target ?? "no request yet"})";
            // It may have ended between the listing and the cut: then it is not open either.
            if (ShouldProcess(what, "Cut with a TCP reset") && !server.CutConnection(id))
            {
                WriteError(NotOpen(server.Name, id));
            }
        }
    }

    private static ErrorRecord NotOpen(string proxy, long id) =>
        CmdletErrors.Record(ErrorIds.ConnectionNotFound, ErrorCategory.ObjectNotFound, id,
            $"Proxy '{proxy}' has no open connection with id {id}.");
}
