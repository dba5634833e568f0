using System.Net;
using System.Net.Sockets;
using NetDrift.Engine.Tunnel;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Server;

/// <summary>One accepted client, as the proxy tracks it for draining and idle sweeping.</summary>
internal sealed class ClientConnection
{
    private TunnelActivity? _tunnel;

    public ClientConnection(long id, Socket socket)
    {
        Id = id;
        Socket = socket;
        RemoteAddress = (socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
    }

    public long Id { get; }

    public Socket Socket { get; }

    public IPAddress RemoteAddress { get; }

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
