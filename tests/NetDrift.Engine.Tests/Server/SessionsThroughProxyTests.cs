using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using NetDrift.Engine.Balancing;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Server;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Server;

/// <summary>
/// Sessions through a running proxy: the username and header forms on CONNECT and plain requests,
/// failover within a request, reloads, the sweep, and agreement between two instances.
/// </summary>
public sealed class SessionsThroughProxyTests : IAsyncLifetime
{
    private const string Sessions = """ "sessions": { "enabled": true }, "expose_upstream": true, "load_balancing": "round-robin", """;
    private const string Alice = """ "authentication": { "enabled": true, "users": [ { "username": "alice", "password": "pw" } ] }, """;
    private readonly List<IAsyncDisposable> _owned = [];
    private TcpTargetServer _target = null!;
    private TestUpstreamProxy[] _upstreams = null!;

    public Task InitializeAsync()
    {
        _target = TcpTargetServer.StartEcho();
        _upstreams = [TestUpstreamProxy.Start(), TestUpstreamProxy.Start(), TestUpstreamProxy.Start()];
        _owned.Add(_target);
        _owned.AddRange(_upstreams);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }
    }

    private string Pool => string.Join(",", _upstreams.Select(u => TestProxies.Upstream(u.Url)));

    private ProxyServer Start(string extra, string? pool = null, TimeProvider? time = null)
    {
        var proxy = ProxyServer.Start("test", ConfigLoader.Parse(TestProxies.Json(pool ?? Pool, extra)), timeProvider: time);
        _owned.Add(proxy);
        return proxy;
    }

    private static string RendezvousChoice(ProxyServer proxy, string key) => new StickyPolicy().Pick(proxy.Pool, new PickContext(key))!.Name;

    /// <summary>Opens a tunnel with the extra head lines, checks it echoes, and returns the upstream that serves it.</summary>
    private async Task<string> TunnelAsync(ProxyServer proxy, string extraLines)
    {
        using var socket = await Loopback.ConnectAsync(proxy.Port);
        await Loopback.SendTextAsync(socket, $"CONNECT {_target.Authority} HTTP/1.1\r\nHost: {_target.Authority}\r\n{extraLines}\r\n");
        var head = await ProxyClient.ReadResponseAsync(socket);
        Assert.Equal(200, head.StatusCode);
        await ProxyClient.AssertEchoesAsync(socket, "ping");
        return head.Headers.Get("X-NetDrift-Upstream")!;
    }

    private static string Login(string user) => $"Proxy-Authorization: {ProxyClient.Basic(user, "pw")}\r\n";

    private static string Header(string session) => $"X-NetDrift-Session: {session}\r\n";

    [Fact(Timeout = 20_000)]
    public async Task Connect_UsernameSession_EveryTunnelOnItsRendezvousUpstream_AsTheUser()
    {
        var proxy = Start(Alice + Sessions);

        var served = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            served.Add(await TunnelAsync(proxy, Login("alice-session-abc1")));
        }

        Assert.All(served, s => Assert.Equal(RendezvousChoice(proxy, "alice/abc1"), s));
        var session = Assert.Single(proxy.Sessions());
        Assert.Equal(("alice", "abc1", served[0], 5L, 0L), (session.User, session.Session, session.Upstream, session.Requests, session.Moves));
        Assert.Equal(0, proxy.Counters.AuthFailures);
    }

    [Fact(Timeout = 20_000)]
    public async Task Connect_Session_TheDebugRoutingLineNamesIt()
    {
        var lines = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(lines));
        var proxy = ProxyServer.Start("test", ConfigLoader.Parse(TestProxies.Json(Pool, Alice + Sessions)), loggerFactory: factory);
        _owned.Add(proxy);

        var served = await TunnelAsync(proxy, Login("alice-session-abc1"));

        var route = Assert.Single(lines.Messages, m => m.StartsWith("Route for", StringComparison.Ordinal));
        Assert.Equal($"Route for alice to {_target.Authority}: session abc1; served by {served}", route);
    }

    [Fact(Timeout = 20_000)]
    public async Task Connect_SessionHeaderWithoutLogin_KeysOnTheClientAddress()
    {
        var proxy = Start(Sessions);

        var served = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            served.Add(await TunnelAsync(proxy, Header("h1")));
        }

        Assert.All(served, s => Assert.Equal(RendezvousChoice(proxy, "127.0.0.1/h1"), s));
        var session = Assert.Single(proxy.Sessions());
        Assert.Equal(("127.0.0.1", "h1", 4L), (session.User, session.Session, session.Requests));
        // The CONNECT to the upstream is NetDrift's own head: the session header never reaches it.
        Assert.All(_upstreams.SelectMany(u => u.Heads), h => Assert.DoesNotContain("X-NetDrift-Session", h, StringComparison.OrdinalIgnoreCase));
    }

    [Fact(Timeout = 20_000)]
    public async Task Connect_LoginAndHeader_TheUsernameSessionWins()
    {
        var proxy = Start(Alice + Sessions);

        await TunnelAsync(proxy, Login("alice-session-a") + Header("b"));
        await TunnelAsync(proxy, Login("alice") + Header("b"));

        Assert.Equal(["alice/a", "alice/b"], proxy.Sessions().Select(s => $"{s.User}/{s.Session}").Order());
    }

    [Fact(Timeout = 20_000)]
    public async Task Plain_SessionHeader_StickyAcrossRequests_AndNotForwarded()
    {
        var proxy = Start(Sessions);

        var answers = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            answers.Add(await ProxyClient.SendAndReadAllAsync(proxy.Port,
                $"GET http://{_target.Authority}/x HTTP/1.1\r\nHost: {_target.Authority}\r\n{Header("p1")}Connection: close\r\n\r\n"));
        }

        Assert.All(answers, a => Assert.Equal(200, ProxyClient.StatusOf(a)));
        var expected = RendezvousChoice(proxy, "127.0.0.1/p1");
        Assert.All(answers, a => Assert.Contains($"X-NetDrift-Upstream: {expected}\r\n", a, StringComparison.Ordinal));
        // The upstream echoes the head it got: the session header stayed behind.
        Assert.All(answers, a => Assert.DoesNotContain("X-NetDrift-Session", a, StringComparison.OrdinalIgnoreCase));
        Assert.Equal(4, Assert.Single(proxy.Sessions()).Requests);
    }

    [Fact(Timeout = 20_000)]
    public async Task Connect_SessionsUpstreamFails_RetryServesIt_AndTheSessionStaysWhereItMoved()
    {
        var dead = $"http://127.0.0.1:{Loopback.ClosedPort()}";
        var proxy = Start(Sessions + """ "health_check": { "failure_threshold": 100 }, """, Pool + "," + TestProxies.Upstream(dead));
        var deadUpstream = proxy.Pool.All.Single(u => u.Config.Url.Authority == new Uri(dead).Authority);
        // A session whose rendezvous choice is the dead upstream.
        var id = Enumerable.Range(0, 1000).Select(i => $"s{i}").First(s => RendezvousChoice(proxy, "127.0.0.1/" + s) == deadUpstream.Name);

        var first = await TunnelAsync(proxy, Header(id));
        var second = await TunnelAsync(proxy, Header(id));

        Assert.NotEqual(deadUpstream.Name, first);
        Assert.Equal(first, second);
        Assert.NotEqual(UpstreamHealth.Unhealthy, deadUpstream.Health);
        Assert.Equal(1, deadUpstream.Counters.Requests);
        var session = Assert.Single(proxy.Sessions());
        Assert.Equal((first, 2L, 1L), (session.Upstream, session.Requests, session.Moves));
    }

    [Fact(Timeout = 30_000)]
    public async Task TwoProxies_SamePool_PutEachSessionOnTheSameUpstream()
    {
        var one = Start(Sessions);
        var two = Start(Sessions.Replace("round-robin", "least-connections"));

        foreach (var id in Enumerable.Range(0, 12).Select(i => $"t{i}"))
        {
            Assert.Equal(await TunnelAsync(one, Header(id)), await TunnelAsync(two, Header(id)));
        }
        Assert.True(one.Sessions().Select(s => s.Upstream).Distinct().Count() > 1);
    }

    [Fact(Timeout = 20_000)]
    public async Task SessionsDisabled_UserWhoseNameHasTheSeparator_LogsIn_AndNoSessionIsKept()
    {
        var proxy = Start(""" "authentication": { "enabled": true, "users": [ { "username": "bob-session-x", "password": "pw" } ] }, """);

        await TunnelAsync(proxy, Login("bob-session-x") + Header("h"));

        Assert.Empty(proxy.Sessions());
        Assert.Equal(0, proxy.Counters.AuthFailures);
    }

    [Fact(Timeout = 20_000)]
    public async Task SessionsEnabled_UserWhoseNameHasTheSeparator_LogsInWithAndWithoutASession()
    {
        var proxy = Start(""" "authentication": { "enabled": true, "users": [ { "username": "bob-session-x", "password": "pw" } ] }, """ + Sessions);

        await TunnelAsync(proxy, Login("bob-session-x"));
        await TunnelAsync(proxy, Login("bob-session-x-session-7"));

        var session = Assert.Single(proxy.Sessions());
        Assert.Equal(("bob-session-x", "7"), (session.User, session.Session));
    }

    [Fact(Timeout = 20_000)]
    public async Task Reload_KeepsEverySession()
    {
        var json = TestProxies.Json(Pool, Sessions);
        var proxy = Start(Sessions);
        var before = await TunnelAsync(proxy, Header("r"));

        proxy.ApplyConfig(ConfigLoader.Parse(json.Replace("\"round-robin\"", "\"least-latency\"")));

        Assert.Equal(before, await TunnelAsync(proxy, Header("r")));
        Assert.Equal(2, Assert.Single(proxy.Sessions()).Requests);
    }

    [Fact(Timeout = 20_000)]
    public async Task Sweep_DropsExpiredSessions_OnTheProxysOwnSweep()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var proxy = Start(Sessions.Replace("\"enabled\": true", "\"enabled\": true, \"ttl_seconds\": 60"), time: clock);
        await TunnelAsync(proxy, Header("old"));
        Assert.Equal(1, proxy.Context.Sessions.Count);

        clock.Advance(TimeSpan.FromSeconds(60));

        Assert.True(await Loopback.WaitUntilAsync(() => proxy.Context.Sessions.Count == 0, TimeSpan.FromSeconds(10)));
    }

    [Fact(Timeout = 30_000)]
    public async Task Picks_1000SessionsOver3Upstreams_10RequestsEach_RemovingOneMovesOnlyItsSessions()
    {
        var proxy = Start(Sessions);
        var ids = Enumerable.Range(0, 1000).Select(i => $"s{i}").ToArray();
        Upstream Pick(string id) => proxy.Context.PickUpstream("alice", [], null, out _, id)!;
        var before = ids.ToDictionary(id => id, Pick);
        for (var request = 1; request < 10; request++)
        {
            Assert.All(ids, id => Assert.Same(before[id], Pick(id)));
        }
        var removed = before.Values.GroupBy(u => u).OrderByDescending(g => g.Count()).First().Key;

        Assert.True(proxy.RemoveUpstream(removed.Name));
        var after = ids.ToDictionary(id => id, Pick);

        Assert.All(ids, id => Assert.True(before[id] == removed ? after[id] != removed : after[id] == before[id], id));
        Assert.Equal(before.Values.Count(u => u == removed), proxy.Sessions().Sum(s => s.Moves));
        Assert.All(proxy.Sessions(), s => Assert.Equal(11, s.Requests));
        await Task.CompletedTask;
    }

    public static TheoryData<string> Strategies() => new(LoadBalancingNames.All);

    [Theory(Timeout = 20_000)]
    [MemberData(nameof(Strategies))]
    public async Task Picks_EveryStrategy_TheSessionOverridesItsPick(string strategy)
    {
        var proxy = Start(Sessions.Replace("round-robin", strategy));
        var ids = Enumerable.Range(0, 100).Select(i => $"s{i}").ToArray();

        foreach (var id in ids)
        {
            var expected = RendezvousChoice(proxy, "alice/" + id);
            Assert.All(Enumerable.Range(0, 3), n => Assert.Equal(expected, proxy.Context.PickUpstream("alice", [], null, out _, id)!.Name));
        }
        Assert.Equal(100, proxy.Sessions().Count);
        await Task.CompletedTask;
    }
}
