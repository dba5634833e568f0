using NetDrift.Engine.Configuration;
using NetDrift.Engine.Http;
using NetDrift.Engine.Logging;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Users;

namespace NetDrift.Engine.Server;

/// <summary>
/// The checks between a request's login and its forwarding: the first route that fits the target
/// (deny → 403), then the user's limits (max_connections, requests_per_minute → 429 with
/// Retry-After). A denied request does not use up the user's requests.
/// </summary>
internal sealed class RequestGate(ProxyContext proxy)
{
    public static readonly byte[] RouteDenied = StatusResponses.Build(403, "Forbidden", "denied by route");

    /// <summary>The identity to forward with (route and user state added) and the user's lease; null once a refusal was answered.</summary>
    public async Task<(ClientIdentity Identity, UserLease? Lease)?> PassAsync(ClientConnection connection, RequestHead request,
        ClientIdentity identity, UserConfig? user, ProxySettings settings)
    {
        var route = settings.Routes.Match(request.Host, request.Port);
        if (route?.Action == RouteAction.Deny)
        {
            proxy.Counters.Reject(RejectionCause.RouteDenied);
            ProxyLog.Routed(proxy.Logger, identity.Key, request.IsConnect ? request.Authority : request.Target, route.Note, "nobody (403)");
            await RefuseAsync(connection, RouteDenied, 403, $"denied by route {route.Name}").ConfigureAwait(false);
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
            proxy.Counters.Reject(limit == UserLimit.MaxConnections ? RejectionCause.UserMaxConnections : RejectionCause.UserRequestRate);
            var reason = limit == UserLimit.MaxConnections
                ? $"user {user.Username} has max_connections {user.MaxConnections} open"
                : $"user {user.Username} used requests_per_minute {user.RequestsPerMinute}";
            await RefuseAsync(connection, TooManyRequests(retryAfter), 429, reason).ConfigureAwait(false);
            return null;
        }
        return (identity with { Route = route, User = state }, lease);
    }

    /// <summary>429 with the seconds until the limit lets the user in again.</summary>
    public static byte[] TooManyRequests(int retryAfterSeconds) => StatusResponses.Build(429, "Too Many Requests", "user limit reached",
        $"Retry-After: {retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}\r\n");

    private async Task RefuseAsync(ClientConnection connection, byte[] answer, int status, string reason)
    {
        ProxyLog.Refused(proxy.Logger, connection.RemoteAddress.ToString(), status, reason);
        await SocketAnswer.AnswerAndCloseAsync(connection.Socket, answer).ConfigureAwait(false);
    }
}
