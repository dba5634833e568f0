using System.Text;
using BenchmarkDotNet.Attributes;
using NetDrift.Engine.Http;

namespace NetDrift.Benchmarks;

/// <summary>
/// What the proxy pays to understand a head once its bytes are in: finding the blank line, then
/// parsing, as a head that arrived in one read goes through SocketInput and the handlers. The
/// parser builds a RequestHead/ResponseHead with its strings and header array, so allocation is
/// expected here; the numbers show how much.
/// </summary>
[MemoryDiagnoser]
public class HeadParsingBenchmarks
{
    // What curl sends to an authenticating proxy for an https:// URL.
    private static readonly byte[] ConnectHead = Encoding.ASCII.GetBytes(
        "CONNECT api.example.com:443 HTTP/1.1\r\n" +
        "Host: api.example.com:443\r\n" +
        "Proxy-Authorization: Basic YWxpY2U6czNjcjN0LXBhc3N3b3Jk\r\n" +
        "User-Agent: curl/8.5.0\r\n" +
        "Proxy-Connection: Keep-Alive\r\n" +
        "\r\n");

    // A browser-like plain HTTP request through the proxy: absolute-form target, 8 headers.
    private static readonly byte[] AbsoluteGetHead = Encoding.ASCII.GetBytes(
        "GET http://www.example.com/catalog/items?page=2&sort=price HTTP/1.1\r\n" +
        "Host: www.example.com\r\n" +
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" +
        "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
        "Accept-Language: en-GB,en;q=0.5\r\n" +
        "Accept-Encoding: gzip, deflate\r\n" +
        "Proxy-Authorization: Basic YWxpY2U6czNjcjN0LXBhc3N3b3Jk\r\n" +
        "Proxy-Connection: keep-alive\r\n" +
        "Cookie: session=7f3c9a1e2b; theme=dark\r\n" +
        "\r\n");

    // An upstream proxy's answer to CONNECT.
    private static readonly byte[] EstablishedHead = Encoding.ASCII.GetBytes(
        "HTTP/1.1 200 Connection established\r\n\r\n");

    /// <summary>The parses must succeed, or the numbers would time an early rejection.</summary>
    [GlobalSetup]
    public void Setup()
    {
        if (ParseConnectRequest() is null || ParseAbsoluteGetRequest() is null || ParseConnectEstablished() is null)
        {
            throw new InvalidOperationException("A benchmark head no longer parses.");
        }
    }

    [Benchmark]
    public RequestHead? ParseConnectRequest() => ParseRequest(ConnectHead);

    [Benchmark]
    public RequestHead? ParseAbsoluteGetRequest() => ParseRequest(AbsoluteGetHead);

    [Benchmark]
    public ResponseHead? ParseConnectEstablished()
    {
        var length = HeadParser.FindHeadEnd(EstablishedHead);
        HeadParser.TryParseResponse(EstablishedHead.AsSpan(0, length), HeadParser.DefaultMaxHeaderCount, out var response);
        return response;
    }

    private static RequestHead? ParseRequest(byte[] head)
    {
        var length = HeadParser.FindHeadEnd(head);
        HeadParser.TryParseRequest(head.AsSpan(0, length), HeadParser.DefaultMaxHeaderCount, out var request);
        return request;
    }
}
