using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace NetDrift.Engine.Faults;

/// <summary>
/// One listening period of a faulty proxy: a bound socket and its accept loop. Switching to
/// <see cref="FaultType.Refuse"/> closes it; switching back opens a new one on the same port.
/// </summary>
internal sealed class FaultyListener
{
    private const int Backlog = 512;

    private readonly Socket _socket;
    private readonly ILogger _logger;
    private readonly string _proxyName;
    private volatile bool _closed;

    private FaultyListener(Socket socket, ILogger logger, string proxyName)
    {
        _socket = socket;
        _logger = logger;
        _proxyName = proxyName;
        // Read back once: after Close the socket can no longer tell.
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public int Port { get; }

    /// <summary>The accept loop; it never faults.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>Binds and listens; connections queue until <see cref="Start"/>. Throws <see cref="SocketException"/> when the port is taken.</summary>
    public static FaultyListener Open(IPEndPoint endPoint, ILogger logger, string proxyName)
    {
        var socket = Bind(endPoint);
        try
        {
            socket.Listen(Backlog);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new FaultyListener(socket, logger, proxyName);
    }

    /// <summary>
    /// Starts the accept loop. Separate from <see cref="Open"/> because the owner learns its port
    /// from the listener, and must exist before the first connection is handed to it.
    /// </summary>
    public void Start(Action<Socket> onAccepted) => Completion = Task.Run(() => AcceptLoopAsync(onAccepted));

    /// <summary>A port that is free right now, for a proxy that starts out refusing.</summary>
    public static int ReservePort(IPEndPoint endPoint)
    {
        using var socket = Bind(endPoint);
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public void Close()
    {
        _closed = true;
        _socket.Dispose();
    }

    private static Socket Bind(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }
            socket.Bind(endPoint);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task AcceptLoopAsync(Action<Socket> onAccepted)
    {
        while (!_closed)
        {
            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (_closed && e is SocketException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // A client that reset while queued, or no file descriptors left: keep serving the
                // others, after a pause so a persistent error does not spin.
                FaultyProxyLog.AcceptFailed(_logger, _proxyName, e.SocketErrorCode);
                await Task.Delay(50).ConfigureAwait(false);
                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            onAccepted(accepted);
        }
    }
}
