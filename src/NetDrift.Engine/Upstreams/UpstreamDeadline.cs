using System.Diagnostics;

namespace NetDrift.Engine.Upstreams;

/// <summary>
/// One upstream_timeout for one attempt, counted from the start of the dial: the dial, any
/// handshake (TLS, SOCKS5) and the answer head all share it, so no step gets a fresh allowance.
/// </summary>
internal readonly record struct UpstreamDeadline(long Started, TimeSpan Timeout)
{
    /// <summary>The least wait handed out: a deadline already passed still times out, rather than waiting forever or not at all.</summary>
    internal static readonly TimeSpan MinimumWait = TimeSpan.FromMilliseconds(1);

    public static UpstreamDeadline StartingNow(TimeSpan timeout) => new(Stopwatch.GetTimestamp(), timeout);

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(Started);

    /// <summary>Time left, at least <see cref="MinimumWait"/>.</summary>
    public TimeSpan Remaining
    {
        get
        {
            var left = Timeout - Elapsed;
            return left > MinimumWait ? left : MinimumWait;
        }
    }

    /// <summary>A token cancelled when the deadline passes or <paramref name="stopping"/> fires.</summary>
    public CancellationTokenSource Link(CancellationToken stopping)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        source.CancelAfter(Remaining);
        return source;
    }
}
