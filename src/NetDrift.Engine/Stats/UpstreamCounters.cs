using NetDrift.Engine.Tunnel;

namespace NetDrift.Engine.Stats;

/// <summary>
/// Every attempt and byte of one upstream, recorded into a lifetime cell and the current minute of
/// a sliding 15-minute window, with Interlocked only: the hot path never locks. Lifetime counts are
/// monotonic (Prometheus reads them raw); a reset stores a baseline that snapshots subtract.
/// </summary>
public sealed class UpstreamCounters : IByteCounter
{
    private readonly TimeProvider _time;
    private readonly StatsCell _lifetime = new();
    private readonly MinuteRing _recent = new();
    private StatsTotals _baseline = new();
    private long _sinceTicks;
    private long _active;
    private long _peakSinceReset;
    private long _latencyEwmaMicros;
    private long _lastRequestTicks;
    private LastError? _lastError;
    private long _malformedResponses;
    private long _malformedResponsesBaseline;

    public UpstreamCounters(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _sinceTicks = _time.GetUtcNow().UtcTicks;
    }

    public long Requests => Volatile.Read(ref _lifetime.Requests) - Volatile.Read(ref _baseline).Requests;
    public long Succeeded => Volatile.Read(ref _lifetime.Succeeded) - Volatile.Read(ref _baseline).Succeeded;
    public long Failed => Volatile.Read(ref _lifetime.Failed) - Volatile.Read(ref _baseline).Failed;
    public long BytesSent => Volatile.Read(ref _lifetime.BytesSent) - Volatile.Read(ref _baseline).BytesSent;
    public long BytesReceived => Volatile.Read(ref _lifetime.BytesReceived) - Volatile.Read(ref _baseline).BytesReceived;
    public long LatencyTotalMicros => Volatile.Read(ref _lifetime.LatencyMicros) - Volatile.Read(ref _baseline).LatencyMicros;
    public long ActiveConnections => Volatile.Read(ref _active);
    public long PeakConcurrency => Volatile.Read(ref _peakSinceReset);

    /// <summary>Smoothed latency of recent successes, for least-latency balancing; 0 until one.</summary>
    public long LatencyEwmaMicros => Volatile.Read(ref _latencyEwmaMicros);

    public DateTimeOffset? LastRequestAt => Volatile.Read(ref _lastRequestTicks) is var t and > 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    public LastError? LastError => Volatile.Read(ref _lastError);

    /// <summary>
    /// Responses whose body broke its framing after the head arrived (the attempt already counted
    /// as a success): NetDrift cut them with a reset, and this says how often the upstream did it.
    /// </summary>
    public long MalformedResponses => Volatile.Read(ref _malformedResponses) - Volatile.Read(ref _malformedResponsesBaseline);

    /// <summary>An attempt begins: counted now, so in-flight attempts show up.</summary>
    public void AttemptStarted()
    {
        var now = _time.GetUtcNow();
        Interlocked.Increment(ref _lifetime.Requests);
        Interlocked.Increment(ref _recent.CellFor(now).Requests);
        Volatile.Write(ref _lastRequestTicks, now.UtcTicks);
    }

    /// <summary>The upstream answered; <paramref name="latency"/> runs from the start of the dial.</summary>
    public void AttemptSucceeded(TimeSpan latency)
    {
        var micros = (long)latency.TotalMicroseconds;
        Record(_lifetime, micros);
        Record(_recent.CellFor(_time.GetUtcNow()), micros);
        var previous = Volatile.Read(ref _latencyEwmaMicros);
        // A lost race drops one sample from a smoothed value: acceptable, and lock-free.
        Volatile.Write(ref _latencyEwmaMicros, previous == 0 ? Math.Max(1, micros) : previous + (micros - previous) / 5);

        static void Record(StatsCell cell, long micros)
        {
            Interlocked.Increment(ref cell.Succeeded);
            Interlocked.Add(ref cell.LatencyMicros, micros);
            cell.Latency.Record(micros);
        }
    }

    public void AttemptFailed(FailureCause cause, string message)
    {
        var now = _time.GetUtcNow();
        Record(_lifetime, cause);
        Record(_recent.CellFor(now), cause);
        Volatile.Write(ref _lastError, new LastError($"{cause}: {message}", now));

        static void Record(StatsCell cell, FailureCause cause)
        {
            Interlocked.Increment(ref cell.Failed);
            Interlocked.Increment(ref cell.FailedBy[(int)cause]);
        }
    }

    /// <summary>A response body broke its framing mid-transfer; also the last error.</summary>
    public void ResponseMalformed(string message)
    {
        Interlocked.Increment(ref _malformedResponses);
        Volatile.Write(ref _lastError, new LastError($"{FailureCause.Protocol}: {message}", _time.GetUtcNow()));
    }

    /// <summary>A connection to this upstream opened (from the dial on); returns the active count.</summary>
    public long ConnectionOpened()
    {
        var active = Interlocked.Increment(ref _active);
        AtomicMax.Raise(ref _peakSinceReset, active);
        _lifetime.RaisePeak(active);
        _recent.CellFor(_time.GetUtcNow()).RaisePeak(active);
        return active;
    }

    public void ConnectionClosed() => Interlocked.Decrement(ref _active);

    public void AddSent(long bytes)
    {
        Interlocked.Add(ref _lifetime.BytesSent, bytes);
        Interlocked.Add(ref _recent.CellFor(_time.GetUtcNow()).BytesSent, bytes);
    }

    public void AddReceived(long bytes)
    {
        Interlocked.Add(ref _lifetime.BytesReceived, bytes);
        Interlocked.Add(ref _recent.CellFor(_time.GetUtcNow()).BytesReceived, bytes);
    }

    public UpstreamStatsSnapshot Snapshot(StatsWindow window)
    {
        var now = _time.GetUtcNow();
        var totals = new StatsTotals();
        if (window == StatsWindow.Recent)
        {
            _recent.AddTo(totals, now);
            // Cells only see peaks when connections open: one opened before the window (or before
            // a reset cleared the cells) and still open counts too, as ProxyCounters does.
            var active = ActiveConnections;
            return UpstreamStatsSnapshot.From(window, MinuteRing.Length, totals, active, Math.Max(totals.PeakConcurrency, active), LastError, LastRequestAt);
        }
        _lifetime.AddTo(totals);
        totals.Subtract(Volatile.Read(ref _baseline));
        return UpstreamStatsSnapshot.From(window, now - new DateTimeOffset(Volatile.Read(ref _sinceTicks), TimeSpan.Zero), totals, ActiveConnections, PeakConcurrency, LastError, LastRequestAt);
    }

    /// <summary>Raw monotonic lifetime totals (never reset): what Prometheus counters export.</summary>
    internal StatsTotals Monotonic()
    {
        var totals = new StatsTotals();
        _lifetime.AddTo(totals);
        return totals;
    }

    /// <summary>Per-minute requests and failures of the last 15 minutes, oldest first.</summary>
    public (long Minute, long Requests, long Failed)[] Timeline() => _recent.Timeline(_time.GetUtcNow());

    /// <summary>Zeroes counts, bytes and latency in both windows; the peak restarts from the active count.</summary>
    public void Reset()
    {
        var baseline = new StatsTotals();
        _lifetime.AddTo(baseline);
        Volatile.Write(ref _baseline, baseline);
        Volatile.Write(ref _sinceTicks, _time.GetUtcNow().UtcTicks);
        _recent.Clear();
        Interlocked.Exchange(ref _peakSinceReset, ActiveConnections);
        Volatile.Write(ref _malformedResponsesBaseline, Volatile.Read(ref _malformedResponses));
        Volatile.Write(ref _lastError, null);
    }
}

/// <summary>The last failure of an upstream, with a message safe to show (no credentials).</summary>
public sealed record LastError(string Message, DateTimeOffset At);
