using System.Management.Automation;
using NetDrift.PowerShell.Session;
using NetDrift.PowerShell.Completion;

namespace NetDrift.PowerShell.Commands;

/// <summary>The faulty proxies of this session.</summary>
[Cmdlet(VerbsCommon.Get, "FaultyProxy")]
[OutputType(typeof(FaultyProxyInfo))]
public sealed class GetFaultyProxyCommand : PSCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(FaultyProxyNameCompleter))]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        var running = NetDriftSession.RunningFaultyProxies;
        foreach (var name in Name ?? ["*"])
        {
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            var matches = running.Where(p => pattern.IsMatch(p.Name)).ToArray();
            if (matches.Length == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                WriteError(CmdletErrors.Record(ErrorIds.FaultyProxyNotFound, ErrorCategory.ObjectNotFound, name,
                    $"No faulty proxy named '{name}' runs in this session."));
            }
            WriteObject(matches.Select(p => new FaultyProxyInfo(p)), enumerateCollection: true);
        }
    }
}
