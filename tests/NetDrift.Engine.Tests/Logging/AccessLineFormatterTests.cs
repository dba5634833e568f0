using NetDrift.Engine.Configuration;
using NetDrift.Engine.Logging;

namespace NetDrift.Engine.Tests.Logging;

/// <summary>The access log's two formats, line for line, from fixed records (the time a fixed instant, as a fake clock gives).</summary>
public sealed class AccessLineFormatterTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_733_140_000_123);

    private static AccessRecord Tunnel(string? user = "alice") =>
        new(At, 812, "127.0.0.1", user, "Http", AccessKind.Tunnel, "CONNECT", "example.com:443", 200, "up-a", 1, 300, 5120, null);

    [Fact]
    public void Squid_Tunnel_IsTheContractExample()
    {
        var line = new AccessLineFormatter(AccessLogFormat.Squid, logUser: true).Format(Tunnel());

        Assert.Equal("1733140000.123    812 127.0.0.1 TCP_TUNNEL/200 5120 CONNECT example.com:443 alice FIRSTUP_PARENT/up-a -\n", line);
    }

    [Fact]
    public void Squid_PlainRequest_MissWithContentTypeAndNoUser()
    {
        var record = new AccessRecord(At.AddMilliseconds(7), 3, "::1", null, "Http", AccessKind.Request, "GET", "http://origin.test/a?b=1",
            404, "up-b", 2, 120, 987, null, "text/html; charset=utf-8");

        var line = new AccessLineFormatter(AccessLogFormat.Squid, logUser: true).Format(record);

        Assert.Equal("1733140000.130      3 ::1 TCP_MISS/404 987 GET http://origin.test/a?b=1 - FIRSTUP_PARENT/up-b text/html;%20charset=utf-8\n", line);
    }

    [Theory]
    [InlineData(407, "TCP_DENIED/407")]
    [InlineData(403, "TCP_DENIED/403")]
    [InlineData(429, "TCP_DENIED/429")]
    [InlineData(400, "NONE/400")]
    [InlineData(431, "NONE/431")]
    [InlineData(503, "NONE/503")]
    public void Squid_Refusal_DeniedOrNoneWithoutPeer(int status, string code)
    {
        var record = new AccessRecord(At, 0, "10.0.0.9", null, "Http", AccessKind.Refusal, "NONE", "-", status, null, 0, 0, 0, "Cause");

        var line = new AccessLineFormatter(AccessLogFormat.Squid, logUser: true).Format(record);

        Assert.Equal($"1733140000.123      0 10.0.0.9 {code} 0 NONE - - HIER_NONE/- -\n", line);
    }

    [Fact]
    public void Squid_FailedTunnel_NoPeerAndThreeDigitStatus()
    {
        var record = new AccessRecord(At, 5012, "127.0.0.1", "bob", "Http", AccessKind.Tunnel, "CONNECT", "x.test:443", 504, null, 3, 0, 0, "Timeout");

        var line = new AccessLineFormatter(AccessLogFormat.Squid, logUser: true).Format(record);

        Assert.Equal("1733140000.123   5012 127.0.0.1 TCP_TUNNEL/504 0 CONNECT x.test:443 bob HIER_NONE/- -\n", line);
    }

    [Fact]
    public void Squid_UserWithSpace_PercentEscapedSoTheFieldsStaySpaceSeparated()
    {
        var line = new AccessLineFormatter(AccessLogFormat.Squid, logUser: true).Format(Tunnel("ann smith"));

        Assert.Contains(" ann%20smith FIRSTUP_PARENT/", line, StringComparison.Ordinal);
        Assert.Equal(10, line.TrimEnd('\n').Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Theory]
    [InlineData(AccessLogFormat.Squid)]
    [InlineData(AccessLogFormat.Json)]
    public void LogUserFalse_NoUserName(AccessLogFormat format)
    {
        var line = new AccessLineFormatter(format, logUser: false).Format(Tunnel());

        Assert.DoesNotContain("alice", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(AccessLogFormat.Squid)]
    [InlineData(AccessLogFormat.Json)]
    public void AbsoluteTargetWithUserinfo_NeverShowsThePassword(AccessLogFormat format)
    {
        var record = new AccessRecord(At, 1, "127.0.0.1", null, "Http", AccessKind.Request, "GET", "http://me:s3cret@origin.test:8080/p?q=a@b",
            200, "up", 1, 10, 20, null);

        var line = new AccessLineFormatter(format, logUser: true).Format(record);

        Assert.DoesNotContain("s3cret", line, StringComparison.Ordinal);
        Assert.Contains("http://origin.test:8080/p?q=a@b", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_Tunnel_EveryContractFieldInOrder()
    {
        var line = new AccessLineFormatter(AccessLogFormat.Json, logUser: true).Format(Tunnel());

        Assert.Equal("""{"time":"2024-12-02T11:46:40.123Z","elapsed_ms":812,"client":"127.0.0.1","user":"alice","protocol":"Http","method":"CONNECT","target":"example.com:443","status":200,"upstream":"up-a","attempts":1,"bytes_sent":300,"bytes_received":5120,"cause":null}""" + "\n", line);
    }

    [Fact]
    public void Json_Refusal_NullsAndCause()
    {
        var record = new AccessRecord(At, 4, "127.0.0.1", null, "Http", AccessKind.Refusal, "CONNECT", "x.test:25", 403, null, 0, 0, 0, "PortNotAllowed");

        var line = new AccessLineFormatter(AccessLogFormat.Json, logUser: true).Format(record);

        Assert.Equal("""{"time":"2024-12-02T11:46:40.123Z","elapsed_ms":4,"client":"127.0.0.1","user":null,"protocol":"Http","method":"CONNECT","target":"x.test:25","status":403,"upstream":null,"attempts":0,"bytes_sent":0,"bytes_received":0,"cause":"PortNotAllowed"}""" + "\n", line);
    }

    [Theory]
    [InlineData(AccessKind.Tunnel, "CONNECT", "example.com:443", "HIER_DIRECT/example.com")]
    [InlineData(AccessKind.Request, "GET", "http://u:p@origin.test:8080/a", "HIER_DIRECT/origin.test")]
    [InlineData(AccessKind.Tunnel, "CONNECT", "[::1]:443", "HIER_DIRECT/::1")]
    public void Squid_DirectRoute_HierDirectWithTheTargetHost(AccessKind kind, string method, string target, string hierarchy)
    {
        var record = new AccessRecord(At, 1, "127.0.0.1", null, "Http", kind, method, target, 200, null, 1, 1, 1, null, Direct: true);

        var line = new AccessLineFormatter(AccessLogFormat.Squid, logUser: true).Format(record);

        Assert.Contains($" - {hierarchy} -\n", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("example.com:443", "example.com:443")]
    [InlineData("http://a/b", "http://a/b")]
    [InlineData("http://u:p@a/b", "http://a/b")]
    [InlineData("http://u:p@a", "http://a")]
    [InlineData("http://a/b?c=u:p@d", "http://a/b?c=u:p@d")]
    [InlineData("http://u@x:p%40w@a:81/", "http://a:81/")]
    public void AccessTarget_Redact_StripsUserinfoOnly(string target, string expected) =>
        Assert.Equal(expected, AccessTarget.Redact(target));
}
