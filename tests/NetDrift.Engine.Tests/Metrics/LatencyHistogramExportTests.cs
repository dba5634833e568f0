using System.Globalization;
using NetDrift.Engine.Metrics;
using NetDrift.Engine.Stats;
using static NetDrift.Engine.Tests.Metrics.MetricsTestProxies;

namespace NetDrift.Engine.Tests.Metrics;

/// <summary>
/// netdrift_upstream_latency_seconds is fed from the engine's histogram at scrape time: its bucket
/// counts must be exact (the bounds are engine bucket boundaries) and cumulative, its sum exact.
/// </summary>
public sealed class LatencyHistogramExportTests
{
    private const string Upstream = "127.0.0.1:9";

    // Both sides of several bounds (256 µs, 512 µs, 4096 µs, 2^24 µs), tiny values and one past the last bound.
    private static readonly long[] FirstMicros = [3, 100, 255, 257, 300, 511, 513, 1_000, 4_095, 4_097, 65_000, 1_000_000, 16_777_215, 16_777_217, 40_000_000];
    private static readonly long[] LaterMicros = [1, 200, 256 + 31, 8_191, 8_193, 8_193, 2_000_000];

    [Fact]
    public void BoundsSeconds_PowersOfTwoMicrosecondsFrom2To8Until2To24_AreEngineBucketBoundaries()
    {
        Assert.Equal(17, LatencyFeed.BoundsSeconds.Length);
        Assert.Equal(0.000256, LatencyFeed.BoundsSeconds[0]);
        Assert.Equal(16.777216, LatencyFeed.BoundsSeconds[^1]);
        foreach (var bound in LatencyFeed.BoundsSeconds)
        {
            var micros = (long)Math.Round(bound * 1e6);
            Assert.Equal(micros, LatencyHistogram.LowerBound(LatencyHistogram.BucketOf(micros)));
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task Export_KnownLatencies_BucketsExactCumulativeAndSumExact()
    {
        await using var proxy = Start(["http://" + Upstream]);
        var counters = proxy.Pool.All[0].Counters;
        Record(counters, FirstMicros);

        var first = await ScrapeAsync(proxy);
        AssertHistogram(first, FirstMicros);

        // A second scrape feeds only what was added since the first.
        Record(counters, LaterMicros);
        var second = await ScrapeAsync(proxy);
        AssertHistogram(second, [.. FirstMicros, .. LaterMicros]);

        // Nothing new: nothing changes.
        var third = await ScrapeAsync(proxy);
        AssertHistogram(third, [.. FirstMicros, .. LaterMicros]);
    }

    [Fact(Timeout = 10_000)]
    public async Task Export_NoSuccessYet_HistogramAllZero()
    {
        await using var proxy = Start(["http://" + Upstream]);
        proxy.Pool.All[0].Counters.AttemptFailed(FailureCause.Refused, "refused");

        var metrics = await ScrapeAsync(proxy);

        AssertHistogram(metrics, []);
    }

    private static void Record(UpstreamCounters counters, IEnumerable<long> micros)
    {
        foreach (var value in micros)
        {
            counters.AttemptStarted();
            counters.AttemptSucceeded(TimeSpan.FromTicks(value * TimeSpan.TicksPerMicrosecond));
        }
    }

    private static void AssertHistogram(PrometheusText metrics, long[] micros)
    {
        const string name = "netdrift_upstream_latency_seconds";
        var buckets = metrics.Where(name + "_bucket", ("upstream", Upstream))
            .Select(s => (Le: s["le"] == "+Inf" ? double.PositiveInfinity : double.Parse(s["le"]!, CultureInfo.InvariantCulture), s.Value))
            .OrderBy(b => b.Le)
            .ToList();
        Assert.Equal(LatencyFeed.BoundsSeconds.Append(double.PositiveInfinity), buckets.Select(b => b.Le));
        foreach (var (le, count) in buckets)
        {
            // A recorded value of v µs stands for a latency in [v, v+1) µs: below a bound B when v < B.
            var expected = micros.Count(v => v < le * 1e6 - 0.5);
            Assert.True(expected == count, $"le={le}: expected {expected}, exported {count}");
        }
        Assert.True(buckets.Zip(buckets.Skip(1)).All(p => p.First.Value <= p.Second.Value), "buckets are cumulative");
        Assert.Equal(micros.Length, metrics.Value(name + "_count", ("upstream", Upstream)));
        Assert.Equal(micros.Sum() / 1e6, metrics.Value(name + "_sum", ("upstream", Upstream)), 1e-6);
    }
}
