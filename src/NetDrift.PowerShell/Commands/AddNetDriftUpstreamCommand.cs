using System.Management.Automation;
using NetDrift.Engine.Configuration;
using NetDrift.PowerShell.Completion;

namespace NetDrift.PowerShell.Commands;

/// <summary>Adds an upstream to a running proxy; it takes traffic from the next request.</summary>
[Cmdlet(VerbsCommon.Add, "NetDriftUpstream", SupportsShouldProcess = true)]
[OutputType(typeof(UpstreamInfo))]
public sealed class AddNetDriftUpstreamCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Url { get; set; } = "";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(0, 1000)]
    public int Weight { get; set; } = 1;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string Tag { get; set; } = "";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string Note { get; set; } = "";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProxyNameCompleter))]
    public object? Proxy { get; set; }

    protected override void ProcessRecord()
    {
        var server = ProxyResolver.Resolve(this, Proxy);
        UpstreamConfig config;
        try
        {
            config = ConfigLoader.ParseUpstream(Url, "-Url", Name, Weight, Tag, enabled: true, Note);
        }
        catch (ConfigException e)
        {
            WriteError(CmdletErrors.Record(e, ErrorIds.InvalidUpstream, ErrorCategory.InvalidArgument, UpstreamAddress.RedactText(Url)));
            return;
        }
        if (!ShouldProcess($"{config.Name} ({config.Url.Redacted}) on proxy {server.Name}", "Add upstream"))
        {
            return;
        }
        try
        {
            var upstream = server.AddUpstream(config);
            WriteObject(UpstreamInfo.From(server.Name, upstream));
        }
        catch (InvalidOperationException e)
        {
            WriteError(CmdletErrors.Record(e, ErrorIds.UpstreamExists, ErrorCategory.ResourceExists, config.Name));
        }
    }
}
