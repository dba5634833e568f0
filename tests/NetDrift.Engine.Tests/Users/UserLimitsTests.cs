using System.Diagnostics;
using System.Net.Sockets;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Server;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Users;

namespace NetDrift.Engine.Tests.Users;

/// <summary>Per-user limits on real CONNECTs and plain requests: exact counts, 429 with Retry-After, reload.</summary>
public sealed class UserLimitsTests
{
    private static readonly string Alice = ProxyClient.Basic("alice", "pw");

    private static string Users(string limits) =>
        $$""" "authentication": { "enabled": true, "users": [ { "username": "alice", "password": "pw", {{limits}} } ] }, """;

    private static UserState AliceState(ProxyServer proxy) => Assert.Single(proxy.Users, u => u.Name == "alice");

    private static string PlainGet(int port, string path = "/") =>
        $"GET http://127.0.0.1:{port}{path} HTTP/1.1\r\nHost: 127.0.0.1\r\nProxy-Authorization: {Alice}\r\nConnection: close\r\n\r\n";

    private static int RetryAfter(string head)
    {
        var line = head.Split("\r\n").Single(l => l.StartsWith("Retry-After: ", StringComparison.Ordinal));
        return int.Parse(line["Retry-After: ".Length..]);
    }

    [Fact(Timeout = 15_000)]
    public async Task Connect_MaxConnections2_TheThirdGets429UntilOneCloses()
    {
        await using var echo = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users(""" "max_connections": 2 """));

        using var first = await ProxyClient.OpenTunnelAsync(proxy.Port, echo.Port, Alice);
        using var second = await ProxyClient.OpenTunnelAsync(proxy.Port, echo.Port, Alice);
        using (var third = await ProxyClient.ConnectAsync(proxy.Port, echo.Authority, Alice))
        {
            Assert.Equal(429, third.Status);
            Assert.Equal(1, RetryAfter(third.Head));
        }
        first.Dispose();
        Assert.True(await Loopback.WaitUntilAsync(() => AliceState(proxy).ActiveConnections == 1));
        using var fourth = await ProxyClient.OpenTunnelAsync(proxy.Port, echo.Port, Alice);

        var alice = AliceState(proxy);
        Assert.Equal((3L, 1L, 2L), (alice.Requests, alice.Limited, alice.ActiveConnections));
        Assert.Equal(1, proxy.Counters.RejectedBy[RejectionCause.UserMaxConnections]);
        Assert.NotNull(alice.LastSeenAt);
    }

    [Fact(Timeout = 15_000)]
    public async Task Plain_MaxConnections2_TwoInFlight_TheThirdGets429()
    {
        await using var silent = TestUpstreamProxy.Start(UpstreamBehavior.Silent);
        await using var proxy = TestProxies.Start(TestProxies.Upstream(silent.Url), """ "upstream_timeout": 30, "retries": 0, """ + Users(""" "max_connections": 2 """));

        using var first = await Loopback.ConnectAsync(proxy.Port);
        using var second = await Loopback.ConnectAsync(proxy.Port);
        await Loopback.SendTextAsync(first, PlainGet(80));
        await Loopback.SendTextAsync(second, PlainGet(80));
        Assert.True(await Loopback.WaitUntilAsync(() => AliceState(proxy).ActiveConnections == 2));

        var third = await ProxyClient.SendAndReadAllAsync(proxy.Port, PlainGet(80));

        Assert.Equal(429, ProxyClient.StatusOf(third));
        Assert.Equal(1, RetryAfter(third));
        Assert.Equal((2L, 1L), (AliceState(proxy).Requests, AliceState(proxy).Limited));
        Assert.Equal(1, proxy.Counters.RejectedBy[RejectionCause.UserMaxConnections]);
    }

    [Fact(Timeout = 15_000)]
    public async Task Connect_RequestsPerMinute5_TheSixthGets429WithRetryAfter()
    {
        await using var echo = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users(""" "requests_per_minute": 5 """));

        for (var i = 0; i < 5; i++)
        {
            using var tunnel = await ProxyClient.OpenTunnelAsync(proxy.Port, echo.Port, Alice);
        }
        using var sixth = await ProxyClient.ConnectAsync(proxy.Port, echo.Authority, Alice);

        Assert.Equal(429, sixth.Status);
        Assert.InRange(RetryAfter(sixth.Head), 1, 60);
        Assert.Equal((5L, 1L), (AliceState(proxy).Requests, AliceState(proxy).Limited));
        Assert.Equal(1, proxy.Counters.RejectedBy[RejectionCause.UserRequestRate]);
        Assert.Equal(5, proxy.Pool.All[0].Counters.Requests);
    }

    [Fact(Timeout = 15_000)]
    public async Task Plain_RequestsPerMinute5_TheSixthGets429WithRetryAfter()
    {
        await using var upstream = KeepAliveUpstream.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users(""" "requests_per_minute": 5 """));

        var statuses = new List<int>();
        string last = "";
        for (var i = 0; i < 6; i++)
        {
            last = await ProxyClient.SendAndReadAllAsync(proxy.Port, PlainGet(80, "/len/10"));
            statuses.Add(ProxyClient.StatusOf(last));
        }

        Assert.Equal([200, 200, 200, 200, 200, 429], statuses);
        Assert.InRange(RetryAfter(last), 1, 60);
        Assert.Equal(5, upstream.CountRequests("/len/"));
        Assert.Equal(1, proxy.Counters.RejectedBy[RejectionCause.UserRequestRate]);
    }

    [Fact(Timeout = 15_000)]
    public async Task Reload_RaisesALimit_TheCountSoFarIsKept()
    {
        await using var echo = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        string Config(int perMinute) => TestProxies.Json(TestProxies.Upstream(upstream.Url), Users($""" "requests_per_minute": {perMinute} """));
        await using var proxy = ProxyServer.Start("test", ConfigLoader.Parse(Config(2)));
        async Task<int> ConnectAsync()
        {
            using var answer = await ProxyClient.ConnectAsync(proxy.Port, echo.Authority, Alice);
            return answer.Status;
        }

        var before = new[] { await ConnectAsync(), await ConnectAsync(), await ConnectAsync() };
        var changes = proxy.ApplyConfig(ConfigLoader.Parse(Config(4)));
        var after = new[] { await ConnectAsync(), await ConnectAsync(), await ConnectAsync() };

        Assert.Equal([200, 200, 429], before);
        Assert.Equal("requests_per_minute 2 -> 4", Assert.Single(changes, c => c.Name == "alice").Detail);
        Assert.Equal([200, 200, 429], after);
        Assert.Equal((4L, 2L), (AliceState(proxy).Requests, AliceState(proxy).Limited));
    }

    [Fact(Timeout = 20_000)]
    public async Task Connect_BytesPerSecond256KiB_A1MiBDownloadTakesFourSeconds()
    {
        const int size = 1024 * 1024;
        await using var target = TcpTargetServer.StartGreeting(KeepAliveUpstream.Pattern(size));
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users(""" "bytes_per_second": 262144 """));

        using var tunnel = await ProxyClient.OpenTunnelAsync(proxy.Port, target.Port, Alice);
        var clock = Stopwatch.StartNew();
        var data = await Loopback.ReadExactlyAsync(tunnel, size, TimeSpan.FromSeconds(10));
        var elapsed = clock.Elapsed;

        Assert.Equal(KeepAliveUpstream.Pattern(size), data);
        Assert.InRange(elapsed.TotalSeconds, 3.2, 4.8);
        // The relay counts a chunk just after sending it.
        Assert.True(await Loopback.WaitUntilAsync(() => AliceState(proxy).BytesReceived == size));
        Assert.Equal(1, proxy.Counters.RejectedBy[RejectionCause.UserBandwidth]);
    }

    [Fact(Timeout = 20_000)]
    public async Task Plain_BytesPerSecond256KiB_A1MiBDownloadTakesFourSeconds()
    {
        const int size = 1024 * 1024;
        await using var upstream = KeepAliveUpstream.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users(""" "bytes_per_second": 262144 """));

        var clock = Stopwatch.StartNew();
        var response = await ProxyClient.SendAndReadAllAsync(proxy.Port, PlainGet(80, $"/len/{size}"), TimeSpan.FromSeconds(10));
        var elapsed = clock.Elapsed;

        Assert.Equal(200, ProxyClient.StatusOf(response));
        Assert.Equal(size, response.Length - response.IndexOf("\r\n\r\n", StringComparison.Ordinal) - 4);
        Assert.InRange(elapsed.TotalSeconds, 3.2, 4.8);
        // The body (the user counts what the client asked for), counted just after each send.
        Assert.True(await Loopback.WaitUntilAsync(() => AliceState(proxy).BytesReceived == size));
    }
}
