using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Http;
using NetDrift.Engine.Stats;

namespace NetDrift.Engine.Server;

/// <summary>
/// Opens a connection to an upstream proxy and sends it one request head, within upstream_timeout
/// for the dial and the answer together, and reads its answer as a real status line. Failures
/// come back classified, never thrown.
/// </summary>
internal static class UpstreamDialer
{
    /// <summary>CONNECT through the upstream, logging in with its own credentials.</summary>
    public static Task<AttemptResult> OpenTunnelAsync(UpstreamConfig upstream, string authority, TimeSpan timeout, int maxHeaderBytes, CancellationToken cancellationToken)
    {
        var head = new StringBuilder(128)
            .Append("CONNECT ").Append(authority).Append(" HTTP/1.1\r\nHost: ").Append(authority).Append("\r\n");
        if (upstream.Url.ProxyAuthorization is { } auth)
        {
            head.Append("Proxy-Authorization: ").Append(auth).Append("\r\n");
        }
        head.Append("\r\n");
        return SendAndReadAnswerAsync(upstream, Encoding.Latin1.GetBytes(head.ToString()), ReadOnlyMemory<byte>.Empty, null, timeout, maxHeaderBytes, cancellationToken);
    }

    /// <summary>
    /// Dials, sends <paramref name="head"/> and <paramref name="body"/>, starts <paramref name="afterSend"/>
    /// (streaming the rest of a request body) and waits for the response head.
    /// </summary>
    public static async Task<AttemptResult> SendAndReadAnswerAsync(
        UpstreamConfig upstream, byte[] head, ReadOnlyMemory<byte> body, Action<Socket>? afterSend,
        TimeSpan timeout, int maxHeaderBytes, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var handedOff = false;
        try
        {
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                deadline.CancelAfter(timeout);
                try
                {
                    await socket.ConnectAsync(new DnsEndPoint(upstream.Url.Host, upstream.Url.Port), deadline.Token).ConfigureAwait(false);
                    await socket.SendAsync(head, SocketFlags.None, deadline.Token).ConfigureAwait(false);
                    if (!body.IsEmpty)
                    {
                        await socket.SendAsync(body, SocketFlags.None, deadline.Token).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return AttemptResult.Failed(FailureCause.Timeout, $"no connection within {timeout.TotalSeconds:0.###}s", Stopwatch.GetElapsedTime(started));
                }
                catch (SocketException e)
                {
                    var failure = e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.HostUnreachable
                        or SocketError.NetworkUnreachable or SocketError.NoData or SocketError.TryAgain
                        ? FailureCause.Refused : FailureCause.Reset;
                    return AttemptResult.Failed(failure, $"connect failed: {e.SocketErrorCode}", Stopwatch.GetElapsedTime(started));
                }
            }
            afterSend?.Invoke(socket);
            var remaining = timeout - Stopwatch.GetElapsedTime(started);
            var received = await HeadReader.ReadAsync(socket, maxHeaderBytes, remaining > TimeSpan.Zero ? remaining : TimeSpan.FromMilliseconds(1), cancellationToken).ConfigureAwait(false);
            var latency = Stopwatch.GetElapsedTime(started);
            switch (received.Status)
            {
                case HeadReadStatus.Complete:
                    break;
                case HeadReadStatus.TimedOut:
                    received.Dispose();
                    return AttemptResult.Failed(FailureCause.Timeout, $"no answer within {timeout.TotalSeconds:0.###}s", latency);
                case HeadReadStatus.TooLarge:
                    received.Dispose();
                    return AttemptResult.Failed(FailureCause.Protocol, "answer head too large", latency);
                default:
                    received.Dispose();
                    return AttemptResult.Failed(FailureCause.Reset, "closed without answering", latency);
            }
            if (HeadParser.TryParseResponse(received.Head, HeadParser.DefaultMaxHeaderCount, out var response) != HeadParseError.None)
            {
                received.Dispose();
                return AttemptResult.Failed(FailureCause.Protocol, "answered with something that is not HTTP", latency);
            }
            handedOff = true;
            return AttemptResult.Success(socket, response!, received, latency);
        }
        finally
        {
            if (!handedOff)
            {
                socket.Dispose();
            }
        }
    }

    /// <summary>Classifies a non-2xx answer to CONNECT.</summary>
    public static FailureCause Classify(ResponseHead response) =>
        response.StatusCode == 407 ? FailureCause.Auth : FailureCause.UpstreamStatus;
}
