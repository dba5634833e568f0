using System.Management.Automation;
using NetDrift.Engine.Faults;
using NetDrift.PowerShell.Session;
using NetDrift.PowerShell.Completion;

namespace NetDrift.PowerShell.Commands;

/// <summary>Changes a faulty proxy's behaviour live; only the knobs given change.</summary>
[Cmdlet(VerbsCommon.Set, "FaultyProxy", SupportsShouldProcess = true)]
[OutputType(typeof(FaultyProxyInfo))]
public sealed class SetFaultyProxyCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(FaultyProxyNameCompleter))]
    public string[] Name { get; set; } = [];

    // An int behind an engine enum: PowerShell loads this type (GetExportedTypes) before the module's
    // initializer can point it at the engine, and an enum field would need the engine right then.
    private int? _fault;

    [Parameter]
    public FaultType? Fault { get => (FaultType?)_fault; set => _fault = (int?)value; }

    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public double? FailureRate { get; set; }

    [Parameter]
    public TimeSpan? Latency { get; set; }

    [Parameter]
    public TimeSpan? Jitter { get; set; }

    [Parameter]
    [ValidateRange(1, 599)]
    public int? StatusCode { get; set; }

    [Parameter]
    public long? AfterBytes { get; set; }

    [Parameter]
    public long? BytesPerSecond { get; set; }

    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var name in Name)
        {
            var proxy = NetDriftSession.FindFaultyProxy(name);
            if (proxy is null)
            {
                WriteError(CmdletErrors.Record(ErrorIds.FaultyProxyNotFound, ErrorCategory.ObjectNotFound, name,
                    $"No faulty proxy named '{name}' runs in this session."));
                continue;
            }
            var options = FaultKnobs.Apply(this, proxy.Options, Fault, FailureRate, Latency, Jitter, StatusCode, AfterBytes, BytesPerSecond, Credential);
            if (ShouldProcess($"{name} ({proxy.Url})", $"Set fault {options.Fault}"))
            {
                proxy.Update(options);
                if (PassThru)
                {
                    WriteObject(new FaultyProxyInfo(proxy));
                }
            }
        }
    }
}
