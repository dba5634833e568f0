using NetDrift.Engine.Faults;
using NetDrift.Engine.Server;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Stats;

/// <summary>Latencies are measured on the wall clock: these tests run alone, not beside the rest of the suite.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StatsThroughProxyCollection
{
    public const string Name = "Stats through a real proxy";
}

/// <summary>
/// What the statistics say after known traffic through a real proxy on loopback sockets, with
/// faulty proxies as upstreams: exact counts and failure causes, peaks, bytes and latency percentiles.
/// </summary>
[Collection(StatsThroughProxyCollection.Name)]
public sealed class StatsThroughProxyTests
{
    // The histogram's resolution: a percentile may read up to one bucket (12.5%) low.
    private const double BucketLow = 1 - 1.0 / LatencyHistogram.SubBuckets;

    /// <summary>Round-robin over the given upstreams, no retries, no passive ejection (every attempt lands where RR says).</summary>
    private static ProxyServer StartProxy(IEnumerable<FaultyProxy> upstreams, double upstreamTimeoutSeconds = 5) =>
        TestProxies.Start(
            string.Join(",", upstreams.Select(u => TestProxies.Upstream(u.Url))),
            $$""" "load_balancing": "round-robin", "retries": 0, "upstream_timeout": {{upstreamTimeoutSeconds}}, "health_check": { "failure_threshold": 0 }, """);

    private static Upstream Row(ProxyServer proxy, FaultyProxy faulty) => proxy.Pool.Find($"127.0.0.1:{faulty.Port}")!;

    private static async Task<int> ConnectStatusAsync(ProxyServer proxy, string authority)
    {
        using var answer = await ProxyClient.ConnectAsync(proxy.Port, authority);
        return answer.Status;
    }

    private static Task<bool> SettledAsync(ProxyServer proxy) =>
        Loopback.WaitUntilAsync(() => proxy.Counters.ActiveConnections == 0 && proxy.Pool.All.All(u => u.Counters.ActiveConnections == 0));

    [Fact(Timeout = 30_000)]
    public async Task Connect_ThreeEachOnNoneResetInternalErrorTimeout_ExactCountsAndCausesInBothWindows()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var healthy = FaultyProxy.Start("none", new FaultyProxyOptions { Fault = FaultType.None });
        await using var reset = FaultyProxy.Start("reset", new FaultyProxyOptions { Fault = FaultType.Reset });
        await using var internalError = FaultyProxy.Start("internal-error", new FaultyProxyOptions { Fault = FaultType.InternalError });
        await using var timeout = FaultyProxy.Start("timeout", new FaultyProxyOptions { Fault = FaultType.Timeout });
        await using var proxy = StartProxy([healthy, reset, internalError, timeout], upstreamTimeoutSeconds: 0.5);

        var statuses = new List<int>();
        for (var i = 0; i < 12; i++)
        {
            statuses.Add(await ConnectStatusAsync(proxy, target.Authority));
        }
        Assert.True(await SettledAsync(proxy));

        // Round-robin: each of the four answered three times, in pool order.
        Assert.Equal([200, 502, 502, 504], statuses.Take(4).Order().ToArray());
        Assert.Equal(3, statuses.Count(s => s == 200));
        Assert.Equal(3, statuses.Count(s => s == 504));
        Assert.Equal(6, statuses.Count(s => s == 502));
        foreach (var window in new[] { StatsWindow.Lifetime, StatsWindow.Recent })
        {
            var ok = Row(proxy, healthy).Counters.Snapshot(window);
            Assert.Equal((3L, 3L, 0L), (ok.Requests, ok.Succeeded, ok.Failed));
            Assert.NotNull(ok.P50LatencyMs);
            Assert.Null(ok.LastError);

            AssertFailedOnly(Row(proxy, reset).Counters.Snapshot(window), FailureCause.Reset);
            AssertFailedOnly(Row(proxy, internalError).Counters.Snapshot(window), FailureCause.UpstreamStatus);
            var timedOut = Row(proxy, timeout).Counters.Snapshot(window);
            AssertFailedOnly(timedOut, FailureCause.Timeout);
        }
        Assert.Contains("500", Row(proxy, internalError).Counters.LastError!.Message, StringComparison.Ordinal);
        Assert.Equal(12, proxy.Counters.TotalConnections);

        static void AssertFailedOnly(UpstreamStatsSnapshot row, FailureCause cause)
        {
            Assert.Equal(3, row.Requests);
            Assert.Equal(0, row.Succeeded);
            Assert.Equal(3, row.Failed);
            Assert.True(row.FailedBy[cause] == 3, $"{row.Window}: expected 3 failures by {cause}, got {string.Join(", ", row.FailedBy.Where(kv => kv.Value > 0).Select(kv => $"{kv.Key}={kv.Value}"))}");
            Assert.Equal(3, row.FailedBy.Values.Sum());
            Assert.Null(row.P50LatencyMs); // failures carry no latency sample
            Assert.NotNull(row.LastError);
            Assert.Contains(cause.ToString(), row.LastError.Message, StringComparison.Ordinal);
            Assert.Equal(0, row.SuccessRate);
        }
    }

    [Fact(Timeout = 20_000)]
    public async Task Connect_FiveTunnelsHeldOpenAtOnce_PeakFiveAfterTheyClose()
    {
        const int K = 5;
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = FaultyProxy.Start("none", new FaultyProxyOptions());
        await using var proxy = StartProxy([upstream]);
        var row = Row(proxy, upstream);

        var tunnels = new List<ProxyAnswer>();
        try
        {
            for (var i = 0; i < K; i++)
            {
                var tunnel = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);
                tunnels.Add(tunnel);
                Assert.Equal(200, tunnel.Status);
            }
            Assert.Equal(K, row.Counters.ActiveConnections);
            Assert.Equal(K, proxy.Counters.ActiveConnections);
            Assert.Equal(K, row.Counters.Snapshot(StatsWindow.Recent).ActiveConnections);
        }
        finally
        {
            tunnels.ForEach(t => t.Dispose());
        }
        Assert.True(await SettledAsync(proxy));

        foreach (var window in new[] { StatsWindow.Lifetime, StatsWindow.Recent })
        {
            var s = row.Counters.Snapshot(window);
            Assert.Equal(K, s.PeakConcurrency);
            Assert.Equal(0, s.ActiveConnections);
            Assert.Equal((long)K, s.Succeeded);
        }
        Assert.Equal(K, proxy.Counters.PeakConcurrency);
        Assert.Equal(K, proxy.Counters.RecentPeakConcurrency);
    }

    [Fact(Timeout = 20_000)]
    public async Task ResetStats_TwoTunnelsOpen_ZeroesCountsKeepsGaugesAndPeakRestartsAtTwo()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = FaultyProxy.Start("none", new FaultyProxyOptions());
        await using var proxy = StartProxy([upstream]);
        var row = Row(proxy, upstream);
        using var first = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);
        using var second = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);
        using (var third = await ProxyClient.ConnectAsync(proxy.Port, target.Authority))
        {
            Assert.Equal(200, third.Status);
            await Loopback.SendAllAsync(third.Socket, new byte[10]);
            await Loopback.ReadExactlyAsync(third.Socket, 10);
        }
        Assert.True(await Loopback.WaitUntilAsync(() => row.Counters.ActiveConnections == 2 && proxy.Counters.ActiveConnections == 2));

        proxy.ResetStats();

        foreach (var window in new[] { StatsWindow.Lifetime, StatsWindow.Recent })
        {
            var s = row.Counters.Snapshot(window);
            Assert.Equal((0L, 0L, 0L, 0L, 0L), (s.Requests, s.Succeeded, s.Failed, s.BytesSent, s.BytesReceived));
            Assert.Null(s.P50LatencyMs);
            Assert.Equal(2, s.ActiveConnections);
            Assert.Equal(2, s.PeakConcurrency);
        }
        Assert.Equal(2, proxy.Counters.ActiveConnections);
        Assert.Equal(2, proxy.Counters.PeakConcurrency);
        Assert.Equal(0, proxy.Counters.TotalConnections);
        Assert.Equal(3, row.Counters.Monotonic().Requests); // the raw (Prometheus) counters never go back
    }

    [Fact(Timeout = 20_000)]
    public async Task Connect_KnownBytesEachWay_CountedExactly()
    {
        const int N = 300_000;
        await using var echo = TcpTargetServer.StartEcho();
        var greeting = "220 greeting from the target\r\n"u8.ToArray();
        await using var greeter = TcpTargetServer.StartGreeting(greeting);
        await using var upstream = FaultyProxy.Start("none", new FaultyProxyOptions());
        await using var proxy = StartProxy([upstream]);
        var row = Row(proxy, upstream);
        var payload = new byte[N];
        new Random(3).NextBytes(payload);

        using (var tunnel = await ProxyClient.ConnectAsync(proxy.Port, echo.Authority))
        {
            Assert.Equal(200, tunnel.Status);
            var back = Loopback.ReadExactlyAsync(tunnel.Socket, N, TimeSpan.FromSeconds(10));
            await Loopback.SendAllAsync(tunnel.Socket, payload, TimeSpan.FromSeconds(10));
            Assert.Equal(payload, await back);
        }
        using (var tunnel = await ProxyClient.ConnectAsync(proxy.Port, greeter.Authority))
        {
            Assert.Equal(200, tunnel.Status);
            var (data, _) = await Loopback.ReadToEndAsync(tunnel.Socket);
            Assert.Equal(greeting, data);
            await Loopback.SendAllAsync(tunnel.Socket, "bye"u8.ToArray());
            tunnel.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            await Loopback.WaitUntilAsync(() => row.Counters.ActiveConnections == 0);
        }
        Assert.True(await SettledAsync(proxy));

        // Only tunnel payload counts: not the CONNECT request nor the upstream's 200 answer.
        foreach (var window in new[] { StatsWindow.Lifetime, StatsWindow.Recent })
        {
            var s = row.Counters.Snapshot(window);
            Assert.Equal(N + 3L, s.BytesSent);
            Assert.Equal(N + (long)greeting.Length, s.BytesReceived);
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task Connect_UpstreamsWith50And200MsLatency_PercentilesLandOnThem()
    {
        const int PerUpstream = 20;
        await using var target = TcpTargetServer.StartEcho();
        await using var fast = FaultyProxy.Start("fast", new FaultyProxyOptions { Latency = TimeSpan.FromMilliseconds(50) });
        await using var slow = FaultyProxy.Start("slow", new FaultyProxyOptions { Latency = TimeSpan.FromMilliseconds(200) });
        await using var proxy = StartProxy([fast, slow]);

        // A cold process pays JIT on its first tunnels (the faulty proxies run in it too): warm up,
        // then measure from a reset.
        await RunAsync(8);
        Assert.True(await SettledAsync(proxy));
        proxy.ResetStats();
        await RunAsync(2 * PerUpstream);
        Assert.True(await SettledAsync(proxy));

        AssertLatencies(Row(proxy, fast).Counters.Snapshot(StatsWindow.Lifetime), 50);
        AssertLatencies(Row(proxy, slow).Counters.Snapshot(StatsWindow.Lifetime), 200);
        AssertLatencies(Row(proxy, slow).Counters.Snapshot(StatsWindow.Recent), 200);

        // Four clients at a time, each tunnel opened and closed at once.
        async Task RunAsync(int tunnels)
        {
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                while (Interlocked.Increment(ref next) < tunnels)
                {
                    Assert.Equal(200, await ConnectStatusAsync(proxy, target.Authority));
                }
            })));
        }

        static void AssertLatencies(UpstreamStatsSnapshot row, double ms)
        {
            var seen = $"{row.Window}: {row.Succeeded} succeeded, {row.Failed} failed, avg {row.AvgLatencyMs} p50 {row.P50LatencyMs} p95 {row.P95LatencyMs} p99 {row.P99LatencyMs} ms";
            Assert.True(row.Succeeded == PerUpstream, seen);
            // Never faster than the upstream's delay (less one bucket of resolution); scheduling
            // on a busy machine may only add to it, and to the tail most.
            var low = ms * BucketLow;
            Assert.True(row.P50LatencyMs >= low && row.P50LatencyMs <= ms + 100, seen);
            Assert.True(row.P95LatencyMs >= low && row.P95LatencyMs <= ms + 250, seen);
            Assert.True(row.P99LatencyMs >= low && row.P99LatencyMs <= ms + 250, seen);
            // (Task.Delay runs on a millisecond timer that may fire a fraction of a millisecond early.)
            Assert.True(row.AvgLatencyMs >= ms - 2 && row.AvgLatencyMs <= ms + 150, seen);
            Assert.True(row.P50LatencyMs <= row.P95LatencyMs && row.P95LatencyMs <= row.P99LatencyMs, seen);
        }
    }
}
