using NetDrift.Engine.Faults;

namespace NetDrift;

/// <summary>NetDrift.FaultyProxyInfo (CONTRACT §2); reads through to the running faulty proxy.</summary>
public sealed class FaultyProxyInfo
{
    internal FaultyProxyInfo(FaultyProxy proxy) => Proxy = proxy;

    internal FaultyProxy Proxy { get; }

    public string Name => Proxy.Name;
    public FaultType Fault => Proxy.Fault;
    public int Port => Proxy.Port;
    public string Url => Proxy.Url;
    /// <summary>Http, Https or Socks5 (CONTRACT §8).</summary>
    public FaultyProxyProtocol Protocol => Proxy.Protocol;
    /// <summary>An Https proxy's self-signed certificate as a PEM file (for --proxy-cacert, tls_ca_file); else null.</summary>
    public string? CertificatePath => Proxy.CertificatePath;
    public long Connections => Proxy.Connections;
    public long ActiveConnections => Proxy.ActiveConnections;
    public double FailureRate => Proxy.Options.FailureRate;
    public TimeSpan Latency => Proxy.Options.Latency;
    public TimeSpan Jitter => Proxy.Options.Jitter;
    public int StatusCode => Proxy.Options.StatusCode;
    public long AfterBytes => Proxy.Options.AfterBytes;
    public long BytesPerSecond => Proxy.Options.BytesPerSecond;
    public bool RequiresAuth => Proxy.Options.UserName is not null;
    public bool IsRunning => Proxy.IsRunning;

    public override string ToString() => $"{Name} ({Fault}, {Url})";
}
