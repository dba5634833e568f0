using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Connections;
using NetDrift.Engine.Server;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Server;

/// <summary>
/// CONTRACT §10 "Open connections" through a running proxy: what ProxyServer.GetConnections shows
/// of a tunnel and of a keep-alive plain connection, and CutConnection's reset on both sides.
/// </summary>
public sealed class OpenConnectionsTests
{
    private const string Alice = """
        "authentication": { "enabled": true, "users": [ { "username": "alice", "password": "s3cret" } ] },
        """;

    [Fact(Timeout = 15_000)]
    public async Task GetConnections_Tunnel_ShowsItsClientUserTargetUpstreamAndBytes()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Alice);
        var before = DateTimeOffset.UtcNow;
        using var tunnel = await ProxyClient.ConnectAsync(proxy.Port, target.Authority, ProxyClient.Basic("alice", "s3cret"));
        Assert.Equal(200, tunnel.Status);

        await ProxyClient.AssertEchoesAsync(tunnel.Socket, "hello, world");
        Assert.True(await Loopback.WaitUntilAsync(() => proxy.GetConnections() is [{ BytesSent: 12, BytesReceived: 12 }]));

        var open = Assert.Single(proxy.GetConnections());
        Assert.True(open.Id > 0);
        Assert.Equal($"127.0.0.1:{((IPEndPoint)tunnel.Socket.LocalEndPoint!).Port}", open.Client);
        Assert.Equal("alice", open.User);
        Assert.Equal(ConnectionProtocol.Http, open.Protocol);
        Assert.Equal(ConnectionKind.Tunnel, open.Kind);
        Assert.Equal(target.Authority, open.Target);
        Assert.Equal(upstream.Name, open.Upstream);
        Assert.InRange(open.StartedAt, before.AddSeconds(-1), DateTimeOffset.UtcNow);
        Assert.InRange(open.IdleFor, TimeSpan.Zero, TimeSpan.FromSeconds(5));
    }

    [Fact(Timeout = 15_000)]
    public async Task GetConnections_KeepAlivePlain_DescribesTheCurrentRequestAndCountsEveryExchange()
    {
        await using var upstream = KeepAliveUpstream.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        using var client = await Loopback.ConnectAsync(proxy.Port);

        await Loopback.SendTextAsync(client, "GET http://example.test/len/10 HTTP/1.1\r\nHost: example.test\r\n\r\n");
        var firstHead = await ProxyClient.ReadHeadAsync(client);
        await Loopback.ReadExactlyAsync(client, 10);
        Assert.True(await Loopback.WaitUntilAsync(() => proxy.GetConnections() is [{ BytesReceived: > 10 }]));
        var first = Assert.Single(proxy.GetConnections());

        await Loopback.SendTextAsync(client, "GET http://example.test/len/2000 HTTP/1.1\r\nHost: example.test\r\n\r\n");
        var secondHead = await ProxyClient.ReadHeadAsync(client);
        await Loopback.ReadExactlyAsync(client, 2000);
        var expectedReceived = firstHead.Length + 10 + secondHead.Length + 2000;
        // The client reads the answer head as NetDrift rewrote it (Via added); the upstream's own is counted, a little shorter.
        Assert.True(await Loopback.WaitUntilAsync(() => proxy.GetConnections() is [{ BytesReceived: > 2010 }]));
        var second = Assert.Single(proxy.GetConnections());

        Assert.Equal(first.Id, second.Id);
        Assert.Equal(ConnectionKind.Request, second.Kind);
        Assert.Equal("http://example.test/len/2000", second.Target);
        Assert.Equal("http://example.test/len/10", first.Target);
        Assert.Equal($"127.0.0.1:{upstream.Port}", second.Upstream);
        Assert.Null(second.User);
        Assert.InRange(second.BytesReceived, 2010 + 2 * 20, expectedReceived);
        Assert.True(second.BytesSent > first.BytesSent, "the second request head was counted too");
    }

    [Fact(Timeout = 15_000)]
    public async Task CutConnection_Tunnel_ResetsTheClientAndTheUpstream()
    {
        using var upstreamListener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        upstreamListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        upstreamListener.Listen(1);
        var upstreamPort = ((IPEndPoint)upstreamListener.LocalEndPoint!).Port;
        await using var proxy = TestProxies.Start(TestProxies.Upstream($"http://127.0.0.1:{upstreamPort}"));
        // A scripted upstream: 200 to the CONNECT, then it reads until the tunnel ends and tells how.
        var upstreamEnd = Task.Run(async () =>
        {
            using var accepted = await upstreamListener.AcceptAsync();
            await ProxyClient.ReadHeadAsync(accepted);
            await Loopback.SendTextAsync(accepted, "HTTP/1.1 200 Connection established\r\n\r\n");
            return (await Loopback.ReadToEndAsync(accepted, TimeSpan.FromSeconds(10))).Reset;
        });
        using var tunnel = await ProxyClient.ConnectAsync(proxy.Port, "example.test:443");
        Assert.Equal(200, tunnel.Status);
        Assert.True(await Loopback.WaitUntilAsync(() => proxy.GetConnections() is [{ Upstream: not null }]));
        var id = Assert.Single(proxy.GetConnections()).Id;

        Assert.True(proxy.CutConnection(id));

        var (_, clientReset) = await Loopback.ReadToEndAsync(tunnel.Socket);
        Assert.True(clientReset, "the client must see ECONNRESET, not an ordinary end");
        Assert.True(await upstreamEnd.WaitAsync(TimeSpan.FromSeconds(10)), "the upstream must see a reset too");
        Assert.True(await Loopback.WaitUntilAsync(() => proxy.GetConnections().Count == 0));
        Assert.False(proxy.CutConnection(id));
    }

    [Fact(Timeout = 15_000)]
    public async Task CutConnection_PlainRequestAwaitingItsAnswer_ResetsTheClient()
    {
        await using var upstream = TestUpstreamProxy.Start(UpstreamBehavior.Silent);
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        using var client = await Loopback.ConnectAsync(proxy.Port);
        await Loopback.SendTextAsync(client, "GET http://example.test/slow HTTP/1.1\r\nHost: example.test\r\n\r\n");
        Assert.True(await Loopback.WaitUntilAsync(() => proxy.GetConnections() is [{ Upstream: not null }]));

        Assert.True(proxy.CutConnection(proxy.GetConnections()[0].Id));

        var (data, reset) = await Loopback.ReadToEndAsync(client);
        Assert.True(reset, "a cut request must be a reset");
        Assert.Empty(data);
    }

    [Fact(Timeout = 15_000)]
    public async Task CutConnection_PlainResponseMidBody_ResetsTheClientAndTheUpstream()
    {
        const int sixteenMiB = 16 * 1024 * 1024;
        await using var upstream = PacedUpstream.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        using var client = await Loopback.ConnectAsync(proxy.Port);
        await Loopback.SendTextAsync(client, $"GET http://example.test/len/{sixteenMiB} HTTP/1.1\r\nHost: example.test\r\n\r\n");
        Assert.Equal(200, ProxyClient.StatusOf(await ProxyClient.ReadHeadAsync(client)));
        await Loopback.ReadExactlyAsync(client, 128 * 1024);

        Assert.True(proxy.CutConnection(Assert.Single(proxy.GetConnections()).Id));

        var (rest, reset) = await Loopback.ReadToEndAsync(client, TimeSpan.FromSeconds(10));
        Assert.True(reset, "a response cut mid-body must be a reset, not an ordinary end");
        Assert.True(rest.Length < sixteenMiB / 2, $"{rest.Length} more bytes arrived: the cut came too late");
        Assert.Equal(PeerEnd.Reset, await upstream.FirstEndAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact(Timeout = 15_000)]
    public async Task CutConnection_NoSuchId_IsFalse()
    {
        await using var proxy = TestProxies.Start(TestProxies.Upstream("http://127.0.0.1:9"));
        Assert.False(proxy.CutConnection(12345));
    }

    [Fact(Timeout = 15_000)]
    public async Task GetConnections_BehindATrustedBalancer_ShowsTheCarriedClient()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        var json = $$"""
            {
              "server": { "name": "pp", "listen_address": "127.0.0.1:0", "proxy_protocol": { "trusted": [ "127.0.0.1/32" ] } },
              "upstream_proxies": [ {{TestProxies.Upstream(upstream.Url)}} ],
              "logging": { "level": "Warning" }
            }
            """;
        await using var proxy = ProxyServer.Start("pp", ConfigLoader.Parse(json));
        using var socket = await Loopback.ConnectAsync(proxy.Port);
        await Loopback.SendAllAsync(socket, Encoding.ASCII.GetBytes($"PROXY TCP4 192.0.2.7 127.0.0.1 40123 {proxy.Port}\r\n" + ProxyClient.ConnectRequest(target.Port)));
        Assert.Equal(200, ProxyClient.StatusOf(await ProxyClient.ReadHeadAsync(socket)));

        Assert.Equal("192.0.2.7:40123", Assert.Single(proxy.GetConnections()).Client);
    }

    [Fact(Timeout = 15_000)]
    public async Task StatsJson_OpenTunnel_CountedForItsUpstreamAndListed()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var used = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(used.Url));
        using var tunnel = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);
        Assert.Equal(200, tunnel.Status);
        Assert.True(await Loopback.WaitUntilAsync(() => proxy.GetConnections().Any(c => c.Upstream is not null)));

        var answer = await ProxyClient.SendAndReadAllAsync(proxy.Port, "GET /stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        using var stats = JsonDocument.Parse(answer[(answer.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);

        foreach (var window in new[] { "total", "recent_15m" })
        {
            var row = Assert.Single(stats.RootElement.GetProperty(window).GetProperty("upstream_metrics").EnumerateArray());
            Assert.Equal(1, row.GetProperty("open_connections").GetInt32());
        }
        // The tunnel, and the /stats request itself.
        var listed = stats.RootElement.GetProperty("connections").EnumerateArray().ToList();
        Assert.Contains(listed, c => c.GetProperty("kind").GetString() == "Tunnel" && c.GetProperty("target").GetString() == target.Authority);
    }
}
