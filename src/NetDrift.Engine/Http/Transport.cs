using System.Net.Sockets;

namespace NetDrift.Engine.Http;

/// <summary>
/// One side of a connection as bytes move on it: the socket, and over it a TLS stream when that
/// side speaks TLS (an <c>https://</c> upstream, a client of a TLS listener). Reads and writes go
/// through the stream when there is one; a stream's I/O failure surfaces as a
/// <see cref="SocketException"/>, so callers keep one catch for both kinds. Only a raw socket
/// (<see cref="IsRawSocket"/>) may be spliced: the kernel cannot see inside TLS.
/// </summary>
public readonly struct Transport
{
    public Transport(Socket socket, Stream? tls = null)
    {
        Socket = socket;
        Tls = tls;
    }

    public Socket Socket { get; }

    /// <summary>The TLS stream over <see cref="Socket"/>, or null for plain TCP.</summary>
    public Stream? Tls { get; }

    public bool IsRawSocket => Tls is null;

    public static implicit operator Transport(Socket socket) => new(socket);

    /// <summary>Receives into <paramref name="buffer"/> (empty: waits for data without a buffer); 0 is the peer's close.</summary>
    public ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Tls is null ? Socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken) : ReceiveTlsAsync(Tls, buffer, cancellationToken);

    /// <summary>Sends all of <paramref name="data"/>.</summary>
    public ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        Tls is null ? SendSocketAsync(Socket, data, cancellationToken) : SendTlsAsync(Tls, data, cancellationToken);

    private static async ValueTask<int> ReceiveTlsAsync(Stream tls, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await tls.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw AsSocketException(e);
        }
    }

    private static async ValueTask SendSocketAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        await socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);

    private static async ValueTask SendTlsAsync(Stream tls, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        try
        {
            await tls.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw AsSocketException(e);
        }
    }

    /// <summary>Ends this side's sending half: a TLS close_notify first, then the TCP FIN.</summary>
    public async ValueTask ShutdownSendAsync()
    {
        try
        {
            if (Tls is System.Net.Security.SslStream ssl)
            {
                await ssl.ShutdownAsync().ConfigureAwait(false);
            }
            Socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException or InvalidOperationException)
        {
            // Already gone: the other direction will notice.
        }
    }

    private static SocketException AsSocketException(IOException e) =>
        e.InnerException as SocketException ?? new SocketException((int)SocketError.ConnectionReset);
}
