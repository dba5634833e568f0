namespace NetDrift.Engine.Http;

/// <summary>
/// The one check every client request head passes before anything answers it: admin endpoints,
/// CONNECT and plain forwarding alike. It holds the rules the parser alone cannot see: the Host
/// rules of RFC 9112 §3.2, the framing fields' grammar of §6 and the target forms of §3.2. A
/// violation is a 400 and a close; nothing is dispatched on a head that fails here.
/// </summary>
public static class RequestHeadValidator
{
    /// <summary>Null when the head may be served, else a short reason for the log.</summary>
    public static string? Validate(RequestHead request)
    {
        return CheckTarget(request) ?? CheckHost(request) ?? CheckFraming(request);
    }

    /// <summary>
    /// For a head that outgrew the limit: true when its start is already not a request line (a
    /// method that is no token, or longer than the whole limit), which is a 400, not a 431.
    /// </summary>
    public static bool IsBadRequestLineStart(ReadOnlySpan<byte> partial)
    {
        var space = partial.IndexOf((byte)' ');
        var method = space < 0 ? partial : partial[..space];
        if (space < 0 && partial.IndexOf((byte)'\n') < 0)
        {
            return true;
        }
        foreach (var b in method)
        {
            if (!HeadParser.IsTokenChar(b))
            {
                return true;
            }
        }
        return method.Length == 0;
    }

    private static string? CheckTarget(RequestHead request)
    {
        // A fragment is the client's business (RFC 9110 §4.2.4); on the wire it is a malformed target.
        return request.Form is RequestTargetForm.Origin or RequestTargetForm.Absolute && request.Target.Contains('#')
            ? "fragment in the request target"
            : null;
    }

    /// <summary>
    /// RFC 9112 §3.2: exactly one Host on HTTP/1.1, never two, never an invalid value. CONNECT carries
    /// its authority in the target, so a CONNECT without Host is served (many tunnelling clients omit
    /// it); with one, the value must still be a valid authority. For absolute-form the target's
    /// authority wins (§3.2.2): NetDrift writes its own Host from it when forwarding.
    /// </summary>
    private static string? CheckHost(RequestHead request)
    {
        var count = request.Headers.CountOf("Host");
        if (count > 1)
        {
            return "more than one Host";
        }
        if (count == 0)
        {
            return request.Version == "HTTP/1.1" && !request.IsConnect ? "no Host" : null;
        }
        return IsValidHostValue(request.Headers.Get("Host")!) ? null : "invalid Host";
    }

    /// <summary>
    /// Content-Length a plain decimal (or a list of one repeated value), Transfer-Encoding exactly
    /// one <c>chunked</c> coding, never both, never on HTTP/1.0 (RFC 9112 §6.1: a 1.0 recipient
    /// cannot be trusted to frame it). Other codings in a request are refused: NetDrift would have
    /// to forward a body it cannot delimit.
    /// </summary>
    private static string? CheckFraming(RequestHead request)
    {
        var transferEncodings = request.Headers.CountOf("Transfer-Encoding");
        if (transferEncodings > 0)
        {
            if (request.Headers.CountOf("Content-Length") > 0)
            {
                return "Content-Length with Transfer-Encoding";
            }
            if (request.Version != "HTTP/1.1")
            {
                return "Transfer-Encoding in an HTTP/1.0 request";
            }
            if (transferEncodings > 1 || !string.Equals(request.Headers.Get("Transfer-Encoding"), "chunked", StringComparison.OrdinalIgnoreCase))
            {
                return "Transfer-Encoding other than chunked";
            }
        }
        return BodyFraming.ForRequest(request.Headers).IsValid ? null : "invalid Content-Length";
    }

    /// <summary>
    /// Host = uri-host [ ":" port ] (RFC 9110 §7.2): a reg-name, an IPv4 address or a bracketed IPv6
    /// literal; no userinfo, path, query, fragment or whitespace; an empty value never (every target
    /// NetDrift serves has an authority).
    /// </summary>
    internal static bool IsValidHostValue(string value)
    {
        if (value.Length == 0)
        {
            return false;
        }
        string host;
        var port = "";
        if (value[0] == '[')
        {
            var close = value.IndexOf(']');
            if (close < 0)
            {
                return false;
            }
            host = value[1..close];
            var rest = value[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    return false;
                }
                port = rest[1..];
                if (port.Length == 0)
                {
                    return false;
                }
            }
            return System.Net.IPAddress.TryParse(host, out var v6)
                && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                && IsPort(port);
        }
        var colon = value.IndexOf(':');
        if (colon >= 0)
        {
            host = value[..colon];
            port = value[(colon + 1)..];
            if (port.Length == 0)
            {
                return false;
            }
        }
        else
        {
            host = value;
        }
        return host.Length > 0 && IsRegNameOrIPv4(host) && IsPort(port);
    }

    private static bool IsPort(string port)
    {
        if (port.Length == 0)
        {
            return true;
        }
        return port.Length <= 5 && port.All(char.IsAsciiDigit) && int.Parse(port, System.Globalization.CultureInfo.InvariantCulture) <= 65535;
    }

    // reg-name = *( unreserved / pct-encoded / sub-delims ) (RFC 3986 §3.2.2); an IPv4 literal fits it too.
    private static bool IsRegNameOrIPv4(string host)
    {
        for (var i = 0; i < host.Length; i++)
        {
            var c = host[i];
            if (c == '%')
            {
                if (i + 2 >= host.Length || !char.IsAsciiHexDigit(host[i + 1]) || !char.IsAsciiHexDigit(host[i + 2]))
                {
                    return false;
                }
                i += 2;
                continue;
            }
            var ok = char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~'
                or '!' or '$' or '&' or '\'' or '(' or ')' or '*' or '+' or ',' or ';' or '=';
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }
}
