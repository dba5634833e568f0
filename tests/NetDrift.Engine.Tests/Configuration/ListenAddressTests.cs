using System.Net;
using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Tests.Configuration;

public sealed class ListenAddressTests
{
    [Theory]
    [InlineData("127.0.0.1:3130", "127.0.0.1", 3130)]
    [InlineData("127.0.0.1:0", "127.0.0.1", 0)]
    [InlineData("0.0.0.0:3130", "0.0.0.0", 3130)]
    [InlineData(":3130", "0.0.0.0", 3130)]
    [InlineData("*:3130", "0.0.0.0", 3130)]
    [InlineData("localhost:8080", "127.0.0.1", 8080)]
    [InlineData("[::1]:3130", "::1", 3130)]
    [InlineData("[::]:0", "::", 0)]
    public void TryParse_Valid_EndPoint(string text, string address, int port)
    {
        Assert.True(ListenAddress.TryParse(text, out var endPoint, out var error), error);
        Assert.Equal(IPAddress.Parse(address), endPoint!.Address);
        Assert.Equal(port, endPoint.Port);
    }

    [Theory]
    [InlineData("")]
    [InlineData("3130")]
    [InlineData("localhost")]
    [InlineData("127.0.0.1:")]
    [InlineData("127.0.0.1:65536")]
    [InlineData("127.0.0.1:-1")]
    [InlineData("127.0.0.1:http")]
    [InlineData("example.com:3130")]
    [InlineData("999.0.0.1:3130")]
    public void TryParse_Invalid_ErrorSaysWhy(string text)
    {
        Assert.False(ListenAddress.TryParse(text, out var endPoint, out var error));
        Assert.Null(endPoint);
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Fact]
    public void Format_Ipv6_Bracketed()
    {
        Assert.Equal("[::1]:80", ListenAddress.Format(new IPEndPoint(IPAddress.IPv6Loopback, 80)));
        Assert.Equal("127.0.0.1:80", ListenAddress.Format(new IPEndPoint(IPAddress.Loopback, 80)));
    }
}
