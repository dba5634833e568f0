using System.Net;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Connections;
using NetDrift.Engine.Server;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Server;

/// <summary>SOCKS5 clients in sessions (a <c>-session-</c> username, CONTRACT §9) and in the list of open connections (§10).</summary>
public sealed class Socks5SessionsAndConnectionsTests
{
    private const string Alice = """ "authentication": { "enabled": true, "users": [ { "username": "alice", "password": "pw" } ] }, """;

    [Fact(Timeout = 20_000)]
    public async Task UsernameSession_TwoTunnelsOnTheSameUpstreamOfThree_ListedAsTheUsersSession()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var a = TestUpstreamProxy.Start();
        await using var b = TestUpstreamProxy.Start();
        await using var c = TestUpstreamProxy.Start();
        TestUpstreamProxy[] upstreams = [a, b, c];
        await using var proxy = TestProxies.Start(string.Join(",", upstreams.Select(u => TestProxies.Upstream(u.Url))),
            Alice + """ "sessions": { "enabled": true }, "load_balancing": "round-robin", """);

        for (var i = 0; i < 2; i++)
        {
            using var socks = await Socks5TestClient.RunAsync(proxy.Port, Socks5TestClient.Connect("127.0.0.1", target.Port), ("alice-session-x", "pw"));
            Assert.True(socks.LoginAccepted);
            Assert.Equal((byte)0x00, socks.Reply);
            await ProxyClient.AssertEchoesAsync(socks.Socket, "session");
        }

        var served = Assert.Single(upstreams, u => u.Heads.Count > 0);
        Assert.Equal(2, served.Heads.Count);
        var session = Assert.Single(proxy.Sessions());
        Assert.Equal(("alice", "x", served.Name, 2L), (session.User, session.Session, session.Upstream, session.Requests));
    }

    [Fact(Timeout = 15_000)]
    public async Task GetConnections_Socks5Tunnel_ShowsProtocolKindTargetUserAndUpstream()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Alice);

        using var socks = await Socks5TestClient.RunAsync(proxy.Port, Socks5TestClient.Connect("127.0.0.1", target.Port), ("alice", "pw"));
        Assert.Equal((byte)0x00, socks.Reply);
        await ProxyClient.AssertEchoesAsync(socks.Socket, "hello, socks");
        Assert.True(await Loopback.WaitUntilAsync(() => proxy.GetConnections() is [{ BytesSent: 12, BytesReceived: 12 }]));

        var open = Assert.Single(proxy.GetConnections());
        Assert.Equal($"127.0.0.1:{((IPEndPoint)socks.Socket.LocalEndPoint!).Port}", open.Client);
        Assert.Equal(ConnectionProtocol.Socks5, open.Protocol);
        Assert.Equal(ConnectionKind.Tunnel, open.Kind);
        Assert.Equal(target.Authority, open.Target);
        Assert.Equal("alice", open.User);
        Assert.Equal(upstream.Name, open.Upstream);
    }
}
