using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace NetDrift.Engine.Tests.TestSupport;

/// <summary>
/// A listener on 127.0.0.1:0 that hands each accepted socket to a handler, counts connections and
/// closes everything it accepted when disposed.
/// </summary>
internal abstract class LoopbackServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Socket, Task> _connections = new();
    private readonly Task _acceptLoop;
    private int _accepted;
    private int _disposed;

    protected LoopbackServer()
    {
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(128);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    public int Accepted => Volatile.Read(ref _accepted);

    protected CancellationToken Stopping => _stopping.Token;

    protected abstract Task HandleAsync(Socket socket);

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            socket.NoDelay = true;
            Interlocked.Increment(ref _accepted);
            _connections[socket] = Task.Run(async () =>
            {
                try
                {
                    await HandleAsync(socket);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException or IOException)
                {
                }
                finally
                {
                    socket.Dispose();
                    _connections.TryRemove(socket, out _);
                }
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        _stopping.Cancel();
        _listener.Dispose();
        await _acceptLoop;
        foreach (var (socket, task) in _connections)
        {
            socket.Dispose();
            await task.WaitAsync(TimeSpan.FromSeconds(5));
        }
        _stopping.Dispose();
    }

    /// <summary>Copies one way until EOF, then half-closes the destination; a failure closes both.</summary>
    protected static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }
                var offset = 0;
                while (offset < read)
                {
                    offset += await to.SendAsync(buffer.AsMemory(offset, read - offset), SocketFlags.None);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            from.Dispose();
            to.Dispose();
        }
    }
}
