using System.Text;
using NetDrift.Engine.Http;

namespace NetDrift.Engine.Tests.Http;

public sealed class HeadParserTests
{
    private static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);

    // ---- TryParseRequest: accepted heads -------------------------------------------------------

    public static TheoryData<string, RequestTargetForm, string, int, string> GoodRequests => new()
    {
        // head, form, host, port, path-and-query
        { "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", RequestTargetForm.Authority, "example.com", 443, "" },
        { "CONNECT [::1]:443 HTTP/1.1\r\n\r\n", RequestTargetForm.Authority, "::1", 443, "" },
        { "CONNECT 127.0.0.1:65535 HTTP/1.0\r\n\r\n", RequestTargetForm.Authority, "127.0.0.1", 65535, "" },
        { "CONNECT a.b-c.example:1 HTTP/1.1\r\n\r\n", RequestTargetForm.Authority, "a.b-c.example", 1, "" },
        { "GET http://example.com/path?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n", RequestTargetForm.Absolute, "example.com", 80, "/path?q=1" },
        { "GET http://example.com HTTP/1.1\r\n\r\n", RequestTargetForm.Absolute, "example.com", 80, "/" },
        { "POST http://example.com:8080/submit HTTP/1.1\r\nContent-Length: 3\r\n\r\n", RequestTargetForm.Absolute, "example.com", 8080, "/submit" },
        { "GET http://[::1]:8080/x HTTP/1.1\r\n\r\n", RequestTargetForm.Absolute, "::1", 8080, "/x" },
        { "GET / HTTP/1.1\r\n\r\n", RequestTargetForm.Origin, "", 0, "/" },
        { "GET /stats?x=1 HTTP/1.1\r\nAccept: */*\r\n\r\n", RequestTargetForm.Origin, "", 0, "/stats?x=1" },
        { "GET /stats HTTP/1.1\nHost: proxy\n\n", RequestTargetForm.Origin, "", 0, "/stats" },
        { "GET /mixed HTTP/1.1\r\nHost: proxy\n\r\n", RequestTargetForm.Origin, "", 0, "/mixed" },
        { "CONNECT example.com:443 HTTP/1.1\nHost: example.com:443\n\n", RequestTargetForm.Authority, "example.com", 443, "" },
        { "OPTIONS * HTTP/1.1\r\n\r\n", RequestTargetForm.Asterisk, "", 0, "" },
        { "GET / HTTP/1.1\r\nX-Ows: \t  spaced value \t \r\nX-Empty:\r\nX-Tight:v\r\n\r\n", RequestTargetForm.Origin, "", 0, "/" },
    };

    [Theory]
    [MemberData(nameof(GoodRequests))]
    public void TryParseRequest_ValidHead_ParsesTargetForm(string head, RequestTargetForm form, string host, int port, string pathAndQuery)
    {
        var error = HeadParser.TryParseRequest(Bytes(head), HeadParser.DefaultMaxHeaderCount, out var request);

        Assert.Equal(HeadParseError.None, error);
        Assert.NotNull(request);
        Assert.Equal(form, request.Form);
        Assert.Equal(host, request.Host);
        Assert.Equal(port, request.Port);
        Assert.Equal(pathAndQuery, request.PathAndQuery);
        Assert.Equal(head[..head.IndexOf(' ')], request.Method);
        Assert.Equal(form == RequestTargetForm.Authority, request.IsConnect);
    }

    [Fact]
    public void TryParseRequest_HeadersWithOws_TrimsValuesAndKeepsOrder()
    {
        var head = Bytes("GET / HTTP/1.1\r\nX-Ows: \t  spaced value \t \r\nX-Empty:\r\nx-tight:v\r\nX-Ows: second\r\n\r\n");

        var error = HeadParser.TryParseRequest(head, HeadParser.DefaultMaxHeaderCount, out var request);

        Assert.Equal(HeadParseError.None, error);
        Assert.Equal(4, request!.Headers.Count);
        Assert.Equal("spaced value", request.Headers.Get("x-ows"));
        Assert.Equal("", request.Headers.Get("X-Empty"));
        Assert.Equal("v", request.Headers.Get("X-TIGHT"));
        Assert.Equal(2, request.Headers.CountOf("X-Ows"));
        Assert.Null(request.Headers.Get("Missing"));
        Assert.Equal(["X-Ows", "X-Empty", "x-tight", "X-Ows"], request.Headers.Fields.Select(f => f.Name));
    }

    [Fact]
    public void TryParseRequest_ConnectIpv6_AuthorityIsBracketed()
    {
        HeadParser.TryParseRequest(Bytes("CONNECT [2001:db8::1]:8443 HTTP/1.1\r\n\r\n"), 100, out var request);

        Assert.Equal("2001:db8::1", request!.Host);
        Assert.Equal("[2001:db8::1]:8443", request.Authority);
        Assert.Equal("[2001:db8::1]:8443", request.Target);
    }

    [Fact]
    public void TryParseRequest_Version_IsKeptAsSent()
    {
        HeadParser.TryParseRequest(Bytes("CONNECT h:1 HTTP/1.0\r\n\r\n"), 100, out var request);

        Assert.Equal("HTTP/1.0", request!.Version);
        Assert.Equal("h:1", request.Target);
    }

    // ---- TryParseRequest: refused heads --------------------------------------------------------

    public static TheoryData<string, string> MalformedRequests => new()
    {
        { "missing version", "GET /\r\n\r\n" },
        { "only a method", "GET\r\n\r\n" },
        { "HTTP/2.0", "GET / HTTP/2.0\r\n\r\n" },
        { "HTTP/1.2", "GET / HTTP/1.2\r\n\r\n" },
        { "lowercase version", "GET / http/1.1\r\n\r\n" },
        { "double space after method", "GET  / HTTP/1.1\r\n\r\n" },
        { "double space before version", "GET /  HTTP/1.1\r\n\r\n" },
        { "trailing space", "GET / HTTP/1.1 \r\n\r\n" },
        { "leading space", " GET / HTTP/1.1\r\n\r\n" },
        { "tab as separator", "GET\t/ HTTP/1.1\r\n\r\n" },
        { "empty request line", "\r\n\r\n" },
        { "obs-fold with space", "GET / HTTP/1.1\r\nX-A: a\r\n  b\r\n\r\n" },
        { "obs-fold with tab", "GET / HTTP/1.1\r\nX-A: a\r\n\tb\r\n\r\n" },
        { "space before colon", "GET / HTTP/1.1\r\nHost : example.com\r\n\r\n" },
        { "tab before colon", "GET / HTTP/1.1\r\nHost\t: example.com\r\n\r\n" },
        { "no colon", "GET / HTTP/1.1\r\nNoColonHere\r\n\r\n" },
        { "empty header name", "GET / HTTP/1.1\r\n: value\r\n\r\n" },
        { "non-token header name", "GET / HTTP/1.1\r\nX(A): v\r\n\r\n" },
        { "control char in value", "GET / HTTP/1.1\r\nX-A: a\u0001b\r\n\r\n" },
        { "NUL in value", "GET / HTTP/1.1\r\nX-A: a\u0000b\r\n\r\n" },
        { "DEL in value", "GET / HTTP/1.1\r\nX-A: a\u007Fb\r\n\r\n" },
        { "bare CR in value", "GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n" },
        { "escape in value", "GET / HTTP/1.1\r\nX-A: \u001B[31m\r\n\r\n" },
        { "CONNECT without port", "CONNECT example.com HTTP/1.1\r\n\r\n" },
        { "CONNECT empty port", "CONNECT example.com: HTTP/1.1\r\n\r\n" },
        { "CONNECT port 0", "CONNECT example.com:0 HTTP/1.1\r\n\r\n" },
        { "CONNECT port 70000", "CONNECT example.com:70000 HTTP/1.1\r\n\r\n" },
        { "CONNECT port 65536", "CONNECT example.com:65536 HTTP/1.1\r\n\r\n" },
        { "CONNECT non-numeric port", "CONNECT example.com:https HTTP/1.1\r\n\r\n" },
        { "CONNECT negative port", "CONNECT example.com:-1 HTTP/1.1\r\n\r\n" },
        { "CONNECT signed port", "CONNECT example.com:+443 HTTP/1.1\r\n\r\n" },
        { "CONNECT port with path", "CONNECT example.com:443/x HTTP/1.1\r\n\r\n" },
        { "CONNECT no host", "CONNECT :443 HTTP/1.1\r\n\r\n" },
        { "CONNECT unbracketed IPv6", "CONNECT ::1:443 HTTP/1.1\r\n\r\n" },
        { "CONNECT bracketed IPv6 without port", "CONNECT [::1] HTTP/1.1\r\n\r\n" },
        { "CONNECT bracketed non-IPv6", "CONNECT [example.com]:443 HTTP/1.1\r\n\r\n" },
        { "CONNECT userinfo", "CONNECT user@example.com:443 HTTP/1.1\r\n\r\n" },
        { "CONNECT absolute URL", "CONNECT http://example.com:443 HTTP/1.1\r\n\r\n" },
        { "absolute-form https", "GET https://example.com/ HTTP/1.1\r\n\r\n" },
        { "absolute-form with userinfo", "GET http://user:pass@example.com/ HTTP/1.1\r\n\r\n" },
        { "absolute-form ftp", "GET ftp://example.com/file HTTP/1.1\r\n\r\n" },
        { "absolute-form without host", "GET http:///path HTTP/1.1\r\n\r\n" },
        { "relative target", "GET path HTTP/1.1\r\n\r\n" },
        { "non-ASCII in target", "GET /caf\u00e9 HTTP/1.1\r\n\r\n" },
        { "asterisk with GET", "GET * HTTP/1.1\r\n\r\n" },
        { "non-token method", "GE(T / HTTP/1.1\r\n\r\n" },
        { "method with quote", "G\"T / HTTP/1.1\r\n\r\n" },
        { "method with slash", "GE/T / HTTP/1.1\r\n\r\n" },
        { "lowercase connect is not CONNECT", "connect example.com:443 HTTP/1.1\r\n\r\n" },
        { "bytes after the blank line", "GET / HTTP/1.1\r\n\r\nX-A: b\r\n\r\n" },
        { "TLS ClientHello", "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003\r\n\r\n" },
    };

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public void TryParseRequest_BadHead_IsMalformed(string why, string head)
    {
        var error = HeadParser.TryParseRequest(Bytes(head), HeadParser.DefaultMaxHeaderCount, out var request);

        Assert.True(error == HeadParseError.Malformed, $"{why}: expected Malformed, got {error}");
        Assert.Null(request);
    }

    [Fact]
    public void TryParseRequest_OneHeaderMoreThanMax_IsTooLarge()
    {
        var head = new StringBuilder("GET / HTTP/1.1\r\n");
        for (var i = 0; i <= HeadParser.DefaultMaxHeaderCount; i++)
        {
            head.Append("X-H").Append(i).Append(": v\r\n");
        }
        head.Append("\r\n");

        var error = HeadParser.TryParseRequest(Bytes(head.ToString()), HeadParser.DefaultMaxHeaderCount, out var request);

        Assert.Equal(HeadParseError.TooLarge, error);
        Assert.Null(request);
    }

    [Theory]
    [InlineData(3, 3, HeadParseError.None)]
    [InlineData(3, 4, HeadParseError.TooLarge)]
    [InlineData(8, 8, HeadParseError.None)]
    [InlineData(8, 50, HeadParseError.TooLarge)]
    public void TryParseRequest_HeaderCountAgainstLimit_RefusesOnlyOverTheLimit(int max, int count, HeadParseError expected)
    {
        var head = "CONNECT h:443 HTTP/1.1\r\n" + string.Concat(Enumerable.Range(0, count).Select(i => $"X-{i}: v\r\n")) + "\r\n";

        Assert.Equal(expected, HeadParser.TryParseRequest(Bytes(head), max, out _));
    }

    [Fact]
    public void TryParseRequest_AllByteValuesInValue_OnlyControlsRefused()
    {
        for (var b = 0; b < 256; b++)
        {
            var head = new List<byte>(Bytes("GET / HTTP/1.1\r\nX-A: a"));
            head.Add((byte)b);
            head.AddRange(Bytes("b\r\n\r\n"));
            var expected = (b < 0x20 && b != '\t') || b == 0x7F ? HeadParseError.Malformed : HeadParseError.None;

            var error = HeadParser.TryParseRequest(head.ToArray(), 100, out _);

            Assert.True(expected == error, $"byte 0x{b:X2}: expected {expected}, got {error}");
        }
    }

    [Fact]
    public void TryParseRequest_ObsTextInValue_IsKeptAsLatin1()
    {
        HeadParser.TryParseRequest([.. Bytes("GET / HTTP/1.1\r\nX-A: caf"), 0xE9, .. Bytes("\r\n\r\n")], 100, out var request);

        Assert.Equal("caf\u00e9", request!.Headers.Get("X-A"));
    }

    [Fact]
    public void TryParseRequest_RandomBytes_NeverThrows()
    {
        var random = new Random(12345);
        var alphabet = Bytes("GET CONNECT http://[]:/ HTTP/1.1\r\n\t:*@%0123456789abc\u0000\u007F\u00ff ");
        for (var i = 0; i < 5000; i++)
        {
            var head = new byte[random.Next(0, 80)];
            for (var j = 0; j < head.Length; j++)
            {
                head[j] = alphabet[random.Next(alphabet.Length)];
            }
            var error = HeadParser.TryParseRequest(head, 10, out var request);
            Assert.Equal(error == HeadParseError.None, request is not null);
        }
    }

    // ---- TryParseAuthority ---------------------------------------------------------------------

    [Theory]
    [InlineData("example.com:443", "example.com", 443)]
    [InlineData("127.0.0.1:1", "127.0.0.1", 1)]
    [InlineData("[::1]:443", "::1", 443)]
    [InlineData("[fe80::1:2]:65535", "fe80::1:2", 65535)]
    [InlineData("localhost:00080", "localhost", 80)]
    public void TryParseAuthority_Valid_SplitsHostAndPort(string authority, string host, int port)
    {
        Assert.True(HeadParser.TryParseAuthority(authority, out var parsedHost, out var parsedPort));
        Assert.Equal(host, parsedHost);
        Assert.Equal(port, parsedPort);
    }

    [Theory]
    [InlineData("")]
    [InlineData("example.com")]
    [InlineData("example.com:")]
    [InlineData(":443")]
    [InlineData("example.com:0")]
    [InlineData("example.com:65536")]
    [InlineData("example.com:123456")]
    [InlineData("example.com:４４３")]
    [InlineData("example.com: 443")]
    [InlineData("exa mple.com:443")]
    [InlineData("::1:443")]
    [InlineData("[::1]")]
    [InlineData("[::1]:")]
    [InlineData("[::1]x443")]
    [InlineData("[127.0.0.1]:443")]
    [InlineData("[::1:443")]
    [InlineData("a:b:443")]
    public void TryParseAuthority_Invalid_ReturnsFalse(string authority)
    {
        Assert.False(HeadParser.TryParseAuthority(authority, out var host, out var port));
        Assert.Equal("", host);
        Assert.Equal(0, port);
    }

    // ---- FindHeadEnd ---------------------------------------------------------------------------

    public static TheoryData<string> CompleteHeads => new()
    {
        "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nProxy-Authorization: Basic dTpw\r\n\r\n",
        "GET /stats HTTP/1.1\nHost: x\n\n",
        "GET /mixed HTTP/1.1\r\nHost: x\n\r\n",
        "GET /lflf HTTP/1.1\r\nHost: x\r\n\n",
        "GET / HTTP/1.1\r\n\r\n",
        "HTTP/1.1 200 OK\r\n\r\n",
        "\r\n\r\n",
        "\n\n",
    };

    [Theory]
    [MemberData(nameof(CompleteHeads))]
    public void FindHeadEnd_EveryPrefix_MinusOneUntilCompleteThenExactLength(string text)
    {
        var head = Bytes(text);
        var withTunnelBytes = head.Concat(Bytes("\u0016\u0003\u0001\r\n\r\nmore")).ToArray();

        for (var length = 0; length <= withTunnelBytes.Length; length++)
        {
            var expected = length < head.Length ? -1 : head.Length;
            var found = HeadParser.FindHeadEnd(withTunnelBytes.AsSpan(0, length));
            Assert.True(expected == found, $"prefix of {length} bytes: expected {expected}, got {found}");
        }
    }

    [Theory]
    [MemberData(nameof(CompleteHeads))]
    public void FindHeadEnd_ScanFromThreeBytesBeforeEverySplit_FindsTheSameEnd(string text)
    {
        // SocketInput.ReadHeadAsync rescans only the new bytes plus the three before them; that must find the same end.
        var head = Bytes(text);
        for (var split = 1; split < head.Length; split++)
        {
            if (HeadParser.FindHeadEnd(head.AsSpan(0, split)) >= 0)
            {
                continue;
            }
            var scanFrom = Math.Max(0, split - 3);
            Assert.Equal(head.Length, scanFrom + HeadParser.FindHeadEnd(head.AsSpan(scanFrom)));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("GET / HTTP/1.1")]
    [InlineData("GET / HTTP/1.1\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n\r")]
    [InlineData("GET / HTTP/1.1\rHost: x\r\r")]
    [InlineData("GET / HTTP/1.1\r\n\rX")]
    public void FindHeadEnd_Incomplete_ReturnsMinusOne(string text)
    {
        Assert.Equal(-1, HeadParser.FindHeadEnd(Bytes(text)));
    }

    // ---- TryParseResponse ----------------------------------------------------------------------

    public static TheoryData<string, int, string, string> GoodResponses => new()
    {
        { "HTTP/1.1 200 Connection established\r\n\r\n", 200, "Connection established", "HTTP/1.1" },
        { "HTTP/1.1 200 OK\r\nX-A: b\r\n\r\n", 200, "OK", "HTTP/1.1" },
        { "HTTP/1.0 200 OK\r\n\r\n", 200, "OK", "HTTP/1.0" },
        { "HTTP/1.1 200\r\n\r\n", 200, "", "HTTP/1.1" },
        { "HTTP/1.1 200 \r\n\r\n", 200, "", "HTTP/1.1" },
        { "HTTP/1.1 204 No\tContent\r\n\r\n", 204, "No\tContent", "HTTP/1.1" },
        { "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"x\"\r\n\r\n", 407, "Proxy Authentication Required", "HTTP/1.1" },
        { "HTTP/1.1 502 Bad Gateway\nConnection: close\n\n", 502, "Bad Gateway", "HTTP/1.1" },
        { "HTTP/1.1 100 Continue\r\n\r\n", 100, "Continue", "HTTP/1.1" },
        { "HTTP/1.1 599 Weird\r\n\r\n", 599, "Weird", "HTTP/1.1" },
        { "HTTP/1.1 200 caf\u00e9\r\n\r\n", 200, "caf\u00e9", "HTTP/1.1" },
    };

    [Theory]
    [MemberData(nameof(GoodResponses))]
    public void TryParseResponse_ValidStatusLine_ParsesStatusAndReason(string head, int status, string reason, string version)
    {
        var error = HeadParser.TryParseResponse(Bytes(head), HeadParser.DefaultMaxHeaderCount, out var response);

        Assert.Equal(HeadParseError.None, error);
        Assert.Equal(status, response!.StatusCode);
        Assert.Equal(reason, response.ReasonPhrase);
        Assert.Equal(version, response.Version);
        Assert.Equal(status is >= 200 and <= 299, response.IsSuccess);
    }

    [Fact]
    public void TryParseResponse_Headers_AreParsed()
    {
        HeadParser.TryParseResponse(Bytes("HTTP/1.1 407 Nope\r\nProxy-Authenticate: Basic realm=\"up\"\r\nContent-Length: 0\r\n\r\n"), 100, out var response);

        Assert.Equal("Basic realm=\"up\"", response!.Headers.Get("proxy-authenticate"));
        Assert.Equal(2, response.Headers.Count);
    }

    public static TheoryData<string, string> MalformedResponses => new()
    {
        { "garbage", "garbage\r\n\r\n" },
        { "TLS bytes", "\u0016\u0003\u0001\u0000\u0005hello\r\n\r\n" },
        { "empty", "\r\n\r\n" },
        { "version only", "HTTP/1.1\r\n\r\n" },
        { "version and space", "HTTP/1.1 \r\n\r\n" },
        { "two digits", "HTTP/1.1 20 OK\r\n\r\n" },
        { "two digits, no reason", "HTTP/1.1 20\r\n\r\n" },
        { "four digits", "HTTP/1.1 2000 OK\r\n\r\n" },
        { "letter in status", "HTTP/1.1 20a OK\r\n\r\n" },
        { "status below 100", "HTTP/1.1 099 Low\r\n\r\n" },
        { "status 000", "HTTP/1.1 000 Zero\r\n\r\n" },
        { "no space before reason", "HTTP/1.1 200OK\r\n\r\n" },
        { "double space before status", "HTTP/1.1  200 OK\r\n\r\n" },
        { "HTTP/2", "HTTP/2 200 OK\r\n\r\n" },
        { "HTTP/2.0", "HTTP/2.0 200 OK\r\n\r\n" },
        { "lowercase version", "http/1.1 200 OK\r\n\r\n" },
        { "ICY", "ICY 200 OK\r\n\r\n" },
        { "control char in reason", "HTTP/1.1 200 O\u0001K\r\n\r\n" },
        { "DEL in reason", "HTTP/1.1 200 O\u007FK\r\n\r\n" },
        { "obs-fold header", "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\n\r\n" },
        { "space before colon", "HTTP/1.1 200 OK\r\nX-A : a\r\n\r\n" },
    };

    [Theory]
    [MemberData(nameof(MalformedResponses))]
    public void TryParseResponse_BadHead_IsMalformed(string why, string head)
    {
        var error = HeadParser.TryParseResponse(Bytes(head), HeadParser.DefaultMaxHeaderCount, out var response);

        Assert.True(error == HeadParseError.Malformed, $"{why}: expected Malformed, got {error}");
        Assert.Null(response);
    }

    [Fact]
    public void TryParseResponse_TooManyHeaders_IsTooLarge()
    {
        var head = "HTTP/1.1 200 OK\r\n" + string.Concat(Enumerable.Range(0, 11).Select(i => $"X-{i}: v\r\n")) + "\r\n";

        Assert.Equal(HeadParseError.TooLarge, HeadParser.TryParseResponse(Bytes(head), 10, out _));
    }
}
