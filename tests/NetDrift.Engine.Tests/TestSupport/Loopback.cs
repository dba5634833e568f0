using System.Net;
using System.Net.Sockets;

namespace NetDrift.Engine.Tests.TestSupport;

/// <summary>Loopback socket helpers: connected pairs, free and closed ports. 127.0.0.1 only.</summary>
internal static class Loopback
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    /// <summary>A connected TCP pair: what one side sends, the other receives.</summary>
    public static async Task<(Socket Client, Socket Server)> CreatePairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = new CancellationTokenSource(DefaultTimeout);
        var accept = listener.AcceptAsync(timeout.Token).AsTask();
        await client.ConnectAsync(listener.LocalEndPoint!, timeout.Token);
        var server = await accept;
        server.NoDelay = true;
        return (client, server);
    }

    /// <summary>A port nothing listens on (bound, then released): connecting is refused.</summary>
    public static int ClosedPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public static async Task<Socket> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = new CancellationTokenSource(DefaultTimeout);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads until EOF (or throws on timeout); a reset ends the read like EOF but is reported.</summary>
    public static async Task<(byte[] Data, bool Reset)> ReadToEndAsync(Socket socket, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        var data = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (read == 0)
                {
                    return (data.ToArray(), false);
                }
                data.Write(buffer, 0, read);
            }
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return (data.ToArray(), true);
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes, failing on EOF or timeout.</summary>
    public static async Task<byte[]> ReadExactlyAsync(Socket socket, int count, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        var buffer = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cts.Token);
            if (read == 0)
            {
                throw new EndOfStreamException($"EOF after {filled} of {count} bytes");
            }
            filled += read;
        }
        return buffer;
    }

    /// <summary>Sends everything, bounded by the default timeout.</summary>
    public static async Task SendAllAsync(Socket socket, ReadOnlyMemory<byte> data, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (!data.IsEmpty)
        {
            var sent = await socket.SendAsync(data, SocketFlags.None, cts.Token);
            data = data[sent..];
        }
    }

    public static Task SendTextAsync(Socket socket, string text, TimeSpan? timeout = null) =>
        SendAllAsync(socket, System.Text.Encoding.Latin1.GetBytes(text), timeout);

    /// <summary>Closes with RST instead of FIN.</summary>
    public static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Dispose();
    }

    /// <summary>Polls a condition until true or the timeout; returns the last value.</summary>
    public static Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan? timeout = null) =>
        WaitUntilAsync(() => Task.FromResult(condition()), timeout);

    /// <summary>
    /// Polls an awaited condition: a socket probe must be awaited, never waited on, since with
    /// inline socket completions (the service's setting) the caller may be on an epoll thread.
    /// </summary>
    public static async Task<bool> WaitUntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var deadline = Environment.TickCount64 + (long)(timeout ?? DefaultTimeout).TotalMilliseconds;
        while (!await condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                return await condition();
            }
            await Task.Delay(10);
        }
        return true;
    }
}
