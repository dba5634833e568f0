using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Server;

/// <summary>CONNECT through NetDrift to real loopback upstreams: relaying, upstream credentials, retries and the error answers.</summary>
public sealed class ConnectForwarderTests
{
    private static byte[] RandomBytes(int count, int seed)
    {
        var data = new byte[count];
        new Random(seed).NextBytes(data);
        return data;
    }

    [Fact(Timeout = 15_000)]
    public async Task Connect_OneMebibyteRandom_EchoedIntactBothWays()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        using var tunnel = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);
        Assert.Equal(200, tunnel.Status);
        Assert.StartsWith("HTTP/1.1 200 Connection established\r\n", tunnel.Head, StringComparison.Ordinal);
        var payload = RandomBytes(1024 * 1024, 42);

        var send = Loopback.SendAllAsync(tunnel.Socket, payload);
        var echo = Loopback.ReadExactlyAsync(tunnel.Socket, payload.Length);
        await send;

        Assert.Equal(payload, await echo);
    }

    [Fact(Timeout = 10_000)]
    public async Task Connect_UpstreamUrlWithCredentials_SendsDecodedBasicAndNeverTheClientHeader()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(
            TestProxies.Upstream($"http://u1:p%40ss:w@127.0.0.1:{upstream.Port}"),
            """ "authentication": { "enabled": true, "users": [ { "username": "client", "password": "clientpw" } ] }, """);

        using var tunnel = await ProxyClient.ConnectAsync(proxy.Port, target.Authority, ProxyClient.Basic("client", "clientpw"));

        Assert.Equal(200, tunnel.Status);
        var head = Assert.Single(upstream.Heads);
        Assert.StartsWith($"CONNECT {target.Authority} HTTP/1.1\r\n", head, StringComparison.Ordinal);
        var authorization = Assert.Single(TestUpstreamProxy.HeaderValues(head, "Proxy-Authorization"));
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("u1:p@ss:w")), authorization);
        Assert.DoesNotContain(ProxyClient.Basic("client", "clientpw")[6..], head, StringComparison.Ordinal);
    }

    [Fact(Timeout = 10_000)]
    public async Task Connect_NoUpstreamCredentials_ClientHeaderStillNotForwarded()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));

        using var tunnel = await ProxyClient.ConnectAsync(proxy.Port, target.Authority, ProxyClient.Basic("someone", "theirs"));

        Assert.Equal(200, tunnel.Status);
        Assert.Empty(upstream.ProxyAuthorizations);
    }

    [Fact(Timeout = 10_000)]
    public async Task Connect_ClientHalfCloses_FullEchoThenEof()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        using var tunnel = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);
        var payload = RandomBytes(200_000, 7);

        var read = Loopback.ReadToEndAsync(tunnel.Socket);
        await Loopback.SendAllAsync(tunnel.Socket, payload);
        tunnel.Socket.Shutdown(SocketShutdown.Send);
        var (echo, reset) = await read;

        Assert.False(reset);
        Assert.Equal(payload, echo);
    }

    [Fact(Timeout = 10_000)]
    public async Task Connect_TargetClosesFirst_ClientGetsDataThenCleanEof()
    {
        var greeting = "220 hello from target\r\n"u8.ToArray();
        await using var target = TcpTargetServer.StartGreeting(greeting);
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        using var tunnel = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);

        var (data, reset) = await Loopback.ReadToEndAsync(tunnel.Socket);

        Assert.False(reset);
        Assert.Equal(greeting, data);
        // The client may still talk after the target's FIN, then closes too: the tunnel ends.
        await Loopback.SendAllAsync(tunnel.Socket, "bye"u8.ToArray());
        tunnel.Socket.Shutdown(SocketShutdown.Send);
        var only = Assert.Single(proxy.Pool.All);
        Assert.True(await Loopback.WaitUntilAsync(() => only.Counters.ActiveConnections == 0));
        Assert.Equal(greeting.Length, only.Counters.BytesReceived);
        Assert.Equal(3, only.Counters.BytesSent);
    }

    [Fact(Timeout = 10_000)]
    public async Task Connect_UpstreamDisappearsMidTunnel_ClientClosed()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        using var tunnel = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);
        Assert.Equal(200, tunnel.Status);

        await upstream.DisposeAsync();
        var (_, _) = await Loopback.ReadToEndAsync(tunnel.Socket);

        Assert.True(await Loopback.WaitUntilAsync(() => proxy.Pool.All[0].Counters.ActiveConnections == 0));
    }

    [Fact(Timeout = 10_000)]
    public async Task Connect_BytesRightAfterConnectHead_ReachTheTarget()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        using var socket = await Loopback.ConnectAsync(proxy.Port);

        await Loopback.SendAllAsync(socket, Encoding.ASCII.GetBytes($"CONNECT {target.Authority} HTTP/1.1\r\n\r\nEARLY-HELLO"));
        var head = await ProxyClient.ReadHeadAsync(socket);

        Assert.Equal(200, ProxyClient.StatusOf(head));
        Assert.Equal("EARLY-HELLO"u8.ToArray(), await Loopback.ReadExactlyAsync(socket, 11));
    }

    [Fact(Timeout = 10_000)]
    public async Task Connect_ExposeUpstream_NamesTheUpstreamInThe200()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), """ "expose_upstream": true, """);

        using var tunnel = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);

        Assert.Contains($"\r\nX-NetDrift-Upstream: {upstream.Name}\r\n", tunnel.Head, StringComparison.Ordinal);
    }

    [Fact(Timeout = 10_000)]
    public async Task Connect_ExposeUpstreamOff_NoUpstreamHeader()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));

        using var tunnel = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);

        Assert.DoesNotContain("X-NetDrift-Upstream", tunnel.Head, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(upstream.Port.ToString(), tunnel.Head, StringComparison.Ordinal);
    }

    [Fact(Timeout = 10_000)]
    public async Task Connect_UpstreamRefusesNoRetries_502AndOneFailure()
    {
        var closed = Loopback.ClosedPort();
        await using var proxy = TestProxies.Start(TestProxies.Upstream($"http://user:Hunter2@127.0.0.1:{closed}"), """ "retries": 0, """);

        using var answer = await ProxyClient.ConnectAsync(proxy.Port, "127.0.0.1:9");
        var (body, _) = await Loopback.ReadToEndAsync(answer.Socket);

        Assert.Equal(502, answer.Status);
        var text = answer.Head + Encoding.ASCII.GetString(body);
        Assert.DoesNotContain(closed.ToString(), text, StringComparison.Ordinal);
        Assert.DoesNotContain("Hunter2", text, StringComparison.Ordinal);
        var counters = proxy.Pool.All[0].Counters;
        Assert.Equal(1, counters.Requests);
        Assert.Equal(1, counters.Failed);
        Assert.Equal(0, counters.Succeeded);
        Assert.Equal(0, counters.ActiveConnections);
        Assert.NotNull(counters.LastError);
        Assert.DoesNotContain("Hunter2", counters.LastError.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 10_000)]
    public async Task Connect_UpstreamNeverAnswers_504WithinAboutUpstreamTimeout()
    {
        await using var upstream = TestUpstreamProxy.Start(UpstreamBehavior.Silent);
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), """ "upstream_timeout": 0.5, """);
        var clock = Stopwatch.StartNew();

        using var answer = await ProxyClient.ConnectAsync(proxy.Port, "127.0.0.1:9");

        Assert.Equal(504, answer.Status);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(450), TimeSpan.FromMilliseconds(1500));
        Assert.Equal(1, upstream.Accepted);
        Assert.Equal(1, proxy.Pool.All[0].Counters.Failed);
    }

    [Fact(Timeout = 10_000)]
    public async Task Connect_FirstUpstreamRefusesSecondWorks_200AndStatsShowBoth()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var good = TestUpstreamProxy.Start();
        var bad = $"http://127.0.0.1:{Loopback.ClosedPort()}";
        await using var proxy = TestProxies.Start(TestProxies.Upstream(bad) + "," + TestProxies.Upstream(good.Url), """ "retries": 1, """);

        using var tunnel = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);
        await Loopback.SendAllAsync(tunnel.Socket, "x"u8.ToArray());
        await Loopback.ReadExactlyAsync(tunnel.Socket, 1);

        Assert.Equal(200, tunnel.Status);
        var (first, second) = (proxy.Pool.All[0].Counters, proxy.Pool.All[1].Counters);
        Assert.Equal((1L, 0L, 1L), (first.Requests, first.Succeeded, first.Failed));
        Assert.Equal((1L, 1L, 0L), (second.Requests, second.Succeeded, second.Failed));
        Assert.Equal(0, first.ActiveConnections);
        Assert.Equal(1, second.ActiveConnections);
    }

    [Fact(Timeout = 10_000)]
    public async Task Connect_EveryUpstreamAnswers502_EachTriedThen502()
    {
        // Both upstreams are reachable but cannot reach the target: each answers 502.
        await using var first = TestUpstreamProxy.Start();
        await using var second = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(first.Url) + "," + TestProxies.Upstream(second.Url));

        using var doomed = await ProxyClient.ConnectAsync(proxy.Port, $"127.0.0.1:{Loopback.ClosedPort()}");

        Assert.Equal(502, doomed.Status);
        Assert.Equal(1, first.Accepted);
        Assert.Equal(1, second.Accepted);
        Assert.Equal(1, proxy.Pool.All[0].Counters.Failed);
        Assert.Equal(1, proxy.Pool.All[1].Counters.Failed);
    }

    [Fact(Timeout = 10_000)]
    public async Task Connect_EveryAttemptFails_TriesEachUpstreamOnce()
    {
        var urls = Enumerable.Range(0, 4).Select(_ => TestProxies.Upstream($"http://127.0.0.1:{Loopback.ClosedPort()}"));
        await using var proxy = TestProxies.Start(string.Join(",", urls), """ "retries": 10, """);

        using var answer = await ProxyClient.ConnectAsync(proxy.Port, "127.0.0.1:9");

        Assert.Equal(502, answer.Status);
        Assert.All(proxy.Pool.All, u => Assert.Equal(1, u.Counters.Requests));
    }

    [Theory(Timeout = 10_000)]
    [InlineData(0, true)]
    [InlineData(3, false)]
    public async Task Connect_NoUpstreamInRotation_503(int weight, bool enabled)
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url, weight, enabled));

        using var answer = await ProxyClient.ConnectAsync(proxy.Port, "127.0.0.1:9");

        Assert.Equal(503, answer.Status);
        Assert.Equal(0, upstream.Accepted);
        Assert.Equal(0, proxy.Pool.All[0].Counters.Requests);
    }

    [Fact(Timeout = 10_000)]
    public async Task Connect_PassiveHealth_UnhealthyAfterThresholdAndEventRaised()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var good = TestUpstreamProxy.Start();
        var bad = $"http://127.0.0.1:{Loopback.ClosedPort()}";
        await using var proxy = TestProxies.Start(TestProxies.Upstream(bad) + "," + TestProxies.Upstream(good.Url),
            """ "health_check": { "failure_threshold": 2 }, """);
        var changes = new List<(string Upstream, UpstreamHealth Health)>();
        proxy.UpstreamHealthChanged += (_, e) => { lock (changes) { changes.Add((e.Upstream, e.NewHealth)); } };

        for (var i = 0; i < 6; i++)
        {
            using var tunnel = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);
            Assert.Equal(200, tunnel.Status);
        }

        var badUpstream = proxy.Pool.All[0];
        Assert.Equal(UpstreamHealth.Unhealthy, badUpstream.Health);
        // Ejected after two failures: the later tunnels never tried it.
        Assert.Equal(2, badUpstream.Counters.Requests);
        lock (changes)
        {
            Assert.Contains((badUpstream.Name, UpstreamHealth.Unhealthy), changes);
        }
    }
}
