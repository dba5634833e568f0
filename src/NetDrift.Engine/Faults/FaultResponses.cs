using System.Text;
using NetDrift.Engine.Http;

namespace NetDrift.Engine.Faults;

/// <summary>The canned answers of the faulty proxy, built once where they never change.</summary>
internal static class FaultResponses
{
    public static readonly byte[] BadGateway = StatusResponses.Build(502, "Bad Gateway", "bad gateway");
    public static readonly byte[] InternalError = StatusResponses.Build(500, "Internal Server Error", "internal server error");
    public static readonly byte[] TargetUnreachable = StatusResponses.Build(502, "Bad Gateway", "target unreachable");
    public static readonly byte[] NotAProxyRequest = StatusResponses.Build(400, "Bad Request", "expected CONNECT or an absolute http:// URL");

    /// <summary>An answer with the configured code; codes that forbid a body (1xx, 204, 304) get none.</summary>
    public static byte[] ForStatus(int statusCode)
    {
        var reason = ReasonPhrases.For(statusCode);
        if (statusCode is < 200 or 204 or 304)
        {
            return Encoding.ASCII.GetBytes($"HTTP/1.1 {statusCode} {reason}\r\nConnection: close\r\n\r\n");
        }
        return StatusResponses.Build(statusCode, reason, reason.ToLowerInvariant());
    }
}
