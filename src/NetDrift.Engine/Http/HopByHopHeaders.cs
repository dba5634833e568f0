namespace NetDrift.Engine.Http;

/// <summary>
/// Headers that describe one connection rather than the message (RFC 9110 §7.6.1). A forwarder
/// drops them, and every header the <c>Connection</c> header names. Proxy-Authorization is among
/// them: it is for the proxy that received it, never for the next hop.
/// </summary>
public static class HopByHopHeaders
{
    private static readonly string[] Names =
        ["Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authorization", "Proxy-Authenticate", "TE", "Trailer", "Upgrade"];

    /// <summary>True when a forwarder must not pass the header <paramref name="name"/> of <paramref name="headers"/> on.</summary>
    public static bool IsHopByHop(string name, HttpHeaders headers)
    {
        foreach (var hop in Names)
        {
            if (string.Equals(hop, name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        // The body is relayed untouched, so its framing headers must survive even when a client
        // lists them in Connection: dropping them would let the next hop misread where it ends.
        if (string.Equals(name, "Content-Length", StringComparison.OrdinalIgnoreCase)
            || string.Equals(name, "Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        return headers.HasToken("Connection", name);
    }
}
