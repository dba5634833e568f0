using System.Management.Automation;
using NetDrift.PowerShell.Session;
using NetDrift.PowerShell.Completion;

namespace NetDrift.PowerShell.Commands;

/// <summary>The running proxies of this session.</summary>
[Cmdlet(VerbsCommon.Get, "NetDriftProxy")]
[OutputType(typeof(ProxyInfo))]
public sealed class GetNetDriftProxyCommand : PSCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ProxyNameCompleter))]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        var running = NetDriftSession.RunningProxies;
        if (Name is null)
        {
            WriteObject(running.Select(p => new ProxyInfo(p)), enumerateCollection: true);
            return;
        }
        foreach (var name in Name)
        {
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            var matches = running.Where(p => pattern.IsMatch(p.Name)).ToArray();
            if (matches.Length == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                WriteError(CmdletErrors.Record(ErrorIds.ProxyNotFound, ErrorCategory.ObjectNotFound, name,
                    $"No NetDrift proxy named '{name}' runs in this session."));
            }
            WriteObject(matches.Select(p => new ProxyInfo(p)), enumerateCollection: true);
        }
    }
}
