namespace NetDrift.Engine.Tunnel;

/// <summary>
/// Misshapes one direction of a <see cref="TunnelRelay"/> on purpose: the faulty test proxies' rate
/// cap (Slow) and byte budget (Drop). A shaped direction never splices: each read is sized and
/// waited on here, which a kernel pipe cannot do. Healthy tunnels pass no shaper and pay one null
/// check per read.
/// </summary>
public interface IRelayShaper
{
    /// <summary>The most the next read may take (at least 1): a rate's chunk, or what a budget has left.</summary>
    int NextReadSize(int bufferSize);

    /// <summary>Waits until <paramref name="read"/> bytes may go on; returns how many may (fewer once a budget runs out).</summary>
    ValueTask<int> PassAsync(int read);

    /// <summary>True once the direction must be cut (a reset, both sides).</summary>
    bool IsSpent { get; }
}
