namespace NetDrift.Engine.Http;

/// <summary>How reading one element of a chunked body (size line, data end, trailers) ended.</summary>
public enum ChunkReadResult
{
    /// <summary>The element was well-formed and consumed.</summary>
    Ok,
    /// <summary>The bytes break the grammar (or a bound): the message cannot be trusted.</summary>
    Malformed,
    /// <summary>The sender closed before the element was complete.</summary>
    SourceClosed,
}
