namespace NetDrift.Engine.Http;

/// <summary>How reading a head from a socket ended.</summary>
public enum HeadReadStatus
{
    /// <summary>A whole head arrived (more bytes may follow it in the buffer).</summary>
    Complete,
    /// <summary>The peer closed before sending a single byte: nothing to answer.</summary>
    ClosedBeforeHead,
    /// <summary>The peer closed in the middle of a head.</summary>
    Truncated,
    /// <summary>No terminator within the byte limit.</summary>
    TooLarge,
    /// <summary>The deadline passed first.</summary>
    TimedOut,
    /// <summary>The connection was reset or aborted.</summary>
    Reset,
}
