namespace NetDrift.Engine.Tunnel;

/// <summary>How a relay ended. A result, not an exception: ending is the normal life of a tunnel.</summary>
public enum RelayResult
{
    /// <summary>Both sides closed their sending half; every byte was delivered.</summary>
    Completed,
    /// <summary>The client reset or aborted the connection.</summary>
    ClientReset,
    /// <summary>The upstream reset or aborted the connection.</summary>
    UpstreamReset,
    /// <summary>No byte moved either way for the idle timeout.</summary>
    IdleTimeout,
    /// <summary>The proxy closed it: stop, drain timeout or removal.</summary>
    Aborted,
}
