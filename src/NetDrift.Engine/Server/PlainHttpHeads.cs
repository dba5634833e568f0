using System.Text;
using NetDrift.Engine.Http;

namespace NetDrift.Engine.Server;

/// <summary>
/// The heads NetDrift writes for plain HTTP: the request to the upstream proxy (its own
/// Proxy-Authorization, never the client's; hop-by-hop headers dropped; Host from the target; Via)
/// and the response to the client (hop-by-hop dropped; Via; keep-alive decided by NetDrift).
/// </summary>
internal static class PlainHttpHeads
{
    public const string Via = "1.1 netdrift";

    /// <summary>
    /// The head of a plain request for this upstream: absolute-form with its Proxy-Authorization to
    /// an HTTP proxy; origin-form, as to the origin itself, through a SOCKS5 tunnel.
    /// </summary>
    public static byte[] ForUpstream(Configuration.UpstreamConfig upstream, RequestHead request) => Upstreams.UpstreamConnectors.IsSocks5(upstream)
        ? Request(request, null, originForm: true)
        : Request(request, upstream.Url.ProxyAuthorization);

    /// <param name="originForm">For a tunnel straight to the origin (a SOCKS5 upstream): the path, not the whole URL.</param>
    public static byte[] Request(RequestHead request, string? proxyAuthorization, bool originForm = false)
    {
        var head = new StringBuilder(512);
        head.Append(request.Method).Append(' ').Append(originForm ? request.PathAndQuery : request.Target).Append(" HTTP/1.1\r\n");
        // RFC 9112 §3.2.2: the target's authority replaces whatever Host the client sent.
        var host = request.Port != 80 ? request.Authority : request.Host.Contains(':') ? $"[{request.Host}]" : request.Host;
        head.Append("Host: ").Append(host).Append("\r\n");
        AppendEndToEnd(head, request.Headers, skip: "Host", skipAlso: Sessions.SessionLogin.HeaderName);
        if (proxyAuthorization is not null)
        {
            head.Append("Proxy-Authorization: ").Append(proxyAuthorization).Append("\r\n");
        }
        AppendVia(head, request.Headers);
        head.Append("\r\n");
        return Encoding.Latin1.GetBytes(head.ToString());
    }

    /// <summary>
    /// A response head for the client; <paramref name="keepAlive"/> null for 1xx interim responses.
    /// Content-Length never goes out next to Transfer-Encoding (RFC 9112 §6.3: the intermediary
    /// drops it); <paramref name="decodedChunked"/>: the body goes out de-chunked, so without either.
    /// </summary>
    public static byte[] Response(ResponseHead response, string? upstreamName, bool? keepAlive, bool decodedChunked = false)
    {
        var head = new StringBuilder(512);
        head.Append("HTTP/1.1 ").Append(response.StatusCode).Append(' ').Append(response.ReasonPhrase).Append("\r\n");
        var chunked = response.Headers.Get("Transfer-Encoding") is not null;
        AppendEndToEnd(head, response.Headers, skip: chunked ? "Content-Length" : null, skipAlso: decodedChunked ? "Transfer-Encoding" : null);
        AppendVia(head, response.Headers);
        if (upstreamName is not null)
        {
            head.Append("X-NetDrift-Upstream: ").Append(upstreamName).Append("\r\n");
        }
        if (keepAlive is { } alive)
        {
            head.Append(alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
        }
        head.Append("\r\n");
        return Encoding.Latin1.GetBytes(head.ToString());
    }

    /// <summary>Copies every header except hop-by-hop ones, those the Connection header names, Via (re-added) and <paramref name="skip"/>.</summary>
    private static void AppendEndToEnd(StringBuilder head, HttpHeaders headers, string? skip = null, string? skipAlso = null)
    {
        foreach (var field in headers.Fields)
        {
            if (HopByHopHeaders.IsHopByHop(field.Name, headers)
                || string.Equals(field.Name, skip, StringComparison.OrdinalIgnoreCase)
                || string.Equals(field.Name, skipAlso, StringComparison.OrdinalIgnoreCase)
                || string.Equals(field.Name, "Via", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            head.Append(field.Name).Append(": ").Append(field.Value).Append("\r\n");
        }
    }

    /// <summary>Via lists every hop (RFC 9110 §7.6.3): earlier ones, then NetDrift.</summary>
    private static void AppendVia(StringBuilder head, HttpHeaders headers)
    {
        head.Append("Via: ");
        foreach (var field in headers.Fields)
        {
            if (string.Equals(field.Name, "Via", StringComparison.OrdinalIgnoreCase))
            {
                head.Append(field.Value).Append(", ");
            }
        }
        head.Append(Via).Append("\r\n");
    }

    /// <summary>Whether the client asked to keep its connection (HTTP/1.1 by default, 1.0 only when asked).</summary>
    public static bool ClientWantsKeepAlive(RequestHead request) =>
        request.Version == "HTTP/1.1"
            ? !request.Headers.HasToken("Connection", "close") && !request.Headers.HasToken("Proxy-Connection", "close")
            : request.Headers.HasToken("Connection", "keep-alive") || request.Headers.HasToken("Proxy-Connection", "keep-alive");

    /// <summary>Whether the upstream lets NetDrift reuse its connection after this response.</summary>
    public static bool UpstreamKeepsAlive(ResponseHead response) =>
        response.Version == "HTTP/1.1" ? !response.Headers.HasToken("Connection", "close") : response.Headers.HasToken("Connection", "keep-alive");

    /// <summary>Methods safe to send twice (RFC 9110 §9.2.2): a dead pooled connection may be retried.</summary>
    public static bool IsIdempotent(string method) => method is "GET" or "HEAD" or "OPTIONS" or "PUT" or "DELETE" or "TRACE";
}
