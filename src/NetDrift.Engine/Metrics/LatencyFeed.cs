using NetDrift.Engine.Stats;
using Prometheus;

namespace NetDrift.Engine.Metrics;

/// <summary>
/// Moves one upstream's latencies from the engine's <see cref="LatencyHistogram"/> into a
/// prometheus-net histogram at scrape time, so the request path does no extra work: each scrape
/// observes the engine buckets' growth since the last one, every sample at a value inside its own
/// engine bucket. The Prometheus bounds are powers of two in microseconds, which are engine bucket
/// boundaries, so the exported cumulative counts are exact. Inside their buckets the values sit at
/// one common fraction of the bucket width, chosen so that their sum is the exact latency total:
/// <c>_sum</c> (and so the average) is exact too.
/// </summary>
internal sealed class LatencyFeed
{
    /// <summary>2^8 µs (256 µs) to 2^24 µs (16.8 s), in seconds.</summary>
    public static readonly double[] BoundsSeconds = Enumerable.Range(8, 17).Select(k => (1L << k) / 1e6).ToArray();

    // Keeps every value strictly inside its bucket (a value on a bound would be counted below it).
    private const double MinFraction = 0.001;
    private const double MaxFraction = 0.999;

    private readonly long[] _fed = new long[LatencyHistogram.BucketCount];
    private readonly long[] _delta = new long[LatencyHistogram.BucketCount];
    private double _fedMicros;

    /// <summary>
    /// Observes what <paramref name="totals"/> (raw lifetime totals) added since the last call.
    /// Not thread-safe: the exporter calls it under its lock.
    /// </summary>
    public void Feed(StatsTotals totals, IHistogram histogram)
    {
        double low = 0, span = 0;
        for (var i = 0; i < _delta.Length; i++)
        {
            var delta = totals.LatencyBuckets[i] - _fed[i];
            _delta[i] = delta;
            if (delta <= 0)
            {
                continue;
            }
            low += LatencyHistogram.LowerBound(i) * (double)delta;
            span += Width(i) * (double)delta;
        }
        if (span == 0)
        {
            return;
        }
        // The total and the buckets are read one after the other, so a sample being recorded may
        // be in one and not yet in the other: clamp, and let the next scrape settle the difference.
        var fraction = Math.Clamp((totals.LatencyMicros - _fedMicros - low) / span, MinFraction, MaxFraction);
        for (var i = 0; i < _delta.Length; i++)
        {
            var delta = _delta[i];
            if (delta <= 0)
            {
                continue;
            }
            histogram.Observe((LatencyHistogram.LowerBound(i) + fraction * Width(i)) / 1e6, delta);
            _fed[i] += delta;
        }
        _fedMicros += low + fraction * span;
    }

    /// <summary>The width of a bucket in microseconds; the last, open-ended one is treated as one octave.</summary>
    private static double Width(int index)
    {
        var lower = LatencyHistogram.LowerBound(index);
        return Math.Min(LatencyHistogram.UpperBound(index), lower * 2 + 1) - lower;
    }
}
