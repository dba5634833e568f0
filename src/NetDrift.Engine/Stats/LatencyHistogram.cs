namespace NetDrift.Engine.Stats;

/// <summary>
/// A log-linear latency histogram in microseconds: 8 buckets per power of two from 1 µs to about
/// 2^37 µs (38 hours), so any recorded value lands in a bucket at most 12.5% wide. Recording is one
/// Interlocked increment; percentiles come from cumulative counts. Counts only grow (reset is done
/// by subtracting a baseline snapshot), which keeps recording lock-free and exports monotonic.
/// </summary>
public sealed class LatencyHistogram
{
    /// <summary>Sub-buckets per power of two: the resolution (12.5%).</summary>
    public const int SubBuckets = 8;

    private const int SubBucketBits = 3;
    private const int Octaves = 38;

    /// <summary>Bucket count: values below 8 µs get exact buckets, then 8 per octave.</summary>
    public const int BucketCount = SubBuckets + (Octaves - SubBucketBits) * SubBuckets;

    private readonly long[] _counts = new long[BucketCount];

    public void Record(long micros) => Interlocked.Increment(ref _counts[BucketOf(micros)]);

    /// <summary>The bucket a value falls in.</summary>
    public static int BucketOf(long micros)
    {
        if (micros < SubBuckets)
        {
            return micros <= 0 ? 0 : (int)micros;
        }
        var octave = 63 - (int)long.LeadingZeroCount(micros); // >= 3 here
        var sub = (int)(micros >> (octave - SubBucketBits)) & (SubBuckets - 1);
        var index = SubBuckets + (octave - SubBucketBits) * SubBuckets + sub;
        return Math.Min(index, BucketCount - 1);
    }

    /// <summary>The smallest value of bucket <paramref name="index"/> (inclusive), in microseconds.</summary>
    public static long LowerBound(int index)
    {
        if (index < SubBuckets)
        {
            return index;
        }
        var octave = (index - SubBuckets) / SubBuckets + SubBucketBits;
        var sub = (index - SubBuckets) % SubBuckets;
        return (1L << octave) + ((long)sub << (octave - SubBucketBits));
    }

    /// <summary>The first value past bucket <paramref name="index"/> (exclusive), in microseconds.</summary>
    public static long UpperBound(int index) => index + 1 < BucketCount ? LowerBound(index + 1) : long.MaxValue;

    /// <summary>Copies the counts (each read atomically) into <paramref name="into"/>.</summary>
    public void CopyTo(long[] into)
    {
        for (var i = 0; i < BucketCount; i++)
        {
            into[i] = Volatile.Read(ref _counts[i]);
        }
    }

    /// <summary>Adds the counts into <paramref name="into"/>, for summing windows.</summary>
    public void AddTo(long[] into)
    {
        for (var i = 0; i < BucketCount; i++)
        {
            into[i] += Volatile.Read(ref _counts[i]);
        }
    }

    internal void Clear()
    {
        for (var i = 0; i < BucketCount; i++)
        {
            Volatile.Write(ref _counts[i], 0);
        }
    }

    /// <summary>
    /// The value at quantile <paramref name="q"/> (0..1) of a bucket-count array, in milliseconds,
    /// interpolated inside its bucket; null when there are no samples.
    /// </summary>
    public static double? Percentile(long[] counts, double q)
    {
        long total = 0;
        foreach (var c in counts)
        {
            total += c;
        }
        if (total == 0)
        {
            return null;
        }
        // Nearest-rank: the smallest value with at least q of the samples at or below it.
        var rank = Math.Max(1, (long)Math.Ceiling(q * total));
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] == 0)
            {
                continue;
            }
            if (seen + counts[i] >= rank)
            {
                var lower = LowerBound(i);
                var upper = Math.Min(UpperBound(i), lower * 2 + 1);
                var within = (rank - seen - 0.5) / counts[i];
                return Math.Round((lower + within * (upper - lower)) / 1000.0, 3);
            }
            seen += counts[i];
        }
        return null;
    }
}
