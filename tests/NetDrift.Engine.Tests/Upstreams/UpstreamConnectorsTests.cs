using System.Net;
using System.Net.Sockets;
using NetDrift.Engine.Http;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Upstreams;

/// <summary>Plain requests' connections: an idle pooled one when it matches the upstream's current address and credentials, else a fresh dial.</summary>
public sealed class UpstreamConnectorsTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(5);

    /// <summary>A listening socket (the kernel accepts; nothing answers) and an upstream pointing at it.</summary>
    private static (Socket Listener, Upstream Upstream) ListeningUpstream(string credentials = "")
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(8);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        return (listener, new Upstream(HttpProxyConnectorTests.Config($"http://{credentials}127.0.0.1:{port}")));
    }

    /// <summary>A connection to <paramref name="listener"/> as the pool holds it, opened under <paramref name="key"/>.</summary>
    private static async Task<UpstreamConnection> ConnectedAsync(Socket listener, string key)
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        return new UpstreamConnection(client, new SocketInput(client), key);
    }

    [Fact(Timeout = 15_000)]
    public async Task ForRequestAsync_IdleConnectionWithTheCurrentKey_Reused()
    {
        var (listener, upstream) = ListeningUpstream();
        using var _ = listener;
        var idle = await ConnectedAsync(listener, UpstreamConnectors.PoolKey(upstream.Config));
        upstream.Connections.Return(idle);
        var connectors = new UpstreamConnectors();

        var dial = await connectors.ForRequestAsync(upstream, pooledAllowed: true, UpstreamDeadline.StartingNow(Generous), CancellationToken.None);

        Assert.Same(idle, dial.Connection);
        Assert.Equal(1, upstream.Connections.Reused);
        dial.Connection!.Dispose();
    }

    [Fact(Timeout = 15_000)]
    public async Task ForRequestAsync_PooledNotAllowed_DialsFresh()
    {
        var (listener, upstream) = ListeningUpstream();
        using var _ = listener;
        var idle = await ConnectedAsync(listener, UpstreamConnectors.PoolKey(upstream.Config));
        upstream.Connections.Return(idle);
        var connectors = new UpstreamConnectors();

        var dial = await connectors.ForRequestAsync(upstream, pooledAllowed: false, UpstreamDeadline.StartingNow(Generous), CancellationToken.None);

        Assert.NotNull(dial.Connection);
        Assert.NotSame(idle, dial.Connection);
        Assert.Equal(0, dial.Connection!.IdleSinceMilliseconds);
        Assert.Equal(1, upstream.Connections.IdleCount);
        dial.Connection.Dispose();
        upstream.Connections.Clear();
    }

    [Fact(Timeout = 15_000)]
    public async Task ForRequestAsync_IdleConnectionOpenedWithOtherCredentials_DiscardedAndDialsFresh()
    {
        var (listener, upstream) = ListeningUpstream("corp:new@");
        using var _ = listener;
        var before = HttpProxyConnectorTests.Config($"http://corp:old@{upstream.Config.Url.Authority}");
        var stale = await ConnectedAsync(listener, UpstreamConnectors.PoolKey(before));
        upstream.Connections.Return(stale);
        var connectors = new UpstreamConnectors();

        var dial = await connectors.ForRequestAsync(upstream, pooledAllowed: true, UpstreamDeadline.StartingNow(Generous), CancellationToken.None);

        Assert.NotSame(stale, dial.Connection);
        Assert.Equal(UpstreamConnectors.PoolKey(upstream.Config), dial.Connection!.CredentialsVersion);
        Assert.Equal(0, upstream.Connections.IdleCount);
        dial.Connection.Dispose();
    }
}
