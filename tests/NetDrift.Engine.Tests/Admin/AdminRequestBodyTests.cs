using System.Net.Sockets;
using System.Text;
using NetDrift.Engine.Server;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Admin;

/// <summary>
/// The admin endpoints take no body, but read and check any that comes (RFC 9112 §7.1) before
/// they answer: each chunk-grammar error of issue 20 is a 400 counted as malformed, where the
/// endpoint used to answer 405 (or 404, 200) as though the request were fine.
/// </summary>
public sealed class AdminRequestBodyTests
{
    private const string ChunkedHead = "POST /stats HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";

    /// <summary>Chunked bodies that break the grammar, and why.</summary>
    public static TheoryData<string, string> MalformedBodies => new()
    {
        { "bare semicolon", "5;\r\nhello\r\n0\r\n\r\n" },
        { "extension without a name", "5;=v\r\nhello\r\n0\r\n\r\n" },
        { "extension name not a token", "5;a b\r\nhello\r\n0\r\n\r\n" },
        { "extension name with a separator", "5;a@b\r\nhello\r\n0\r\n\r\n" },
        { "extension value missing", "5;a=\r\nhello\r\n0\r\n\r\n" },
        { "extension value not a token", "5;a=b,c\r\nhello\r\n0\r\n\r\n" },
        { "extension quoted value unterminated", "5;a=\"open\r\nhello\r\n0\r\n\r\n" },
        { "CR inside an extension", "5;a\rb\r\nhello\r\n0\r\n\r\n" },
        { "LF inside an extension", "5;a\nb\r\nhello\r\n0\r\n\r\n" },
        { "LF inside a quoted extension", "5;a=\"x\ny\"\r\nhello\r\n0\r\n\r\n" },
        { "control char inside an extension", "5;a=\"x\u0001\"\r\nhello\r\n0\r\n\r\n" },
        { "DEL inside an extension", "5;a\u007f\r\nhello\r\n0\r\n\r\n" },
        { "0x prefix", "0x5\r\nhello\r\n0\r\n\r\n" },
        { "plus sign", "+5\r\nhello\r\n0\r\n\r\n" },
        { "minus sign", "-5\r\nhello\r\n0\r\n\r\n" },
        { "leading space in the size", " 5\r\nhello\r\n0\r\n\r\n" },
        { "trailing space in the size", "5 \r\nhello\r\n0\r\n\r\n" },
        { "trailing tab in the size", "5\t\r\nhello\r\n0\r\n\r\n" },
        { "whitespace before an extension", "5 ;a=b\r\nhello\r\n0\r\n\r\n" },
        { "missing CRLF after the data", "5\r\nhelloXY0\r\n\r\n" },
        { "data longer than the size", "3\r\nhello\r\n0\r\n\r\n" },
        { "bare-CR size line", "5\rhello\r\n0\r\n\r\n" },
        { "bare-CR after the data", "5\r\nhello\r0\r\n\r\n" },
        { "bare-CR after the last chunk", "5\r\nhello\r\n0\r\rX" },
        { "chunk size overflow", "ffffffffffffffffff\r\nhello\r\n0\r\n\r\n" },
        { "chunk size just past 2^60", "1000000000000000\r\nhello\r\n0\r\n\r\n" },
        { "64 KiB extension", $"5;a={new string('x', 64 * 1024)}\r\nhello\r\n0\r\n\r\n" },
        { "trailer line not a field", "5\r\nhello\r\n0\r\nx\r\n\r\n" },
    };

    [Theory(Timeout = 10_000)]
    [MemberData(nameof(MalformedBodies))]
    public async Task PostStats_MalformedChunkedBody_400CountedMalformed(string why, string body)
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));

        var response = await ProxyClient.SendAndReadAllAsync(proxy.Port, ChunkedHead + body);

        Assert.True(ProxyClient.StatusOf(response) == 400, $"{why}: {response.Split("\r\n")[0]}");
        Assert.Contains("Connection: close", response, StringComparison.Ordinal);
        Assert.Equal(1, proxy.Counters.RejectedBy[RejectionCause.Malformed]);
        Assert.Equal(0, upstream.Accepted);
    }

    [Theory(Timeout = 10_000)]
    [InlineData("POST /stats HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b;c=\"q\"\r\nhello\r\n0\r\nX-T: 1\r\n\r\n", 405)]
    [InlineData("POST /stats HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", 405)]
    [InlineData("POST /nosuch HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 405)]
    [InlineData("GET /nosuch HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 404)]
    [InlineData("GET /healthz HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 200)]
    [InlineData("GET /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc", 200)]
    public async Task WellFormedBody_ReadThenDispatched(string request, int expected)
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));

        var response = await ProxyClient.SendAndReadAllAsync(proxy.Port, request);

        Assert.Equal(expected, ProxyClient.StatusOf(response));
        Assert.Equal(0, proxy.Counters.RejectedBy[RejectionCause.Malformed]);
    }

    [Theory(Timeout = 10_000)]
    [InlineData("Content-Length: 10\r\n\r\nhello")]
    [InlineData("Transfer-Encoding: chunked\r\n\r\n5\r\nhel")]
    public async Task BodyCutShort_400CountedMalformed(string rest)
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        using var client = await Loopback.ConnectAsync(proxy.Port);

        await Loopback.SendAllAsync(client, Encoding.ASCII.GetBytes("POST /stats HTTP/1.1\r\nHost: a\r\n" + rest));
        client.Shutdown(SocketShutdown.Send);
        var (data, _) = await Loopback.ReadToEndAsync(client);

        Assert.Equal(400, ProxyClient.StatusOf(Encoding.ASCII.GetString(data)));
        Assert.Equal(1, proxy.Counters.RejectedBy[RejectionCause.Malformed]);
    }

    [Fact(Timeout = 10_000)]
    public async Task BodyOverBound_413NotRead()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));

        var response = await ProxyClient.SendAndReadAllAsync(proxy.Port,
            $"POST /stats HTTP/1.1\r\nHost: a\r\nContent-Length: {10 * 1024 * 1024}\r\n\r\nhello");

        Assert.Equal(413, ProxyClient.StatusOf(response));
    }

    [Fact(Timeout = 10_000)]
    public async Task StalledBody_ClosedWithinHeaderTimeout()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), """ "limits": { "header_timeout_seconds": 0.5 }, """);
        using var client = await Loopback.ConnectAsync(proxy.Port);

        await Loopback.SendAllAsync(client, Encoding.ASCII.GetBytes(ChunkedHead + "5\r\nhe"));
        var (data, _) = await Loopback.ReadToEndAsync(client);

        Assert.Empty(data);
        Assert.Equal(1, proxy.Counters.RejectedBy[RejectionCause.HeaderTimeout]);
    }
}
