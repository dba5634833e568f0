using System.Text;

namespace NetDrift.LoadGen;

/// <summary>
/// The origin's answers, built once: each fixed answer in three framings (HTTP/1.1 kept alive, HTTP/1.0
/// kept alive, closing), and one large pattern buffer every /bytes/N body is written from.
/// </summary>
internal static class OriginResponses
{
    /// <summary>The /bytes/N body source, shared read-only by every connection.</summary>
    public static readonly byte[] Pattern = BuildPattern(256 * 1024);

    private static readonly byte[][] Hello = Variants("200 OK", "text/plain", "Hello, world!\n");
    private static readonly byte[][] NotFound = Variants("404 Not Found", "text/plain", "");
    /// <summary>Always closing: after garbage, nothing on the connection can be trusted.</summary>
    public static readonly byte[] BadRequest = Variants("400 Bad Request", "text/plain", "")[2];

    public static byte[] For(OriginRequest request) => request.Route switch
    {
        OriginRoute.Hello => Hello[Framing(request)],
        OriginRoute.NotFound => NotFound[Framing(request)],
        _ => BadRequest,
    };

    /// <summary>The head of a /bytes/N answer; the body follows from <see cref="Pattern"/>.</summary>
    public static byte[] BytesHead(OriginRequest request) =>
        Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {request.ByteCount}\r\n{ConnectionLine(Framing(request))}\r\n");

    private static int Framing(OriginRequest request) => !request.KeepAlive ? 2 : request.Http11 ? 0 : 1;

    private static string ConnectionLine(int framing) => framing switch
    {
        0 => "",
        1 => "Connection: keep-alive\r\n",
        _ => "Connection: close\r\n",
    };

    private static byte[][] Variants(string status, string contentType, string body) =>
        [.. Enumerable.Range(0, 3).Select(framing => Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {status}\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length}\r\n{ConnectionLine(framing)}\r\n{body}"))];

    private static byte[] BuildPattern(int size)
    {
        var pattern = new byte[size];
        for (var i = 0; i < size; i++)
        {
            pattern[i] = (byte)('a' + (i % 26));
        }
        return pattern;
    }
}
