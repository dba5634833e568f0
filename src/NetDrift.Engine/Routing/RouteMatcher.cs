using System.Globalization;

namespace NetDrift.Engine.Routing;

/// <summary>
/// One compiled <c>match</c> entry of a route: an exact host, <c>*.suffix</c> (the suffix and its
/// subdomains), a CIDR network for IP-literal targets, or <c>*</c>; each optionally with
/// <c>:port</c>. Hosts are kept lower-case without a trailing dot, so a match compares spans and
/// never allocates.
/// </summary>
internal sealed class RouteMatcher
{
    private enum Kind { Any, Exact, Suffix, Network }

    private readonly Kind _kind;
    private readonly string _host = "";
    private readonly UInt128 _network;
    private readonly int _prefix;

    private RouteMatcher(Kind kind, int port, string host = "", UInt128 network = default, int prefix = 0)
    {
        _kind = kind;
        Port = port;
        _host = host;
        _network = network;
        _prefix = prefix;
    }

    /// <summary>The port this entry needs; 0 for any.</summary>
    public int Port { get; }

    /// <summary>True when this entry needs the target's IP literal.</summary>
    public bool IsNetwork => _kind == Kind.Network;

    /// <param name="host">The target host, without a trailing dot (any case).</param>
    /// <param name="hasIp">Whether <paramref name="ip"/> holds the host as an IP literal.</param>
    public bool Matches(ReadOnlySpan<char> host, int port, bool hasIp, UInt128 ip)
    {
        if (Port != 0 && Port != port)
        {
            return false;
        }
        switch (_kind)
        {
            case Kind.Any:
                return true;
            case Kind.Exact:
                return host.Equals(_host, StringComparison.OrdinalIgnoreCase);
            case Kind.Suffix:
                return host.Equals(_host, StringComparison.OrdinalIgnoreCase)
                    || (host.Length > _host.Length && host[host.Length - _host.Length - 1] == '.'
                        && host.EndsWith(_host, StringComparison.OrdinalIgnoreCase));
            default:
                return hasIp && (_prefix == 0 || ip >> (128 - _prefix) == _network >> (128 - _prefix));
        }
    }

    /// <summary>Compiles one match entry; false with an error that says what is wrong.</summary>
    public static bool TryParse(string text, out RouteMatcher? matcher, out string? error)
    {
        matcher = null;
        error = null;
        var entry = text.Trim();
        if (entry.Length == 0)
        {
            error = "must not be empty";
            return false;
        }
        string hostPart;
        string? portPart = null;
        if (entry.StartsWith('['))
        {
            var close = entry.IndexOf(']');
            if (close < 0 || (close + 1 < entry.Length && entry[close + 1] != ':'))
            {
                error = $"'{text}' is not [IPv6] or [IPv6]:port";
                return false;
            }
            hostPart = entry[1..close];
            portPart = close + 1 < entry.Length ? entry[(close + 2)..] : null;
            if (!hostPart.Contains(':'))
            {
                error = $"'{text}': brackets are for IPv6 addresses and networks";
                return false;
            }
        }
        else if (entry.Contains('/'))
        {
            // A network: any port comes after the prefix length (10.0.0.0/8:443, 2001:db8::/32:443).
            var slash = entry.IndexOf('/');
            var colon = entry.IndexOf(':', slash);
            hostPart = colon < 0 ? entry : entry[..colon];
            portPart = colon < 0 ? null : entry[(colon + 1)..];
        }
        else if (entry.Count(c => c == ':') > 1)
        {
            hostPart = entry; // a bare IPv6 address
        }
        else
        {
            var colon = entry.IndexOf(':');
            hostPart = colon < 0 ? entry : entry[..colon];
            portPart = colon < 0 ? null : entry[(colon + 1)..];
        }
        var port = 0;
        if (portPart is not null && (!int.TryParse(portPart, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            error = $"'{text}': the port must be from 1 to 65535, not '{portPart}'";
            return false;
        }
        if (hostPart.Contains('/'))
        {
            return TryNetwork(text, hostPart, port, out matcher, out error);
        }
        if (hostPart.Contains(':'))
        {
            return TryNetwork(text, hostPart + "/128", port, out matcher, out error);
        }
        var host = hostPart.TrimEnd('.').ToLowerInvariant();
        if (host == "*")
        {
            matcher = new RouteMatcher(Kind.Any, port);
            return true;
        }
        var suffix = host.StartsWith("*.", StringComparison.Ordinal);
        var name = suffix ? host[2..] : host;
        if (name.Length == 0 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_')) || name.StartsWith('.') || name.Contains(".."))
        {
            error = $"'{text}' is not a host, *.suffix, CIDR network or * (each optionally with :port)";
            return false;
        }
        if (!suffix && IpLiteral.TryParse(name, out var ip, out _))
        {
            matcher = new RouteMatcher(Kind.Network, port, network: ip, prefix: 128);
            return true;
        }
        matcher = new RouteMatcher(suffix ? Kind.Suffix : Kind.Exact, port, name);
        return true;
    }

    private static bool TryNetwork(string text, string cidr, int port, out RouteMatcher? matcher, out string? error)
    {
        matcher = null;
        var slash = cidr.IndexOf('/');
        if (!IpLiteral.TryParse(cidr.AsSpan(0, slash), out var network, out var isV4)
            || !int.TryParse(cidr.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var length)
            || length > (isV4 ? 32 : 128))
        {
            error = $"'{text}' is not a CIDR network such as 10.0.0.0/8 or 2001:db8::/32";
            return false;
        }
        var prefix = isV4 ? 96 + length : length;
        // "10.0.0.1/8" is more likely a typo than meant (as for server.proxy_protocol.trusted).
        if (prefix < 128 && (network << prefix) != 0)
        {
            error = $"'{text}' has host bits set past the /{length} prefix";
            return false;
        }
        error = null;
        matcher = new RouteMatcher(Kind.Network, port, network: network, prefix: prefix);
        return true;
    }
}
