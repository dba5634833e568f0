using System.Net.Sockets;
using NetDrift.Engine.Http;
using NetDrift.Engine.Logging;
using NetDrift.Engine.Tunnel;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Server;

/// <summary>
/// CONNECT: tries upstreams (the first pick plus up to <c>retries</c> others) until one answers 2xx,
/// then answers the client 200 and relays. The client hears an error only when every attempt
/// failed: 504 when the last one timed out, else 502; 503 when there was nothing to try.
/// </summary>
internal sealed class ConnectForwarder
{
    private readonly ProxyContext _proxy;

    public ConnectForwarder(ProxyContext proxy) => _proxy = proxy;

    public Task ForwardAsync(ClientConnection connection, RequestHead request, byte[] clientLeftover, ClientIdentity client) =>
        ForwardAsync(connection, request.Authority, clientLeftover, client, HttpTunnelAnswer.Instance);

    /// <summary>A tunnel to <paramref name="authority"/>, its outcome told to the client through <paramref name="answer"/> (HTTP or SOCKS5).</summary>
    public async Task ForwardAsync(ClientConnection connection, string authority, byte[] clientLeftover, ClientIdentity client, ITunnelClientAnswer answer)
    {
        var attempts = new AttemptLoop(_proxy, client, authority, AccessEntries.BeginTunnel(_proxy, connection, client, authority,
            AccessEntries.ProtocolOf(connection)));
        // The attempts run in their own frame, so an open tunnel keeps none of their state (the
        // upstream's answer head, its input buffer object, the result): an idle tunnel holds less.
        if (await OpenAsync(connection, authority, attempts, answer).ConfigureAwait(false) is not var (upstream, upstreamConnection))
        {
            return;
        }
        var config = _proxy.Settings.Config;
        await RelayAsync(connection, authority, upstream, upstreamConnection, clientLeftover, config.ExposeUpstream, answer, attempts.Counter(upstream), client.User).ConfigureAwait(false);
        attempts.Served(upstream);
    }

    /// <summary>Tries upstreams until one opens the tunnel; null when none did (the client has had its answer, or the proxy is stopping).</summary>
    private async Task<(Upstream Upstream, UpstreamConnection Connection)?> OpenAsync(ClientConnection connection, string authority, AttemptLoop attempts, ITunnelClientAnswer answer)
    {
        var config = _proxy.Settings.Config;
        while (attempts.Next() is { } upstream)
        {
            AttemptResult result;
            try
            {
                result = await _proxy.Connectors.For(upstream.Config).OpenTunnelAsync(upstream.Config, authority,
                    UpstreamDeadline.StartingNow(config.UpstreamTimeout), config.Limits.MaxHeaderBytes, _proxy.StoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                attempts.Abandon(upstream);
                return null; // The proxy is stopping: not the upstream's fault.
            }
            using (result)
            {
                if (result.IsLocalFailure)
                {
                    // NetDrift could not even make a socket (out of descriptors): nobody upstream is to blame.
                    attempts.Abandon(upstream, "NetDrift could not make a socket", 503, nameof(Stats.RejectionCause.DescriptorsExhausted));
                    _proxy.TryFinishDraining(upstream);
                    await answer.RefuseAsync(connection.Transport, StatusResponses.ServiceUnavailable, 503, null).ConfigureAwait(false);
                    return null;
                }
                if (result.Succeeded && result.Response!.IsSuccess)
                {
                    attempts.Succeeded(upstream, result.Latency);
                    ProxyLog.TunnelOpened(_proxy.Logger, attempts.ClientKey, authority, upstream.Name, result.Latency.TotalMilliseconds);
                    attempts.Access?.Answered(200, null);
                    return (upstream, result.TakeConnection());
                }
                attempts.Failed(upstream, result);
            }
        }
        var final = attempts.FinalAnswer(connection);
        await answer.RefuseAsync(connection.Transport, final, attempts.FinalStatus, attempts.FinalSocks5TargetCode).ConfigureAwait(false);
        return null;
    }

    private async Task RelayAsync(ClientConnection connection, string authority, Upstream upstream, UpstreamConnection upstreamConnection, byte[] clientLeftover, bool exposeUpstream,
        ITunnelClientAnswer answer, IByteCounter upstreamCounter, Users.UserState? user)
    {
        var client = connection.Transport;
        using var owned = upstreamConnection;
        var upstreamSide = upstreamConnection.Transport;
        var counter = connection.CountingFor(upstreamCounter);
        try
        {
            await answer.EstablishedAsync(client, exposeUpstream ? upstream.Name : null).ConfigureAwait(false);
            // Bytes the upstream sent right after its 200, and bytes the client sent right after
            // its CONNECT (an eager TLS ClientHello), belong to the tunnel.
            var upstreamEarly = upstreamConnection.Input.BufferedMemory;
            if (!upstreamEarly.IsEmpty)
            {
                await client.SendAsync(upstreamEarly).ConfigureAwait(false);
                counter.AddReceived(upstreamEarly.Length);
                // The relay counts the user's bytes from here on; these came before it.
                user?.AddReceived(upstreamEarly.Length);
            }
            // The relay reads the transport itself: the input's buffer goes back to the pool now.
            upstreamConnection.Input.Dispose();
            if (clientLeftover.Length > 0)
            {
                await upstreamSide.SendAsync(clientLeftover.AsMemory()).ConfigureAwait(false);
                counter.AddSent(clientLeftover.Length);
                user?.AddSent(clientLeftover.Length);
            }
            var activity = new TunnelActivity(client.Socket, upstreamSide.Socket);
            connection.AttachTunnel(activity, upstream);
            var outcome = await Users.UserTraffic.RelayAsync(client, upstreamSide, activity, counter, user, _proxy.Counters, _proxy.StoppingToken).ConfigureAwait(false);
            ProxyLog.TunnelClosed(_proxy.Logger, connection.RemoteAddress.ToString(), authority, upstream.Name, outcome);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // One side vanished before the relay started; the tunnel still counted as a success.
        }
        finally
        {
            upstream.Counters.ConnectionClosed();
            _proxy.TryFinishDraining(upstream);
        }
    }
}
