using System.Globalization;
using System.Net;
using System.Net.Sockets;
using NetDrift.Engine.Http;

namespace NetDrift.Engine.Configuration;

/// <summary>
/// An upstream proxy URL, split into what NetDrift needs: where to dial and how to log in.
/// <c>http://user:p%40ss@host:port</c> carries percent-encoded credentials, decoded here. The
/// password never leaves this type except inside the precomputed Proxy-Authorization value.
/// </summary>
public sealed class UpstreamAddress
{
    private UpstreamAddress(string host, int port, BasicCredentials? credentials, string scheme)
    {
        Host = host;
        Port = port;
        Credentials = credentials;
        Scheme = scheme;
        ProxyAuthorization = credentials?.ToHeaderValue();
        var userPart = credentials is { } c ? Uri.EscapeDataString(c.UserName) + ":***@" : "";
        Redacted = $"{scheme}://{userPart}{Authority}";
        // An IP literal is dialed as it is: a DnsEndPoint would go through name resolution and
        // the multi-address connect path on every single dial.
        EndPoint = IPAddress.TryParse(host, out var ip) ? new IPEndPoint(ip, port) : new DnsEndPoint(host, port);
    }

    /// <summary>Where to dial: an <see cref="IPEndPoint"/> for an address, else a name to resolve.</summary>
    internal EndPoint EndPoint { get; }

    /// <summary>A TCP socket for <see cref="EndPoint"/>: of its family for an address, dual-mode for a name.</summary>
    internal Socket NewSocket()
    {
        var socket = EndPoint is IPEndPoint ip
            ? new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        socket.NoDelay = true;
        return socket;
    }

    public string Host { get; }

    public int Port { get; }

    public string Scheme { get; }

    // Internal, like ProxyAuthorization: PowerShell shows every public property of an object it
    // reaches (Get-NetDriftProxy | ConvertTo-Json goes through ProxyInfo.Engine down to here).
    internal BasicCredentials? Credentials { get; }

    /// <summary>The <c>Proxy-Authorization</c> header value for this upstream, or null.</summary>
    internal string? ProxyAuthorization { get; }

    /// <summary>host:port, IPv6 bracketed: the default upstream name.</summary>
    public string Authority => Host.Contains(':') ? $"[{Host}]:{Port.ToString(CultureInfo.InvariantCulture)}" : $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The URL with the password as <c>***</c>: safe for stats, logs and cmdlets.</summary>
    public string Redacted { get; }

    public override string ToString() => Redacted;

    /// <summary>
    /// Any text (a URL that did not parse, say) with the password of a <c>scheme://user:password@</c>
    /// in it replaced by <c>***</c>: for error records that name what the user typed.
    /// </summary>
    /// <remarks>
    /// The password runs from the first ':' after "://" to the last '@' of the text, whatever lies
    /// between: a typed password may hold '/', '?', '#', whitespace or another '@' that no URL
    /// grammar allows there, and hiding too much beats showing a secret.
    /// </remarks>
    public static string RedactText(string text)
    {
        var at = text.LastIndexOf('@');
        for (var start = text.IndexOf("://", StringComparison.Ordinal); start >= 0 && start + 3 < at;
            start = text.IndexOf("://", start + 3, StringComparison.Ordinal))
        {
            var colon = text.IndexOf(':', start + 3, at - start - 3);
            if (colon >= 0)
            {
                return string.Concat(text.AsSpan(0, colon + 1), "***", text.AsSpan(at));
            }
        }
        return text;
    }

    /// <summary>Parses an upstream URL; on failure <paramref name="error"/> says why (without echoing a password).</summary>
    public static bool TryParse(string text, out UpstreamAddress? address, out string? error)
    {
        address = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "must be a URL such as http://host:port";
            return false;
        }
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        var scheme = schemeEnd > 0 ? text[..schemeEnd].ToLowerInvariant() : "";
        if (scheme is not ("http" or "https" or "socks5" or "socks5h"))
        {
            error = "must start with http://, https://, socks5:// or socks5h:// (a proxy URL such as http://user:pass@host:port)";
            return false;
        }
        var rest = text[(schemeEnd + 3)..];
        var pathStart = rest.IndexOfAny(['/', '?', '#']);
        if (pathStart >= 0)
        {
            if (rest[pathStart..].Trim('/').Length > 0)
            {
                error = "must not have a path, query or fragment: an upstream proxy is host:port";
                return false;
            }
            rest = rest[..pathStart];
        }
        BasicCredentials? credentials = null;
        // The last '@' splits userinfo from host: passwords may contain a literal '@' (the Go program allowed it).
        var at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = rest[..at];
            rest = rest[(at + 1)..];
            var colon = userInfo.IndexOf(':');
            var user = colon >= 0 ? userInfo[..colon] : userInfo;
            var password = colon >= 0 ? userInfo[(colon + 1)..] : "";
            try
            {
                credentials = new BasicCredentials(Uri.UnescapeDataString(user), Uri.UnescapeDataString(password));
            }
            catch (UriFormatException)
            {
                error = "has badly percent-encoded credentials";
                return false;
            }
            if (credentials.Value.UserName.Length == 0)
            {
                error = "has credentials without a user name";
                return false;
            }
        }
        string host;
        int port;
        if (!rest.Contains(':') || (rest.StartsWith('[') && rest.EndsWith(']')))
        {
            host = rest.Trim('[', ']');
            port = scheme.StartsWith("socks5", StringComparison.Ordinal) ? 1080 : scheme == "https" ? 443 : 80;
        }
        else if (!HeadParser.TryParseAuthority(rest, out host, out port))
        {
            error = $"has an invalid host or port '{(rest.Length > 80 ? rest[..80] : rest)}' (expected host:port with a port from 1 to 65535)";
            return false;
        }
        if (host.Length == 0 || Uri.CheckHostName(host) == UriHostNameType.Unknown)
        {
            error = $"has an invalid host '{host}'";
            return false;
        }
        address = new UpstreamAddress(host, port, credentials, scheme);
        return true;
    }
}
