using System.Net.Sockets;
using NetDrift.Engine.Http;
using NetDrift.Engine.Admin;
using NetDrift.Engine.Logging;
using NetDrift.Engine.Net;
using NetDrift.Engine.Security;
using NetDrift.Engine.Sessions;
using NetDrift.Engine.Stats;

namespace NetDrift.Engine.Server;

/// <summary>
/// Serves one client connection: reads and checks its request head (limits, syntax, credentials,
/// port policy), then hands it to the CONNECT forwarder, the plain HTTP forwarder or the admin
/// endpoints. Every refusal is a status code from <see cref="StatusResponses"/>.
/// </summary>
internal sealed class ClientConnectionHandler
{
    private readonly ProxyContext _proxy;
    private readonly ConnectForwarder _connect;
    private readonly PlainHttpForwarder _plain;
    private readonly AdminEndpoints _admin;
    private readonly LoginChecker _logins;
    private readonly RequestGate _gate;
    private readonly Socks5ClientHandler _socks5;

    public ClientConnectionHandler(ProxyContext proxy, AdminEndpoints admin)
    {
        _proxy = proxy;
        _connect = new ConnectForwarder(proxy);
        _plain = new PlainHttpForwarder(proxy);
        _admin = admin;
        _logins = new LoginChecker(proxy);
        _gate = new RequestGate(proxy);
        _socks5 = new Socks5ClientHandler(proxy, _connect, _logins, _gate);
    }

    /// <summary>
    /// Serves the connection: one CONNECT (then a tunnel), one admin request, or as many plain
    /// HTTP requests as keep-alive allows, each checked and balanced on its own.
    /// </summary>
    public async Task HandleAsync(ClientConnection connection, SocketInput input, ClientProtocol protocol)
    {
        // SOCKS5 (first byte 0x05; with server.socks5 false, no HTTP either: 400 at once).
        if (protocol == ClientProtocol.Socks5)
        {
            await _socks5.HandleAsync(connection, input, FirstHeadTimeLeft(connection, _proxy.Settings.Config.Limits)).ConfigureAwait(false);
            return;
        }
        for (var first = true; ; first = false)
        {
            if (!await HandleRequestAsync(connection, input, first).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    /// <summary>Reads and serves one request; true when the connection may carry another.</summary>
    private async Task<bool> HandleRequestAsync(ClientConnection connection, SocketInput input, bool first)
    {
        var settings = _proxy.Settings;
        var limits = settings.Config.Limits;
        // A kept-alive connection may idle between requests, but once a head starts it must be
        // whole within the header timeout, as on a new connection.
        if (!first && input.BufferedCount == 0 && !await AwaitNextRequestAsync(input, limits.MaxHeaderBytes, limits.IdleTimeout).ConfigureAwait(false))
        {
            return false;
        }
        // An untrusted peer's PROXY protocol header mostly arrives whole in the first segment: refuse it at once.
        if (first && IsForbiddenProxyHeader(connection, input))
        {
            return false;
        }
        var (status, headLength) = await input.ReadHeadAsync(limits.MaxHeaderBytes, first ? FirstHeadTimeLeft(connection, limits) : limits.HeaderTimeout,
            _proxy.StoppingToken).ConfigureAwait(false);
        // Or in pieces: then the whole head has it.
        if (first && IsForbiddenProxyHeader(connection, input))
        {
            return false;
        }
        switch (status)
        {
            case HeadReadStatus.Complete:
                break;
            case HeadReadStatus.TooLarge when RequestHeadValidator.IsBadRequestLineStart(input.Buffered):
                _proxy.Counters.Reject(RejectionCause.Malformed);
                await RefuseAsync(connection, StatusResponses.BadRequest, 400, "no request line").ConfigureAwait(false);
                return false;
            case HeadReadStatus.TooLarge:
                _proxy.Counters.Reject(RejectionCause.HeaderTooLarge);
                await RefuseAsync(connection, StatusResponses.HeaderTooLarge, 431, "header too large").ConfigureAwait(false);
                return false;
            case HeadReadStatus.Truncated:
                _proxy.Counters.Reject(RejectionCause.Malformed);
                await RefuseAsync(connection, StatusResponses.BadRequest, 400, "closed mid-head").ConfigureAwait(false);
                return false;
            case HeadReadStatus.TimedOut:
                _proxy.Counters.Reject(RejectionCause.HeaderTimeout);
                return false;
            default:
                // Silent, slow (header timeout) or gone: disconnect without a word.
                return false;
        }
        var error = HeadParser.TryParseRequest(input.Buffered[..headLength], limits.MaxHeaderCount, out var request);
        if (error != HeadParseError.None)
        {
            var tooLarge = error == HeadParseError.TooLarge;
            _proxy.Counters.Reject(tooLarge ? RejectionCause.HeaderTooLarge : RejectionCause.Malformed);
            await RefuseAsync(connection, tooLarge ? StatusResponses.HeaderTooLarge : StatusResponses.BadRequest,
                tooLarge ? 431 : 400, tooLarge ? "too many headers" : "malformed head").ConfigureAwait(false);
            return false;
        }
        if (RequestHeadValidator.Validate(request!) is { } violation)
        {
            _proxy.Counters.Reject(RejectionCause.Malformed);
            await RefuseAsync(connection, StatusResponses.BadRequest, 400, violation).ConfigureAwait(false);
            return false;
        }
        input.Consume(headLength);

        if (request!.Form == RequestTargetForm.Origin)
        {
            await _admin.HandleAsync(connection.Transport, connection.RemoteAddress, request, input).ConfigureAwait(false);
            return false;
        }
        if (request.Form == RequestTargetForm.Asterisk)
        {
            await RefuseAsync(connection, StatusResponses.BadRequest, 400, "OPTIONS * is not proxied").ConfigureAwait(false);
            return false;
        }

        var identity = new ClientIdentity(connection.RemoteAddress.ToString(), null);
        Configuration.UserConfig? login = null;
        if (settings.AuthRequired)
        {
            var header = request.Headers.Get("Proxy-Authorization");
            if (header is null)
            {
                // The challenge to a request without credentials is not a failure.
                return await ChallengeAsync(connection, input, request, "no credentials").ConfigureAwait(false);
            }
            var (credentials, session) = SessionLogin.Split(settings.Config.Sessions, settings.Config.Authentication.Users, header);
            if (await _logins.CheckAsync(settings, connection.RemoteAddress, credentials).ConfigureAwait(false) is not { } user)
            {
                return await ChallengeAsync(connection, input, request, "wrong credentials").ConfigureAwait(false);
            }
            identity = new ClientIdentity(user.Username, user.Tag, Session: session);
            login = user;
        }
        identity = identity with { Session = SessionLogin.OrHeader(settings.Config.Sessions, identity.Session, request.Headers) };

        connection.BeginRequest(request, settings.AuthRequired ? identity.Key : null);
        if (request.IsConnect && settings.AllowedPorts is { } allowed && !allowed.Contains(request.Port))
        {
            _proxy.Counters.Reject(RejectionCause.PortNotAllowed);
            await RefuseAsync(connection, StatusResponses.Forbidden, 403, $"port {request.Port} not allowed", request, identity).ConfigureAwait(false);
            return false;
        }
        // Routes (deny → 403) and the user's limits (→ 429); the lease holds the user's connection slot.
        if (await _gate.PassAsync(connection, request, identity, login, settings).ConfigureAwait(false) is not var (routed, lease))
        {
            return false;
        }
        using (lease)
        {
            return await ForwardAsync(connection, request, input, routed).ConfigureAwait(false);
        }
    }

    private async Task<bool> ForwardAsync(ClientConnection connection, RequestHead request, SocketInput input, ClientIdentity identity)
    {
        if (request.IsConnect)
        {
            // Bytes sent right behind the CONNECT (an eager TLS ClientHello) belong to the tunnel;
            // copying them lets the pooled read buffer go back before a long-lived relay.
            var leftover = input.Buffered.ToArray();
            input.Dispose();
            await _connect.ForwardAsync(connection, request, leftover, identity).ConfigureAwait(false);
            return false;
        }
        return await _plain.ForwardAsync(connection, request, input, identity).ConfigureAwait(false);
    }

    /// <summary>
    /// Answers 407. A request that may keep its connection keeps it when its framing allows: no
    /// body, or a well-formed body (Content-Length or chunked) of at most
    /// <see cref="EngineDefaults.MaxUnforwardedBodyBytes"/> read past within the header timeout (.NET sends a POST's
    /// body before it learns credentials are due). A client that answers the challenge (.NET always
    /// waits for one) does so on the same connection. Other bodies (malformed, larger, held back for
    /// Expect, on a CONNECT) close it, since their bytes would be read as the next request.
    /// </summary>
    private async Task<bool> ChallengeAsync(ClientConnection connection, SocketInput input, RequestHead request, string reason)
    {
        if (!PlainHttpHeads.ClientWantsKeepAlive(request) || !await ReadPastBodyAsync(input, request).ConfigureAwait(false))
        {
            await RefuseAsync(connection, StatusResponses.ProxyAuthenticationRequired, 407, reason, request).ConfigureAwait(false);
            return false;
        }
        ProxyLog.Refused(_proxy.Logger, connection.RemoteAddress.ToString(), 407, reason);
        AccessEntries.Refused(_proxy, connection, 407, AccessEntries.CauseOf(407, reason), request);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await connection.Transport.SendAsync(StatusResponses.ProxyAuthenticationRequiredKeepAlive, timeout.Token).ConfigureAwait(false);
        return true;
    }

    /// <summary>True when the request has no body or its body has been read and dropped.</summary>
    private async Task<bool> ReadPastBodyAsync(SocketInput input, RequestHead request)
    {
        var framing = BodyFraming.ForRequest(request.Headers);
        if (framing == BodyFraming.Empty)
        {
            return true;
        }
        if (request.IsConnect || request.Headers.Get("Expect") is not null)
        {
            return false;
        }
        return await BodyDrain.ReadAsync(input, framing, EngineDefaults.MaxUnforwardedBodyBytes, _proxy.Settings.Config.Limits.HeaderTimeout, _proxy.StoppingToken).ConfigureAwait(false)
            == BodyDrainResult.Completed;
    }

    /// <summary>The first head's header timeout runs from accept: a trusted balancer's PROXY protocol header read before it counts.</summary>
    internal static TimeSpan FirstHeadTimeLeft(ClientConnection connection, Configuration.LimitsConfig limits) =>
        TimeSpan.FromMilliseconds(Math.Max(0, limits.HeaderTimeout.TotalMilliseconds - (Environment.TickCount64 - connection.AcceptedAt)));

    /// <summary>
    /// True (counted, logged) when the client's bytes begin with a PROXY protocol header. A trusted
    /// balancer's was read and consumed already; from anyone else it is an attempt to pass for
    /// another client. No HTTP request starts with one.
    /// </summary>
    private bool IsForbiddenProxyHeader(ClientConnection connection, SocketInput input)
    {
        if (!ProxyProtocolHeader.IsHeaderAt(input.Buffered))
        {
            return false;
        }
        _proxy.Counters.Reject(RejectionCause.ProxyProtocol);
        ProxyLog.ProxyHeaderRefused(_proxy.Logger, connection.PeerAddress.ToString(), "PROXY protocol header from an untrusted peer");
        return true;
    }

    /// <summary>Waits up to the idle timeout for the first byte of the next request; false when the client closed or stayed silent.</summary>
    private async Task<bool> AwaitNextRequestAsync(SocketInput input, int maxHeaderBytes, TimeSpan idleTimeout)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(_proxy.StoppingToken);
        idle.CancelAfter(idleTimeout);
        try
        {
            return await input.FillAsync(maxHeaderBytes + 1, idle.Token).ConfigureAwait(false) > 0;
        }
        catch (OperationCanceledException) when (!_proxy.StoppingToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            return false;
        }
    }

    private async Task RefuseAsync(ClientConnection connection, byte[] answer, int status, string reason, RequestHead? request = null, ClientIdentity? identity = null)
    {
        ProxyLog.Refused(_proxy.Logger, connection.RemoteAddress.ToString(), status, reason);
        AccessEntries.Refused(_proxy, connection, status, AccessEntries.CauseOf(status, reason), request,
            identity is { } known && _proxy.Settings.AuthRequired ? known.Key : null);
        await SocketAnswer.AnswerAndCloseAsync(connection.Transport, answer).ConfigureAwait(false);
    }
}
