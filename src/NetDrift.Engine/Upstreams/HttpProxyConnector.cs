using System.Net.Sockets;
using System.Text;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Http;
using NetDrift.Engine.Stats;

namespace NetDrift.Engine.Upstreams;

/// <summary>
/// An <c>http://</c> upstream proxy: a TCP transport; a tunnel is a CONNECT with the upstream's
/// own Proxy-Authorization; an answer is a real HTTP status line read within the deadline. With
/// <paramref name="tls"/>, an <c>https://</c> one: the same exchanges inside TLS to the proxy.
/// </summary>
internal sealed class HttpProxyConnector(UpstreamTcpDialer dialer, bool tls = false) : IUpstreamConnector
{
    public async Task<UpstreamDial> ConnectAsync(UpstreamConfig upstream, UpstreamDeadline deadline, CancellationToken stopping)
    {
        var dial = await dialer.DialAsync(upstream, deadline, stopping).ConfigureAwait(false);
        return tls ? await UpstreamTlsHandshake.WrapAsync(dial, upstream, deadline, stopping).ConfigureAwait(false) : dial;
    }

    public Task<AttemptResult> OpenTunnelAsync(UpstreamConfig upstream, string authority, UpstreamDeadline deadline, int maxHeaderBytes, CancellationToken stopping) =>
        SendAndReadAnswerAsync(upstream, ConnectHead(upstream, authority), deadline, maxHeaderBytes, stopping);

    public async Task<AttemptResult> SendAndReadAnswerAsync(UpstreamConfig upstream, byte[] head, UpstreamDeadline deadline, int maxHeaderBytes, CancellationToken stopping)
    {
        var dial = await ConnectAsync(upstream, deadline, stopping).ConfigureAwait(false);
        if (dial.Connection is not { } connection)
        {
            return dial.ToResult(deadline.Elapsed);
        }
        var handedOff = false;
        try
        {
            var result = await ExchangeHeadAsync(connection, head, deadline, maxHeaderBytes, stopping).ConfigureAwait(false);
            handedOff = result.Succeeded;
            return result;
        }
        finally
        {
            if (!handedOff)
            {
                connection.Dispose();
            }
        }
    }

    /// <summary>
    /// Sends <paramref name="head"/> on a connected transport and reads the answer head; on success
    /// the result owns <paramref name="connection"/>, the head consumed from its input.
    /// </summary>
    internal static async Task<AttemptResult> ExchangeHeadAsync(UpstreamConnection connection, byte[] head, UpstreamDeadline deadline, int maxHeaderBytes, CancellationToken stopping)
    {
        try
        {
            using var due = deadline.Link(stopping);
            await connection.Transport.SendAsync(head, due.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            return AttemptResult.Failed(FailureCause.Timeout, UpstreamFailures.NoConnection(deadline.Timeout), deadline.Elapsed);
        }
        catch (SocketException e)
        {
            return AttemptResult.Failed(FailureCause.Reset, $"send failed: {e.SocketErrorCode}", deadline.Elapsed);
        }
        var input = connection.Input;
        var (status, length) = await input.ReadHeadAsync(maxHeaderBytes, deadline.Remaining, stopping, expectSoon: true).ConfigureAwait(false);
        var latency = deadline.Elapsed;
        if (status != HeadReadStatus.Complete)
        {
            var (cause, message) = UpstreamFailures.OfHeadRead(status, deadline.Timeout);
            return AttemptResult.Failed(cause, message, latency);
        }
        if (HeadParser.TryParseResponse(input.Buffered[..length], HeadParser.DefaultMaxHeaderCount, out var response) != HeadParseError.None)
        {
            return AttemptResult.Failed(FailureCause.Protocol, "answered with something that is not HTTP", latency);
        }
        input.Consume(length);
        return AttemptResult.Success(connection, response!, latency);
    }

    private static byte[] ConnectHead(UpstreamConfig upstream, string authority)
    {
        var head = new StringBuilder(128)
            .Append("CONNECT ").Append(authority).Append(" HTTP/1.1\r\nHost: ").Append(authority).Append("\r\n");
        if (upstream.Url.ProxyAuthorization is { } auth)
        {
            head.Append("Proxy-Authorization: ").Append(auth).Append("\r\n");
        }
        head.Append("\r\n");
        return Encoding.Latin1.GetBytes(head.ToString());
    }
}
