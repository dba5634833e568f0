using System.Net.Sockets;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Connections;
using NetDrift.Engine.Http;
using NetDrift.Engine.Logging;
using NetDrift.Engine.Net;
using NetDrift.Engine.Security;
using NetDrift.Engine.Sessions;
using NetDrift.Engine.Stats;

namespace NetDrift.Engine.Server;

/// <summary>
/// A SOCKS5 client on the proxy port (CONTRACT §8): greeting, the one method the config allows
/// (username/password against the same users and throttle when authentication is on, else none),
/// then a CONNECT that passes the same port policy, routes and user limits (<see cref="RequestGate"/>)
/// and goes through the same attempts as an HTTP CONNECT; refusals as reply codes, each with its access-log line.
/// Greeting, login and request together must arrive within the header timeout, counted from accept.
/// </summary>
internal sealed class Socks5ClientHandler
{
    private static readonly byte[] NoAcceptableMethod = Socks5Wire.MethodSelection(Socks5Wire.MethodNoneAcceptable);
    private static readonly byte[] ChoseUserPass = Socks5Wire.MethodSelection(Socks5Wire.MethodUserPass);
    private static readonly byte[] ChoseNoAuth = Socks5Wire.MethodSelection(Socks5Wire.MethodNoAuth);

    private readonly ProxyContext _proxy;
    private readonly ConnectForwarder _connect;
    private readonly LoginChecker _logins;
    private readonly RequestGate _gate;

    public Socks5ClientHandler(ProxyContext proxy, ConnectForwarder connect, LoginChecker logins, RequestGate gate)
    {
        _proxy = proxy;
        _connect = connect;
        _logins = logins;
        _gate = gate;
    }

    /// <summary>True when the client's first byte asks for SOCKS5.</summary>
    public static bool IsSocks5(SocketInput input) => input.BufferedCount > 0 && input.Buffered[0] == Socks5Wire.Version;

    /// <summary>Serves the connection to its end (a SOCKS5 connection carries one tunnel).</summary>
    public async Task HandleAsync(ClientConnection connection, SocketInput input, TimeSpan headerTimeLeft)
    {
        var settings = _proxy.Settings;
        var remote = connection.RemoteAddress.ToString();
        connection.Protocol = ConnectionProtocol.Socks5;
        if (!settings.Config.Server.Socks5)
        {
            _proxy.Counters.Reject(RejectionCause.Malformed);
            ProxyLog.Refused(_proxy.Logger, remote, 400, "SOCKS5 is turned off (server.socks5)");
            await SocketAnswer.AnswerAndCloseAsync(connection.Socket, StatusResponses.BadRequest).ConfigureAwait(false);
            return;
        }
        Socks5Request request;
        ClientIdentity identity;
        UserConfig? login;
        using (var due = CancellationTokenSource.CreateLinkedTokenSource(_proxy.StoppingToken))
        {
            due.CancelAfter(headerTimeLeft);
            try
            {
                var (greetingStatus, greeting) = await Socks5Reader.ReadAsync<Socks5Greeting>(input, Socks5Wire.TryParseGreeting, expectSoon: false, due.Token).ConfigureAwait(false);
                if (greetingStatus != Socks5ReadStatus.Complete)
                {
                    await MalformedAsync(connection, greetingStatus, "greeting").ConfigureAwait(false);
                    return;
                }
                var identified = await NegotiateAsync(connection, input, settings, greeting, due.Token).ConfigureAwait(false);
                if (identified is null)
                {
                    return;
                }
                (identity, login) = identified.Value;
                var (requestStatus, parsed) = await Socks5Reader.ReadAsync<Socks5Request>(input, Socks5Wire.TryParseRequest, expectSoon: true, due.Token).ConfigureAwait(false);
                if (requestStatus != Socks5ReadStatus.Complete)
                {
                    await MalformedAsync(connection, requestStatus, "request", Socks5ReplyCode.GeneralFailure).ConfigureAwait(false);
                    return;
                }
                request = parsed;
            }
            catch (OperationCanceledException) when (!_proxy.StoppingToken.IsCancellationRequested)
            {
                _proxy.Counters.Reject(RejectionCause.HeaderTimeout);
                return;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }
        }

        if (request.Command != Socks5Wire.CommandConnect)
        {
            await RefuseAsync(connection, Socks5ReplyCode.CommandNotSupported, $"SOCKS5 command 0x{request.Command:x2} not supported", RejectionCause.Malformed, request, identity).ConfigureAwait(false);
            return;
        }
        connection.BeginTunnel(request.Authority, UserOf(identity));
        if (settings.AllowedPorts is { } allowed && !allowed.Contains(request.Port))
        {
            _proxy.Counters.Reject(RejectionCause.PortNotAllowed);
            await RefuseAsync(connection, Socks5ReplyCode.NotAllowed, $"port {request.Port} not allowed", RejectionCause.PortNotAllowed, request, identity).ConfigureAwait(false);
            return;
        }
        // Routes (deny → 0x02) and the user's limits (→ 0x02); the lease holds the user's connection slot.
        if (await _gate.PassAsync(connection, request, identity, login, settings).ConfigureAwait(false) is not var (routed, lease))
        {
            return;
        }
        // Bytes sent right behind the request (an eager TLS ClientHello) belong to the tunnel.
        var leftover = input.Buffered.ToArray();
        input.Dispose();
        ProxyLog.Socks5Request(_proxy.Logger, remote, request.Authority);
        using (lease)
        {
            await _connect.ForwardAsync(connection, request.Authority, leftover, routed, Socks5TunnelAnswer.Instance).ConfigureAwait(false);
        }
    }

    /// <summary>The method, and the login when it is username/password: the client's identity, or null once refused and closed.</summary>
    private async Task<(ClientIdentity Identity, UserConfig? User)?> NegotiateAsync(ClientConnection connection, SocketInput input, ProxySettings settings, Socks5Greeting greeting, CancellationToken due)
    {
        var client = connection.Socket;
        var remote = connection.RemoteAddress;
        if (!settings.AuthRequired)
        {
            if (!greeting.OffersNoAuth)
            {
                await NoMethodAsync(connection, "SOCKS5 client offers no method without authentication").ConfigureAwait(false);
                return null;
            }
            await client.SendAsync(ChoseNoAuth, SocketFlags.None, due).ConfigureAwait(false);
            return (new ClientIdentity(remote.ToString(), null), null);
        }
        if (!greeting.OffersUserPass)
        {
            await NoMethodAsync(connection, "SOCKS5 client offers no username/password method").ConfigureAwait(false);
            return null;
        }
        await client.SendAsync(ChoseUserPass, SocketFlags.None, due).ConfigureAwait(false);
        var (status, login) = await Socks5Reader.ReadAsync<Socks5Login>(input, Socks5Wire.TryParseUserPassRequest, expectSoon: true, due).ConfigureAwait(false);
        if (status != Socks5ReadStatus.Complete)
        {
            await MalformedAsync(connection, status, "login").ConfigureAwait(false);
            return null;
        }
        // The same users, throttle, failure count and session suffix as Proxy-Authorization: one login path.
        var (name, session) = SessionLogin.SplitName(settings.Config.Sessions, settings.Config.Authentication.Users, login.User);
        var header = new BasicCredentials(name, login.Password).ToHeaderValue();
        if (await _logins.CheckAsync(settings, remote, header).ConfigureAwait(false) is not { } user)
        {
            ProxyLog.Refused(_proxy.Logger, remote.ToString(), 407, "SOCKS5 wrong credentials");
            AccessEntries.RefusedSocks5(_proxy, connection, 407, "WrongCredentials", null);
            await SocketAnswer.AnswerAndCloseAsync(client, Socks5Wire.UserPassStatus(accepted: false)).ConfigureAwait(false);
            return null;
        }
        await client.SendAsync(Socks5Wire.UserPassStatus(accepted: true), SocketFlags.None, due).ConfigureAwait(false);
        return (new ClientIdentity(user.Username, user.Tag, Session: session), user);
    }

    private async Task NoMethodAsync(ClientConnection connection, string reason)
    {
        ProxyLog.Refused(_proxy.Logger, connection.RemoteAddress.ToString(), 407, reason);
        AccessEntries.RefusedSocks5(_proxy, connection, 407, "NoAcceptableMethod", null);
        await SocketAnswer.AnswerAndCloseAsync(connection.Socket, NoAcceptableMethod).ConfigureAwait(false);
    }

    /// <summary>Not SOCKS5 after all, or cut short: counted as malformed when bytes were wrong; a reply when one fits.</summary>
    private async Task MalformedAsync(ClientConnection connection, Socks5ReadStatus status, string what, byte? reply = null)
    {
        if (status != Socks5ReadStatus.Invalid)
        {
            connection.Socket.Dispose();
            return;
        }
        _proxy.Counters.Reject(RejectionCause.Malformed);
        ProxyLog.Refused(_proxy.Logger, connection.RemoteAddress.ToString(), 400, $"malformed SOCKS5 {what}");
        AccessEntries.RefusedSocks5(_proxy, connection, 400, nameof(RejectionCause.Malformed), null);
        if (reply is { } code)
        {
            await SocketAnswer.AnswerAndCloseAsync(connection.Socket, Socks5Wire.Reply(code)).ConfigureAwait(false);
        }
        else
        {
            connection.Socket.Dispose();
        }
    }

    private async Task RefuseAsync(ClientConnection connection, byte code, string reason, RejectionCause cause, Socks5Request request, ClientIdentity identity)
    {
        var status = code == Socks5ReplyCode.NotAllowed ? 403 : 400;
        ProxyLog.Refused(_proxy.Logger, connection.RemoteAddress.ToString(), status, reason);
        AccessEntries.RefusedSocks5(_proxy, connection, status, cause.ToString(), request.Authority, UserOf(identity));
        await SocketAnswer.AnswerAndCloseAsync(connection.Socket, Socks5Wire.Reply(code)).ConfigureAwait(false);
    }

    private string? UserOf(ClientIdentity identity) => _proxy.Settings.AuthRequired ? identity.Key : null;
}
