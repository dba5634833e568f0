using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace NetDrift.LoadGen;

/// <summary>Small socket chores every mode shares (pooled async builders: they run once or more per request).</summary>
internal static class Sockets
{
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<Socket> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellation)
    {
        // NoDelay: requests and answers are small and each waits for the other; Nagle would stall them.
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellation);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public static async ValueTask SendAllAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationToken cancellation = default)
    {
        while (!data.IsEmpty)
        {
            var sent = await socket.SendAsync(data, SocketFlags.None, cancellation);
            data = data[sent..];
        }
    }
}
