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
        var socket = upstream.Url.NewSocket();
        var handedOff = false;
        try
        {
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                deadline.CancelAfter(timeout);
                var connectFailure = await ConnectAsync(socket, upstream, timeout, deadline.Token, cancellationToken).ConfigureAwait(false);
                if (connectFailure is { } failed)
                {
                    return AttemptResult.Failed(failed.Cause, failed.Message, Stopwatch.GetElapsedTime(started));
                }
                try
                {
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
                    return AttemptResult.Failed(FailureCause.Reset, $"send failed: {e.SocketErrorCode}", Stopwatch.GetElapsedTime(started));
                }
            }
            afterSend?.Invoke(socket);
            var remaining = timeout - Stopwatch.GetElapsedTime(started);
            var received = await HeadReader.ReadAsync(socket, maxHeaderBytes, remaining > TimeSpan.Zero ? remaining : TimeSpan.FromMilliseconds(1), cancellationToken).ConfigureAwait(false);
            var latency = Stopwatch.GetElapsedTime(started);
            if (received.Status != HeadReadStatus.Complete)
            {
                received.Dispose();
                var (cause, message) = DescribeFailedRead(received.Status, timeout);
                return AttemptResult.Failed(cause, message, latency);
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

    /// <summary>
    /// Connects <paramref name="socket"/> to the upstream within <paramref name="deadline"/>;
    /// null on success, else the classified failure (a cancelled <paramref name="cancellationToken"/>
    /// still throws: the proxy is stopping, nobody's fault).
    /// </summary>
    public static async Task<(FailureCause Cause, string Message)?> ConnectAsync(Socket socket, UpstreamConfig upstream, TimeSpan timeout,
        CancellationToken deadline, CancellationToken cancellationToken)
    {
        try
        {
            await socket.ConnectAsync(upstream.Url.EndPoint, deadline).ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (FailureCause.Timeout, $"no connection within {timeout.TotalSeconds:0.###}s");
        }
        catch (SocketException e)
        {
            var failure = e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.HostUnreachable
                or SocketError.NetworkUnreachable or SocketError.NoData or SocketError.TryAgain
                ? FailureCause.Refused : FailureCause.Reset;
            return (failure, $"connect failed: {e.SocketErrorCode}");
        }
    }

    /// <summary>Why reading an answer head failed, as a failure cause and a message safe to show.</summary>
    public static (FailureCause Cause, string Message) DescribeFailedRead(HeadReadStatus status, TimeSpan timeout) => status switch
    {
        HeadReadStatus.TimedOut => (FailureCause.Timeout, $"no answer within {timeout.TotalSeconds:0.###}s"),
        HeadReadStatus.TooLarge => (FailureCause.Protocol, "answer head too large"),
        // Bytes came, but never a whole head: not HTTP (or cut mid-answer).
        HeadReadStatus.Truncated => (FailureCause.Protocol, "answered with something that is not HTTP, then closed"),
        _ => (FailureCause.Reset, "closed without answering"),
    };

    /// <summary>Classifies a non-2xx answer to CONNECT.</summary>
    public static FailureCause Classify(ResponseHead response) => response.StatusCode switch
    {
        407 => FailureCause.Auth,
        502 or 503 or 504 => FailureCause.TargetUnreachable,
        _ => FailureCause.UpstreamStatus,
    };
}
