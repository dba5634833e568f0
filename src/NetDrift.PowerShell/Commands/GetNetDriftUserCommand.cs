using System.Management.Automation;
using NetDrift.PowerShell.Completion;

namespace NetDrift.PowerShell.Commands;

/// <summary>The configured users of a proxy with their counts and limits (CONTRACT §9).</summary>
[Cmdlet(VerbsCommon.Get, "NetDriftUser")]
[OutputType(typeof(UserInfo))]
public sealed class GetNetDriftUserCommand : PSCmdlet
{
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProxyNameCompleter))]
    public object? Proxy { get; set; }

    protected override void ProcessRecord()
    {
        if (!ProxyResolver.TryResolve(this, Proxy, out var server))
        {
            return;
        }
        // User names are case-sensitive in Basic auth; the filter is too.
        var names = new WildcardFilter(Name, WildcardOptions.None);
        var found = 0;
        foreach (var user in server.Users)
        {
            if (names.Matches(user.Name))
            {
                found++;
                WriteObject(UserInfo.From(server.Name, user));
            }
        }
        if (found == 0 && Name is { Length: 1 } && !WildcardPattern.ContainsWildcardCharacters(Name[0]))
        {
            WriteError(CmdletErrors.Record(ErrorIds.UserNotFound, ErrorCategory.ObjectNotFound, Name[0],
                $"Proxy '{server.Name}' has no user named '{Name[0]}'."));
        }
    }
}
