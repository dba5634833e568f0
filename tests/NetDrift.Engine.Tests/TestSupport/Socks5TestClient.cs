using System.Net.Sockets;
using NetDrift.Engine.Net;

namespace NetDrift.Engine.Tests.TestSupport;

/// <summary>What a SOCKS5 client heard: the method chosen, the login's status, the reply; the socket stays open for the tunnel.</summary>
internal sealed class Socks5Answer(Socket socket, byte method, bool? loginAccepted, byte? reply) : IDisposable
{
    public Socket Socket { get; } = socket;
    public byte Method { get; } = method;
    public bool? LoginAccepted { get; } = loginAccepted;
    /// <summary>The reply code; null when the exchange ended before a reply.</summary>
    public byte? Reply { get; } = reply;

    public void Dispose() => Socket.Dispose();
}

/// <summary>A hand-driven SOCKS5 client with fixed bytes on the wire, for NetDrift's SOCKS5 side.</summary>
internal static class Socks5TestClient
{
    public static byte[] Connect(string host, int port) => Socks5Wire.ConnectRequest(host, port)!;

    /// <summary>Greeting offering <paramref name="methods"/>, a login when given one, then <paramref name="request"/>.</summary>
    public static async Task<Socks5Answer> RunAsync(int proxyPort, byte[] request, (string User, string Password)? login = null, byte[]? methods = null)
    {
        var socket = await Loopback.ConnectAsync(proxyPort);
        methods ??= login is null ? [Socks5Wire.MethodNoAuth] : [Socks5Wire.MethodUserPass];
        byte[] greeting = [0x05, (byte)methods.Length, .. methods];
        await Loopback.SendAllAsync(socket, greeting);
        var selection = await ReadOrEmptyAsync(socket, 2);
        if (selection.Length < 2 || selection[1] == Socks5Wire.MethodNoneAcceptable)
        {
            return new Socks5Answer(socket, selection.Length < 2 ? (byte)0xEE : selection[1], null, null);
        }
        bool? accepted = null;
        if (selection[1] == Socks5Wire.MethodUserPass)
        {
            await Loopback.SendAllAsync(socket, Socks5Wire.UserPassRequest(login?.User ?? "", login?.Password ?? "") ?? [0x01, 0, 0]);
            var status = await ReadOrEmptyAsync(socket, 2);
            accepted = status.Length == 2 && status[1] == 0;
            if (accepted != true)
            {
                return new Socks5Answer(socket, selection[1], accepted, null);
            }
        }
        await Loopback.SendAllAsync(socket, request);
        return new Socks5Answer(socket, selection[1], accepted, await ReadReplyAsync(socket));
    }

    /// <summary>Reads one reply (any bound address type); null when the proxy closed first.</summary>
    public static async Task<byte?> ReadReplyAsync(Socket socket)
    {
        var head = await ReadOrEmptyAsync(socket, 5);
        if (head.Length < 5)
        {
            return null;
        }
        var rest = head[3] switch { 0x01 => 3 + 2, 0x04 => 15 + 2, _ => head[4] + 2 };
        await Loopback.ReadExactlyAsync(socket, rest);
        return head[1];
    }

    private static async Task<byte[]> ReadOrEmptyAsync(Socket socket, int count)
    {
        try
        {
            return await Loopback.ReadExactlyAsync(socket, count);
        }
        catch (Exception e) when (e is SocketException or EndOfStreamException or IOException or InvalidOperationException)
        {
            return [];
        }
    }
}
