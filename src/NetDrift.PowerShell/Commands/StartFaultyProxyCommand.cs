using System.Management.Automation;
using System.Net.Sockets;
using NetDrift.Engine.Faults;
using NetDrift.PowerShell.Session;

namespace NetDrift.PowerShell.Commands;

/// <summary>Starts a test upstream proxy that misbehaves on purpose (or, with -Fault None, a healthy one).</summary>
[Cmdlet(VerbsLifecycle.Start, "FaultyProxy")]
[OutputType(typeof(FaultyProxyInfo))]
public sealed class StartFaultyProxyCommand : PSCmdlet
{
    // An int behind an engine enum: PowerShell loads this type (GetExportedTypes) before the module's
    // initializer can point it at the engine, and an enum field would need the engine right then.
    private int _fault = (int)FaultType.None;

    [Parameter(Position = 0)]
    public FaultType Fault { get => (FaultType)_fault; set => _fault = (int)value; }

    private int _protocol = (int)FaultyProxyProtocol.Http;

    /// <summary>What it speaks: Http (the default), Https (TLS with a self-signed certificate, see CertificatePath) or Socks5.</summary>
    [Parameter]
    public FaultyProxyProtocol Protocol { get => (FaultyProxyProtocol)_protocol; set => _protocol = (int)value; }

    /// <summary>0 (the default) picks a free port.</summary>
    [Parameter]
    [ValidateRange(0, 65535)]
    public int Port { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public double FailureRate { get; set; } = 1.0;

    [Parameter]
    public TimeSpan Latency { get; set; }

    [Parameter]
    public TimeSpan Jitter { get; set; }

    [Parameter]
    [ValidateRange(1, 599)]
    public int StatusCode { get; set; } = 503;

    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long AfterBytes { get; set; } = 1024;

    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long BytesPerSecond { get; set; }

    /// <summary>Require these upstream credentials (wrong or none: 407; SOCKS5: username/password, wrong: auth failure).</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    protected override void EndProcessing()
    {
        var options = FaultKnobs.Apply(this, new FaultyProxyOptions { Protocol = Protocol }, Fault, FailureRate, Latency, Jitter, StatusCode, AfterBytes, BytesPerSecond, Credential);
        if (Name is not null && NetDriftSession.IsFaultyNameTaken(Name))
        {
            ThrowTerminatingError(CmdletErrors.Record(ErrorIds.FaultyProxyNameTaken, ErrorCategory.ResourceExists, Name,
                $"A faulty proxy named '{Name}' already runs in this session."));
        }
        FaultyProxy proxy;
        try
        {
            proxy = FaultyProxy.Start(Name ?? $"faulty-{Guid.NewGuid().ToString("N")[..8]}", options, Port);
        }
        catch (SocketException e)
        {
            ThrowTerminatingError(CmdletErrors.Record(ErrorIds.ListenFailed, ErrorCategory.ResourceUnavailable, Port,
                $"Cannot listen on 127.0.0.1:{Port}: {e.Message}. Use port 0 for a free one.", e));
            return;
        }
        if (!NetDriftSession.TryAddFaultyProxy(proxy))
        {
            proxy.StopAsync().GetAwaiter().GetResult();
            ThrowTerminatingError(CmdletErrors.Record(ErrorIds.FaultyProxyNameTaken, ErrorCategory.ResourceExists, proxy.Name,
                $"A faulty proxy named '{proxy.Name}' was started concurrently."));
        }
        WriteObject(new FaultyProxyInfo(proxy));
    }
}
