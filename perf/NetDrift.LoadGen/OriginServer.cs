using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace NetDrift.LoadGen;

/// <summary>
/// The benchmark's origin: a minimal HTTP/1.1 server on raw sockets at 127.0.0.1. A connection
/// waiting for its next request holds no buffer (a zero-byte read waits for data first), so the
/// ten thousand idle tunnels of the memory test that end here cost only their sockets.
/// </summary>
internal sealed class OriginServer : IDisposable
{
    private const int HeadBufferSize = 8 * 1024;
    // Several accepts in flight: the tunnel test opens a fresh origin connection per operation.
    private const int AcceptLoops = 2;

    private readonly Socket _listener;

    private OriginServer(Socket listener) => _listener = listener;

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    /// <summary>Binds 127.0.0.1:port (0 = a free one) and starts accepting.</summary>
    public static OriginServer Start(int port)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
            listener.Listen(4096);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        var server = new OriginServer(listener);
        for (var i = 0; i < AcceptLoops; i++)
        {
            _ = server.AcceptLoopAsync();
        }
        return server;
    }

    public void Dispose() => _listener.Dispose();

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync();
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.OperationAborted)
            {
                return;
            }
            catch (SocketException e)
            {
                // Out of descriptors, most likely: say so on stderr (stdout is the runner's) and keep serving.
                await Console.Error.WriteLineAsync($"origin: accept failed: {e.SocketErrorCode}");
                await Task.Delay(10);
                continue;
            }
            client.NoDelay = true;
            _ = ServeAsync(client);
        }
    }

    /// <summary>Answers requests until the client leaves, asks to close, or sends garbage; never throws.</summary>
    private static async Task ServeAsync(Socket socket)
    {
        byte[]? buffer = null;
        int start = 0, end = 0;
        try
        {
            while (true)
            {
                if (start == end)
                {
                    // Nothing buffered: give the buffer back and wait for bytes without one.
                    if (buffer is not null)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = null;
                    }
                    (start, end) = (0, 0);
                    await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);
                    buffer = ArrayPool<byte>.Shared.Rent(HeadBufferSize);
                }
                int headLength;
                while ((headLength = HttpText.HeadLength(buffer.AsSpan(start, end - start))) < 0)
                {
                    if (start > 0)
                    {
                        buffer.AsSpan(start, end - start).CopyTo(buffer);
                        (start, end) = (0, end - start);
                    }
                    if (end == buffer!.Length)
                    {
                        // A head this large is no request of ours.
                        await Sockets.SendAllAsync(socket, OriginResponses.BadRequest);
                        return;
                    }
                    var read = await socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None);
                    if (read == 0)
                    {
                        return;
                    }
                    end += read;
                }
                var request = OriginRequest.Parse(buffer.AsSpan(start, headLength));
                start += headLength;
                await AnswerAsync(socket, request);
                if (!request.KeepAlive)
                {
                    socket.Shutdown(SocketShutdown.Send);
                    return;
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The client went away: nothing to tell anyone.
        }
        finally
        {
            socket.Dispose();
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static async ValueTask AnswerAsync(Socket socket, OriginRequest request)
    {
        if (request.Route != OriginRoute.Bytes)
        {
            await Sockets.SendAllAsync(socket, OriginResponses.For(request));
            return;
        }
        await Sockets.SendAllAsync(socket, OriginResponses.BytesHead(request));
        var pattern = OriginResponses.Pattern;
        for (var remaining = request.ByteCount; remaining > 0;)
        {
            var chunk = (int)Math.Min(remaining, pattern.Length);
            await Sockets.SendAllAsync(socket, pattern.AsMemory(0, chunk));
            remaining -= chunk;
        }
    }
}
