using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using NetDrift.Engine.Http;

namespace NetDrift.Engine.Tests.Faults;

/// <summary>
/// A tiny target on 127.0.0.1 for the faulty proxy to reach: it either echoes every byte back (a
/// tunnel target, half-close honoured) or answers each connection's one HTTP request with a fixed
/// body and closes (a plain-HTTP origin), keeping the request heads it saw.
/// </summary>
internal sealed class LoopbackOrigin : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Socket, Task> _served = new();
    private readonly string? _httpBody;
    private readonly Task _acceptLoop;

    private LoopbackOrigin(string? httpBody)
    {
        _httpBody = httpBody;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port { get; }

    /// <summary>Request heads received, as text, in arrival order (HTTP mode).</summary>
    public ConcurrentQueue<string> RequestHeads { get; } = new();

    public static LoopbackOrigin StartEcho() => new(httpBody: null);

    public static LoopbackOrigin StartHttp(string body) => new(body);

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        foreach (var socket in _served.Keys)
        {
            socket.Dispose();
        }
        await _acceptLoop;
        await Task.WhenAll(_served.Values);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _served[socket] = _httpBody is null ? EchoAsync(socket) : AnswerAsync(socket, _httpBody);
        }
    }

    private async Task EchoAsync(Socket socket)
    {
        var buffer = new byte[8192];
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    socket.Shutdown(SocketShutdown.Send);
                    return;
                }
                await socket.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The proxy cut the tunnel (Drop, Stop): that is what the tests provoke.
        }
    }

    private async Task AnswerAsync(Socket socket, string body)
    {
        try
        {
            using var input = new SocketInput(socket);
            var (status, length) = await input.ReadHeadAsync(16 * 1024, TimeSpan.FromSeconds(2), _stop.Token, expectSoon: true);
            if (status != HeadReadStatus.Complete)
            {
                return;
            }
            RequestHeads.Enqueue(Encoding.Latin1.GetString(input.Buffered[..length]));
            var answer = $"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
            await socket.SendAsync(Encoding.ASCII.GetBytes(answer), SocketFlags.None, _stop.Token);
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            socket.Dispose();
        }
    }
}
