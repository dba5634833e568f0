using System.Diagnostics;

namespace NetDrift.Engine.Users;

/// <summary>
/// One byte rate shared by every connection of a user in one direction: each chunk books its
/// share of a virtual clock (compare-and-swap, no lock) and waits until its booking ends, so all
/// of the user's connections together never pass the rate. Idle time earns at most one chunk's
/// time (a tenth of a second) of credit: enough that a wake-up a little late is made up by the next
/// chunk instead of adding up over a long download, too little for a burst that matters.
/// </summary>
internal sealed class SharedRatePacer
{
    private static readonly long Slack = Stopwatch.Frequency / 10;
    private long _dueAt;

    public SharedRatePacer(long bytesPerSecond)
    {
        BytesPerSecond = bytesPerSecond;
        // About ten sends a second: smooth, without a system call per byte.
        ChunkSize = (int)Math.Clamp(bytesPerSecond / 10, 1, Tunnel.TunnelRelay.BufferSize);
        _dueAt = Stopwatch.GetTimestamp();
    }

    public long BytesPerSecond { get; }

    /// <summary>The most one read should take.</summary>
    public int ChunkSize { get; }

    /// <summary>How long <paramref name="bytes"/> must wait before they may go on (zero when at once).</summary>
    public TimeSpan Book(int bytes)
    {
        var cost = bytes * Stopwatch.Frequency / BytesPerSecond;
        while (true)
        {
            var now = Stopwatch.GetTimestamp();
            var due = Volatile.Read(ref _dueAt);
            var end = Math.Max(due, now - Slack) + cost;
            if (Interlocked.CompareExchange(ref _dueAt, end, due) == due)
            {
                return end > now ? Stopwatch.GetElapsedTime(now, end) : TimeSpan.Zero;
            }
        }
    }
}
