using System.Net;
using System.Net.Sockets;
using NetDrift.Engine.Server;

namespace NetDrift.Engine.Tests.Server;

/// <summary>One client, one address: an IPv4 client of a dual-mode listener is its IPv4 address, as a PROXY header would carry it.</summary>
public sealed class ClientConnectionTests
{
    [Fact(Timeout = 10_000)]
    public async Task IPv4ClientOfADualModeListener_IsItsPlainIPv4Address()
    {
        using var listener = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true };
        listener.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndPoint!).Port));
        using var accepted = await listener.AcceptAsync();
        Assert.True(((IPEndPoint)accepted.RemoteEndPoint!).Address.IsIPv4MappedToIPv6);

        var connection = new ClientConnection(1, accepted);

        Assert.Equal(IPAddress.Loopback, connection.RemoteAddress);
        Assert.Equal(IPAddress.Loopback, connection.PeerAddress);
        connection.RemoteAddress = IPAddress.Parse("::ffff:10.0.0.7");
        Assert.Equal(IPAddress.Parse("10.0.0.7"), connection.RemoteAddress);
    }
}
