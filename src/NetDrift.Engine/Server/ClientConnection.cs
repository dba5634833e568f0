using System.Net;
using System.Net.Sockets;
using NetDrift.Engine.Connections;
using NetDrift.Engine.Http;
using NetDrift.Engine.Tunnel;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Server;

/// <summary>
/// One accepted client, as the proxy tracks it for draining, idle sweeping and the operator's list
/// of open connections (<see cref="Snapshot"/>). What describes the current request is written once
/// per request without a lock; bytes are counted with one Interlocked add per relayed read.
/// </summary>
internal sealed class ClientConnection
{
    private TunnelActivity? _tunnel;
    private IPAddress _remoteAddress;
    private long _bytesSent;
    private long _bytesReceived;
    private long _idleSince;

    public ClientConnection(long id, Socket socket)
    {
        Id = id;
        Socket = socket;
        Transport = socket;
        PeerAddress = Unmapped((socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None);
        _remoteAddress = PeerAddress;
        RemotePort = (socket.RemoteEndPoint as IPEndPoint)?.Port ?? 0;
        AcceptedAt = Environment.TickCount64;
        _idleSince = AcceptedAt;
        StartedAt = DateTimeOffset.UtcNow;
    }

    public long Id { get; }

    public Socket Socket { get; }

    /// <summary>How bytes move to the client: the socket, or TLS over it once a TLS listener's handshake is done.</summary>
    public Http.Transport Transport { get; internal set; }

    /// <summary>The socket's own peer: the client, or a trusted balancer in front of it.</summary>
    public IPAddress PeerAddress { get; }

    /// <summary>
    /// The client: the peer, or the address a trusted balancer's PROXY protocol header carried.
    /// Limits, sticky keys, auth throttling, logs and stats all use this one.
    /// </summary>
    public IPAddress RemoteAddress
    {
        get => Volatile.Read(ref _remoteAddress);
        internal set => Volatile.Write(ref _remoteAddress, Unmapped(value));
    }

    /// <summary>
    /// An IPv4 client of a dual-mode listener arrives as ::ffff:a.b.c.d; as a.b.c.d it is the same
    /// client (one per-client count, one sticky key, one throttle) whether it comes directly or
    /// through a balancer whose PROXY header carries plain IPv4.
    /// </summary>
    private static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>The client's port: the peer's, or the one a trusted balancer's PROXY protocol header carried.</summary>
    public int RemotePort { get; internal set; }

    /// <summary>What the client speaks to NetDrift; a listener or handler for TLS or SOCKS5 clients sets it.</summary>
    public ConnectionProtocol Protocol { get; set; } = ConnectionProtocol.Http;

    /// <summary>The logged-in user of the current request; null without authentication.</summary>
    public string? User { get; private set; }

    public ConnectionKind Kind { get; private set; }

    /// <summary>host:port of a tunnel, the URL of a plain request.</summary>
    public string? Target { get; private set; }

    public DateTimeOffset StartedAt { get; }

    /// <summary>When it was accepted (Environment.TickCount64): the first head's header timeout runs from here.</summary>
    public long AcceptedAt { get; }

    /// <summary>Set while relaying: the tunnel the sweeper watches.</summary>
    public TunnelActivity? Tunnel => Volatile.Read(ref _tunnel);

    public Upstream? Upstream { get; private set; }

    /// <summary>A request passed the checks and is about to be forwarded: it is what the connection now carries.</summary>
    public void BeginRequest(RequestHead request, string? user)
    {
        Upstream = null;
        Kind = request.IsConnect ? ConnectionKind.Tunnel : ConnectionKind.Request;
        Target = request.IsConnect ? request.Authority : request.Target;
        User = user;
    }

    /// <summary>A SOCKS5 CONNECT passed the checks: the connection carries a tunnel to <paramref name="authority"/> (host:port).</summary>
    public void BeginTunnel(string authority, string? user)
    {
        Upstream = null;
        Kind = ConnectionKind.Tunnel;
        Target = authority;
        User = user;
    }

    public void AttachTunnel(TunnelActivity tunnel, Upstream upstream)
    {
        Upstream = upstream;
        Volatile.Write(ref _tunnel, tunnel);
    }

    /// <summary>Between keep-alive requests: nothing for the idle sweeper to watch; idle since the exchange's last byte.</summary>
    public void DetachTunnel()
    {
        if (Tunnel is { } tunnel)
        {
            Volatile.Write(ref _idleSince, tunnel.LastActivityMilliseconds);
        }
        Volatile.Write(ref _tunnel, null);
    }

    /// <summary>Counts bytes relayed for this connection and for <paramref name="upstream"/> alike.</summary>
    public IByteCounter CountingFor(IByteCounter upstream) => new ConnectionByteCounter(this, upstream);

    internal void AddSent(long bytes) => Interlocked.Add(ref _bytesSent, bytes);

    internal void AddReceived(long bytes) => Interlocked.Add(ref _bytesReceived, bytes);

    public ConnectionSnapshot Snapshot(long nowMilliseconds)
    {
        var lastActivity = Tunnel?.LastActivityMilliseconds ?? Volatile.Read(ref _idleSince);
        var address = RemoteAddress;
        var client = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]:{RemotePort}" : $"{address}:{RemotePort}";
        return new ConnectionSnapshot(Id, client, User, Protocol, Kind, Target, Upstream?.Name, StartedAt,
            Interlocked.Read(ref _bytesSent), Interlocked.Read(ref _bytesReceived),
            TimeSpan.FromMilliseconds(Math.Max(0, nowMilliseconds - lastActivity)));
    }

    /// <summary>
    /// The operator's cut (Stop-NetDriftConnection): a TCP reset on both sides, as CONTRACT §10 says
    /// cuts are, whether a tunnel or a response is under way or the connection waits for a request.
    /// </summary>
    public void Cut()
    {
        if (Tunnel is { } tunnel)
        {
            tunnel.Abort(RelayResult.Aborted);
        }
        else
        {
            TunnelActivity.Reset(Socket);
        }
    }

    /// <summary>Ends the connection from outside, whatever stage it is in.</summary>
    public void Abort(RelayResult reason)
    {
        if (Tunnel is { } tunnel)
        {
            tunnel.Abort(reason);
        }
        else
        {
            Socket.Dispose();
        }
    }
}
