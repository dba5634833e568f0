using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace NetDrift.LoadGen;

/// <summary>Opens a tunnel: dial the proxy, send the CONNECT request, require a 200 (or, for SOCKS5, reply 0x00).</summary>
internal static class ProxyTunnel
{
    /// <returns>The tunnel, with the reader attached to it (holding any bytes that came early).</returns>
    /// <exception cref="LoadFailure">The proxy answered anything but 200 ("status 407").</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<Socket> OpenAsync(IPEndPoint proxy, byte[] connectRequest, ResponseReader reader, CancellationToken cancellation, bool socks5 = false)
    {
        var socket = await Sockets.ConnectAsync(proxy, cancellation);
        try
        {
            await Sockets.SendAllAsync(socket, connectRequest, cancellation);
            if (socks5)
            {
                await Socks5Tunnel.ReadAnswersAsync(socket, connectRequest, cancellation);
                reader.Attach(socket);
                return socket;
            }
            reader.Attach(socket);
            var head = await reader.ReadHeadAsync(cancellation);
            if (head.Status != 200)
            {
                throw LoadFailure.Status(head.Status);
            }
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
