namespace NetDrift.Engine;

/// <summary>
/// The engine's fixed numbers that are not config fields, in one place with the reason for each.
/// A value that users need to change belongs in the config instead (and then in the README).
/// </summary>
public static class EngineDefaults
{
    /// <summary>Pending connections the kernel queues for the listener: bursts of new clients wait here, not refused.</summary>
    public const int ListenBacklog = 1024;

    /// <summary>How often idle tunnels and idle pooled upstream connections are swept: idle timeouts are this precise.</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long a stop waits for cut handlers to unwind, so the counters it reports have settled.</summary>
    public static readonly TimeSpan StopSettleTime = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a finished plain response waits for its request body's copy to report done before
    /// the client connection is given up as not reusable: long enough for a copy whose last byte
    /// went out, short enough not to hold a client whose upload the upstream refused early.
    /// </summary>
    public static readonly TimeSpan RequestBodySettleTime = TimeSpan.FromSeconds(1);

    /// <summary>How long each upstream host name may take to resolve when a config is checked.</summary>
    public static readonly TimeSpan HostCheckTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Idle keep-alive connections kept per upstream for plain HTTP.</summary>
    public const int PooledConnectionsPerUpstream = 32;

    /// <summary>How long an idle pooled upstream connection is kept (below common upstream keep-alive timeouts).</summary>
    public static readonly TimeSpan PooledConnectionIdleTime = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The largest request body NetDrift reads and drops itself (an admin request's, or one answered
    /// by a 407 on a connection that stays open): enough for any client's small POST, too small to
    /// be a way to make NetDrift read uploads for nobody.
    /// </summary>
    public const int MaxUnforwardedBodyBytes = 64 * 1024;

    /// <summary>How long one read of an upstream source (a file or a URL) may take: a hung provider must not hold its refresh forever.</summary>
    public static readonly TimeSpan SourceFetchTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The largest upstream list read (about 10,000 lines of URLs): a wrong URL serving a big file is refused, not buffered.</summary>
    public const int MaxSourceBytes = 1024 * 1024;
}
