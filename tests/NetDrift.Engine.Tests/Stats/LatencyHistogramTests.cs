using NetDrift.Engine.Stats;

namespace NetDrift.Engine.Tests.Stats;

/// <summary>The log-linear latency buckets: their geometry, and percentiles read from them.</summary>
public sealed class LatencyHistogramTests
{
    private const double Resolution = 1.0 / LatencyHistogram.SubBuckets; // 12.5%

    private static long[] Counts(LatencyHistogram histogram)
    {
        var counts = new long[LatencyHistogram.BucketCount];
        histogram.CopyTo(counts);
        return counts;
    }

    /// <summary>Every value from 0 to 100k µs, and the edges of every power of two up to 2^62.</summary>
    private static IEnumerable<long> InterestingValues()
    {
        for (long v = 0; v <= 100_000; v++)
        {
            yield return v;
        }
        for (var bit = 17; bit <= 62; bit++)
        {
            var power = 1L << bit;
            yield return power - 1;
            yield return power;
            yield return power + 1;
            yield return power + power / 3;
        }
    }

    [Fact]
    public void Bounds_AllBuckets_StartAtZeroMonotonicAndContiguous()
    {
        Assert.Equal(0, LatencyHistogram.LowerBound(0));
        for (var i = 0; i < LatencyHistogram.BucketCount - 1; i++)
        {
            Assert.True(LatencyHistogram.LowerBound(i) < LatencyHistogram.LowerBound(i + 1), $"bucket {i} does not start below bucket {i + 1}");
            Assert.Equal(LatencyHistogram.LowerBound(i + 1), LatencyHistogram.UpperBound(i));
        }
        Assert.Equal(long.MaxValue, LatencyHistogram.UpperBound(LatencyHistogram.BucketCount - 1));
    }

    [Fact]
    public void BucketOf_ManyValues_LandInBucketWhoseRangeContainsThem()
    {
        foreach (var value in InterestingValues())
        {
            var bucket = LatencyHistogram.BucketOf(value);
            Assert.InRange(bucket, 0, LatencyHistogram.BucketCount - 1);
            var lower = LatencyHistogram.LowerBound(bucket);
            var upper = LatencyHistogram.UpperBound(bucket);
            Assert.True(lower <= value && value < upper, $"{value} µs landed in bucket {bucket} = [{lower}, {upper})");
        }
    }

    [Fact]
    public void BucketOf_NegativeValue_LandsInFirstBucket()
    {
        Assert.Equal(0, LatencyHistogram.BucketOf(-5));
    }

    [Fact]
    public void Bounds_BucketsAboveEightMicros_AtMostOneEighthWide()
    {
        // The last bucket is open-ended (it takes everything past ~38 hours): no width to check.
        for (var i = 0; i < LatencyHistogram.BucketCount - 1; i++)
        {
            var lower = LatencyHistogram.LowerBound(i);
            var width = LatencyHistogram.UpperBound(i) - lower;
            if (lower < 8)
            {
                Assert.Equal(1, width); // exact buckets for the smallest values
                continue;
            }
            Assert.True(width / (double)lower <= Resolution, $"bucket {i} [{lower}, +{width}) is {width / (double)lower:P1} wide");
        }
    }

    [Fact]
    public void Bounds_LastRegularBucket_ReachesAtLeastThirtyHours()
    {
        var last = LatencyHistogram.LowerBound(LatencyHistogram.BucketCount - 1);
        Assert.True(TimeSpan.FromMicroseconds(last) > TimeSpan.FromHours(30), $"the last bucket starts at {TimeSpan.FromMicroseconds(last)}");
    }

    [Fact]
    public void Percentile_NoSamples_Null()
    {
        var counts = new long[LatencyHistogram.BucketCount];

        Assert.Null(LatencyHistogram.Percentile(counts, 0.5));
        Assert.Null(LatencyHistogram.Percentile(counts, 0.99));
    }

    [Fact]
    public void Percentile_UniformOneToTenThousandMs_WithinBucketResolution()
    {
        var histogram = new LatencyHistogram();
        for (var ms = 1; ms <= 10_000; ms++)
        {
            histogram.Record(ms * 1000L);
        }
        var counts = Counts(histogram);

        AssertNear(5000, LatencyHistogram.Percentile(counts, 0.50));
        AssertNear(9500, LatencyHistogram.Percentile(counts, 0.95));
        AssertNear(9900, LatencyHistogram.Percentile(counts, 0.99));
        AssertNear(1, LatencyHistogram.Percentile(counts, 0.0));
        AssertNear(10_000, LatencyHistogram.Percentile(counts, 1.0));

        static void AssertNear(double expectedMs, double? actualMs)
        {
            Assert.NotNull(actualMs);
            Assert.InRange(actualMs.Value, expectedMs * (1 - Resolution), expectedMs * (1 + Resolution));
        }
    }

    [Fact]
    public void Percentile_UniformOneToTenThousandMs_MonotonicInQ()
    {
        var histogram = new LatencyHistogram();
        for (var ms = 1; ms <= 10_000; ms++)
        {
            histogram.Record(ms * 1000L);
        }
        var counts = Counts(histogram);

        var previous = 0.0;
        for (var q = 0.01; q <= 1.0; q += 0.01)
        {
            var value = LatencyHistogram.Percentile(counts, q)!.Value;
            Assert.True(value >= previous, $"p{q * 100:0} = {value} is below the one before, {previous}");
            previous = value;
        }
    }

    [Fact]
    public void Percentile_OneOutlierInHundred_NearestRankKeepsP99AtTheBulk()
    {
        var histogram = new LatencyHistogram();
        for (var i = 0; i < 99; i++)
        {
            histogram.Record(1_000); // 1 ms
        }
        histogram.Record(1_000_000); // 1 s
        var counts = Counts(histogram);

        Assert.InRange(LatencyHistogram.Percentile(counts, 0.99)!.Value, 1 * (1 - Resolution), 1 * (1 + Resolution));
        Assert.InRange(LatencyHistogram.Percentile(counts, 1.0)!.Value, 1000 * (1 - Resolution), 1000 * (1 + Resolution));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(50_000)]
    [InlineData(200_000)]
    [InlineData(7_654_321)]
    public void Percentile_OneRepeatedValue_InsideThatValuesBucket(long micros)
    {
        var histogram = new LatencyHistogram();
        for (var i = 0; i < 100; i++)
        {
            histogram.Record(micros);
        }
        var counts = Counts(histogram);
        var bucket = LatencyHistogram.BucketOf(micros);

        foreach (var q in new[] { 0.5, 0.95, 0.99 })
        {
            var ms = LatencyHistogram.Percentile(counts, q)!.Value;
            Assert.InRange(ms * 1000, LatencyHistogram.LowerBound(bucket), LatencyHistogram.UpperBound(bucket));
        }
    }

    [Fact]
    public void Percentile_TwoClusters_EachQuantileFindsItsCluster()
    {
        var histogram = new LatencyHistogram();
        for (var i = 0; i < 50; i++)
        {
            histogram.Record(50_000 + i * 10);   // ~50 ms
            histogram.Record(200_000 + i * 10);  // ~200 ms
        }
        var counts = Counts(histogram);

        Assert.InRange(LatencyHistogram.Percentile(counts, 0.25)!.Value, 50 * (1 - Resolution), 50 * (1 + Resolution));
        Assert.InRange(LatencyHistogram.Percentile(counts, 0.50)!.Value, 50 * (1 - Resolution), 50 * (1 + Resolution));
        Assert.InRange(LatencyHistogram.Percentile(counts, 0.51)!.Value, 200 * (1 - Resolution), 200 * (1 + Resolution));
        Assert.InRange(LatencyHistogram.Percentile(counts, 0.99)!.Value, 200 * (1 - Resolution), 200 * (1 + Resolution));
    }

    [Fact]
    public void AddTo_TwoHistograms_SumsCounts()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        a.Record(10);
        a.Record(1_000);
        b.Record(1_000);
        var sum = new long[LatencyHistogram.BucketCount];

        a.AddTo(sum);
        b.AddTo(sum);

        Assert.Equal(3, sum.Sum());
        Assert.Equal(1, sum[LatencyHistogram.BucketOf(10)]);
        Assert.Equal(2, sum[LatencyHistogram.BucketOf(1_000)]);
    }

    [Fact]
    public async Task Record_ManyThreads_NoLostIncrements()
    {
        var histogram = new LatencyHistogram();
        const int Threads = 8, PerThread = 50_000;

        await Task.WhenAll(Enumerable.Range(0, Threads).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                histogram.Record(1_000L << (i % 4)); // four buckets (1, 2, 4, 8 ms), hit from every thread
            }
        })));

        var counts = Counts(histogram);
        Assert.Equal(Threads * PerThread, counts.Sum());
        for (var shift = 0; shift < 4; shift++)
        {
            Assert.Equal(Threads * PerThread / 4, counts[LatencyHistogram.BucketOf(1_000L << shift)]);
        }
    }
}
