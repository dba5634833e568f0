using System.Text;

namespace NetDrift.Engine.Http;

/// <summary>
/// The answers NetDrift makes itself. Bodies are short and generic on purpose: never an upstream
/// address, a credential or a stack trace.
/// </summary>
public static class StatusResponses
{
    public const string Realm = "NetDrift";

    public static readonly byte[] BadRequest = Build(400, "Bad Request", "malformed request");
    public static readonly byte[] Unauthorized = Build(401, "Unauthorized", "authentication required",
        $"WWW-Authenticate: Basic realm=\"{Realm}\"\r\n");
    public static readonly byte[] Forbidden = Build(403, "Forbidden", "port not allowed");
    public static readonly byte[] NotFound = Build(404, "Not Found", "not found");
    public static readonly byte[] ProxyAuthenticationRequired = Build(407, "Proxy Authentication Required",
        "proxy authentication required", $"Proxy-Authenticate: Basic realm=\"{Realm}\"\r\n");
    /// <summary>The 407 that leaves the connection open, so a client answers the challenge on it.</summary>
    public static readonly byte[] ProxyAuthenticationRequiredKeepAlive = Encoding.ASCII.GetBytes(
        $"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"{Realm}\"\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 30\r\n\r\nproxy authentication required\n");
    public static readonly byte[] RequestTimeout = Build(408, "Request Timeout", "request body timed out");
    public static readonly byte[] HeaderTooLarge = Build(431, "Request Header Fields Too Large", "request header too large");
    public static readonly byte[] BadGateway = Build(502, "Bad Gateway", "every upstream attempt failed");
    public static readonly byte[] ServiceUnavailable = Build(503, "Service Unavailable", "no upstream available");
    public static readonly byte[] TooManyConnections = Build(503, "Service Unavailable", "too many connections");
    public static readonly byte[] GatewayTimeout = Build(504, "Gateway Timeout", "upstream timed out");

    /// <summary>The tunnel-ready answer, optionally naming the upstream (expose_upstream).</summary>
    public static byte[] ConnectionEstablished(string? upstreamName) => Encoding.ASCII.GetBytes(
        upstreamName is null
            ? "HTTP/1.1 200 Connection established\r\n\r\n"
            : $"HTTP/1.1 200 Connection established\r\nX-NetDrift-Upstream: {upstreamName}\r\n\r\n");

    /// <summary>A complete close-delimited answer with a plain-text body.</summary>
    public static byte[] Build(int status, string reason, string body, string extraHeaders = "") => Encoding.ASCII.GetBytes(
        $"HTTP/1.1 {status} {reason}\r\n{extraHeaders}Content-Type: text/plain; charset=utf-8\r\n" +
        $"Content-Length: {body.Length + 1}\r\nConnection: close\r\n\r\n{body}\n");
}
