using System.Text;

namespace NetDrift.Engine.Http;

/// <summary>
/// Turns a client's absolute-form request (<c>GET http://host/path</c>) into what an origin server
/// expects: origin-form, Host set to the target, hop-by-hop headers gone, and
/// <c>Connection: close</c> so the origin's close marks the end of the response we relay.
/// </summary>
internal static class OriginFormRequest
{
    public static byte[] Build(RequestHead request)
    {
        var head = new StringBuilder(512);
        head.Append(request.Method).Append(' ').Append(request.PathAndQuery).Append(' ').Append(request.Version).Append("\r\n");
        // RFC 9112 §3.2.2: a proxy replaces Host with the authority of the absolute target.
        head.Append("Host: ").Append(request.Port == 80 ? HostOnly(request) : request.Authority).Append("\r\n");
        foreach (var field in request.Headers.Fields)
        {
            if (string.Equals(field.Name, "Host", StringComparison.OrdinalIgnoreCase)
                || HopByHopHeaders.IsHopByHop(field.Name, request.Headers))
            {
                continue;
            }
            head.Append(field.Name).Append(": ").Append(field.Value).Append("\r\n");
        }
        head.Append("Connection: close\r\n\r\n");
        // Latin-1 gives back exactly the bytes the parser read.
        return Encoding.Latin1.GetBytes(head.ToString());
    }

    private static string HostOnly(RequestHead request) => request.Host.Contains(':') ? $"[{request.Host}]" : request.Host;
}
