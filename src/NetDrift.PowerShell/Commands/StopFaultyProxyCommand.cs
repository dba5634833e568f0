using System.Management.Automation;
using NetDrift.Engine.Faults;
using NetDrift.PowerShell.Session;
using NetDrift.PowerShell.Completion;

namespace NetDrift.PowerShell.Commands;

/// <summary>Stops faulty proxies; without -Name or -InputObject, every one of the session.</summary>
[Cmdlet(VerbsLifecycle.Stop, "FaultyProxy", SupportsShouldProcess = true, DefaultParameterSetName = ByName)]
[OutputType(typeof(void))]
public sealed class StopFaultyProxyCommand : PSCmdlet
{
    private const string ByName = "ByName";
    private const string ByObject = "ByObject";
    private bool _sawInput;

    [Parameter(ParameterSetName = ByName, Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(FaultyProxyNameCompleter))]
    public string[]? Name { get; set; }

    [Parameter(ParameterSetName = ByObject, Mandatory = true, ValueFromPipeline = true)]
    public FaultyProxyInfo[]? InputObject { get; set; }

    protected override void ProcessRecord()
    {
        _sawInput = true;
        if (ParameterSetName == ByObject)
        {
            foreach (var info in InputObject!)
            {
                Stop(info.Proxy);
            }
            return;
        }
        foreach (var proxy in SessionNames.FaultyProxies(this, Name))
        {
            Stop(proxy);
        }
    }

    protected override void EndProcessing()
    {
        if (!_sawInput)
        {
            foreach (var proxy in NetDriftSession.RunningFaultyProxies)
            {
                Stop(proxy);
            }
        }
    }

    private void Stop(FaultyProxy proxy)
    {
        if (ShouldProcess($"{proxy.Name} ({proxy.Url})", "Stop faulty proxy"))
        {
            NetDriftSession.ForgetFaultyProxy(proxy);
            proxy.StopAsync().GetAwaiter().GetResult();
        }
    }
}
