using System.Net;
using System.Net.Sockets;
using System.Text;
using NetDrift.Engine.Http;
using NetDrift.Engine.Logging;
using NetDrift.Engine.Metrics;
using NetDrift.Engine.Security;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Admin;

/// <summary>
/// Origin-form requests to the proxy port itself (CONTRACT §5): <c>/healthz</c> open for load
/// balancers; the stats JSON (or, for a browser, the live page) and the Prometheus metrics behind
/// a configured user's Basic credentials when auth is on (401 otherwise).
/// </summary>
internal sealed class AdminEndpoints
{
    private readonly ProxyContext _proxy;
    private readonly PrometheusExporter _metrics;
    private readonly LoginChecker _logins;
    private readonly Func<Socket, bool> _isDraining;

    /// <param name="isDraining">True when /healthz must turn a balancer away from this client's
    /// address: the proxy is stopping, or a reload moved the listener elsewhere.</param>
    public AdminEndpoints(ProxyContext proxy, PrometheusExporter metrics, Func<Socket, bool> isDraining)
    {
        _proxy = proxy;
        _metrics = metrics;
        _isDraining = isDraining;
        _logins = new LoginChecker(proxy);
    }

    public async Task HandleAsync(Transport socket, IPAddress remote, RequestHead request, SocketInput input)
    {
        if (!await CheckBodyAsync(socket, remote, request, input).ConfigureAwait(false))
        {
            return;
        }
        var path = request.PathAndQuery.Split('?', 2)[0];
        var headOnly = request.Method == "HEAD";
        if (request.Method is not ("GET" or "HEAD"))
        {
            await SocketAnswer.AnswerAndCloseAsync(socket, MethodNotAllowed).ConfigureAwait(false);
            return;
        }
        if (path == "/healthz")
        {
            var answer = _isDraining(socket.Socket) ? "draining\n"
                : _proxy.Pool.All.Any(u => u.IsSelectable && u.Health != UpstreamHealth.Unhealthy) ? "ok\n"
                : "no healthy upstream\n";
            await AnswerAsync(socket, answer == "ok\n" ? 200 : 503, "text/plain; charset=utf-8",
                Encoding.UTF8.GetBytes(answer), headOnly).ConfigureAwait(false);
            return;
        }
        var settings = _proxy.Settings;
        if (settings.AuthRequired && !await IsAuthorizedAsync(settings, remote, request.Headers).ConfigureAwait(false))
        {
            await SocketAnswer.AnswerAndCloseAsync(socket, StatusResponses.Unauthorized).ConfigureAwait(false);
            return;
        }
        if (path == settings.Config.Server.StatsEndpoint)
        {
            var wantsPage = request.Headers.Get("Accept")?.Contains("text/html", StringComparison.OrdinalIgnoreCase) == true
                && request.PathAndQuery.IndexOf("format=json", StringComparison.OrdinalIgnoreCase) < 0;
            if (wantsPage)
            {
                await AnswerAsync(socket, 200, "text/html; charset=utf-8", StatsPage.Render(_proxy, path), headOnly).ConfigureAwait(false);
            }
            else
            {
                await AnswerAsync(socket, 200, "application/json", StatsJson.Render(_proxy), headOnly).ConfigureAwait(false);
            }
            return;
        }
        // METRICS-ROUTE: the Prometheus endpoint is routed here.
        if (path == settings.Config.MetricsEndpoint)
        {
            var metrics = await _metrics.ExportAsync().ConfigureAwait(false);
            await AnswerAsync(socket, 200, PrometheusExporter.ContentType, metrics, headOnly).ConfigureAwait(false);
            return;
        }
        await SocketAnswer.AnswerAndCloseAsync(socket, StatusResponses.NotFound).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads any request body (within the header timeout) before anything answers: a malformed
    /// chunked body is a 400 (RFC 9112 §7.1) wherever it is sent, never a 404 or 405 as though the
    /// request were fine. False when the request was refused or the client is gone.
    /// </summary>
    private async Task<bool> CheckBodyAsync(Transport socket, IPAddress remote, RequestHead request, SocketInput input)
    {
        var framing = BodyFraming.ForRequest(request.Headers);
        if (framing == BodyFraming.Empty)
        {
            return true;
        }
        var result = await BodyDrain.ReadAsync(input, framing, EngineDefaults.MaxUnforwardedBodyBytes, _proxy.Settings.Config.Limits.HeaderTimeout, _proxy.StoppingToken).ConfigureAwait(false);
        var client = remote.ToString();
        switch (result)
        {
            case BodyDrainResult.Completed:
                return true;
            case BodyDrainResult.TooLarge:
                ProxyLog.Refused(_proxy.Logger, client, 413, "admin request body too large");
                await SocketAnswer.AnswerAndCloseAsync(socket, ContentTooLarge).ConfigureAwait(false);
                return false;
            case BodyDrainResult.TimedOut:
                // Silent, like a head that does not arrive in time.
                _proxy.Counters.Reject(RejectionCause.HeaderTimeout);
                return false;
            default:
                _proxy.Counters.Reject(RejectionCause.Malformed);
                var reason = result == BodyDrainResult.Malformed ? "malformed request body" : "closed mid-body";
                ProxyLog.Refused(_proxy.Logger, client, 400, reason);
                await SocketAnswer.AnswerAndCloseAsync(socket, StatusResponses.BadRequest).ConfigureAwait(false);
                return false;
        }
    }

    /// <summary>A complete response with a body, then close (admin requests are one per connection).</summary>
    internal static Task AnswerAsync(Transport socket, int status, string contentType, byte[] body, bool headOnly)
    {
        var reason = status switch { 200 => "OK", 503 => "Service Unavailable", _ => ReasonPhrases.For(status) };
        var head = Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {status} {reason}\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length}\r\n" +
            "Cache-Control: no-store\r\nConnection: close\r\n\r\n");
        if (headOnly)
        {
            return SocketAnswer.AnswerAndCloseAsync(socket, head);
        }
        var answer = new byte[head.Length + body.Length];
        head.CopyTo(answer, 0);
        body.CopyTo(answer, head.Length);
        return SocketAnswer.AnswerAndCloseAsync(socket, answer);
    }

    private static readonly byte[] ContentTooLarge = StatusResponses.Build(413, "Content Too Large", "request body too large");

    private static readonly byte[] MethodNotAllowed = StatusResponses.Build(405, "Method Not Allowed", "only GET and HEAD", "Allow: GET, HEAD\r\n");

    /// <summary>
    /// Either header may carry a user's credentials. A wrong admin login is a guess like a wrong
    /// proxy login: counted and slowed alike; no credentials at all is a plain 401.
    /// </summary>
    private async Task<bool> IsAuthorizedAsync(ProxySettings settings, IPAddress remote, HttpHeaders headers)
    {
        var basic = headers.Get("Authorization");
        var proxy = headers.Get("Proxy-Authorization");
        return (basic is not null || proxy is not null)
            && await _logins.CheckAsync(settings, remote, basic, proxy).ConfigureAwait(false) is not null;
    }
}
