using Microsoft.Extensions.Logging;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Server;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Tests.Faults;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Routing;

/// <summary>Routes applied to real requests: deny, a route's tag with the user's pin, direct, and live reload.</summary>
public sealed class RouteActionTests
{
    private static string Tagged(string url, string tag) => $$"""{ "url": "{{url}}", "tag": "{{tag}}" }""";

    private static (ProxyServer Proxy, CapturingLoggerProvider Lines, ILoggerFactory Factory) StartLogged(string upstreams, string extra)
    {
        var lines = new CapturingLoggerProvider();
        var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(lines));
        return (ProxyServer.Start("routes", ConfigLoader.Parse(TestProxies.Json(upstreams, extra)), loggerFactory: factory), lines, factory);
    }

    [Fact(Timeout = 10_000)]
    public async Task Connect_DenyRoute_Answers403AndTriesNoUpstream()
    {
        await using var echo = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url),
            $$""" "routes": [ { "name": "blocked", "match": ["127.0.0.1:{{echo.Port}}"], "action": "deny" } ], """);

        using (var answer = await ProxyClient.ConnectAsync(proxy.Port, echo.Authority))
        {
            Assert.Equal(403, answer.Status);
        }
        var plain = await ProxyClient.SendAndReadAllAsync(proxy.Port, $"GET http://127.0.0.1:{echo.Port}/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

        Assert.Equal(403, ProxyClient.StatusOf(plain));
        Assert.Contains("denied by route", plain, StringComparison.Ordinal);
        Assert.Equal(2, proxy.Counters.RejectedBy[RejectionCause.RouteDenied]);
        Assert.Equal(0, proxy.Pool.All[0].Counters.Requests);
    }

    [Fact(Timeout = 10_000)]
    public async Task Connect_RouteWithTag_OnlyThatTagServesIt_OthersUseTheWholePool()
    {
        await using var routed = TcpTargetServer.StartEcho();
        await using var other = TcpTargetServer.StartEcho();
        await using var eu = TestUpstreamProxy.Start();
        await using var us = TestUpstreamProxy.Start();
        var (proxy, lines, factory) = StartLogged(Tagged(eu.Url, "eu") + "," + Tagged(us.Url, "us"),
            $$""" "load_balancing": "round-robin", "routes": [ { "name": "eu-sites", "match": ["127.0.0.1:{{routed.Port}}"], "tag": "eu" } ], """);
        await using var _ = proxy;
        using var __ = factory;

        for (var i = 0; i < 4; i++)
        {
            using var tunnel = await ProxyClient.OpenTunnelAsync(proxy.Port, routed.Port);
        }
        for (var i = 0; i < 2; i++)
        {
            using var tunnel = await ProxyClient.OpenTunnelAsync(proxy.Port, other.Port);
        }

        var byName = proxy.Pool.All.ToDictionary(u => u.Name, u => u.Counters.Succeeded);
        Assert.Equal(5, byName[eu.Name]);
        Assert.Equal(1, byName[us.Name]);
        Assert.Equal(4, lines.Messages.Count(m => m.Contains("route eu-sites → tag eu", StringComparison.Ordinal)));
    }

    [Fact(Timeout = 10_000)]
    public async Task Connect_RouteTagAndUserPinDiffer_503AndTheRoutingLineSaysWhy()
    {
        await using var echo = TcpTargetServer.StartEcho();
        await using var eu = TestUpstreamProxy.Start();
        await using var us = TestUpstreamProxy.Start();
        var (proxy, lines, factory) = StartLogged(Tagged(eu.Url, "eu") + "," + Tagged(us.Url, "us"), $$"""
            "authentication": { "enabled": true, "users": [ { "username": "alice", "password": "pw", "tag": "us" } ] },
            "routes": [ { "name": "eu-sites", "match": ["127.0.0.1:{{echo.Port}}"], "tag": "eu" } ],
            """);
        await using var _ = proxy;
        using var __ = factory;

        using (var answer = await ProxyClient.ConnectAsync(proxy.Port, echo.Authority, ProxyClient.Basic("alice", "pw")))
        {
            Assert.Equal(503, answer.Status);
        }

        var line = Assert.Single(lines.Messages, m => m.StartsWith("Route for alice", StringComparison.Ordinal));
        Assert.Contains("route eu-sites → tag eu", line, StringComparison.Ordinal);
        Assert.Contains("route eu-sites needs tag eu, user alice is pinned to tag us", line, StringComparison.Ordinal);
        Assert.All(proxy.Pool.All, u => Assert.Equal(0, u.Counters.Requests));
    }

    [Fact(Timeout = 10_000)]
    public async Task Connect_DirectRoute_NetDriftReachesTheTargetItselfOnItsOwnStatsRow()
    {
        await using var echo = TcpTargetServer.StartEcho();
        var dead = Loopback.ClosedPort();
        var (proxy, lines, factory) = StartLogged(TestProxies.Upstream($"http://127.0.0.1:{dead}"),
            $$""" "routes": [ { "name": "lan", "match": ["127.0.0.0/8"], "action": "direct" } ], """);
        await using var _ = proxy;
        using var __ = factory;

        using (var tunnel = await ProxyClient.OpenTunnelAsync(proxy.Port, echo.Port))
        {
            await ProxyClient.AssertEchoesAsync(tunnel, "direct bytes");
        }
        var stats = await ProxyClient.SendAndReadAllAsync(proxy.Port, "GET /stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        var metrics = await ProxyClient.SendAndReadAllAsync(proxy.Port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

        Assert.True(await Loopback.WaitUntilAsync(() => proxy.Direct.Counters.ActiveConnections == 0));
        Assert.Equal((1, 1, 12L, 12L), (proxy.Direct.Counters.Requests, proxy.Direct.Counters.Succeeded, proxy.Direct.Counters.BytesSent, proxy.Direct.Counters.BytesReceived));
        Assert.Equal(0, proxy.Pool.All[0].Counters.Requests);
        Assert.True(proxy.ShowsDirect);
        Assert.Contains("\"direct\": {", stats, StringComparison.Ordinal);
        Assert.Contains("upstream=\"direct\"", metrics, StringComparison.Ordinal);
        Assert.Contains(lines.Messages, m => m.Contains("route lan → direct", StringComparison.Ordinal) && m.EndsWith("served by direct", StringComparison.Ordinal));
    }

    [Fact(Timeout = 10_000)]
    public async Task Plain_DirectRoute_TheOriginGetsAnOriginFormRequest()
    {
        await using var origin = LoopbackOrigin.StartHttp("from the origin");
        await using var proxy = TestProxies.Start(TestProxies.Upstream($"http://127.0.0.1:{Loopback.ClosedPort()}"),
            """ "routes": [ { "name": "lan", "match": ["127.0.0.1"], "action": "direct" } ], """);

        var response = await ProxyClient.SendAndReadAllAsync(proxy.Port,
            $"GET http://127.0.0.1:{origin.Port}/some/path?q=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, ProxyClient.StatusOf(response));
        Assert.EndsWith("from the origin", response.TrimEnd(), StringComparison.Ordinal);
        Assert.StartsWith("GET /some/path?q=1 HTTP/1.1\r\n", Assert.Single(origin.RequestHeads), StringComparison.Ordinal);
        Assert.Equal(1, proxy.Direct.Counters.Succeeded);
    }

    [Fact(Timeout = 10_000)]
    public async Task Connect_DirectRoute_AllowedPortsStillApply()
    {
        await using var echo = TcpTargetServer.StartEcho();
        await using var proxy = TestProxies.Start(TestProxies.Upstream($"http://127.0.0.1:{Loopback.ClosedPort()}"),
            """ "allowed_ports": [443], "routes": [ { "name": "lan", "match": ["*"], "action": "direct" } ], """);

        using var answer = await ProxyClient.ConnectAsync(proxy.Port, echo.Authority);

        Assert.Equal(403, answer.Status);
        Assert.Equal(1, proxy.Counters.RejectedBy[RejectionCause.PortNotAllowed]);
        Assert.Equal(0, proxy.Direct.Counters.Requests);
    }

    [Fact(Timeout = 10_000)]
    public async Task Reload_RoutesChanged_AppliedToTheNextRequest()
    {
        await using var echo = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        var denied = $$""" "routes": [ { "name": "blocked", "match": ["127.0.0.1"], "action": "deny" } ], """;
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), denied);
        using (var answer = await ProxyClient.ConnectAsync(proxy.Port, echo.Authority))
        {
            Assert.Equal(403, answer.Status);
        }

        var changes = proxy.ApplyConfig(ConfigLoader.Parse(TestProxies.Json(TestProxies.Upstream(upstream.Url))));

        Assert.Contains(changes, c => c.Name == "routes");
        using var tunnel = await ProxyClient.OpenTunnelAsync(proxy.Port, echo.Port);
        await ProxyClient.AssertEchoesAsync(tunnel, "allowed now");
    }
}
