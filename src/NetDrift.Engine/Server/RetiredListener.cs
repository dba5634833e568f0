using System.Net;
using System.Net.Sockets;

namespace NetDrift.Engine.Server;

/// <summary>
/// Tells a client accepted on an address the proxy has since left (a reload rebound the listener)
/// from one of the current listener's: the old address is draining, so its /healthz answers 503.
/// </summary>
internal static class RetiredListener
{
    /// <summary>True when <paramref name="client"/> reached the proxy on an address other than <paramref name="bound"/>.</summary>
    public static bool Accepted(Socket client, IPEndPoint bound)
    {
        if (client.LocalEndPoint is not IPEndPoint local)
        {
            return false;
        }
        if (local.Port != bound.Port)
        {
            return true;
        }
        // A wildcard bind accepts on every address; a dual-mode socket shows IPv4 clients mapped.
        return !bound.Address.Equals(IPAddress.Any) && !bound.Address.Equals(IPAddress.IPv6Any)
            && !Plain(local.Address).Equals(Plain(bound.Address));
    }

    private static IPAddress Plain(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
