using System.Net.Sockets;
using System.Text;
using NetDrift.Engine.Http;
using NetDrift.Engine.Logging;
using NetDrift.Engine.Tunnel;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Server;

/// <summary>
/// Plain HTTP (absolute-form): forwards the request to an upstream proxy with that upstream's
/// credentials and without the client's, hop-by-hop headers removed, one request per connection
/// (<c>Connection: close</c> both ways). Bodiless requests fail over like CONNECT; once body bytes
/// went to an upstream, the request cannot be replayed, so its failure is final.
/// </summary>
internal sealed class PlainHttpForwarder
{
    private readonly ProxyServer _server;

    public PlainHttpForwarder(ProxyServer server) => _server = server;

    public async Task ForwardAsync(ClientConnection connection, RequestHead request, byte[] clientLeftover, ClientIdentity client)
    {
        if (!HasSaneFraming(request.Headers, out var hasBody))
        {
            await SocketAnswer.AnswerAndCloseAsync(connection.Socket, StatusResponses.BadRequest).ConfigureAwait(false);
            return;
        }
        var config = _server.Settings.Config;
        var attempts = new AttemptLoop(_server, client, request.Target);
        while (attempts.Next() is { } upstream)
        {
            var activity = new TunnelActivity(connection.Socket, connection.Socket);
            Task<bool>? bodyPump = null;
            AttemptResult result;
            try
            {
                result = await UpstreamDialer.SendAndReadAnswerAsync(
                    upstream.Config, BuildUpstreamHead(request, upstream), clientLeftover,
                    hasBody ? socket => bodyPump = TunnelRelay.CopyOneWayAsync(connection.Socket, socket, activity, upstream.Counters, toUpstream: true) : null,
                    config.UpstreamTimeout, config.Limits.MaxHeaderBytes, _server.StoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                attempts.Abandon(upstream);
                return;
            }
            using (result)
            {
                if (result.Succeeded)
                {
                    attempts.Succeeded(upstream, result.Latency);
                    await RelayResponseAsync(connection, upstream, result, config.ExposeUpstream).ConfigureAwait(false);
                    return;
                }
                attempts.Failed(upstream, result);
            }
            if (bodyPump is not null)
            {
                break; // The body went to a failed upstream: it cannot be sent again.
            }
        }
        await SocketAnswer.AnswerAndCloseAsync(connection.Socket, attempts.FinalAnswer(connection)).ConfigureAwait(false);
    }

    private async Task RelayResponseAsync(ClientConnection connection, Upstream upstream, AttemptResult result, bool exposeUpstream)
    {
        var client = connection.Socket;
        using var upstreamSocket = result.TakeSocket();
        try
        {
            await client.SendAsync(BuildClientHead(result.Response!, exposeUpstream ? upstream.Name : null), SocketFlags.None).ConfigureAwait(false);
            var early = result.Received!.Leftover;
            if (!early.IsEmpty)
            {
                await client.SendAsync(early, SocketFlags.None).ConfigureAwait(false);
                upstream.Counters.AddReceived(early.Length);
            }
            result.Received.Dispose();
            var activity = new TunnelActivity(client, upstreamSocket);
            connection.AttachTunnel(activity, upstream);
            // The upstream was asked to close after its response: its end is the response's end.
            await TunnelRelay.CopyOneWayAsync(upstreamSocket, client, activity, upstream.Counters, toUpstream: false).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The client left mid-response.
        }
        finally
        {
            upstream.Counters.ConnectionClosed();
            _server.TryFinishDraining(upstream);
        }
    }

    /// <summary>Refuses heads that could smuggle a second request past us (RFC 9112 §6.3).</summary>
    internal static bool HasSaneFraming(HttpHeaders headers, out bool hasBody)
    {
        hasBody = false;
        var transferEncoding = headers.Get("Transfer-Encoding");
        var lengthCount = headers.CountOf("Content-Length");
        if (transferEncoding is not null)
        {
            if (lengthCount > 0 || headers.CountOf("Transfer-Encoding") > 1
                || !transferEncoding.TrimEnd().EndsWith("chunked", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
            hasBody = true;
            return true;
        }
        if (lengthCount == 0)
        {
            return true;
        }
        long? length = null;
        foreach (var field in headers.Fields)
        {
            if (!string.Equals(field.Name, "Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (!long.TryParse(field.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value)
                || (length is { } previous && previous != value))
            {
                return false;
            }
            length = value;
        }
        hasBody = length > 0;
        return true;
    }

    private static byte[] BuildUpstreamHead(RequestHead request, Upstream upstream)
    {
        var head = new StringBuilder(512);
        head.Append(request.Method).Append(' ').Append(request.Target).Append(" HTTP/1.1\r\n");
        // RFC 9112 §3.2.2: the target's authority replaces whatever Host the client sent.
        var host = request.Port != 80 ? request.Authority : request.Host.Contains(':') ? $"[{request.Host}]" : request.Host;
        head.Append("Host: ").Append(host).Append("\r\n");
        AppendEndToEnd(head, request.Headers, skip: "Host");
        if (upstream.Config.Url.ProxyAuthorization is { } auth)
        {
            head.Append("Proxy-Authorization: ").Append(auth).Append("\r\n");
        }
        head.Append("Via: 1.1 netdrift\r\nConnection: close\r\n\r\n");
        return Encoding.Latin1.GetBytes(head.ToString());
    }

    private static byte[] BuildClientHead(ResponseHead response, string? upstreamName)
    {
        var head = new StringBuilder(512);
        head.Append("HTTP/1.1 ").Append(response.StatusCode).Append(' ').Append(response.ReasonPhrase).Append("\r\n");
        AppendEndToEnd(head, response.Headers);
        if (upstreamName is not null)
        {
            head.Append("X-NetDrift-Upstream: ").Append(upstreamName).Append("\r\n");
        }
        head.Append("Connection: close\r\n\r\n");
        return Encoding.Latin1.GetBytes(head.ToString());
    }

    /// <summary>Copies every header except hop-by-hop ones and those the Connection header names.</summary>
    private static void AppendEndToEnd(StringBuilder head, HttpHeaders headers, string? skip = null)
    {
        foreach (var field in headers.Fields)
        {
            if (HopByHopHeaders.IsHopByHop(field.Name, headers) || string.Equals(field.Name, skip, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            head.Append(field.Name).Append(": ").Append(field.Value).Append("\r\n");
        }
    }
}
