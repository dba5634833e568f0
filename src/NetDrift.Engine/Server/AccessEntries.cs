using NetDrift.Engine.Http;
using NetDrift.Engine.Logging;

namespace NetDrift.Engine.Server;

/// <summary>
/// Where the server's facts become access-log lines: an exchange begun for a tunnel or request
/// (null while the log is off, so nothing is gathered), and a line for each refusal.
/// </summary>
internal static class AccessEntries
{
    public const string Http = "Http";

    public const string Https = "Https";

    public const string Socks5 = "Socks5";

    /// <summary>What the client spoke to NetDrift, as the log names it (constants: no allocation per line).</summary>
    public static string ProtocolOf(ClientConnection connection) => connection.Protocol switch
    {
        Connections.ConnectionProtocol.Https => Https,
        Connections.ConnectionProtocol.Socks5 => Socks5,
        _ => Http,
    };

    public static AccessExchange? Begin(ProxyContext proxy, ClientConnection connection, ClientIdentity identity, RequestHead request) =>
        proxy.AccessLog.IsOn
            ? new AccessExchange(proxy.AccessLog, proxy.Time, connection.RemoteAddress.ToString(), UserOf(proxy, identity), ProtocolOf(connection),
                request.IsConnect ? AccessKind.Tunnel : AccessKind.Request, request.Method, TargetOf(request))
            : null;

    /// <summary>A tunnel to <paramref name="authority"/> (host:port): a CONNECT, or a SOCKS5 connection (<see cref="Socks5"/>), logged as CONNECT.</summary>
    public static AccessExchange? BeginTunnel(ProxyContext proxy, ClientConnection connection, ClientIdentity identity, string authority, string protocol) =>
        proxy.AccessLog.IsOn
            ? new AccessExchange(proxy.AccessLog, proxy.Time, connection.RemoteAddress.ToString(), UserOf(proxy, identity), protocol, AccessKind.Tunnel, "CONNECT", authority)
            : null;

    /// <summary>A refusal by NetDrift itself: <paramref name="cause"/> names why (a RejectionCause, or NoCredentials / WrongCredentials).</summary>
    public static void Refused(ProxyContext proxy, ClientConnection connection, int status, string cause, RequestHead? request = null, string? user = null) =>
        Refused(proxy, connection, status, cause, ProtocolOf(connection), request?.Method ?? "NONE", request is null ? NoRequestTarget(cause) : TargetOf(request), user);

    /// <summary>A refused SOCKS5 connection: CONNECT to <paramref name="authority"/>, or to none when it was refused before its request.</summary>
    public static void RefusedSocks5(ProxyContext proxy, ClientConnection connection, int status, string cause, string? authority, string? user = null) =>
        Refused(proxy, connection, status, cause, Socks5, authority is null ? "NONE" : "CONNECT", authority ?? NoRequestTarget(cause), user);

    private static void Refused(ProxyContext proxy, ClientConnection connection, int status, string cause, string protocol, string method, string target, string? user)
    {
        if (!proxy.AccessLog.IsOn)
        {
            return;
        }
        proxy.AccessLog.Write(new AccessRecord(proxy.Time.GetUtcNow(), Math.Max(0, Environment.TickCount64 - connection.AcceptedAt),
            connection.RemoteAddress.ToString(), user, protocol, AccessKind.Refusal, method, target,
            status, Upstream: null, Attempts: 0, BytesSent: 0, BytesReceived: 0, cause));
    }

    /// <summary>The cause of a refusal the request handler answers, from its status and reason.</summary>
    public static string CauseOf(int status, string reason) => status switch
    {
        431 => nameof(Stats.RejectionCause.HeaderTooLarge),
        403 => nameof(Stats.RejectionCause.PortNotAllowed),
        407 => reason == "no credentials" ? "NoCredentials" : "WrongCredentials",
        _ => nameof(Stats.RejectionCause.Malformed),
    };

    /// <summary>
    /// Squid's own URL tokens for a transaction without a request (a parser such as goaccess drops
    /// a line whose URL is -): a head that could not be read, or a connection refused at accept.
    /// </summary>
    private static string NoRequestTarget(string cause) => cause switch
    {
        nameof(Stats.RejectionCause.HeaderTooLarge) => "error:request-too-large",
        nameof(Stats.RejectionCause.MaxConnections) or nameof(Stats.RejectionCause.PerClientLimit) => "error:accept-client-connection",
        _ => "error:invalid-request",
    };

    private static string? UserOf(ProxyContext proxy, ClientIdentity identity) => proxy.Settings.AuthRequired ? identity.Key : null;

    private static string TargetOf(RequestHead request) => request.IsConnect ? request.Authority : request.Target;
}
