using NetDrift.Engine.Configuration;
using NetDrift.Engine.Http;
using NetDrift.Engine.Logging;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Users;

namespace NetDrift.Engine.Server;

/// <summary>
/// The checks between a request's login and its forwarding: the first route that fits the target
/// (deny → 403), then the user's limits (max_connections, requests_per_minute → 429 with
/// Retry-After). A denied request does not use up the user's requests. SOCKS5 CONNECTs pass the same
/// gate; their refusals are reply codes (<see cref="Socks5TunnelAnswer"/>).
/// </summary>
internal sealed class RequestGate(ProxyContext proxy)
{
    public static readonly byte[] RouteDenied = StatusResponses.Build(403, "Forbidden", "denied by route");

    /// <summary>The identity to forward with (route and user state added) and the user's lease; null once a refusal was answered.</summary>
    public Task<(ClientIdentity Identity, UserLease? Lease)?> PassAsync(ClientConnection connection, RequestHead request,
        ClientIdentity identity, UserConfig? user, ProxySettings settings) =>
        PassAsync(connection, request.Host, request.Port, request.IsConnect ? request.Authority : request.Target, request, identity, user, settings, HttpTunnelAnswer.Instance);

    /// <summary>The same checks for a SOCKS5 CONNECT to <paramref name="request"/>'s target; refusals are reply codes (403 and 429 → 0x02).</summary>
    public Task<(ClientIdentity Identity, UserLease? Lease)?> PassAsync(ClientConnection connection, Net.Socks5Request request,
        ClientIdentity identity, UserConfig? user, ProxySettings settings) =>
        PassAsync(connection, request.Host, request.Port, request.Authority, null, identity, user, settings, Socks5TunnelAnswer.Instance);

    private async Task<(ClientIdentity Identity, UserLease? Lease)?> PassAsync(ClientConnection connection, string host, int port, string target,
        RequestHead? head, ClientIdentity identity, UserConfig? user, ProxySettings settings, ITunnelClientAnswer answer)
    {
        var route = settings.Routes.Match(host, port);
        if (route?.Action == RouteAction.Deny)
        {
            proxy.Counters.Reject(RejectionCause.RouteDenied);
            ProxyLog.Routed(proxy.Logger, identity.Key, target, route.Note, "nobody (403)");
            await RefuseAsync(connection, answer, RouteDenied, 403, $"denied by route {route.Name}", RejectionCause.RouteDenied, head, target, identity).ConfigureAwait(false);
            return null;
        }
        if (user is null)
        {
            return (identity with { Route = route }, null);
        }
        var state = proxy.Users.For(user);
        var (lease, limit, retryAfter) = UserAdmission.TryAdmit(state, proxy.Time.GetUtcNow());
        if (lease is null)
        {
            var cause = limit == UserLimit.MaxConnections ? RejectionCause.UserMaxConnections : RejectionCause.UserRequestRate;
            proxy.Counters.Reject(cause);
            var reason = limit == UserLimit.MaxConnections
                ? $"user {user.Username} has max_connections {user.MaxConnections} open"
                : $"user {user.Username} used requests_per_minute {user.RequestsPerMinute}";
            await RefuseAsync(connection, answer, TooManyRequests(retryAfter), 429, reason, cause, head, target, identity).ConfigureAwait(false);
            return null;
        }
        return (identity with { Route = route, User = state }, lease);
    }

    /// <summary>429 with the seconds until the limit lets the user in again.</summary>
    public static byte[] TooManyRequests(int retryAfterSeconds) => StatusResponses.Build(429, "Too Many Requests", "user limit reached",
        $"Retry-After: {retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}\r\n");

    /// <summary>Answers in the client's protocol and writes the refusal's access-log line with its cause.</summary>
    private async Task RefuseAsync(ClientConnection connection, ITunnelClientAnswer answer, byte[] httpAnswer, int status, string reason,
        RejectionCause cause, RequestHead? head, string target, ClientIdentity identity)
    {
        ProxyLog.Refused(proxy.Logger, connection.RemoteAddress.ToString(), status, reason);
        var user = proxy.Settings.AuthRequired ? identity.Key : null;
        if (head is null)
        {
            AccessEntries.RefusedSocks5(proxy, connection, status, cause.ToString(), target, user);
        }
        else
        {
            AccessEntries.Refused(proxy, connection, status, cause.ToString(), head, user);
        }
        await answer.RefuseAsync(connection.Socket, httpAnswer, status, null).ConfigureAwait(false);
    }
}
