using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Upstreams;

/// <summary>
/// The one way to an upstream, for CONNECT tunnels, plain requests and health probes alike: the
/// connector for an upstream's kind, and for plain requests a pooled idle connection or a fresh one.
/// </summary>
internal sealed class UpstreamConnectors
{
    private readonly HttpProxyConnector _http;
    private readonly HttpProxyConnector _https;

    public UpstreamConnectors()
    {
        Dialer = new UpstreamTcpDialer();
        _http = new HttpProxyConnector(Dialer);
        _https = new HttpProxyConnector(Dialer, tls: true);
    }

    /// <summary>Makes and connects every upstream socket.</summary>
    public UpstreamTcpDialer Dialer { get; }

    /// <summary>The connector for the upstream's URL scheme.</summary>
    public IUpstreamConnector For(UpstreamConfig upstream) => UpstreamProtocols.Of(upstream.Url) switch
    {
        UpstreamProtocol.Https => _https,
        _ => _http,
    };

    /// <summary>
    /// A connection to carry one plain request: the warmest idle one opened with the upstream's
    /// current address and credentials when <paramref name="pooledAllowed"/>, else a fresh one.
    /// </summary>
    public ValueTask<UpstreamDial> ForRequestAsync(Upstream upstream, bool pooledAllowed, UpstreamDeadline deadline, CancellationToken stopping)
    {
        var config = upstream.Config;
        if (pooledAllowed && upstream.Connections.TryTake(PoolKey(config)) is { } idle)
        {
            // The common case, a warm connection: no task allocated for it.
            return new ValueTask<UpstreamDial>(UpstreamDial.Connected(idle));
        }
        return new ValueTask<UpstreamDial>(For(config).ConnectAsync(config, deadline, stopping));
    }

    /// <summary>What an idle connection must have been opened with to be reused: a change of any retires it.</summary>
    public static string PoolKey(UpstreamConfig upstream) => upstream.Url.Scheme + "\n" + upstream.Url.Authority + "\n" + upstream.Url.ProxyAuthorization
        + "\n" + upstream.TlsServerName + "\n" + upstream.TlsCaFile + "\n" + upstream.TlsInsecure;
}
