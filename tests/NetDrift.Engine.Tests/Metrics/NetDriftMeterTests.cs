using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using NetDrift.Engine.Faults;
using NetDrift.Engine.Metrics;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Tests.TestSupport;
using static NetDrift.Engine.Tests.Metrics.MetricsTestProxies;

namespace NetDrift.Engine.Tests.Metrics;

/// <summary>Alone: the meter reads every running proxy in the process, and these tests read it.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NetDriftMeterCollection
{
    public const string Name = "NetDriftMeter";
}

/// <summary>The "NetDrift" Meter, read the way dotnet-counters and OpenTelemetry SDKs do: with a MeterListener.</summary>
[Collection(NetDriftMeterCollection.Name)]
public sealed class NetDriftMeterTests
{
    private sealed record Seen(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags)
    {
        public string? Tag(string key) => Tags.TryGetValue(key, out var value) ? value as string : null;
    }

    /// <summary>Collects the observable instruments once, keeping what is tagged with this proxy.</summary>
    private static List<Seen> Observe(string proxy)
    {
        var seen = new ConcurrentQueue<Seen>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == NetDriftMeter.Name)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var all = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                all[tag.Key] = tag.Value;
            }
            if (all.GetValueOrDefault("proxy") as string == proxy)
            {
                seen.Enqueue(new Seen(instrument.Name, value, all));
            }
        }
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Add(i, v, t));
        listener.SetMeasurementEventCallback<int>((i, v, t, _) => Add(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Add(i, v, t));
        listener.Start();
        listener.RecordObservableInstruments();
        return [.. seen];
    }

    private static double One(List<Seen> seen, string instrument, params (string Key, string Value)[] tags)
    {
        var matches = seen.Where(s => s.Instrument == instrument && tags.All(t => s.Tag(t.Key) == t.Value)).ToList();
        Assert.True(matches.Count == 1, $"{instrument} {string.Join(",", tags)}: {matches.Count} measurements");
        return matches[0].Value;
    }

    [Fact(Timeout = 20_000)]
    public async Task MeterListener_AfterTraffic_SeesCountersPerUpstreamAndResult()
    {
        var name = "meter-" + Guid.NewGuid().ToString("N")[..8];
        await using var target = TcpTargetServer.StartEcho();
        await using var healthy = FaultyProxy.Start("none", new FaultyProxyOptions());
        await using var internalError = FaultyProxy.Start("internal-error", new FaultyProxyOptions { Fault = FaultType.InternalError });
        await using var proxy = Start([healthy, internalError], name: name);
        for (var i = 0; i < 4; i++)
        {
            await TunnelAsync(proxy, target, payloadBytes: 100);
        }
        Assert.True(await SettledAsync(proxy));

        var seen = Observe(name);

        var ok = NameOf(healthy);
        var bad = NameOf(internalError);
        Assert.Equal(2, One(seen, "netdrift.upstream.requests", ("upstream", ok), ("result", "success")));
        Assert.Equal(0, One(seen, "netdrift.upstream.requests", ("upstream", ok), ("result", "upstream_status")));
        Assert.Equal(2, One(seen, "netdrift.upstream.requests", ("upstream", bad), ("result", "upstream_status")));
        Assert.Equal(0, One(seen, "netdrift.upstream.requests", ("upstream", bad), ("result", "success")));
        Assert.Equal(1 + Enum.GetValues<FailureCause>().Length, seen.Count(s => s.Instrument == "netdrift.upstream.requests" && s.Tag("upstream") == bad));
        Assert.Equal(200, One(seen, "netdrift.upstream.bytes", ("upstream", ok), ("direction", "sent")));
        Assert.Equal(200, One(seen, "netdrift.upstream.bytes", ("upstream", ok), ("direction", "received")));
        Assert.Equal(0, One(seen, "netdrift.upstream.active_connections", ("upstream", ok)));
        Assert.True(One(seen, "netdrift.upstream.latency.total", ("upstream", ok)) > 0);
        Assert.Equal(1, One(seen, "netdrift.upstream.up", ("upstream", ok)));
        Assert.Equal(1, One(seen, "netdrift.upstream.weight", ("upstream", bad)));
        Assert.Equal(4, One(seen, "netdrift.connections"));
        Assert.Equal(0, One(seen, "netdrift.active_connections"));
        Assert.Equal(0, One(seen, "netdrift.auth_failures"));
        Assert.Equal(0, One(seen, "netdrift.rejected_connections"));
        Assert.Equal(10_000, One(seen, "netdrift.max_connections"));
        Assert.Equal(2, One(seen, "netdrift.upstreams"));
        Assert.Equal(2, One(seen, "netdrift.healthy_upstreams"));

        // Counters are monotonic: a stats reset does not lower them.
        proxy.ResetStats();
        var afterReset = Observe(name);
        Assert.Equal(2, One(afterReset, "netdrift.upstream.requests", ("upstream", ok), ("result", "success")));
        Assert.Equal(4, One(afterReset, "netdrift.connections"));
    }

    [Fact(Timeout = 10_000)]
    public async Task MeterListener_ProxyStopped_NoLongerReported()
    {
        var name = "meter-" + Guid.NewGuid().ToString("N")[..8];
        var proxy = Start(["http://127.0.0.1:9"], name: name);
        Assert.Contains(proxy.Context, NetDriftMeter.Proxies);
        Assert.NotEmpty(Observe(name));

        await proxy.StopAsync(TimeSpan.Zero);

        Assert.DoesNotContain(proxy.Context, NetDriftMeter.Proxies);
        Assert.Empty(Observe(name));
    }
}
