using System.Text;
using NetDrift.Engine.Http;
using NetDrift.Engine.Server;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Http;

/// <summary>
/// Every head NetDrift reads passes one validation before anything answers it (RFC 9112 §3.2, §6):
/// each row here was answered as though fine before (404/405/200 on the admin paths, forwarded as
/// absolute-form) and must be a 400 and a close, counted as malformed, with no upstream touched.
/// </summary>
public sealed class RequestHeadValidationTests
{
    /// <summary>Header lines (after the request line) that make any request a 400, and why.</summary>
    public static TheoryData<string, string> BadHeaders => new()
    {
        { "missing Host", "" },
        { "two Host, same value", "Host: a.example\r\nHost: a.example\r\n" },
        { "two Host, different values", "Host: a.example\r\nHost: b.example\r\n" },
        { "empty Host", "Host: \r\n" },
        { "Host with userinfo", "Host: user@a.example\r\n" },
        { "Host with userinfo and password", "Host: user:pw@a.example\r\n" },
        { "Host with a path", "Host: a.example/admin\r\n" },
        { "Host with a query", "Host: a.example?x\r\n" },
        { "Host with a bad port", "Host: a.example:80x\r\n" },
        { "Host with an empty port", "Host: a.example:\r\n" },
        { "Host with a port over 65535", "Host: a.example:65536\r\n" },
        { "Host with an internal space", "Host: a .example\r\n" },
        { "Content-Length +5", "Host: a\r\nContent-Length: +5\r\n" },
        { "Content-Length -1", "Host: a\r\nContent-Length: -1\r\n" },
        { "Content-Length 0x10", "Host: a\r\nContent-Length: 0x10\r\n" },
        { "Content-Length 1_0", "Host: a\r\nContent-Length: 1_0\r\n" },
        { "Content-Length internal space", "Host: a\r\nContent-Length: 1 0\r\n" },
        { "Content-Length overflow", "Host: a\r\nContent-Length: 99999999999999999999999\r\n" },
        { "Content-Length list of different values", "Host: a\r\nContent-Length: 5, 6\r\n" },
        { "Content-Length lines of different values", "Host: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n" },
        { "Content-Length empty", "Host: a\r\nContent-Length: \r\n" },
        { "Content-Length decimal point", "Host: a\r\nContent-Length: 5.0\r\n" },
        { "Transfer-Encoding xchunked", "Host: a\r\nTransfer-Encoding: xchunked\r\n" },
        { "Transfer-Encoding chunked, chunked", "Host: a\r\nTransfer-Encoding: chunked, chunked\r\n" },
        { "Transfer-Encoding trailing comma", "Host: a\r\nTransfer-Encoding: chunked,\r\n" },
        { "Transfer-Encoding leading comma", "Host: a\r\nTransfer-Encoding: , chunked\r\n" },
        { "Transfer-Encoding empty", "Host: a\r\nTransfer-Encoding: \r\n" },
        { "Transfer-Encoding identity", "Host: a\r\nTransfer-Encoding: identity\r\n" },
        { "Transfer-Encoding gzip, chunked", "Host: a\r\nTransfer-Encoding: gzip, chunked\r\n" },
        { "Transfer-Encoding chunked then gzip", "Host: a\r\nTransfer-Encoding: chunked, gzip\r\n" },
        { "Transfer-Encoding chunk", "Host: a\r\nTransfer-Encoding: chunk\r\n" },
        { "Transfer-Encoding duplicated lines", "Host: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n" },
        { "Transfer-Encoding and Content-Length", "Host: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n" },
        { "Content-Length and Transfer-Encoding", "Host: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n" },
    };

    /// <summary>Whole heads that are 400s for what their request line carries.</summary>
    public static TheoryData<string, string> BadRequestLines => new()
    {
        { "fragment in origin-form", "GET /healthz#top HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "fragment in absolute-form", "GET http://origin.example/#top HTTP/1.1\r\nHost: origin.example\r\n\r\n" },
        { "chunked in HTTP/1.0", "POST /stats HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" },
        { "chunked in HTTP/1.0 absolute-form", "POST http://origin.example/ HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" },
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public void Validate_BadHeaderOnOriginForm_Refused(string why, string headers)
    {
        Assert.NotNull(Validate($"GET /stats HTTP/1.1\r\n{headers}\r\n"));
        _ = why;
    }

    [Theory]
    [InlineData("GET /stats HTTP/1.1\r\nHost: a.example\r\n\r\n")]
    [InlineData("GET /stats HTTP/1.1\r\nHost: a.example:8080\r\n\r\n")]
    [InlineData("GET /stats HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n")]
    [InlineData("GET /stats HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n")]
    [InlineData("GET /stats HTTP/1.1\r\nHost: xn--caf-dma.example\r\n\r\n")]
    [InlineData("GET /stats HTTP/1.0\r\n\r\n")]
    [InlineData("CONNECT a.example:443 HTTP/1.1\r\n\r\n")]
    [InlineData("CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n")]
    [InlineData("POST http://a.example/ HTTP/1.1\r\nHost: a.example\r\nContent-Length: 5, 5\r\n\r\n")]
    [InlineData("POST http://a.example/ HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: Chunked\r\n\r\n")]
    [InlineData("POST http://a.example/ HTTP/1.1\r\nHost: other.example\r\nContent-Length:\t5\r\n\r\n")]
    public void Validate_WellFormed_Accepted(string head)
    {
        Assert.Null(Validate(head));
    }

    [Theory]
    [InlineData("CONNECT a.example:443 HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")]
    [InlineData("CONNECT a.example:443 HTTP/1.1\r\nHost: u@a\r\n\r\n")]
    public void Validate_ConnectWithBadHost_Refused(string head)
    {
        Assert.NotNull(Validate(head));
    }

    [Theory(Timeout = 10_000)]
    [MemberData(nameof(BadHeaders))]
    public async Task AdminPath_BadHeader_400NotDispatched(string why, string headers)
    {
        await AssertRefusedAsync($"GET /stats HTTP/1.1\r\n{headers}\r\n", why);
        await AssertRefusedAsync($"POST /nosuch HTTP/1.1\r\n{headers}\r\n", why);
    }

    [Theory(Timeout = 10_000)]
    [MemberData(nameof(BadHeaders))]
    public async Task AbsoluteForm_BadHeader_400NotForwarded(string why, string headers)
    {
        await AssertRefusedAsync($"POST http://origin.example/ HTTP/1.1\r\n{headers}\r\n", why);
    }

    [Theory(Timeout = 10_000)]
    [MemberData(nameof(BadRequestLines))]
    public async Task BadRequestLine_400(string why, string head)
    {
        await AssertRefusedAsync(head, why);
    }

    [Fact(Timeout = 10_000)]
    public async Task LongMethodName_400NotHeaderTooLarge()
    {
        await AssertRefusedAsync(new string('A', 64 * 1024) + " / HTTP/1.1\r\nHost: a\r\n\r\n", "64 KiB method");
    }

    [Fact(Timeout = 10_000)]
    public async Task LongHeaderAfterValidRequestLine_StillHeaderTooLarge()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));

        var response = await ProxyClient.SendAndReadAllAsync(proxy.Port,
            "GET http://origin.example/ HTTP/1.1\r\nHost: origin.example\r\nX-Big: " + new string('x', 64 * 1024) + "\r\n\r\n");

        Assert.Equal(431, ProxyClient.StatusOf(response));
    }

    [Fact(Timeout = 10_000)]
    public async Task BareLfHead_ForwardedWithCrlf()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));

        var response = await ProxyClient.SendAndReadAllAsync(proxy.Port,
            "GET http://origin.example/x HTTP/1.1\nHost: origin.example\nX-Test: 1\nConnection: close\n\n");

        Assert.Equal(200, ProxyClient.StatusOf(response));
        var forwarded = Assert.Single(upstream.Heads);
        Assert.Contains("\r\nX-Test: 1\r\n", forwarded, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", forwarded.Replace("\r\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    private static string? Validate(string head)
    {
        Assert.Equal(HeadParseError.None, HeadParser.TryParseRequest(Encoding.ASCII.GetBytes(head), 100, out var request));
        return RequestHeadValidator.Validate(request!);
    }

    private static async Task AssertRefusedAsync(string head, string why)
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));

        var response = await ProxyClient.SendAndReadAllAsync(proxy.Port, head);

        Assert.True(ProxyClient.StatusOf(response) == 400, $"{why}: {response.Split("\r\n")[0]}");
        Assert.Contains("Connection: close", response, StringComparison.Ordinal);
        Assert.Equal(1, proxy.Counters.RejectedBy[RejectionCause.Malformed]);
        Assert.Equal(0, upstream.Accepted);
    }
}
