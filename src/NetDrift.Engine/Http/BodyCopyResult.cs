namespace NetDrift.Engine.Http;

/// <summary>How copying one message body ended.</summary>
public enum BodyCopyResult
{
    /// <summary>The whole body went through; the connection can carry another message.</summary>
    Completed,
    /// <summary>The source closed before the body's end (or, for close-delimited bodies, at its end).</summary>
    SourceClosed,
    /// <summary>The destination went away.</summary>
    DestinationClosed,
    /// <summary>Bad chunked framing: the message cannot be trusted, the connection must close.</summary>
    Malformed,
    /// <summary>The source sent no byte within the read deadline (<see cref="BodyDeadlines"/>): the sender stalled.</summary>
    TimedOut,
    /// <summary>The destination took no byte within the write deadline: the receiver stalled.</summary>
    DestinationTimedOut,
}
