using System.Diagnostics;
using System.Net.Sockets;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Server;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Server;

/// <summary>The proxy as a whole: binding, balancing across real upstreams, counters, live pool changes and stopping.</summary>
public sealed class ProxyServerTests
{
    private static async Task EchoOnceAsync(ProxyAnswer tunnel, byte[] payload)
    {
        Assert.Equal(200, tunnel.Status);
        var echo = Loopback.ReadExactlyAsync(tunnel.Socket, payload.Length);
        await Loopback.SendAllAsync(tunnel.Socket, payload);
        Assert.Equal(payload, await echo);
    }

    [Fact(Timeout = 10_000)]
    public async Task Start_PortZero_ReportsBoundPortAndUrl()
    {
        await using var proxy = TestProxies.Start(TestProxies.Upstream("http://127.0.0.1:9"));

        Assert.NotEqual(0, proxy.Port);
        Assert.Equal($"127.0.0.1:{proxy.Port}", proxy.Listen);
        Assert.Equal($"http://127.0.0.1:{proxy.Port}", proxy.Url);
        Assert.Equal(ProxyState.Running, proxy.State);
        Assert.Equal("test", proxy.Name);
    }

    [Fact(Timeout = 10_000)]
    public async Task Start_GoTemplateUsOnFreePort_Runs()
    {
        var config = ConfigLoader.LoadFile(RepoPaths.GoNetDrift("template-us.json"));
        config = config with { Server = config.Server with { ListenAddress = "127.0.0.1:0" }, Logging = config.Logging with { Level = "Warning" } };

        await using var proxy = ProxyServer.Start("us", config);

        Assert.Equal(["127.0.0.1:3025", "127.0.0.1:3026"], proxy.Pool.All.Select(u => u.Name));
        Assert.Equal(200, ProxyClient.StatusOf(await ProxyClient.SendAndReadAllAsync(proxy.Port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")));
    }

    [Fact(Timeout = 15_000)]
    public async Task Connect_30TunnelsOver3Upstreams_10Each()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var a = TestUpstreamProxy.Start();
        await using var b = TestUpstreamProxy.Start();
        await using var c = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(string.Join(",", new[] { a, b, c }.Select(u => TestProxies.Upstream(u.Url))));

        for (var i = 0; i < 30; i++)
        {
            using (var tunnel = await ProxyClient.ConnectAsync(proxy.Port, target.Authority))
            {
                await EchoOnceAsync(tunnel, [(byte)i]);
            }
            // One at a time: the proxy's side of the tunnel has closed before the next opens.
            Assert.True(await Loopback.WaitUntilAsync(() => proxy.Pool.All.All(u => u.Counters.ActiveConnections == 0)));
        }

        Assert.True(await Loopback.WaitUntilAsync(() => proxy.Pool.All.All(u => u.Counters.ActiveConnections == 0)));
        Assert.All(proxy.Pool.All, u =>
        {
            Assert.Equal(10, u.Counters.Requests);
            Assert.Equal(10, u.Counters.Succeeded);
            Assert.Equal(0, u.Counters.Failed);
            Assert.Equal(10, u.Counters.BytesSent);
            Assert.Equal(10, u.Counters.BytesReceived);
            Assert.Equal(1, u.Counters.PeakConcurrency);
            Assert.NotNull(u.Counters.LastRequestAt);
        });
        Assert.Equal([10, 10, 10], new[] { a, b, c }.Select(u => u.Accepted));
        Assert.Equal(30, proxy.Counters.TotalConnections);
    }

    [Fact(Timeout = 15_000)]
    public async Task Connect_30ConcurrentTunnelsWeighted2To1_20And10()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var a = TestUpstreamProxy.Start();
        await using var b = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(a.Url, 2) + "," + TestProxies.Upstream(b.Url, 1));

        var tunnels = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => ProxyClient.ConnectAsync(proxy.Port, target.Authority)));
        try
        {
            Assert.All(tunnels, t => Assert.Equal(200, t.Status));
            Assert.Equal(20, proxy.Pool.All[0].Counters.ActiveConnections);
            Assert.Equal(10, proxy.Pool.All[1].Counters.ActiveConnections);
            Assert.Equal(30, proxy.Counters.ActiveConnections);
        }
        finally
        {
            foreach (var tunnel in tunnels)
            {
                tunnel.Dispose();
            }
        }
        Assert.True(await Loopback.WaitUntilAsync(() => proxy.Counters.ActiveConnections == 0));
        Assert.Equal(20, proxy.Pool.All[0].Counters.PeakConcurrency);
    }

    [Fact(Timeout = 10_000)]
    public async Task Connect_BytesMoved_EqualPerUpstreamCounters()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        var payload = new byte[300_001];
        new Random(5).NextBytes(payload);

        using (var tunnel = await ProxyClient.ConnectAsync(proxy.Port, target.Authority))
        {
            await EchoOnceAsync(tunnel, payload);
            await EchoOnceAsync(tunnel, payload[..999]);
        }

        var counters = Assert.Single(proxy.Pool.All).Counters;
        Assert.True(await Loopback.WaitUntilAsync(() => counters.ActiveConnections == 0));
        Assert.Equal(300_001 + 999, counters.BytesSent);
        Assert.Equal(300_001 + 999, counters.BytesReceived);
    }

    [Fact(Timeout = 10_000)]
    public async Task StopAsync_DrainTimeout_OpenTunnelFinishesAndIdleOneIsCut()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        using var finishing = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);
        using var lingering = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);
        Assert.Equal(200, lingering.Status);
        var clock = Stopwatch.StartNew();

        var stop = proxy.StopAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(ProxyState.Stopping, proxy.State);

        // New clients are no longer accepted...
        await Assert.ThrowsAnyAsync<SocketException>(() => Loopback.ConnectAsync(proxy.Port));
        // ...but an open tunnel keeps working and finishes on its own.
        await EchoOnceAsync(finishing, "still flowing"u8.ToArray());
        finishing.Socket.Shutdown(SocketShutdown.Send);
        var (rest, reset) = await Loopback.ReadToEndAsync(finishing.Socket);
        Assert.Empty(rest);
        Assert.False(reset);
        Assert.False(stop.IsCompleted);

        // The idle tunnel is cut at the drain timeout.
        var (_, _) = await Loopback.ReadToEndAsync(lingering.Socket);
        var cutAfter = clock.Elapsed;
        await stop.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.InRange(cutAfter, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(2.5));
        Assert.Equal(ProxyState.Stopped, proxy.State);
        Assert.True(proxy.Completion.IsCompleted);
        Assert.Equal(0, proxy.Counters.ActiveConnections);
        Assert.Equal(0, proxy.Pool.All[0].Counters.ActiveConnections);
    }

    [Fact(Timeout = 10_000)]
    public async Task StopAsync_TunnelsCloseEarly_ReturnsBeforeDrainTimeout()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        var tunnel = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);
        var clock = Stopwatch.StartNew();

        var stop = proxy.StopAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(100);
        tunnel.Dispose();
        await stop.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(2));
        Assert.Equal(ProxyState.Stopped, proxy.State);
        // Stopping twice is harmless.
        await proxy.StopAsync(TimeSpan.Zero).WaitAsync(TimeSpan.FromSeconds(5));
        await proxy.DisposeAsync();
    }

    [Fact(Timeout = 10_000)]
    public async Task StopAsync_ClientStillSendingHead_DisconnectedAtOnce()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        using var socket = await Loopback.ConnectAsync(proxy.Port);
        await Loopback.SendAllAsync(socket, "CONNECT 127.0.0.1:9 HTTP/1.1\r\n"u8.ToArray());
        await Loopback.WaitUntilAsync(() => proxy.Counters.ActiveConnections == 1);

        await proxy.StopAsync(TimeSpan.FromSeconds(5)).WaitAsync(TimeSpan.FromSeconds(3));
        var (_, _) = await Loopback.ReadToEndAsync(socket);

        Assert.Equal(ProxyState.Stopped, proxy.State);
    }

    [Fact(Timeout = 10_000)]
    public async Task RemoveUpstream_OpenTunnel_DrainingUntilItClosesThenGone()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var a = TestUpstreamProxy.Start();
        await using var b = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(a.Url) + "," + TestProxies.Upstream(b.Url));
        using var onA = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);
        Assert.Equal(1, a.Accepted);

        Assert.True(proxy.RemoveUpstream(a.Name));

        var removed = proxy.Pool.Find(a.Name);
        Assert.NotNull(removed);
        Assert.Equal(UpstreamState.Draining, removed.State);
        // No new tunnels on it, while the open one keeps working.
        for (var i = 0; i < 3; i++)
        {
            using var more = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);
            Assert.Equal(200, more.Status);
        }
        Assert.Equal(1, a.Accepted);
        Assert.Equal(3, b.Accepted);
        await EchoOnceAsync(onA, "draining"u8.ToArray());
        Assert.Contains(removed, proxy.Pool.All);

        onA.Dispose();

        Assert.True(await Loopback.WaitUntilAsync(() => proxy.Pool.Find(a.Name) is null));
        Assert.Equal([b.Name], proxy.Pool.All.Select(u => u.Name));
        Assert.False(proxy.RemoveUpstream(a.Name));
    }

    [Fact(Timeout = 10_000)]
    public async Task RemoveUpstream_Idle_GoneAtOnce()
    {
        await using var proxy = TestProxies.Start(TestProxies.Upstream("http://127.0.0.1:9") + "," + TestProxies.Upstream("http://127.0.0.1:10"));

        Assert.True(proxy.RemoveUpstream("127.0.0.1:9"));

        Assert.Equal(["127.0.0.1:10"], proxy.Pool.All.Select(u => u.Name));
        Assert.False(proxy.RemoveUpstream("nope"));
    }

    [Fact(Timeout = 10_000)]
    public async Task RemoveUpstream_LastOne_503()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));

        proxy.RemoveUpstream(upstream.Name);
        using var answer = await ProxyClient.ConnectAsync(proxy.Port, "127.0.0.1:9");

        Assert.Equal(503, answer.Status);
        Assert.Empty(proxy.Pool.All);
    }

    [Fact(Timeout = 10_000)]
    public async Task AddUpstream_Live_TakesTraffic()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream("http://127.0.0.1:9", weight: 0));

        var added = proxy.AddUpstream(ConfigLoader.ParseUpstream(upstream.Url, "Url", name: "live"));
        using var tunnel = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);

        Assert.Equal(200, tunnel.Status);
        Assert.Same(added, proxy.Pool.Find("live"));
        Assert.Equal(1, added.Counters.Succeeded);
        Assert.Throws<InvalidOperationException>(() => proxy.AddUpstream(ConfigLoader.ParseUpstream(upstream.Url, "Url", name: "LIVE")));
    }

    [Fact(Timeout = 10_000)]
    public async Task SetUpstream_WeightZeroAndDisabled_OutOfRotationLive()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var a = TestUpstreamProxy.Start();
        await using var b = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(a.Url) + "," + TestProxies.Upstream(b.Url));

        Assert.NotNull(proxy.SetUpstream(a.Name, weight: 0));
        for (var i = 0; i < 4; i++)
        {
            using var tunnel = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);
            Assert.Equal(200, tunnel.Status);
        }
        proxy.SetUpstream(a.Name, weight: 1);
        proxy.SetUpstream(b.Name, enabled: false);
        for (var i = 0; i < 2; i++)
        {
            using var tunnel = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);
            Assert.Equal(200, tunnel.Status);
        }

        Assert.Equal(2, a.Accepted);
        Assert.Equal(4, b.Accepted);
        Assert.Null(proxy.SetUpstream("nope", weight: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => proxy.SetUpstream(a.Name, weight: -1));
    }

    [Fact(Timeout = 10_000)]
    public async Task ResetStats_ZeroesCountsKeepsActiveGauge()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        using var open = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);
        await EchoOnceAsync(open, "abc"u8.ToArray());

        proxy.ResetStats();

        var counters = proxy.Pool.All[0].Counters;
        Assert.Equal(0, counters.Requests);
        Assert.Equal(0, counters.BytesSent);
        Assert.Equal(1, counters.ActiveConnections);
        Assert.Equal(1, counters.PeakConcurrency);
        Assert.Equal(1, proxy.Counters.ActiveConnections);
        Assert.Equal(0, proxy.Counters.TotalConnections);
    }

    [Fact(Timeout = 10_000)]
    public async Task Start_PortInUse_ThrowsSocketException()
    {
        await using var occupant = TcpTargetServer.StartEcho();
        var config = ConfigLoader.Parse(TestProxies.Json(TestProxies.Upstream("http://127.0.0.1:9")).Replace("127.0.0.1:0", occupant.Authority));

        Assert.Throws<SocketException>(() => ProxyServer.Start("clash", config));
    }

    [Fact(Timeout = 10_000)]
    public async Task Connect_IdleTunnel_CutAfterIdleTimeoutWhileBusyOneSurvives()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), """ "limits": { "idle_timeout_seconds": 1 }, """);
        using var idle = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);
        using var busy = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);
        var clock = Stopwatch.StartNew();

        var idleEnded = Loopback.ReadToEndAsync(idle.Socket, TimeSpan.FromSeconds(4));
        while (clock.Elapsed < TimeSpan.FromSeconds(2.2))
        {
            await EchoOnceAsync(busy, "."u8.ToArray());
            await Task.Delay(200);
        }
        await idleEnded;

        Assert.True(idleEnded.IsCompletedSuccessfully);
        await EchoOnceAsync(busy, "still here"u8.ToArray());
    }

    [Fact(Timeout = 10_000)]
    public async Task Connect_OverMaxConnections_503AndCountedAsRejected()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), """ "limits": { "max_connections": 1 }, """);
        using var first = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);
        Assert.Equal(200, first.Status);

        var response = await ProxyClient.SendAndReadAllAsync(proxy.Port, $"CONNECT {target.Authority} HTTP/1.1\r\n\r\n");

        Assert.Equal(503, ProxyClient.StatusOf(response));
        Assert.Equal(1, proxy.Counters.Rejected);
        await EchoOnceAsync(first, "unaffected"u8.ToArray());
    }

    [Fact(Timeout = 10_000)]
    public async Task Connect_OnlyUpstreamUnhealthy_StillTriedInPanicMode()
    {
        var closed = Loopback.ClosedPort();
        await using var proxy = TestProxies.Start(TestProxies.Upstream($"http://127.0.0.1:{closed}"),
            """ "health_check": { "failure_threshold": 1 }, """);

        using (var first = await ProxyClient.ConnectAsync(proxy.Port, "127.0.0.1:9"))
        {
            Assert.Equal(502, first.Status);
        }
        Assert.Equal(UpstreamHealth.Unhealthy, proxy.Pool.All[0].Health);
        using var second = await ProxyClient.ConnectAsync(proxy.Port, "127.0.0.1:9");

        Assert.Equal(502, second.Status);
        Assert.Equal(2, proxy.Pool.All[0].Counters.Requests);
    }

    [Fact(Timeout = 10_000)]
    public async Task SetUpstream_HugeWeight_RefusedAndPoolStillChangeable()
    {
        await using var proxy = TestProxies.Start(TestProxies.Upstream("http://127.0.0.1:9") + "," + TestProxies.Upstream("http://127.0.0.1:10"));

        Assert.Throws<ArgumentOutOfRangeException>(() => proxy.SetUpstream("127.0.0.1:9", weight: int.MaxValue));

        Assert.Equal(1, proxy.Pool.Find("127.0.0.1:9")!.Config.Weight);
        Assert.NotNull(proxy.SetUpstream("127.0.0.1:9", weight: UpstreamConfig.MaxWeight));
        proxy.AddUpstream(ConfigLoader.ParseUpstream("http://127.0.0.1:11", "Url"));
        Assert.Equal(UpstreamConfig.MaxWeight + 2, proxy.Pool.WeightedOrder.Count);
    }
}
