namespace NetDrift.Engine.Net;

/// <summary>What <see cref="ProxyProtocolHeader.TryParse"/> made of the bytes at the start of a connection.</summary>
public enum ProxyHeaderStatus
{
    /// <summary>A whole v1 or v2 header: its length is known and the source (or none) decided.</summary>
    Complete,
    /// <summary>So far a valid start of a header: read more.</summary>
    Incomplete,
    /// <summary>Neither "PROXY " nor the v2 signature: no PROXY protocol at all.</summary>
    Absent,
    /// <summary>Starts like a header but breaks the format or the size cap.</summary>
    Malformed,
}
