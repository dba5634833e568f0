using System.Net;
using System.Net.Sockets;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Http;
using NetDrift.Engine.Logging;
using NetDrift.Engine.Net;
using NetDrift.Engine.Stats;

namespace NetDrift.Engine.Server;

/// <summary>
/// The proxy's listening socket: binds, rebinds (the new address serves before the old one
/// closes), accepts with <see cref="AcceptBackOff"/> when descriptors run out, and admits each
/// client against max_connections and max_connections_per_client before its handler runs.
/// </summary>
internal sealed class ProxyListener
{
    private readonly ProxyContext _context;
    private readonly ConnectionTracker _connections;
    private readonly ClientConnectionHandler _handler;
    private readonly ClientProtocolSniffer _sniffer;
    // A seam for tests: makes accept throw the SocketException the kernel would.
    private readonly Func<Socket, CancellationToken, ValueTask<Socket>> _accept;
    private Socket _socket;
    private IPEndPoint _localEndPoint;
    private Task _acceptLoop = Task.CompletedTask;

    /// <summary>Binds <paramref name="endPoint"/>; throws <see cref="SocketException"/> when it is taken.</summary>
    public ProxyListener(IPEndPoint endPoint, ProxyContext context, ConnectionTracker connections, ClientConnectionHandler handler,
        Func<Socket, CancellationToken, ValueTask<Socket>>? accept)
    {
        _context = context;
        _connections = connections;
        _handler = handler;
        _sniffer = new ClientProtocolSniffer(context);
        _accept = accept ?? ((listener, token) => listener.AcceptAsync(token));
        _socket = Bind(endPoint);
        _localEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    /// <summary>The address actually bound (port 0 resolved).</summary>
    public IPEndPoint LocalEndPoint => Volatile.Read(ref _localEndPoint);

    /// <summary>Completes when the current accept loop has ended (the listener closed or the proxy stopping).</summary>
    public Task AcceptLoop => Volatile.Read(ref _acceptLoop);

    public void Start() => Volatile.Write(ref _acceptLoop, AcceptLoopAsync(_socket));

    /// <summary>
    /// Moves to <paramref name="listenAddress"/>: tunnels accepted on the old address are independent
    /// sockets and keep running. A bad or taken address changes nothing (<see cref="ConfigException"/>).
    /// </summary>
    public void Rebind(string listenAddress)
    {
        if (!ListenAddress.TryParse(listenAddress, out var endPoint, out var error))
        {
            throw new ConfigException(null, [new ConfigError("server.listen_address", null, error!)]);
        }
        Socket socket;
        try
        {
            socket = Bind(endPoint!);
        }
        catch (SocketException e)
        {
            throw new ConfigException(null, [new ConfigError("server.listen_address", null, $"cannot listen on {listenAddress}: {e.Message}")]);
        }
        var old = Interlocked.Exchange(ref _socket, socket);
        Volatile.Write(ref _localEndPoint, (IPEndPoint)socket.LocalEndPoint!);
        Volatile.Write(ref _acceptLoop, AcceptLoopAsync(socket));
        old.Dispose();
    }

    /// <summary>Stops accepting: new clients are refused by the kernel.</summary>
    public void Close() => Volatile.Read(ref _socket).Dispose();

    private static Socket Bind(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6 && endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }
            socket.Bind(endPoint);
            socket.Listen(EngineDefaults.ListenBacklog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        await Task.Yield();
        var stopping = _context.StoppingToken;
        var backOff = new AcceptBackOff();
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _accept(listener, stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (AcceptBackOff.IsResourceShortage(e.SocketErrorCode))
            {
                // Out of descriptors (EMFILE/ENFILE) or buffers: the client stays in the backlog and
                // the listener stays readable, so accepting again at once would spin a core.
                _context.Counters.Reject(RejectionCause.DescriptorsExhausted);
                if (backOff.Failed(out var delay))
                {
                    ProxyLog.AcceptBackingOff(_context.Logger, _context.Name, e.SocketErrorCode);
                }
                try
                {
                    await Task.Delay(delay, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            catch (SocketException)
            {
                // A client that vanished between SYN and accept: keep accepting.
                continue;
            }
            if (backOff.Succeeded() is { } failures)
            {
                ProxyLog.AcceptResumed(_context.Logger, _context.Name, failures);
            }
            client.NoDelay = true;
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        var connection = _connections.Open(client, out var fromSameClient);
        var active = _context.Counters.Opened();
        using var input = new SocketInput(client);
        try
        {
            var config = _context.Settings.Config;
            var limits = config.Limits;
            if (active > limits.MaxConnections)
            {
                _context.Counters.Reject(RejectionCause.MaxConnections);
                AccessEntries.Refused(_context, connection, 503, nameof(RejectionCause.MaxConnections));
                ProxyLog.TooManyConnections(_context.Logger, limits.MaxConnections);
                await SocketAnswer.AnswerAndCloseAsync(connection.Transport, StatusResponses.TooManyConnections).ConfigureAwait(false);
                return;
            }
            // A balancer's connections are counted against the client its header names, not itself.
            if (config.Server.ProxyProtocol.Trusts(connection.PeerAddress))
            {
                if (await ReadProxyHeaderAsync(connection, input, limits.HeaderTimeout).ConfigureAwait(false) is not { } count)
                {
                    return;
                }
                fromSameClient = count;
            }
            if (limits.MaxConnectionsPerClient > 0 && fromSameClient > limits.MaxConnectionsPerClient)
            {
                _context.Counters.Reject(RejectionCause.PerClientLimit);
                AccessEntries.Refused(_context, connection, 503, nameof(RejectionCause.PerClientLimit));
                await SocketAnswer.AnswerAndCloseAsync(connection.Transport, StatusResponses.TooManyConnections).ConfigureAwait(false);
                return;
            }
            if (await _sniffer.PrepareAsync(connection, input).ConfigureAwait(false) is not { } protocol)
            {
                return;
            }
            await _handler.HandleAsync(connection, input, protocol).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client or the proxy went away: an ordinary end.
        }
        catch (Exception e)
        {
            ProxyLog.Unexpected(_context.Logger, e, connection.RemoteAddress.ToString());
        }
        finally
        {
            _connections.Close(connection);
            _context.Counters.Closed();
        }
    }

    /// <summary>
    /// Reads a trusted peer's PROXY protocol header within the header timeout and makes its client
    /// the connection's; the client's connection count, or null when the connection is to close.
    /// </summary>
    private async Task<int?> ReadProxyHeaderAsync(ClientConnection connection, SocketInput input, TimeSpan headerTimeout)
    {
        var (result, source) = await ProxyHeaderReader.ReadAsync(input, headerTimeout, _context.StoppingToken).ConfigureAwait(false);
        switch (result)
        {
            case ProxyHeaderReadResult.Read:
                // v1 UNKNOWN, v2 LOCAL or AF_UNSPEC: the balancer speaks for itself (a health check).
                _connections.Readdress(connection, source ?? new IPEndPoint(connection.PeerAddress, connection.RemotePort), out var fromSameClient);
                return fromSameClient;
            case ProxyHeaderReadResult.Absent or ProxyHeaderReadResult.Malformed or ProxyHeaderReadResult.Truncated:
                _context.Counters.Reject(RejectionCause.ProxyProtocol);
                ProxyLog.ProxyHeaderRefused(_context.Logger, connection.PeerAddress.ToString(), result == ProxyHeaderReadResult.Absent
                    ? "a trusted peer sent no PROXY protocol header" : $"PROXY protocol header {result.ToString().ToLowerInvariant()}");
                return null;
            case ProxyHeaderReadResult.TimedOut:
                _context.Counters.Reject(RejectionCause.HeaderTimeout);
                return null;
            default:
                return null;
        }
    }
}
