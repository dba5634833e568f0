using System.Diagnostics;
using System.Text;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Faults;
using NetDrift.Engine.Security;
using NetDrift.Engine.Server;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Tests.Net;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Server;

/// <summary>
/// SOCKS5 clients on the proxy port (CONTRACT §8): methods, logins, address types, reply codes for
/// NetDrift's answers, and the same limits, timeouts, port policy and counting as a CONNECT.
/// </summary>
public sealed class Socks5ClientTests
{
    private static readonly string AliceHash = PasswordHash.Create("Alice-Pw1", iterations: 20_000);

    private static string Users => $$""" "authentication": { "enabled": true, "users": [ { "username": "alice", "password": "{{AliceHash}}" } ] }, """;

    [Fact(Timeout = 20_000)]
    public async Task Connect_IPv4_ThroughHttpUpstream_EchoesAndCountsLikeAConnect()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));

        using var socks = await Socks5TestClient.RunAsync(proxy.Port, Socks5TestClient.Connect("127.0.0.1", target.Port));

        Assert.Equal(0x00, socks.Method);
        Assert.Equal((byte)0x00, socks.Reply);
        await ProxyClient.AssertEchoesAsync(socks.Socket, "socks5 client");
        Assert.Equal($"CONNECT {target.Authority} HTTP/1.1", upstream.Heads.Single().Split("\r\n")[0]);
        var stats = proxy.Pool.All[0].Counters.Snapshot(StatsWindow.Lifetime);
        Assert.Equal(1, stats.Requests);
        Assert.Equal(1, stats.Succeeded);
    }

    [Fact(Timeout = 20_000)]
    public async Task Connect_ThroughSocks5Upstream_EchoesByteExact()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = FaultyProxy.Start("socks-up", new FaultyProxyOptions { Protocol = FaultyProxyProtocol.Socks5 });
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));

        using var socks = await Socks5TestClient.RunAsync(proxy.Port, Socks5TestClient.Connect("127.0.0.1", target.Port));

        Assert.Equal((byte)0x00, socks.Reply);
        var payload = new byte[64 * 1024];
        new Random(5).NextBytes(payload);
        await Loopback.SendAllAsync(socks.Socket, payload);
        Assert.Equal(payload, await Loopback.ReadExactlyAsync(socks.Socket, payload.Length));
    }

    [Fact(Timeout = 20_000)]
    public async Task Connect_GreetingAndRequestSplitIntoSingleBytes_Served()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        using var socket = await Loopback.ConnectAsync(proxy.Port);

        foreach (var b in new byte[] { 0x05, 0x01, 0x00 })
        {
            await Loopback.SendAllAsync(socket, new[] { b });
            await Task.Delay(20);
        }
        Assert.Equal(new byte[] { 0x05, 0x00 }, await Loopback.ReadExactlyAsync(socket, 2));
        foreach (var b in Socks5TestClient.Connect("localhost", target.Port))
        {
            await Loopback.SendAllAsync(socket, new[] { b });
            await Task.Delay(5);
        }
        Assert.Equal((byte)0x00, await Socks5TestClient.ReadReplyAsync(socket));
        await ProxyClient.AssertEchoesAsync(socket, "split");
        Assert.Equal($"CONNECT localhost:{target.Port} HTTP/1.1", upstream.Heads.Single().Split("\r\n")[0]);
    }

    [Fact(Timeout = 20_000)]
    public async Task Connect_IPv6AndLongDomainTargets_ReachTheUpstreamAsNamed()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        var longName = Socks5WireTests.LongName(255);

        using (var v6 = await Socks5TestClient.RunAsync(proxy.Port, Socks5TestClient.Connect("::1", Loopback.ClosedPort())))
        {
            Assert.NotNull(v6.Reply);
        }
        using (var named = await Socks5TestClient.RunAsync(proxy.Port, Socks5TestClient.Connect(longName, 443)))
        {
            Assert.NotNull(named.Reply);
        }

        var lines = upstream.Heads.Select(h => h.Split("\r\n")[0]).ToArray();
        Assert.Contains(lines, l => l.StartsWith("CONNECT [::1]:", StringComparison.Ordinal));
        Assert.Contains($"CONNECT {longName}:443 HTTP/1.1", lines);
    }

    [Fact(Timeout = 20_000)]
    public async Task DeadTarget_ThroughHttpUpstream_RepliesHostUnreachable()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        using var socks = await Socks5TestClient.RunAsync(proxy.Port, Socks5TestClient.Connect("127.0.0.1", Loopback.ClosedPort()));
        Assert.Equal((byte)0x04, socks.Reply);
    }

    [Fact(Timeout = 20_000)]
    public async Task TargetRefused_BySocks5Upstreams_RepliesTheirOwnCode()
    {
        await using var a = FaultyProxy.Start("refused-a", new FaultyProxyOptions { Protocol = FaultyProxyProtocol.Socks5, Fault = FaultType.Status, StatusCode = 0x05 });
        await using var b = FaultyProxy.Start("refused-b", new FaultyProxyOptions { Protocol = FaultyProxyProtocol.Socks5, Fault = FaultType.Status, StatusCode = 0x05 });
        await using var proxy = TestProxies.Start(TestProxies.Upstream(a.Url) + "," + TestProxies.Upstream(b.Url));

        using var socks = await Socks5TestClient.RunAsync(proxy.Port, Socks5TestClient.Connect("127.0.0.1", 9));

        Assert.Equal((byte)0x05, socks.Reply);
        Assert.All(proxy.Pool.All, u => Assert.Equal(1, u.Counters.Snapshot(StatsWindow.Lifetime).FailedBy.GetValueOrDefault(FailureCause.TargetUnreachable)));
    }

    [Fact(Timeout = 20_000)]
    public async Task NoUpstreamAvailable_RepliesGeneralFailure()
    {
        await using var proxy = TestProxies.Start(TestProxies.Upstream("http://127.0.0.1:9", enabled: false));
        using var socks = await Socks5TestClient.RunAsync(proxy.Port, Socks5TestClient.Connect("127.0.0.1", 9));
        Assert.Equal((byte)0x01, socks.Reply);
    }

    [Fact(Timeout = 20_000)]
    public async Task UpstreamTimesOut_RepliesTtlExpired()
    {
        await using var silent = FaultyProxy.Start("silent", new FaultyProxyOptions { Fault = FaultType.Timeout });
        await using var proxy = TestProxies.Start(TestProxies.Upstream(silent.Url), """ "upstream_timeout": 0.3, "retries": 0, """);
        using var socks = await Socks5TestClient.RunAsync(proxy.Port, Socks5TestClient.Connect("127.0.0.1", 9));
        Assert.Equal((byte)0x06, socks.Reply);
    }

    [Theory(Timeout = 20_000)]
    [InlineData(0x02)]
    [InlineData(0x03)]
    public async Task BindAndUdpAssociate_RepliedCommandNotSupported(byte command)
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        var request = Socks5TestClient.Connect("127.0.0.1", 80);
        request[1] = command;
        using var socks = await Socks5TestClient.RunAsync(proxy.Port, request);
        Assert.Equal((byte)0x07, socks.Reply);
        Assert.Empty(upstream.Heads);
    }

    [Fact(Timeout = 20_000)]
    public async Task PortNotAllowed_RepliedNotAllowedAndCounted()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), """ "allowed_ports": [443], """);
        using var socks = await Socks5TestClient.RunAsync(proxy.Port, Socks5TestClient.Connect("127.0.0.1", 25));
        Assert.Equal((byte)0x02, socks.Reply);
        Assert.Equal(1, proxy.Counters.RejectedBy[RejectionCause.PortNotAllowed]);
        Assert.Empty(upstream.Heads);
    }

    [Fact(Timeout = 20_000)]
    public async Task AuthRequired_RightLogin_Served()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users);
        using var socks = await Socks5TestClient.RunAsync(proxy.Port, Socks5TestClient.Connect("127.0.0.1", target.Port), ("alice", "Alice-Pw1"), [0x00, 0x02]);
        Assert.Equal(0x02, socks.Method);
        Assert.True(socks.LoginAccepted);
        Assert.Equal((byte)0x00, socks.Reply);
        await ProxyClient.AssertEchoesAsync(socks.Socket, "alice");
    }

    [Fact(Timeout = 20_000)]
    public async Task AuthRequired_WrongLogin_Status1ThenClosedAndCounted()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users);
        using var socks = await Socks5TestClient.RunAsync(proxy.Port, Socks5TestClient.Connect("127.0.0.1", 80), ("alice", "wrong"));
        Assert.False(socks.LoginAccepted);
        var (rest, _) = await Loopback.ReadToEndAsync(socks.Socket, TimeSpan.FromSeconds(5));
        Assert.Empty(rest);
        Assert.Equal(1, proxy.Counters.AuthFailures);
        Assert.Empty(upstream.Heads);
    }

    [Fact(Timeout = 20_000)]
    public async Task AuthRequired_ClientOffersOnlyNoAuth_NoAcceptableMethodThenClosed()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users);
        using var socks = await Socks5TestClient.RunAsync(proxy.Port, Socks5TestClient.Connect("127.0.0.1", 80));
        Assert.Equal(0xFF, socks.Method);
        var (rest, _) = await Loopback.ReadToEndAsync(socks.Socket, TimeSpan.FromSeconds(5));
        Assert.Empty(rest);
    }

    [Fact(Timeout = 20_000)]
    public async Task NoAuth_ClientOffersOnlyUserPass_NoAcceptableMethod()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        using var socks = await Socks5TestClient.RunAsync(proxy.Port, Socks5TestClient.Connect("127.0.0.1", 80), ("x", "y"));
        Assert.Equal(0xFF, socks.Method);
    }

    [Fact(Timeout = 20_000)]
    public async Task StalledGreeting_ClosedWithinHeaderTimeoutAndCounted()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), """ "limits": { "header_timeout_seconds": 1 }, """);
        using var slow = await Loopback.ConnectAsync(proxy.Port);
        var clock = Stopwatch.StartNew();
        await Loopback.SendAllAsync(slow, new byte[] { 0x05, 0x02, 0x00 });
        var (data, _) = await Loopback.ReadToEndAsync(slow, TimeSpan.FromSeconds(5));
        clock.Stop();
        Assert.Empty(data);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"closed after {clock.Elapsed}");
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(0.8), $"closed early, after {clock.Elapsed}");
        Assert.Equal(1, proxy.Counters.RejectedBy[RejectionCause.HeaderTimeout]);
    }

    [Fact(Timeout = 20_000)]
    public async Task Socks5TurnedOff_FirstByte5_Answered400()
    {
        await using var upstream = TestUpstreamProxy.Start();
        var json = TestProxies.Json(TestProxies.Upstream(upstream.Url)).Replace("\"127.0.0.1:0\"", "\"127.0.0.1:0\", \"socks5\": false", StringComparison.Ordinal);
        await using var proxy = ProxyServer.Start("test", ConfigLoader.Parse(json));
        var answer = await ProxyClient.SendAndReadAllAsync(proxy.Port, new byte[] { 0x05, 0x01, 0x00 });
        Assert.Equal(400, ProxyClient.StatusOf(answer));
    }

    [Fact(Timeout = 20_000)]
    public async Task MaxConnections_AppliesToSocks5Clients()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), """ "limits": { "max_connections": 1 }, """);
        using var first = await Socks5TestClient.RunAsync(proxy.Port, Socks5TestClient.Connect("127.0.0.1", target.Port));
        Assert.Equal((byte)0x00, first.Reply);

        using var second = await Loopback.ConnectAsync(proxy.Port);
        var (data, _) = await Loopback.ReadToEndAsync(second, TimeSpan.FromSeconds(5));

        Assert.StartsWith("HTTP/1.1 503", Encoding.Latin1.GetString(data));
        Assert.Equal(1, proxy.Counters.RejectedBy[RejectionCause.MaxConnections]);
    }
}
