namespace NetDrift.Engine.Http;

/// <summary>How reading a body that nobody forwards (see <see cref="BodyDrain"/>) ended.</summary>
public enum BodyDrainResult
{
    /// <summary>The whole body was read and well-formed.</summary>
    Completed,
    /// <summary>The chunked framing breaks the grammar of RFC 9112 §7.1: a 400.</summary>
    Malformed,
    /// <summary>The body is larger than the bound: it was not read to its end.</summary>
    TooLarge,
    /// <summary>The sender closed (or reset) before the body's end.</summary>
    SourceClosed,
    /// <summary>The body was not complete within the timeout.</summary>
    TimedOut,
}
