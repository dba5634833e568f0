using System.Net.Sockets;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Http;

namespace NetDrift.Engine.Upstreams;

/// <summary>
/// The TCP connection under every upstream kind: the one place upstream sockets are made (through
/// <see cref="SocketFactory"/>, the seam tests use to run out of descriptors) and connected.
/// </summary>
internal sealed class UpstreamTcpDialer
{
    /// <summary>Makes the socket for an upstream; replaced by tests to make creation fail (EMFILE).</summary>
    public Func<UpstreamAddress, Socket> SocketFactory { get; set; } = static address => address.NewSocket();

    public async Task<UpstreamDial> DialAsync(UpstreamConfig upstream, UpstreamDeadline deadline, CancellationToken stopping)
    {
        Socket socket;
        try
        {
            socket = SocketFactory(upstream.Url);
        }
        catch (SocketException e)
        {
            return UpstreamDial.Local($"could not make a socket: {e.SocketErrorCode}");
        }
        try
        {
            using (var due = deadline.Link(stopping))
            {
                await socket.ConnectAsync(upstream.Url.EndPoint, due.Token).ConfigureAwait(false);
            }
            return UpstreamDial.Connected(new UpstreamConnection(socket, new SocketInput(socket), UpstreamConnectors.PoolKey(upstream)));
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            socket.Dispose();
            var message = UpstreamFailures.NoConnection(deadline.Timeout);
            return new UpstreamDial(null, Stats.FailureCause.Timeout, message, message);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            return new UpstreamDial(null, UpstreamFailures.OfConnect(e.SocketErrorCode), $"connect failed: {e.SocketErrorCode}", e.SocketErrorCode.ToString());
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
