using System.Globalization;
using System.Net;

namespace NetDrift.Engine.Configuration;

/// <summary>Parses <c>host:port</c> listen addresses as the Go program took them (<c>:3130</c> = all interfaces).</summary>
public static class ListenAddress
{
    public static bool TryParse(string text, out IPEndPoint? endPoint, out string? error)
    {
        endPoint = null;
        error = null;
        var colon = text.LastIndexOf(':');
        if (colon < 0)
        {
            error = "must be host:port, such as 127.0.0.1:3130 (port 0 picks a free port)";
            return false;
        }
        var host = text[..colon].Trim('[', ']');
        var portText = text[(colon + 1)..];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            error = $"has an invalid port '{portText}' (0 to 65535; 0 picks a free port)";
            return false;
        }
        IPAddress address;
        if (host.Length == 0 || host == "*")
        {
            address = IPAddress.Any;
        }
        else if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            address = IPAddress.Loopback;
        }
        else if (!IPAddress.TryParse(host, out address!))
        {
            error = $"has host '{host}', which is not an IP address (use 127.0.0.1, 0.0.0.0, [::1], [::] or localhost)";
            return false;
        }
        endPoint = new IPEndPoint(address, port);
        return true;
    }

    /// <summary>host:port as users write it, IPv6 bracketed.</summary>
    public static string Format(IPEndPoint endPoint) =>
        endPoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"[{endPoint.Address}]:{endPoint.Port}"
            : $"{endPoint.Address}:{endPoint.Port}";

    /// <summary>The proxy URL clients use for a bound address; a wildcard bind is reached through loopback.</summary>
    public static string ClientUrl(IPEndPoint bound)
    {
        var address = bound.Address.Equals(IPAddress.Any) ? IPAddress.Loopback
            : bound.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : bound.Address;
        return "http://" + Format(new IPEndPoint(address, bound.Port));
    }
}
