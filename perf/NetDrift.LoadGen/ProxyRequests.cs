using System.Text;

namespace NetDrift.LoadGen;

/// <summary>The fixed request bytes of a run, built once and sent by every worker as they are.</summary>
internal static class ProxyRequests
{
    public static byte[] Connect(string target, string? authorization) =>
        Encoding.ASCII.GetBytes($"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n{AuthorizationLine(authorization)}\r\n");

    /// <summary>An origin-form GET sent through a tunnel, closing so the origin's answer ends the operation.</summary>
    public static byte[] TunnelledGet(string path, string target) =>
        Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n");

    /// <summary>An absolute-form GET for the proxy to forward; HTTP/1.1 keeps the connection unless told to close.</summary>
    public static byte[] AbsoluteGet(Uri url, string? authorization, bool keepAlive) =>
        Encoding.ASCII.GetBytes($"GET {url.AbsoluteUri} HTTP/1.1\r\nHost: {url.Authority}\r\n{AuthorizationLine(authorization)}"
            + (keepAlive ? "" : "Connection: close\r\n") + "\r\n");

    private static string AuthorizationLine(string? authorization) =>
        authorization is null ? "" : $"Proxy-Authorization: {authorization}\r\n";
}
