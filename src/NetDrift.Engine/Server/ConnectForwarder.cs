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

    public async Task ForwardAsync(ClientConnection connection, RequestHead request, byte[] clientLeftover, ClientIdentity client)
    {
        var settings = _proxy.Settings;
        var config = settings.Config;
        var attempts = new AttemptLoop(_proxy, client, request.Authority);
        while (attempts.Next() is { } upstream)
        {
            AttemptResult result;
            try
            {
                result = await _proxy.Connectors.For(upstream.Config).OpenTunnelAsync(upstream.Config, request.Authority,
                    UpstreamDeadline.StartingNow(config.UpstreamTimeout), config.Limits.MaxHeaderBytes, _proxy.StoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                attempts.Abandon(upstream);
                return; // The proxy is stopping: not the upstream's fault.
            }
            using (result)
            {
                if (result.IsLocalFailure)
                {
                    // NetDrift could not even make a socket (out of descriptors): nobody upstream is to blame.
                    attempts.Abandon(upstream, "NetDrift could not make a socket");
                    _proxy.TryFinishDraining(upstream);
                    await SocketAnswer.AnswerAndCloseAsync(connection.Transport, StatusResponses.ServiceUnavailable).ConfigureAwait(false);
                    return;
                }
                if (result.Succeeded && result.Response!.IsSuccess)
                {
                    attempts.Succeeded(upstream, result.Latency);
                    ProxyLog.TunnelOpened(_proxy.Logger, client.Key, request.Authority, upstream.Name, result.Latency.TotalMilliseconds);
                    await RelayAsync(connection, request, upstream, result, clientLeftover, config.ExposeUpstream).ConfigureAwait(false);
                    return;
                }
                attempts.Failed(upstream, result);
            }
        }
        await SocketAnswer.AnswerAndCloseAsync(connection.Transport, attempts.FinalAnswer(connection)).ConfigureAwait(false);
    }

    private async Task RelayAsync(ClientConnection connection, RequestHead request, Upstream upstream, AttemptResult result, byte[] clientLeftover, bool exposeUpstream)
    {
        var client = connection.Transport;
        using var upstreamConnection = result.TakeConnection();
        var upstreamSide = upstreamConnection.Transport;
        try
        {
            await client.SendAsync(StatusResponses.ConnectionEstablished(exposeUpstream ? upstream.Name : null).AsMemory()).ConfigureAwait(false);
            // Bytes the upstream sent right after its 200, and bytes the client sent right after
            // its CONNECT (an eager TLS ClientHello), belong to the tunnel.
            var upstreamEarly = upstreamConnection.Input.BufferedMemory;
            if (!upstreamEarly.IsEmpty)
            {
                await client.SendAsync(upstreamEarly).ConfigureAwait(false);
                upstream.Counters.AddReceived(upstreamEarly.Length);
            }
            // The relay reads the transport itself: the input's buffer goes back to the pool now.
            upstreamConnection.Input.Dispose();
            if (clientLeftover.Length > 0)
            {
                await upstreamSide.SendAsync(clientLeftover.AsMemory()).ConfigureAwait(false);
                upstream.Counters.AddSent(clientLeftover.Length);
            }
            var activity = new TunnelActivity(client.Socket, upstreamSide.Socket);
            connection.AttachTunnel(activity, upstream);
            var outcome = await TunnelRelay.RunAsync(client, upstreamSide, activity, upstream.Counters).ConfigureAwait(false);
            ProxyLog.TunnelClosed(_proxy.Logger, connection.RemoteAddress.ToString(), request.Authority, upstream.Name, outcome);
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
