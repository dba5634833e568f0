using NetDrift.Engine.Health;
using NetDrift.Engine.Server;

namespace NetDrift;

/// <summary>
/// NetDrift.ProxyInfo (CONTRACT §2). Reads through to the running proxy, so a variable holding it
/// always shows current counters and state.
/// </summary>
public sealed class ProxyInfo
{
    internal ProxyInfo(ProxyServer server) => Server = server;

    internal ProxyServer Server { get; }

    public string Name => Server.Name;
    public string Listen => Server.Listen;
    public int Port => Server.Port;
    public string Url => Server.Url;
    public string State => Server.State.ToString();
    public DateTimeOffset StartedAt => Server.StartedAt;
    public int Upstreams => Server.Pool.All.Count;
    public long ActiveConnections => Server.Counters.ActiveConnections;
    public long TotalConnections => Server.Counters.TotalConnections;
    public long AuthFailures => Server.Counters.AuthFailures;
    public long PeakConcurrency => Server.Counters.PeakConcurrency;
    public long RejectedConnections => Server.Counters.Rejected;
    /// <summary>Everything NetDrift refused itself since start, by cause (MaxConnections, PerClientLimit, HeaderTimeout, HeaderTooLarge, Malformed, PortNotAllowed, ProxyProtocol, ...).</summary>
    public IReadOnlyDictionary<string, long> Rejections => Server.Counters.RejectedBy.ToDictionary(kv => kv.Key.ToString(), kv => kv.Value);
    /// <summary>Wrong logins answered after a growing delay.</summary>
    public long AuthDelayed => Server.AuthThrottle.Delayed;
    public string LoadBalancing => Server.Config.LoadBalancing;
    public string? ConfigPath => Server.ConfigPath;
    public bool WatchingConfig => Server.IsWatchingConfig;
    public DateTimeOffset? LastReloadAt => Server.LastReloadAt;
    public string? LastReloadError => Server.LastReloadError;
    /// <summary>One entry per upstream source that failed to load or parse (Source, Error, At, Line); empty when all loaded.</summary>
    public IReadOnlyList<Engine.Sources.SourceError> SourceErrors => Server.SourceErrors;

    /// <summary>The engine object behind this proxy.</summary>
    public ProxyServer Engine => Server;

    /// <summary>
    /// Raised (on an engine thread) when an upstream turns Healthy or Unhealthy. Subscribe with
    /// <c>Register-ObjectEvent -InputObject $proxy -EventName UpstreamHealthChanged</c>.
    /// </summary>
    public event EventHandler<UpstreamHealthChangedEventArgs>? UpstreamHealthChanged
    {
        add => Server.UpstreamHealthChanged += value;
        remove => Server.UpstreamHealthChanged -= value;
    }

    public override string ToString() => $"{Name} ({Url})";
}
