using System.Numerics;

namespace NetDrift.LoadGen;

/// <summary>
/// Latencies in microseconds, in fixed log-linear buckets (exact below 256 µs, then 128 steps per
/// power of two: within 0.8 %), so millions of samples cost one preallocated array and no boxing.
/// Safe from every worker at once (one interlocked add per sample, far below an operation's cost).
/// </summary>
internal sealed class LatencyHistogram
{
    private const int StepBits = 7;
    private const int Steps = 1 << StepBits;
    private const int ExactBelow = Steps * 2;
    // Up to 2^38 µs (three days): far past any timeout.
    private const int MaxShift = 30;

    private readonly long[] _counts = new long[ExactBelow + (MaxShift * Steps)];
    private long _count;
    private long _maxMicroseconds;

    public long Count => Interlocked.Read(ref _count);

    public void Record(TimeSpan latency)
    {
        var micros = Math.Max(0, latency.Ticks / TimeSpan.TicksPerMicrosecond);
        Interlocked.Increment(ref _counts[IndexOf(micros)]);
        Interlocked.Increment(ref _count);
        var max = Interlocked.Read(ref _maxMicroseconds);
        while (micros > max)
        {
            var seen = Interlocked.CompareExchange(ref _maxMicroseconds, micros, max);
            if (seen == max)
            {
                break;
            }
            max = seen;
        }
    }

    /// <summary>The latency at quantile q (0..1) in milliseconds (a bucket's middle), null without samples.</summary>
    public double? QuantileMs(double q)
    {
        var count = Count;
        if (count == 0)
        {
            return null;
        }
        var rank = Math.Max(1, (long)Math.Ceiling(q * count));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Interlocked.Read(ref _counts[i]);
            if (seen >= rank)
            {
                // A middle beyond the true maximum would overstate the tail.
                return Math.Min(MiddleOf(i), Interlocked.Read(ref _maxMicroseconds)) / 1000.0;
            }
        }
        return MaxMs;
    }

    public double? MaxMs => Count == 0 ? null : Interlocked.Read(ref _maxMicroseconds) / 1000.0;

    private static int IndexOf(long micros)
    {
        if (micros < ExactBelow)
        {
            return (int)micros;
        }
        var shift = Math.Min(63 - BitOperations.LeadingZeroCount((ulong)micros) - StepBits, MaxShift);
        var step = (int)Math.Min(micros >> shift, ExactBelow - 1) - Steps;
        return ExactBelow + ((shift - 1) * Steps) + step;
    }

    private static long MiddleOf(int index)
    {
        if (index < ExactBelow)
        {
            return index;
        }
        var shift = ((index - ExactBelow) / Steps) + 1;
        var step = ((index - ExactBelow) % Steps) + Steps;
        return ((long)step << shift) + ((1L << shift) / 2);
    }
}
