namespace NetDrift;

/// <summary>NetDrift.UpstreamInfo (CONTRACT §2): one upstream of a proxy's pool, as it is now.</summary>
public sealed class UpstreamInfo
{
    public string Proxy { get; init; } = "";
    public string Name { get; init; } = "";
    /// <summary>The upstream URL with its password shown as ***.</summary>
    public string Url { get; init; } = "";
    /// <summary>How NetDrift speaks to it, from the URL scheme: Http, Https or Socks5 (CONTRACT §8).</summary>
    public string Protocol { get; init; } = "";
    public int Weight { get; init; }
    /// <summary>The weight the balancer uses now: below Weight while a recovered upstream ramps (health_check.slow_start_seconds).</summary>
    public double EffectiveWeight { get; init; }
    public bool Enabled { get; init; }
    public string Tag { get; init; } = "";
    public string Note { get; init; } = "";
    public string Health { get; init; } = "";
    public string State { get; init; } = "";
    public long ActiveConnections { get; init; }

    internal static UpstreamInfo From(string proxy, Engine.Upstreams.Upstream upstream)
    {
        var config = upstream.Config;
        return new UpstreamInfo
        {
            Proxy = proxy, Name = upstream.Name, Url = config.Url.Redacted,
            Protocol = Engine.Upstreams.UpstreamProtocols.Of(config.Url).ToString(), Weight = config.Weight, EffectiveWeight = upstream.EffectiveWeight(), Enabled = config.Enabled,
            Tag = config.Tag, Note = config.Note, Health = upstream.Health.ToString(), State = upstream.State.ToString(),
            ActiveConnections = upstream.Counters.ActiveConnections,
        };
    }

    public override string ToString() => $"{Proxy}/{Name}";
}
