using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Health;

/// <summary>Raised when an upstream turns Healthy or Unhealthy; scripts subscribe with Register-ObjectEvent.</summary>
public sealed class UpstreamHealthChangedEventArgs : EventArgs
{
    public UpstreamHealthChangedEventArgs(string proxy, string upstream, UpstreamHealth oldHealth, UpstreamHealth newHealth, string reason)
    {
        Proxy = proxy;
        Upstream = upstream;
        OldHealth = oldHealth;
        NewHealth = newHealth;
        Reason = reason;
    }

    public string Proxy { get; }
    public string Upstream { get; }
    public UpstreamHealth OldHealth { get; }
    public UpstreamHealth NewHealth { get; }
    public string Reason { get; }
}
