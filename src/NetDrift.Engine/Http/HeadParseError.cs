namespace NetDrift.Engine.Http;

/// <summary>Why a head was refused; maps to the status NetDrift answers with.</summary>
public enum HeadParseError
{
    None,
    /// <summary>Not valid HTTP/1.x: 400.</summary>
    Malformed,
    /// <summary>Over max_header_bytes or the header-count limit: 431.</summary>
    TooLarge,
}
