using NetDrift.Engine.Tunnel;

namespace NetDrift.Engine.Stats;

/// <summary>
/// Per-upstream counters, updated with Interlocked only: the hot path never locks. Requests are
/// attempts (retries included); Requests = Succeeded + Failed once each attempt has finished.
/// </summary>
public sealed class UpstreamCounters : IByteCounter
{
    private long _requests;
    private long _succeeded;
    private long _failed;
    private long _active;
    private long _peak;
    private long _bytesSent;
    private long _bytesReceived;
    private long _latencyTotalMicros;
    private long _latencyEwmaMicros;
    private long _lastRequestTicks;
    private LastError? _lastError;

    public long Requests => Volatile.Read(ref _requests);
    public long Succeeded => Volatile.Read(ref _succeeded);
    public long Failed => Volatile.Read(ref _failed);
    public long ActiveConnections => Volatile.Read(ref _active);
    public long PeakConcurrency => Volatile.Read(ref _peak);
    public long BytesSent => Volatile.Read(ref _bytesSent);
    public long BytesReceived => Volatile.Read(ref _bytesReceived);
    public long LatencyTotalMicros => Volatile.Read(ref _latencyTotalMicros);

    /// <summary>Smoothed latency of recent successes, for least-latency balancing; 0 until one.</summary>
    public long LatencyEwmaMicros => Volatile.Read(ref _latencyEwmaMicros);

    public DateTimeOffset? LastRequestAt => Volatile.Read(ref _lastRequestTicks) is var t and > 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    public LastError? LastError => Volatile.Read(ref _lastError);

    /// <summary>An attempt begins: counted now so that in-flight attempts show up.</summary>
    public void AttemptStarted(DateTimeOffset now)
    {
        Interlocked.Increment(ref _requests);
        Volatile.Write(ref _lastRequestTicks, now.UtcTicks);
    }

    public void AttemptSucceeded(TimeSpan latency)
    {
        var micros = (long)latency.TotalMicroseconds;
        Interlocked.Increment(ref _succeeded);
        Interlocked.Add(ref _latencyTotalMicros, micros);
        var previous = Volatile.Read(ref _latencyEwmaMicros);
        // A lost race only drops one sample from a smoothed value: acceptable, and lock-free.
        Volatile.Write(ref _latencyEwmaMicros, previous == 0 ? micros : previous + (micros - previous) / 5);
    }

    public void AttemptFailed(string error, DateTimeOffset now)
    {
        Interlocked.Increment(ref _failed);
        Volatile.Write(ref _lastError, new LastError(error, now));
    }

    /// <summary>A tunnel opened on this upstream; returns the new active count.</summary>
    public long ConnectionOpened()
    {
        var active = Interlocked.Increment(ref _active);
        var peak = Volatile.Read(ref _peak);
        while (active > peak)
        {
            var seen = Interlocked.CompareExchange(ref _peak, active, peak);
            if (seen == peak)
            {
                break;
            }
            peak = seen;
        }
        return active;
    }

    public void ConnectionClosed() => Interlocked.Decrement(ref _active);

    public void AddSent(long bytes) => Interlocked.Add(ref _bytesSent, bytes);

    public void AddReceived(long bytes) => Interlocked.Add(ref _bytesReceived, bytes);

    /// <summary>Zeroes counts, bytes and latency; the peak restarts from the current active count.</summary>
    public void Reset()
    {
        Interlocked.Exchange(ref _requests, 0);
        Interlocked.Exchange(ref _succeeded, 0);
        Interlocked.Exchange(ref _failed, 0);
        Interlocked.Exchange(ref _bytesSent, 0);
        Interlocked.Exchange(ref _bytesReceived, 0);
        Interlocked.Exchange(ref _latencyTotalMicros, 0);
        Interlocked.Exchange(ref _peak, ActiveConnections);
        Volatile.Write(ref _lastError, null);
    }
}

/// <summary>The last failure of an upstream, with a message safe to show (no credentials).</summary>
public sealed record LastError(string Message, DateTimeOffset At);
