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
    /// <summary>No byte for the idle timeout.</summary>
    TimedOut,
}
