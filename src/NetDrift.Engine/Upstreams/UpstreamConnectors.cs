using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Upstreams;

/// <summary>
/// The one way to an upstream, for CONNECT tunnels, plain requests and health probes alike: the
/// connector for an upstream's kind, and for plain requests a pooled idle connection or a fresh one.
/// </summary>
internal sealed class UpstreamConnectors
{
    private readonly HttpProxyConnector _http;
    private readonly Socks5Connector _socks5;
    private readonly HttpProxyConnector _https;

    public UpstreamConnectors()
    {
        Dialer = new UpstreamTcpDialer();
        _http = new HttpProxyConnector(Dialer);
        _https = new HttpProxyConnector(Dialer, tls: true);
        Direct = new DirectConnector(Dialer);
        _socks5 = new Socks5Connector(Dialer);
    }

    /// <summary>Routes with action direct: to the target itself.</summary>
    public DirectConnector Direct { get; }

    /// <summary>Makes and connects every upstream socket.</summary>
    public UpstreamTcpDialer Dialer { get; }

    /// <summary>The connector for the upstream's URL scheme; the stand-in <c>direct</c> for routes with action direct.</summary>
    public IUpstreamConnector For(UpstreamConfig upstream) => DirectConnector.IsDirect(upstream) ? Direct : UpstreamProtocols.Of(upstream.Url) switch
    {
        UpstreamProtocol.Https => _https,
        UpstreamProtocol.Socks5 => _socks5,
        _ => _http,
    };

    public static bool IsSocks5(UpstreamConfig upstream) => UpstreamProtocols.Of(upstream.Url) == UpstreamProtocol.Socks5;

    /// <summary>
    /// A connection to carry one plain request: the warmest idle one opened with the upstream's
    /// current address and credentials when <paramref name="pooledAllowed"/>, else a fresh one.
    /// </summary>
    public ValueTask<UpstreamDial> ForRequestAsync(Upstream upstream, bool pooledAllowed, UpstreamDeadline deadline, CancellationToken stopping, string? target = null)
    {
        var config = upstream.Config;
        if (IsSocks5(config) && target is not null)
        {
            // A SOCKS5 connection is a tunnel to one origin: never pooled (the empty key makes the pool close it).
            return new ValueTask<UpstreamDial>(Socks5TunnelAsync(config, target, deadline, stopping));
        }
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

    private async Task<UpstreamDial> Socks5TunnelAsync(UpstreamConfig config, string target, UpstreamDeadline deadline, CancellationToken stopping)
    {
        using var result = await _socks5.OpenTunnelAsync(config, target, deadline, 0, stopping).ConfigureAwait(false);
        if (result.IsLocalFailure)
        {
            return UpstreamDial.Local(result.Message);
        }
        if (!result.Succeeded || !result.Response!.IsSuccess)
        {
            var cause = result.Failure ?? Socks5ReplyBlame.Of(result.Socks5TargetCode ?? 0);
            var message = result.Succeeded ? "SOCKS5 upstream answered " + Net.Socks5ReplyCode.Describe(result.Socks5TargetCode ?? 0) : result.Message;
            return new UpstreamDial(null, cause, message, message);
        }
        var tunnel = result.TakeConnection();
        return UpstreamDial.Connected(new UpstreamConnection(tunnel.Socket, tunnel.Input, ""));
    }
}
