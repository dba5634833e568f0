using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using NetDrift.Engine.Connections;
using NetDrift.Engine.Tunnel;

namespace NetDrift.Engine.Server;

/// <summary>
/// The client connections one proxy serves: the set the idle sweep and the stop drain walk, and
/// the per-client counts admission reads. Lock-free: a concurrent set, counts changed atomically.
/// </summary>
internal sealed class ConnectionTracker
{
    private readonly ConcurrentDictionary<long, ClientConnection> _connections = new();
    private readonly ConcurrentDictionary<IPAddress, int> _perClient = new();
    private long _nextId;

    public int Count => _connections.Count;

    public bool IsEmpty => _connections.IsEmpty;

    /// <summary>Tracks a freshly accepted client; <paramref name="fromSameClient"/> counts it.</summary>
    public ClientConnection Open(Socket socket, out int fromSameClient)
    {
        var connection = new ClientConnection(Interlocked.Increment(ref _nextId), socket);
        _connections[connection.Id] = connection;
        fromSameClient = _perClient.AddOrUpdate(connection.RemoteAddress, 1, (_, n) => n + 1);
        return connection;
    }

    public void Close(ClientConnection connection)
    {
        connection.Socket.Dispose();
        connection.Transport.Tls?.Dispose();
        _connections.TryRemove(connection.Id, out _);
        Uncount(connection.RemoteAddress);
    }

    /// <summary>
    /// Moves a connection to the client a PROXY protocol header named: the balancer's count drops,
    /// the client's grows; <paramref name="fromSameClient"/> is the client's count with it.
    /// </summary>
    public void Readdress(ClientConnection connection, IPEndPoint client, out int fromSameClient)
    {
        fromSameClient = _perClient.AddOrUpdate(client.Address, 1, (_, n) => n + 1);
        var previous = connection.RemoteAddress;
        connection.RemoteAddress = client.Address;
        connection.RemotePort = client.Port;
        Uncount(previous);
    }

    /// <summary>Every open connection as it is now, in id order; reads without a lock.</summary>
    public IReadOnlyList<ConnectionSnapshot> Snapshots()
    {
        var now = Environment.TickCount64;
        return _connections.Values.Select(c => c.Snapshot(now)).OrderBy(s => s.Id).ToList();
    }

    /// <summary>Cuts one connection with a reset on both sides; false when no connection with that id is open.</summary>
    public bool TryCut(long id)
    {
        if (!_connections.TryGetValue(id, out var connection))
        {
            return false;
        }
        connection.Cut();
        return true;
    }

    private void Uncount(IPAddress client)
    {
        if (_perClient.AddOrUpdate(client, 0, (_, n) => n - 1) <= 0)
        {
            _perClient.TryRemove(new KeyValuePair<IPAddress, int>(client, 0));
        }
    }

    /// <summary>Aborts tunnels idle for <paramref name="idle"/> (a reset): the client or target went quiet.</summary>
    public void SweepIdleTunnels(TimeSpan idle)
    {
        var now = Environment.TickCount64;
        foreach (var connection in _connections.Values)
        {
            if (connection.Tunnel is { } tunnel && tunnel.IsIdleFor(idle, now))
            {
                tunnel.Abort(RelayResult.IdleTimeout);
            }
        }
    }

    /// <summary>
    /// Waits up to <paramref name="drainTimeout"/> for the connections to end by themselves, then
    /// cuts the rest and gives their handlers a moment to unwind, so counters settle before the
    /// stop is reported. Returns how many were open at the start and how many were cut.
    /// </summary>
    public async Task<(int OpenAtStart, int Cut)> DrainAsync(TimeSpan drainTimeout, IProgress<int>? remaining, CancellationToken cancellationToken)
    {
        var openAtStart = _connections.Count;
        var deadline = Environment.TickCount64 + (long)drainTimeout.TotalMilliseconds;
        while (!_connections.IsEmpty && Environment.TickCount64 < deadline && !cancellationToken.IsCancellationRequested)
        {
            remaining?.Report(_connections.Count);
            await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
        }
        var cut = 0;
        foreach (var connection in _connections.Values)
        {
            connection.Abort(RelayResult.Aborted);
            cut++;
        }
        var settle = Environment.TickCount64 + (long)EngineDefaults.StopSettleTime.TotalMilliseconds;
        while (!_connections.IsEmpty && Environment.TickCount64 < settle)
        {
            await Task.Delay(10, CancellationToken.None).ConfigureAwait(false);
        }
        remaining?.Report(0);
        return (openAtStart, cut);
    }
}
