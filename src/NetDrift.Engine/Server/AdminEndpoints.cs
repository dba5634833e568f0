using System.Text;
using NetDrift.Engine.Http;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Server;

/// <summary>
/// Origin-form requests to the proxy port itself (CONTRACT §5). <c>/healthz</c> is open for load
/// balancers; everything else needs a configured user's Basic credentials when auth is on (401).
/// </summary>
internal sealed class AdminEndpoints
{
    private readonly ProxyServer _server;

    public AdminEndpoints(ProxyServer server) => _server = server;

    public async Task HandleAsync(ClientConnection connection, RequestHead request)
    {
        var path = request.PathAndQuery.Split('?', 2)[0];
        if (path == "/healthz")
        {
            await SocketAnswer.AnswerAndCloseAsync(connection.Socket, Healthz(request.Method == "HEAD")).ConfigureAwait(false);
            return;
        }
        var settings = _server.Settings;
        if (settings.AuthRequired && !IsAuthorized(settings, request.Headers))
        {
            await SocketAnswer.AnswerAndCloseAsync(connection.Socket, StatusResponses.Unauthorized).ConfigureAwait(false);
            return;
        }
        await SocketAnswer.AnswerAndCloseAsync(connection.Socket, StatusResponses.NotFound).ConfigureAwait(false);
    }

    /// <summary>200 while serving with at least one enabled upstream that is not Unhealthy, else 503.</summary>
    private byte[] Healthz(bool headOnly)
    {
        var serving = _server.State == ProxyState.Running
            && _server.Pool.All.Any(u => u.IsSelectable && u.Health != UpstreamHealth.Unhealthy);
        var body = serving ? "ok\n" : "no healthy upstream\n";
        var head = $"HTTP/1.1 {(serving ? "200 OK" : "503 Service Unavailable")}\r\nContent-Type: text/plain; charset=utf-8\r\n" +
                   $"Content-Length: {body.Length}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n";
        return Encoding.ASCII.GetBytes(headOnly ? head : head + body);
    }

    private static bool IsAuthorized(ProxySettings settings, HttpHeaders headers) =>
        (BasicCredentials.TryParse(headers.Get("Authorization"), out var offered) && settings.TryAuthenticate(offered, out _))
        || (BasicCredentials.TryParse(headers.Get("Proxy-Authorization"), out offered) && settings.TryAuthenticate(offered, out _));
}
