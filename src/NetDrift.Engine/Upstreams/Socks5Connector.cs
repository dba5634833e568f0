using System.Net.Sockets;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Http;
using NetDrift.Engine.Net;
using NetDrift.Engine.Stats;

namespace NetDrift.Engine.Upstreams;

/// <summary>
/// A <c>socks5://</c> or <c>socks5h://</c> upstream (RFC 1928): TCP, then a greeting (username/password,
/// RFC 1929, when the URL has credentials, else no authentication); a tunnel is a CONNECT naming the
/// target as the client did (names are never resolved here), its reply turned into an answer the
/// attempt loop judges as it judges an HTTP one: 200 for success, 502/504 for the target codes
/// (§7, the code kept), a classified failure for the rest. A plain request is a tunnel to its origin
/// and the request in origin-form (see <c>PlainHttpHeads.ForUpstream</c>).
/// </summary>
internal sealed class Socks5Connector(UpstreamTcpDialer dialer) : IUpstreamConnector
{
    private static readonly ResponseHead Established = Answer(200, "Connection established");

    public async Task<UpstreamDial> ConnectAsync(UpstreamConfig upstream, UpstreamDeadline deadline, CancellationToken stopping)
    {
        var dial = await dialer.DialAsync(upstream, deadline, stopping).ConfigureAwait(false);
        if (dial.Connection is not { } connection)
        {
            return dial;
        }
        var failure = await HandshakeAsync(connection, upstream, deadline, stopping).ConfigureAwait(false);
        if (failure is { } f)
        {
            connection.Dispose();
            return new UpstreamDial(null, f.Cause, f.Message, f.Message);
        }
        return dial;
    }

    public async Task<AttemptResult> OpenTunnelAsync(UpstreamConfig upstream, string authority, UpstreamDeadline deadline, int maxHeaderBytes, CancellationToken stopping)
    {
        var dial = await ConnectAsync(upstream, deadline, stopping).ConfigureAwait(false);
        if (dial.Connection is not { } connection)
        {
            return dial.ToResult(deadline.Elapsed);
        }
        var handedOff = false;
        try
        {
            var result = await RequestTunnelAsync(connection, authority, deadline, stopping).ConfigureAwait(false);
            handedOff = result.Connection is not null;
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

    /// <summary>A health probe's GET: a tunnel to the probe's origin, the GET in origin-form, its answer head.</summary>
    public async Task<AttemptResult> SendAndReadAnswerAsync(UpstreamConfig upstream, byte[] head, UpstreamDeadline deadline, int maxHeaderBytes, CancellationToken stopping)
    {
        if (HeadParser.TryParseRequest(head, HeadParser.DefaultMaxHeaderCount, out var request) != HeadParseError.None || request!.Form != RequestTargetForm.Absolute)
        {
            throw new ArgumentException("An absolute-form request head is required.", nameof(head));
        }
        using var tunnel = await OpenTunnelAsync(upstream, request.Authority, deadline, maxHeaderBytes, stopping).ConfigureAwait(false);
        if (!tunnel.Succeeded || !tunnel.Response!.IsSuccess)
        {
            return tunnel.Succeeded
                ? AttemptResult.Failed(Socks5ReplyBlame.Of(tunnel.Socks5TargetCode ?? 0), $"answered {Socks5ReplyCode.Describe(tunnel.Socks5TargetCode ?? 0)}", tunnel.Latency)
                : AttemptResult.Failed(tunnel.Failure ?? FailureCause.Reset, tunnel.Message, tunnel.Latency);
        }
        return await HttpProxyConnector.ExchangeHeadAsync(tunnel.TakeConnection(), OriginFormRequest.Build(request), deadline, maxHeaderBytes, stopping).ConfigureAwait(false);
    }

    /// <summary>Greeting, method, login: null when the upstream accepted NetDrift, else why not.</summary>
    private static async Task<(FailureCause Cause, string Message)?> HandshakeAsync(UpstreamConnection connection, UpstreamConfig upstream, UpstreamDeadline deadline, CancellationToken stopping)
    {
        var credentials = upstream.Url.Credentials;
        var login = credentials is { } c ? Socks5Wire.UserPassRequest(c.UserName, c.Password) : null;
        if (credentials is not null && login is null)
        {
            return (FailureCause.Auth, "SOCKS5 user name or password longer than 255 bytes");
        }
        return await StepsAsync(connection, deadline, stopping, async due =>
        {
            await connection.Socket.SendAsync(Socks5Wire.Greeting(login is not null), SocketFlags.None, due).ConfigureAwait(false);
            var (status, method) = await Socks5Reader.ReadAsync<byte>(connection.Input, Socks5Wire.TryParseMethodSelection, expectSoon: true, due).ConfigureAwait(false);
            if (status != Socks5ReadStatus.Complete)
            {
                return Unanswered(status);
            }
            if (method == Socks5Wire.MethodNoAuth && login is null)
            {
                return null;
            }
            if (method != Socks5Wire.MethodUserPass || login is null)
            {
                return (FailureCause.Auth, method == Socks5Wire.MethodNoneAcceptable
                    ? "SOCKS5 upstream accepts none of the methods offered" + (login is null ? " (it wants credentials)" : "")
                    : $"SOCKS5 upstream chose method 0x{method:x2}, which was not offered");
            }
            await connection.Socket.SendAsync(login, SocketFlags.None, due).ConfigureAwait(false);
            var (loginStatus, accepted) = await Socks5Reader.ReadAsync<bool>(connection.Input, Socks5Wire.TryParseUserPassStatus, expectSoon: true, due).ConfigureAwait(false);
            if (loginStatus != Socks5ReadStatus.Complete)
            {
                return Unanswered(loginStatus);
            }
            return accepted ? null : (FailureCause.Auth, "SOCKS5 upstream refused the credentials");
        }).ConfigureAwait(false);
    }

    private static async Task<AttemptResult> RequestTunnelAsync(UpstreamConnection connection, string authority, UpstreamDeadline deadline, CancellationToken stopping)
    {
        if (!HeadParser.TryParseAuthority(authority, out var host, out var port) || Socks5Wire.ConnectRequest(host, port) is not { } request)
        {
            // The client's target cannot be put in a SOCKS5 request (a name over 255 bytes): nobody upstream is to blame.
            return AttemptResult.LocalFailure($"target {authority} cannot be named in SOCKS5", deadline.Elapsed);
        }
        Socks5Reply reply = default;
        var failure = await StepsAsync(connection, deadline, stopping, async due =>
        {
            await connection.Socket.SendAsync(request, SocketFlags.None, due).ConfigureAwait(false);
            var (status, answer) = await Socks5Reader.ReadAsync<Socks5Reply>(connection.Input, Socks5Wire.TryParseReply, expectSoon: true, due).ConfigureAwait(false);
            reply = answer;
            return status == Socks5ReadStatus.Complete ? null : Unanswered(status);
        }).ConfigureAwait(false);
        var latency = deadline.Elapsed;
        if (failure is { } f)
        {
            return AttemptResult.Failed(f.Cause, f.Message, latency);
        }
        if (reply.Code == Socks5ReplyCode.Succeeded)
        {
            return AttemptResult.Success(connection, Established, latency);
        }
        if (Socks5ReplyBlame.Of(reply.Code) == FailureCause.TargetUnreachable)
        {
            var status = Socks5ReplyBlame.TargetStatus(reply.Code);
            return AttemptResult.Socks5TargetFailed(connection, Answer(status, "SOCKS5 " + Socks5ReplyCode.Describe(reply.Code)), reply.Code, latency);
        }
        return AttemptResult.Failed(FailureCause.UpstreamStatus, "SOCKS5 upstream answered " + Socks5ReplyCode.Describe(reply.Code), latency);
    }

    /// <summary>Runs exchange steps within the deadline; socket errors and the deadline become failures, a stop throws.</summary>
    private static async Task<(FailureCause Cause, string Message)?> StepsAsync(UpstreamConnection connection, UpstreamDeadline deadline, CancellationToken stopping,
        Func<CancellationToken, Task<(FailureCause Cause, string Message)?>> steps)
    {
        try
        {
            using var due = deadline.Link(stopping);
            return await steps(due.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            return (FailureCause.Timeout, UpstreamFailures.NoConnection(deadline.Timeout).Replace("no connection", "no SOCKS5 answer", StringComparison.Ordinal));
        }
        catch (SocketException e)
        {
            return (FailureCause.Reset, $"SOCKS5 exchange failed: {e.SocketErrorCode}");
        }
    }

    private static (FailureCause Cause, string Message) Unanswered(Socks5ReadStatus status) => status == Socks5ReadStatus.Closed
        ? (FailureCause.Reset, "closed without a SOCKS5 answer")
        : (FailureCause.Protocol, "answered with something that is not SOCKS5");

    private static ResponseHead Answer(int status, string reason) =>
        new() { Version = "HTTP/1.1", StatusCode = status, ReasonPhrase = reason, Headers = HttpHeaders.Empty };
}
