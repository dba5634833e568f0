using NetDrift.Engine.Health;

namespace NetDrift.Engine.Tests.Health;

public sealed class HealthProbeTargetTests
{
    [Fact]
    public void Parse_HttpUrl_GetInAbsoluteFormWithoutFragment()
    {
        var target = HealthProbeTarget.Parse("http://example.com/path?q=1#frag")!;

        Assert.Equal(HealthProbeKind.HttpGet, target.Kind);
        Assert.Equal("http://example.com/path?q=1", target.RequestTarget);
        Assert.Equal("example.com", target.Host);
        Assert.Equal("GET http://example.com/path?q=1", target.Display);
    }

    [Fact]
    public void Parse_HttpUrlWithUserInfoAndPort_DropsUserInfoKeepsPort()
    {
        var target = HealthProbeTarget.Parse("http://user:secret@example.com:8080")!;

        Assert.Equal("http://example.com:8080/", target.RequestTarget);
        Assert.Equal("example.com:8080", target.Host);
        Assert.DoesNotContain("secret", target.Display);
    }

    [Theory]
    [InlineData("https://api.ipify.org?format=json", "api.ipify.org:443")]
    [InlineData("https://127.0.0.1:8443/", "127.0.0.1:8443")]
    [InlineData("https://[::1]:9443/x", "[::1]:9443")]
    public void Parse_HttpsUrl_ConnectToHostAndPort(string endpoint, string authority)
    {
        var target = HealthProbeTarget.Parse(endpoint)!;

        Assert.Equal(HealthProbeKind.Connect, target.Kind);
        Assert.Equal(authority, target.RequestTarget);
        Assert.Equal("CONNECT " + authority, target.Display);
    }

    [Theory]
    [InlineData("ftp://example.com/")]
    [InlineData("not a url")]
    [InlineData("/relative")]
    public void Parse_NotHttp_Null(string endpoint) => Assert.Null(HealthProbeTarget.Parse(endpoint));

    [Fact]
    public void ParseAll_NoEndpoints_EmptyMeansTcpConnect()
    {
        Assert.Empty(HealthProbeTarget.ParseAll([]));
        Assert.Equal(HealthProbeKind.TcpConnect, HealthProbeTarget.TcpConnect.Kind);
    }
}
