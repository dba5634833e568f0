using System.Net;
using System.Net.Sockets;
using NetDrift.Engine.Tunnel;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Server;

/// <summary>One accepted client, as the proxy tracks it for draining and idle sweeping.</summary>
internal sealed class ClientConnection
{
    private TunnelActivity? _tunnel;
    private IPAddress _remoteAddress;

    public ClientConnection(long id, Socket socket)
    {
        Id = id;
        Socket = socket;
        Transport = socket;
        PeerAddress = Unmapped((socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None);
        _remoteAddress = PeerAddress;
        AcceptedAt = Environment.TickCount64;
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

    /// <summary>When it was accepted (Environment.TickCount64): the first head's header timeout runs from here.</summary>
    public long AcceptedAt { get; }

    /// <summary>Set while relaying: the tunnel the sweeper watches.</summary>
    public TunnelActivity? Tunnel => Volatile.Read(ref _tunnel);

    public Upstream? Upstream { get; private set; }

    public void AttachTunnel(TunnelActivity tunnel, Upstream upstream)
    {
        Upstream = upstream;
        Volatile.Write(ref _tunnel, tunnel);
    }

    /// <summary>Between keep-alive requests: no upstream, nothing for the idle sweeper to watch.</summary>
    public void DetachTunnel() => Volatile.Write(ref _tunnel, null);

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
