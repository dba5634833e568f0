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

    protected override void ProcessRecord() =>
        WriteObject(SessionNames.FaultyProxies(this, Name).Select(p => new FaultyProxyInfo(p)), enumerateCollection: true);
}
