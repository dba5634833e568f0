using System.Net;
using System.Net.Sockets;

namespace NetDrift.Benchmarks;

/// <summary>A connected TCP pair on 127.0.0.1, Nagle off on both ends as the proxy sets it.</summary>
internal static class LoopbackPair
{
    public static (Socket Client, Socket Server) Connect()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.Connect(listener.LocalEndPoint!);
        var server = listener.Accept();
        server.NoDelay = true;
        return (client, server);
    }
}
