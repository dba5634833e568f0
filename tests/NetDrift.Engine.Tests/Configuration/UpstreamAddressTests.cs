using System.Text;
using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Tests.Configuration;

public sealed class UpstreamAddressTests
{
    private static UpstreamAddress Parse(string url)
    {
        Assert.True(UpstreamAddress.TryParse(url, out var address, out var error), error);
        Assert.Null(error);
        return address!;
    }

    [Fact]
    public void TryParse_HostAndPort_NoCredentials()
    {
        var address = Parse("http://127.0.0.1:3025");

        Assert.Equal("127.0.0.1", address.Host);
        Assert.Equal(3025, address.Port);
        Assert.Equal("http", address.Scheme);
        Assert.Null(address.Credentials);
        Assert.Null(address.ProxyAuthorization);
        Assert.Equal("127.0.0.1:3025", address.Authority);
        Assert.Equal("http://127.0.0.1:3025", address.Redacted);
    }

    [Fact]
    public void TryParse_PercentEncodedPasswordWithColon_DecodesAndSplitsAtFirstColon()
    {
        var address = Parse("http://u1:p%40ss:w@127.0.0.1:3027");

        Assert.Equal("u1", address.Credentials!.Value.UserName);
        Assert.Equal("p@ss:w", address.Credentials.Value.Password);
        Assert.Equal("127.0.0.1", address.Host);
        Assert.Equal(3027, address.Port);
    }

    [Fact]
    public void ProxyAuthorization_WithCredentials_IsExactBasicValue()
    {
        var address = Parse("http://u1:p%40ss:w@127.0.0.1:3027");

        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("u1:p@ss:w")), address.ProxyAuthorization);
        Assert.Equal("Basic dTE6cEBzczp3", address.ProxyAuthorization);
    }

    [Fact]
    public void TryParse_LiteralAtInPassword_LastAtSplitsHost()
    {
        var address = Parse("http://user:p@ss@proxy.example.com:8080");

        Assert.Equal("p@ss", address.Credentials!.Value.Password);
        Assert.Equal("proxy.example.com", address.Host);
        Assert.Equal(8080, address.Port);
    }

    [Fact]
    public void TryParse_PercentEncodedUserName_Decoded()
    {
        var address = Parse("http://us%20er%C3%BC:pw@h:1");

        Assert.Equal("us erü", address.Credentials!.Value.UserName);
        Assert.Equal("pw", address.Credentials.Value.Password);
    }

    [Fact]
    public void TryParse_UserWithoutPassword_EmptyPassword()
    {
        var address = Parse("http://token@h:3128");

        Assert.Equal("token", address.Credentials!.Value.UserName);
        Assert.Equal("", address.Credentials.Value.Password);
    }

    [Theory]
    [InlineData("http://[::1]:3128", "::1", 3128, "[::1]:3128")]
    [InlineData("http://[2001:db8::7]:8080", "2001:db8::7", 8080, "[2001:db8::7]:8080")]
    [InlineData("http://[::1]", "::1", 80, "[::1]:80")]
    [InlineData("http://proxy.example.com", "proxy.example.com", 80, "proxy.example.com:80")]
    [InlineData("http://proxy.example.com/", "proxy.example.com", 80, "proxy.example.com:80")]
    [InlineData("http://proxy.example.com:8080/", "proxy.example.com", 8080, "proxy.example.com:8080")]
    [InlineData("socks5://proxy.example.com", "proxy.example.com", 1080, "proxy.example.com:1080")]
    [InlineData("socks5h://u:p@[::1]:9050", "::1", 9050, "[::1]:9050")]
    [InlineData("HTTP://Proxy:1", "Proxy", 1, "Proxy:1")]
    public void TryParse_HostForms_HostPortAndAuthority(string url, string host, int port, string authority)
    {
        var address = Parse(url);

        Assert.Equal(host, address.Host);
        Assert.Equal(port, address.Port);
        Assert.Equal(authority, address.Authority);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("127.0.0.1:3128")]
    [InlineData("ftp://proxy.example.com:21")]
    [InlineData("socks4://proxy.example.com:1080")]
    [InlineData("http//proxy:1")]
    [InlineData("http://proxy.example.com:0")]
    [InlineData("http://proxy.example.com:65536")]
    [InlineData("http://proxy.example.com:port")]
    [InlineData("http://proxy.example.com:")]
    [InlineData("http://your-proxy-server:port")]
    [InlineData("http://proxy.example.com:8080/path")]
    [InlineData("http://proxy.example.com:8080/?q=1")]
    [InlineData("http://proxy.example.com:8080#frag")]
    [InlineData("http://")]
    [InlineData("http://:8080")]
    [InlineData("http://:pw@h:1")]
    [InlineData("http://bad host:8080")]
    [InlineData("http://::1:3128")]
    public void TryParse_Invalid_FailsWithReason(string url)
    {
        Assert.False(UpstreamAddress.TryParse(url, out var address, out var error));
        Assert.Null(address);
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Theory]
    [InlineData("http://user:TopSecret99@proxy.example.com:abc")]
    [InlineData("http://user:TopSecret99@proxy.example.com:8080/path")]
    [InlineData("http://user:TopSecret99@bad host:1")]
    [InlineData("ftp://user:TopSecret99@proxy.example.com:21")]
    public void TryParse_InvalidWithPassword_ErrorNeverEchoesPassword(string url)
    {
        Assert.False(UpstreamAddress.TryParse(url, out _, out var error));
        Assert.DoesNotContain("TopSecret99", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://u1:p%40ss:w@127.0.0.1:3027", "http://u1:***@127.0.0.1:3027")]
    [InlineData("http://user:pass@proxy.example.com:8080", "http://user:***@proxy.example.com:8080")]
    [InlineData("http://user:p@ss@[::1]:3128", "http://user:***@[::1]:3128")]
    [InlineData("http://127.0.0.1:3025", "http://127.0.0.1:3025")]
    public void Redacted_HidesPassword(string url, string redacted)
    {
        var address = Parse(url);

        Assert.Equal(redacted, address.Redacted);
        Assert.Equal(redacted, address.ToString());
        if (address.Credentials is { } credentials)
        {
            Assert.Contains("***", address.Redacted, StringComparison.Ordinal);
            Assert.DoesNotContain(":" + credentials.Password + "@", address.Redacted, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Redacted_NeverContainsPasswordInAnyForm()
    {
        var address = Parse("http://u1:Sup3r%40Secret@127.0.0.1:3027");

        Assert.DoesNotContain("Sup3r", address.Redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("Sup3r", address.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Sup3r", address.Credentials!.Value.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:3025", "127.0.0.1", System.Net.Sockets.AddressFamily.InterNetwork)]
    [InlineData("http://[::1]:3025", "::1", System.Net.Sockets.AddressFamily.InterNetworkV6)]
    public void EndPoint_IpLiteral_DialedWithoutResolving(string url, string ip, System.Net.Sockets.AddressFamily family)
    {
        var address = Parse(url);

        var endPoint = Assert.IsType<System.Net.IPEndPoint>(address.EndPoint);
        Assert.Equal(System.Net.IPAddress.Parse(ip), endPoint.Address);
        Assert.Equal(3025, endPoint.Port);
        using var socket = address.NewSocket();
        Assert.Equal(family, socket.AddressFamily);
        Assert.True(socket.NoDelay);
    }

    [Fact]
    public void EndPoint_HostName_ResolvedWhenDialed()
    {
        var address = Parse("http://proxy.example.test:8080");

        var endPoint = Assert.IsType<System.Net.DnsEndPoint>(address.EndPoint);
        Assert.Equal("proxy.example.test", endPoint.Host);
        Assert.Equal(8080, endPoint.Port);
    }
}
