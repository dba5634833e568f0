using System.Management.Automation;
using NetDrift.PowerShell.Completion;

namespace NetDrift.PowerShell.Commands;

/// <summary>The pool of a proxy as it is now, draining upstreams included.</summary>
[Cmdlet(VerbsCommon.Get, "NetDriftUpstream")]
[OutputType(typeof(UpstreamInfo))]
public sealed class GetNetDriftUpstreamCommand : PSCmdlet
{
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(UpstreamNameCompleter))]
    public string[]? Name { get; set; }

    [Parameter]
    [SupportsWildcards]
    public string? Tag { get; set; }

    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProxyNameCompleter))]
    public object? Proxy { get; set; }

    protected override void ProcessRecord()
    {
        if (!ProxyResolver.TryResolve(this, Proxy, out var server))
        {
            return;
        }
        var names = new WildcardFilter(Name);
        var tag = Tag is null ? null : new WildcardPattern(Tag, WildcardOptions.IgnoreCase);
        var found = 0;
        foreach (var upstream in server.Pool.All)
        {
            if (names.Matches(upstream.Name) && (tag is null || tag.IsMatch(upstream.Config.Tag)))
            {
                found++;
                WriteObject(UpstreamInfo.From(server.Name, upstream));
            }
        }
        if (found == 0 && Name is { Length: 1 } && !WildcardPattern.ContainsWildcardCharacters(Name[0]))
        {
            WriteError(CmdletErrors.Record(ErrorIds.UpstreamNotFound, ErrorCategory.ObjectNotFound, Name[0],
                $"Proxy '{server.Name}' has no upstream named '{Name[0]}'."));
        }
    }
}
