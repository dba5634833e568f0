using System.Management.Automation;
using NetDrift.PowerShell.Completion;

namespace NetDrift.PowerShell.Commands;

/// <summary>Changes an upstream's weight or takes it out of rotation, live.</summary>
[Cmdlet(VerbsCommon.Set, "NetDriftUpstream", SupportsShouldProcess = true)]
[OutputType(typeof(UpstreamInfo))]
public sealed class SetNetDriftUpstreamCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [Alias("Upstream")]
    [ArgumentCompleter(typeof(UpstreamNameCompleter))]
    public string[] Name { get; set; } = [];

    [Parameter]
    [ValidateRange(0, 1000)]
    public int? Weight { get; set; }

    [Parameter]
    public bool? Enabled { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProxyNameCompleter))]
    public object? Proxy { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (!ProxyResolver.TryResolve(this, Proxy, out var server))
        {
            return;
        }
        foreach (var name in Name)
        {
            if (server.Pool.Find(name) is null)
            {
                WriteError(CmdletErrors.Record(ErrorIds.UpstreamNotFound, ErrorCategory.ObjectNotFound, name,
                    $"Proxy '{server.Name}' has no upstream named '{name}'."));
                continue;
            }
            var change = string.Join(", ", new[] { Weight is { } w ? $"weight {w}" : null, Enabled is { } e ? $"enabled {e}" : null }.Where(s => s is not null));
            if (!ShouldProcess($"{name} on proxy {server.Name}", change.Length == 0 ? "Set upstream (no change)" : $"Set {change}"))
            {
                continue;
            }
            var upstream = server.SetUpstream(name, Weight, Enabled);
            if (PassThru && upstream is not null)
            {
                WriteObject(UpstreamInfo.From(server.Name, upstream));
            }
        }
    }
}
