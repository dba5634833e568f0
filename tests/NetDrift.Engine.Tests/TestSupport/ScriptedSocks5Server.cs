using System.Collections.Concurrent;
using System.Net.Sockets;

namespace NetDrift.Engine.Tests.TestSupport;

/// <summary>
/// A SOCKS5 server written byte by byte, not with NetDrift's wire code: accepts no-auth, keeps each
/// CONNECT request's bytes, answers the fixed <see cref="Reply"/> (any bound address type), then
/// echoes what the tunnel carries.
/// </summary>
internal sealed class ScriptedSocks5Server(byte[] reply) : LoopbackServer
{
    public byte[] Reply { get; } = reply;

    public string Url => $"socks5://127.0.0.1:{Port}";

    /// <summary>Every CONNECT request received, whole, as sent.</summary>
    public ConcurrentQueue<byte[]> Requests { get; } = new();

    protected override async Task HandleAsync(Socket socket)
    {
        var greeting = await Loopback.ReadExactlyAsync(socket, 2);
        await Loopback.ReadExactlyAsync(socket, greeting[1]);
        await Loopback.SendAllAsync(socket, new byte[] { 0x05, 0x00 });
        var head = await Loopback.ReadExactlyAsync(socket, 5);
        var rest = head[3] switch { 0x01 => 3 + 2, 0x04 => 15 + 2, _ => head[4] + 2 };
        var tail = await Loopback.ReadExactlyAsync(socket, rest);
        Requests.Enqueue([.. head, .. tail]);
        await Loopback.SendAllAsync(socket, Reply);
        if (Reply[1] == 0)
        {
            await PumpAsync(socket, socket);
        }
    }
}
