using System.Diagnostics;
using NetDrift.Engine.Server;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Users;

namespace NetDrift.Engine.Tests.Server;

/// <summary>SOCKS5 CONNECTs pass the same gate as HTTP ones (CONTRACT §9): deny routes, direct routes, per-user limits and byte rates.</summary>
public sealed class Socks5GateTests
{
    private static readonly (string, string) Alice = ("alice", "pw");

    private static string Users(string limits) =>
        $$""" "authentication": { "enabled": true, "users": [ { "username": "alice", "password": "pw", {{limits}} } ] }, """;

    private static UserState AliceState(ProxyServer proxy) => Assert.Single(proxy.Users, u => u.Name == "alice");

    [Fact(Timeout = 15_000)]
    public async Task DenyRoute_RepliedNotAllowed_CountedAndNoUpstreamTried()
    {
        await using var echo = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url),
            $$""" "routes": [ { "name": "blocked", "match": ["127.0.0.1:{{echo.Port}}"], "action": "deny" } ], """);

        using var socks = await Socks5TestClient.RunAsync(proxy.Port, Socks5TestClient.Connect("127.0.0.1", echo.Port));

        Assert.Equal((byte)0x02, socks.Reply);
        Assert.Equal(1, proxy.Counters.RejectedBy[RejectionCause.RouteDenied]);
        Assert.Empty(upstream.Heads);
    }

    [Fact(Timeout = 15_000)]
    public async Task DirectRoute_NetDriftReachesTheTargetItself()
    {
        await using var echo = TcpTargetServer.StartEcho();
        await using var proxy = TestProxies.Start(TestProxies.Upstream($"http://127.0.0.1:{Loopback.ClosedPort()}"),
            """ "routes": [ { "name": "lan", "match": ["127.0.0.0/8"], "action": "direct" } ], """);

        using (var socks = await Socks5TestClient.RunAsync(proxy.Port, Socks5TestClient.Connect("127.0.0.1", echo.Port)))
        {
            Assert.Equal((byte)0x00, socks.Reply);
            await ProxyClient.AssertEchoesAsync(socks.Socket, "direct socks");
        }

        Assert.Equal((1, 1), (proxy.Direct.Counters.Requests, proxy.Direct.Counters.Succeeded));
        Assert.Equal(0, proxy.Pool.All[0].Counters.Requests);
    }

    [Fact(Timeout = 15_000)]
    public async Task UserMaxConnections1_TheSecondIsRepliedNotAllowedUntilTheFirstCloses()
    {
        await using var echo = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users(""" "max_connections": 1 """));

        var first = await Socks5TestClient.RunAsync(proxy.Port, Socks5TestClient.Connect("127.0.0.1", echo.Port), Alice);
        Assert.Equal((byte)0x00, first.Reply);
        using (var second = await Socks5TestClient.RunAsync(proxy.Port, Socks5TestClient.Connect("127.0.0.1", echo.Port), Alice))
        {
            Assert.Equal((byte)0x02, second.Reply);
        }
        first.Dispose();
        Assert.True(await Loopback.WaitUntilAsync(() => AliceState(proxy).ActiveConnections == 0));
        using var third = await Socks5TestClient.RunAsync(proxy.Port, Socks5TestClient.Connect("127.0.0.1", echo.Port), Alice);

        Assert.Equal((byte)0x00, third.Reply);
        Assert.Equal(1, proxy.Counters.RejectedBy[RejectionCause.UserMaxConnections]);
        Assert.Equal((2L, 1L), (AliceState(proxy).Requests, AliceState(proxy).Limited));
    }

    [Fact(Timeout = 15_000)]
    public async Task UserRequestsPerMinute2_TheThirdIsRepliedNotAllowed()
    {
        await using var echo = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users(""" "requests_per_minute": 2 """));

        var replies = new List<byte?>();
        for (var i = 0; i < 3; i++)
        {
            using var socks = await Socks5TestClient.RunAsync(proxy.Port, Socks5TestClient.Connect("127.0.0.1", echo.Port), Alice);
            replies.Add(socks.Reply);
        }

        Assert.Equal(new byte?[] { 0x00, 0x00, 0x02 }, replies);
        Assert.Equal(1, proxy.Counters.RejectedBy[RejectionCause.UserRequestRate]);
        Assert.Equal(2, upstream.Heads.Count);
    }

    [Fact(Timeout = 20_000)]
    public async Task UserBytesPerSecond256KiB_A512KiBDownloadTakesTwoSeconds()
    {
        const int size = 512 * 1024;
        await using var target = TcpTargetServer.StartGreeting(KeepAliveUpstream.Pattern(size));
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users(""" "bytes_per_second": 262144 """));

        using var socks = await Socks5TestClient.RunAsync(proxy.Port, Socks5TestClient.Connect("127.0.0.1", target.Port), Alice);
        Assert.Equal((byte)0x00, socks.Reply);
        var clock = Stopwatch.StartNew();
        var data = await Loopback.ReadExactlyAsync(socks.Socket, size, TimeSpan.FromSeconds(10));
        var elapsed = clock.Elapsed;

        Assert.Equal(KeepAliveUpstream.Pattern(size), data);
        Assert.InRange(elapsed.TotalSeconds, 1.2, 4.0);
        Assert.True(await Loopback.WaitUntilAsync(() => AliceState(proxy).BytesReceived == size));
        Assert.Equal(1, proxy.Counters.RejectedBy[RejectionCause.UserBandwidth]);
    }
}
