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

    protected override void ProcessRecord() =>
        WriteObject(SessionNames.Proxies(this, Name).Select(p => new ProxyInfo(p)), enumerateCollection: true);
}
