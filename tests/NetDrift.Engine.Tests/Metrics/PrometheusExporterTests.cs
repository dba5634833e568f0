using NetDrift.Engine.Faults;
using NetDrift.Engine.Metrics;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;
using static NetDrift.Engine.Tests.Metrics.MetricsTestProxies;

namespace NetDrift.Engine.Tests.Metrics;

/// <summary>The Prometheus series of a proxy after known traffic: counts, resets, removals, health, secrets.</summary>
public sealed class PrometheusExporterTests
{
    private const string Requests = "netdrift_upstream_requests_total";

    private static readonly string[] Results = ["success", "refused", "reset", "timeout", "upstream_status", "auth", "protocol", "cancelled", "target_unreachable"];

    [Fact]
    public void MetricLabels_Causes_SnakeCaseInEnumOrder()
    {
        Assert.Equal(Results[1..], MetricLabels.Causes);
        Assert.Equal(Enum.GetValues<FailureCause>().Length, MetricLabels.Causes.Length);
    }

    [Fact(Timeout = 30_000)]
    public async Task Export_TwoEachOnSixUpstreams_RequestsByResultEqualStats()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var healthy = FaultyProxy.Start("none", new FaultyProxyOptions { Fault = FaultType.None });
        await using var reset = FaultyProxy.Start("reset", new FaultyProxyOptions { Fault = FaultType.Reset });
        await using var internalError = FaultyProxy.Start("internal-error", new FaultyProxyOptions { Fault = FaultType.InternalError });
        await using var refuse = FaultyProxy.Start("refuse", new FaultyProxyOptions { Fault = FaultType.Refuse });
        await using var timeout = FaultyProxy.Start("timeout", new FaultyProxyOptions { Fault = FaultType.Timeout });
        await using var auth = FaultyProxy.Start("auth", new FaultyProxyOptions { UserName = "someone", Password = "else" });
        FaultyProxy[] upstreams = [healthy, reset, internalError, refuse, timeout, auth];
        await using var proxy = Start(upstreams, Exact + """ "upstream_timeout": 0.5, """);

        for (var i = 0; i < 12; i++)
        {
            await TunnelAsync(proxy, target, payloadBytes: 1000);
        }
        Assert.True(await SettledAsync(proxy));
        var metrics = await ScrapeAsync(proxy);

        var expected = new Dictionary<FaultyProxy, string>
        {
            [healthy] = "success", [reset] = "reset", [internalError] = "upstream_status",
            [refuse] = "refused", [timeout] = "timeout", [auth] = "auth",
        };
        foreach (var (upstream, result) in expected)
        {
            var name = NameOf(upstream);
            var stats = proxy.Pool.Find(name)!.Counters.Snapshot(StatsWindow.Lifetime);
            foreach (var r in Results)
            {
                var value = metrics.Value(Requests, ("proxy", "test"), ("upstream", name), ("result", r));
                Assert.True((r == result ? 2 : 0) == value, $"{upstream.Name}: {r} = {value}");
                var fromStats = r == "success" ? stats.Succeeded : stats.FailedBy[(FailureCause)Array.IndexOf(Results, r) - 1];
                Assert.Equal(fromStats, value);
            }
            Assert.Equal(stats.BytesSent, metrics.Value("netdrift_upstream_bytes_total", ("upstream", name), ("direction", "sent")));
            Assert.Equal(stats.BytesReceived, metrics.Value("netdrift_upstream_bytes_total", ("upstream", name), ("direction", "received")));
            Assert.Equal(0, metrics.Value("netdrift_upstream_active_connections", ("upstream", name)));
            Assert.Equal(stats.Succeeded, metrics.Value("netdrift_upstream_latency_seconds_count", ("upstream", name)));
        }
        Assert.Equal(2000, metrics.Value("netdrift_upstream_bytes_total", ("upstream", NameOf(healthy)), ("direction", "sent")));
        Assert.Equal(2000, metrics.Value("netdrift_upstream_bytes_total", ("upstream", NameOf(healthy)), ("direction", "received")));
        Assert.Equal(12, metrics.Value("netdrift_connections_total"));
        Assert.Equal(0, metrics.Value("netdrift_active_connections"));
        Assert.Equal(6, metrics.Value("netdrift_upstreams"));

        Assert.Equal("counter", metrics.Types[Requests]);
        Assert.Equal("counter", metrics.Types["netdrift_upstream_bytes_total"]);
        Assert.Equal("histogram", metrics.Types["netdrift_upstream_latency_seconds"]);
        Assert.Equal("gauge", metrics.Types["netdrift_upstream_health"]);
        Assert.Equal("counter", metrics.Types["netdrift_connections_total"]);
        Assert.All(metrics.Samples, s => Assert.Equal("test", s["proxy"]));
    }

    [Fact(Timeout = 20_000)]
    public async Task Export_AfterResetStats_CountersDoNotDropAndKeepCounting()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var healthy = FaultyProxy.Start("none", new FaultyProxyOptions());
        await using var internalError = FaultyProxy.Start("internal-error", new FaultyProxyOptions { Fault = FaultType.InternalError });
        await using var proxy = Start([healthy, internalError]);
        for (var i = 0; i < 4; i++)
        {
            await TunnelAsync(proxy, target, payloadBytes: 10);
        }
        Assert.True(await SettledAsync(proxy));
        var before = await ScrapeAsync(proxy);

        proxy.ResetStats();
        var afterReset = await ScrapeAsync(proxy);
        Assert.Equal(0, proxy.Pool.Find(NameOf(healthy))!.Counters.Succeeded);
        Assert.Equal(0, proxy.Counters.TotalConnections);
        foreach (var sample in before.Samples.Where(s => before.Types.GetValueOrDefault(FamilyOf(s.Name)) is "counter" or "histogram"))
        {
            var now = afterReset.Samples.Single(s => s.Name == sample.Name && s.Labels.SequenceEqual(sample.Labels));
            Assert.True(now.Value >= sample.Value, $"{sample.Name} {string.Join(",", sample.Labels)} dropped from {sample.Value} to {now.Value}");
        }
        Assert.Equal(2, afterReset.Value(Requests, ("upstream", NameOf(healthy)), ("result", "success")));
        Assert.Equal(4, afterReset.Value("netdrift_connections_total"));

        // Two more: one each. The counters go on from where they were.
        await TunnelAsync(proxy, target, payloadBytes: 10);
        await TunnelAsync(proxy, target, payloadBytes: 10);
        Assert.True(await SettledAsync(proxy));
        var later = await ScrapeAsync(proxy);
        Assert.Equal(3, later.Value(Requests, ("upstream", NameOf(healthy)), ("result", "success")));
        Assert.Equal(3, later.Value(Requests, ("upstream", NameOf(internalError)), ("result", "upstream_status")));
        Assert.Equal(30, later.Value("netdrift_upstream_bytes_total", ("upstream", NameOf(healthy)), ("direction", "sent")));
        Assert.Equal(3, later.Value("netdrift_upstream_latency_seconds_count", ("upstream", NameOf(healthy))));
        Assert.Equal(6, later.Value("netdrift_connections_total"));
        Assert.Equal(1, proxy.Pool.Find(NameOf(healthy))!.Counters.Succeeded);

        static string FamilyOf(string sample) =>
            sample.EndsWith("_bucket", StringComparison.Ordinal) ? sample[..^7]
            : sample.EndsWith("_count", StringComparison.Ordinal) ? sample[..^6]
            : sample.EndsWith("_sum", StringComparison.Ordinal) ? sample[..^4]
            : sample;
    }

    [Fact(Timeout = 10_000)]
    public async Task Export_UpstreamRemoved_ItsSeriesDisappear()
    {
        await using var proxy = Start(["http://127.0.0.1:9", "http://127.0.0.1:10"]);
        var before = await ScrapeAsync(proxy);
        Assert.Equal(Results.Length, before.Where(Requests, ("upstream", "127.0.0.1:10")).Count());
        Assert.Single(before.Where("netdrift_upstream_up", ("upstream", "127.0.0.1:10")));

        Assert.True(proxy.RemoveUpstream("127.0.0.1:10"));
        var after = await ScrapeAsync(proxy);

        Assert.DoesNotContain(after.Samples, s => s["upstream"] == "127.0.0.1:10");
        Assert.DoesNotContain("127.0.0.1:10", after.Text, StringComparison.Ordinal);
        Assert.Equal(Results.Length, after.Where(Requests, ("upstream", "127.0.0.1:9")).Count());
        Assert.Equal(1, after.Value("netdrift_upstreams"));
    }

    [Fact(Timeout = 10_000)]
    public async Task Export_UpstreamRemovedAndAddedAgainBetweenScrapes_CountersCarryOn()
    {
        await using var proxy = Start(["http://127.0.0.1:9"]);
        var first = proxy.Pool.All[0];
        first.Counters.AttemptSucceeded(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, (await ScrapeAsync(proxy)).Value(Requests, ("upstream", "127.0.0.1:9"), ("result", "success")));

        Assert.True(proxy.RemoveUpstream("127.0.0.1:9"));
        var second = proxy.AddUpstream(first.Config);
        second.Counters.AttemptSucceeded(TimeSpan.FromMilliseconds(1));
        var metrics = await ScrapeAsync(proxy);

        Assert.Equal(2, metrics.Value(Requests, ("upstream", "127.0.0.1:9"), ("result", "success")));
        Assert.Equal(2, metrics.Value("netdrift_upstream_latency_seconds_count", ("upstream", "127.0.0.1:9")));
    }

    [Fact(Timeout = 20_000)]
    public async Task Export_UpstreamTurnsUnhealthy_HealthStateSetUpAndPoolGauges()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var internalError = FaultyProxy.Start("internal-error", new FaultyProxyOptions { Fault = FaultType.InternalError });
        await using var proxy = Start([internalError], """ "retries": 0, "limits": { "max_connections": 77 }, """);
        var name = NameOf(internalError);

        var fresh = await ScrapeAsync(proxy);
        Assert.Equal(1, fresh.Value("netdrift_upstream_health", ("upstream", name), ("state", "unknown")));
        Assert.Equal(0, fresh.Value("netdrift_upstream_health", ("upstream", name), ("state", "healthy")));
        Assert.Equal(0, fresh.Value("netdrift_upstream_health", ("upstream", name), ("state", "unhealthy")));
        Assert.Equal(1, fresh.Value("netdrift_upstream_up", ("upstream", name)));
        Assert.Equal(1, fresh.Value("netdrift_healthy_upstreams"));

        // The default failure_threshold is 3.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(502, await TunnelAsync(proxy, target));
        }
        Assert.Equal(UpstreamHealth.Unhealthy, proxy.Pool.All[0].Health);
        var metrics = await ScrapeAsync(proxy);

        Assert.Equal(1, metrics.Value("netdrift_upstream_health", ("upstream", name), ("state", "unhealthy")));
        Assert.Equal(0, metrics.Value("netdrift_upstream_health", ("upstream", name), ("state", "unknown")));
        Assert.Equal(0, metrics.Value("netdrift_upstream_health", ("upstream", name), ("state", "healthy")));
        Assert.Equal(0, metrics.Value("netdrift_upstream_up", ("upstream", name)));
        Assert.Equal(1, metrics.Value("netdrift_upstream_weight", ("upstream", name)));
        Assert.Equal(1, metrics.Value("netdrift_upstream_in_rotation", ("upstream", name)));
        Assert.Equal(0, metrics.Value("netdrift_healthy_upstreams"));
        Assert.Equal(1, metrics.Value("netdrift_upstreams"));
        Assert.Equal(77, metrics.Value("netdrift_max_connections"));
        Assert.Equal(3, metrics.Value(Requests, ("upstream", name), ("result", "upstream_status")));
    }

    [Fact(Timeout = 10_000)]
    public async Task Export_WeightAndEnabledChanged_GaugesFollow()
    {
        await using var proxy = Start(["http://127.0.0.1:9"]);
        proxy.SetUpstream("127.0.0.1:9", weight: 5);
        Assert.Equal(5, (await ScrapeAsync(proxy)).Value("netdrift_upstream_weight", ("upstream", "127.0.0.1:9")));

        proxy.SetUpstream("127.0.0.1:9", enabled: false);
        var metrics = await ScrapeAsync(proxy);
        Assert.Equal(0, metrics.Value("netdrift_upstream_in_rotation", ("upstream", "127.0.0.1:9")));
        Assert.Equal(0, metrics.Value("netdrift_healthy_upstreams"));
    }

    [Fact(Timeout = 10_000)]
    public async Task Export_TwoProxiesInOneProcess_EachHasOnlyItsOwnSeries()
    {
        await using var one = Start(["http://127.0.0.1:9"], name: "one");
        await using var two = Start(["http://127.0.0.1:10"], name: "two");
        one.Pool.All[0].Counters.AttemptSucceeded(TimeSpan.FromMilliseconds(1));

        var first = await ScrapeAsync(one);
        var second = await ScrapeAsync(two);

        Assert.All(first.Samples, s => Assert.Equal("one", s["proxy"]));
        Assert.All(second.Samples, s => Assert.Equal("two", s["proxy"]));
        Assert.Equal(1, first.Value(Requests, ("upstream", "127.0.0.1:9"), ("result", "success")));
        Assert.Empty(second.Where(Requests, ("upstream", "127.0.0.1:9")));
        // Nothing from the default registry (process or .NET runtime metrics).
        Assert.All(first.Types.Keys, name => Assert.StartsWith("netdrift_", name, StringComparison.Ordinal));
    }

    [Fact(Timeout = 10_000)]
    public async Task Export_UpstreamAndUserPasswords_NeverInTheOutput()
    {
        await using var proxy = Start(["http://alice:S3cretUpstreamPw@127.0.0.1:9"],
            """ "authentication": { "enabled": true, "users": [ { "username": "proxyuser", "password": "Pr0xyUserPw" } ] }, """);
        proxy.Pool.All[0].Counters.AttemptFailed(FailureCause.Auth, "407 from http://alice:S3cretUpstreamPw@127.0.0.1:9");

        var metrics = await ScrapeAsync(proxy);

        Assert.Equal(1, metrics.Value(Requests, ("upstream", "127.0.0.1:9"), ("result", "auth")));
        Assert.DoesNotContain("S3cretUpstreamPw", metrics.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("alice", metrics.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Pr0xyUserPw", metrics.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("proxyuser", metrics.Text, StringComparison.Ordinal);
    }
}
