using System.Text;
using NetDrift.Engine.Net;

namespace NetDrift.Engine.Tests.Net;

/// <summary>RFC 1928 / RFC 1929 messages against hand-written bytes; every truncation needs more, garbage never throws.</summary>
public sealed class Socks5WireTests
{
    [Fact]
    public void TryParseGreeting_EveryPrefix_NeedsMoreThenComplete()
    {
        byte[] greeting = [0x05, 0x02, 0x00, 0x02, 0xAA];
        for (var cut = 0; cut < 4; cut++)
        {
            Assert.Equal(Socks5ParseStatus.NeedMore, Socks5Wire.TryParseGreeting(greeting.AsSpan(0, cut), out _, out _));
        }
        Assert.Equal(Socks5ParseStatus.Complete, Socks5Wire.TryParseGreeting(greeting, out var length, out var parsed));
        Assert.Equal(4, length);
        Assert.True(parsed.OffersNoAuth);
        Assert.True(parsed.OffersUserPass);
    }

    [Theory]
    [InlineData(new byte[] { 0x04, 0x01, 0x00 })]
    [InlineData(new byte[] { 0x05, 0x00 })]
    [InlineData(new byte[] { 0x47 })]
    public void TryParseGreeting_WrongVersionOrNoMethods_Invalid(byte[] data) =>
        Assert.Equal(Socks5ParseStatus.Invalid, Socks5Wire.TryParseGreeting(data, out _, out _));

    [Fact]
    public void Greeting_WithAndWithoutCredentials_OffersOneMethod()
    {
        Assert.Equal(new byte[] { 0x05, 0x01, 0x02 }, Socks5Wire.Greeting(userPass: true));
        Assert.Equal(new byte[] { 0x05, 0x01, 0x00 }, Socks5Wire.Greeting(userPass: false));
    }

    [Fact]
    public void UserPassRequest_RoundTrips_AndMatchesRfc1929Layout()
    {
        var message = Socks5Wire.UserPassRequest("alice", "s3cret")!;
        Assert.Equal(new byte[] { 0x01, 5, (byte)'a', (byte)'l', (byte)'i', (byte)'c', (byte)'e', 6, (byte)'s', (byte)'3', (byte)'c', (byte)'r', (byte)'e', (byte)'t' }, message);
        for (var cut = 0; cut < message.Length; cut++)
        {
            Assert.Equal(Socks5ParseStatus.NeedMore, Socks5Wire.TryParseUserPassRequest(message.AsSpan(0, cut), out _, out _));
        }
        Assert.Equal(Socks5ParseStatus.Complete, Socks5Wire.TryParseUserPassRequest(message, out var length, out var login));
        Assert.Equal(message.Length, length);
        Assert.Equal(("alice", "s3cret"), (login.User, login.Password));
        Assert.DoesNotContain("s3cret", login.ToString());
    }

    [Fact]
    public void UserPassRequest_NameOver255Bytes_Null() =>
        Assert.Null(Socks5Wire.UserPassRequest(new string('u', 256), "p"));

    [Theory]
    [InlineData(new byte[] { 0x01, 0x00 })]
    [InlineData(new byte[] { 0x01, 0x01 })]
    public void UserPassStatus_ParsesAcceptance(byte[] data)
    {
        Assert.Equal(Socks5ParseStatus.Complete, Socks5Wire.TryParseUserPassStatus(data, out var length, out var accepted));
        Assert.Equal(2, length);
        Assert.Equal(data[1] == 0, accepted);
    }

    [Fact]
    public void ConnectRequest_IPv4Literal_IsAnAddress()
    {
        Assert.Equal(new byte[] { 0x05, 0x01, 0x00, 0x01, 127, 0, 0, 1, 0x01, 0xBB }, Socks5Wire.ConnectRequest("127.0.0.1", 443));
    }

    [Fact]
    public void ConnectRequest_IPv6Literal_IsAnAddress()
    {
        var message = Socks5Wire.ConnectRequest("::1", 80)!;
        Assert.Equal(22, message.Length);
        Assert.Equal(0x04, message[3]);
        Assert.Equal(1, message[19]);
        Assert.Equal(new byte[] { 0, 80 }, message[20..]);
    }

    [Fact]
    public void ConnectRequest_Name_IsSentAsADomainUnresolved()
    {
        byte[] expected = [0x05, 0x01, 0x00, 0x03, 11, .. "example.com"u8, 0x00, 0x50];
        Assert.Equal(expected, Socks5Wire.ConnectRequest("example.com", 80));
    }

    [Fact]
    public void ConnectRequest_255ByteName_RoundTrips_256ByteName_Null()
    {
        var name = LongName(255);
        var message = Socks5Wire.ConnectRequest(name, 8080)!;
        Assert.Equal(Socks5ParseStatus.Complete, Socks5Wire.TryParseRequest(message, out var length, out var request));
        Assert.Equal(message.Length, length);
        Assert.Equal(new Socks5Request(0x01, 0x03, name, 8080), request);
        Assert.Null(Socks5Wire.ConnectRequest(LongName(256), 80));
    }

    [Theory]
    [InlineData("10.1.2.3", 0x01, "10.1.2.3:1080")]
    [InlineData("2001:db8::7", 0x04, "[2001:db8::7]:1080")]
    [InlineData("host.example", 0x03, "host.example:1080")]
    public void TryParseRequest_EachAddressType_EveryPrefixNeedsMore(string host, byte type, string authority)
    {
        var message = Socks5Wire.ConnectRequest(host, 1080)!;
        for (var cut = 0; cut < message.Length; cut++)
        {
            Assert.Equal(Socks5ParseStatus.NeedMore, Socks5Wire.TryParseRequest(message.AsSpan(0, cut), out _, out _));
        }
        Assert.Equal(Socks5ParseStatus.Complete, Socks5Wire.TryParseRequest([.. message, 0x16, 0x03], out var length, out var request));
        Assert.Equal(message.Length, length);
        Assert.Equal(type, request.AddressType);
        Assert.Equal(authority, request.Authority);
    }

    [Theory]
    [InlineData(new byte[] { 0x05, 0x01, 0x00, 0x03, 3, (byte)'a', (byte)'\r', (byte)'\n', 0, 80 })]
    [InlineData(new byte[] { 0x05, 0x01, 0x00, 0x03, 3, (byte)'a', (byte)' ', (byte)'b', 0, 80 })]
    [InlineData(new byte[] { 0x05, 0x01, 0x00, 0x03, 3, (byte)'a', (byte)':', (byte)'b', 0, 80 })]
    [InlineData(new byte[] { 0x05, 0x01, 0x00, 0x03, 0, 0, 80 })]
    [InlineData(new byte[] { 0x05, 0x01, 0x00, 0x09, 1, 2, 3, 4, 0, 80 })]
    [InlineData(new byte[] { 0x04, 0x01, 0x00, 0x01, 1, 2, 3, 4, 0, 80 })]
    public void TryParseRequest_BadNameOrType_Invalid(byte[] data) =>
        Assert.Equal(Socks5ParseStatus.Invalid, Socks5Wire.TryParseRequest(data, out _, out _));

    [Fact]
    public void TryParseReply_IPv4Bound()
    {
        Assert.Equal(Socks5ParseStatus.Complete, Socks5Wire.TryParseReply([0x05, 0x00, 0x00, 0x01, 192, 0, 2, 1, 0x1F, 0x90], out var length, out var reply));
        Assert.Equal(10, length);
        Assert.Equal(new Socks5Reply(0x00, 0x01, "192.0.2.1", 8080), reply);
    }

    [Fact]
    public void TryParseReply_IPv6Bound()
    {
        byte[] data = [0x05, 0x04, 0x00, 0x04, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 1];
        Assert.Equal(Socks5ParseStatus.Complete, Socks5Wire.TryParseReply(data, out var length, out var reply));
        Assert.Equal(22, length);
        Assert.Equal(new Socks5Reply(0x04, 0x04, "2001:db8::9", 1), reply);
    }

    [Fact]
    public void TryParseReply_DomainBound()
    {
        byte[] data = [0x05, 0x00, 0x00, 0x03, 9, .. "relay.lan"u8, 0x04, 0x38];
        Assert.Equal(Socks5ParseStatus.Complete, Socks5Wire.TryParseReply(data, out var length, out var reply));
        Assert.Equal(data.Length, length);
        Assert.Equal(new Socks5Reply(0x00, 0x03, "relay.lan", 1080), reply);
    }

    [Fact]
    public void Reply_ByCode_IsAllZeroIPv4Bound() =>
        Assert.Equal(new byte[] { 0x05, 0x07, 0x00, 0x01, 0, 0, 0, 0, 0, 0 }, Socks5Wire.Reply(Socks5ReplyCode.CommandNotSupported));

    [Fact]
    public void MethodSelection_WrongVersion_Invalid()
    {
        Assert.Equal(Socks5ParseStatus.Invalid, Socks5Wire.TryParseMethodSelection("HT"u8, out _, out _));
        Assert.Equal(Socks5ParseStatus.Complete, Socks5Wire.TryParseMethodSelection([0x05, 0xFF], out _, out var method));
        Assert.Equal(0xFF, method);
    }

    [Fact]
    public void EveryParser_RandomBytes_NeverThrows()
    {
        var random = new Random(1928);
        for (var i = 0; i < 5000; i++)
        {
            var data = new byte[random.Next(0, 40)];
            random.NextBytes(data);
            if (data.Length > 0 && random.Next(2) == 0)
            {
                data[0] = 0x05;
            }
            _ = Socks5Wire.TryParseGreeting(data, out _, out _);
            _ = Socks5Wire.TryParseMethodSelection(data, out _, out _);
            _ = Socks5Wire.TryParseUserPassRequest(data, out _, out _);
            _ = Socks5Wire.TryParseUserPassStatus(data, out _, out _);
            _ = Socks5Wire.TryParseRequest(data, out _, out _);
            _ = Socks5Wire.TryParseReply(data, out _, out _);
        }
    }

    /// <summary>A valid host name of exactly <paramref name="length"/> bytes: 63-byte labels joined by dots.</summary>
    internal static string LongName(int length)
    {
        var name = new StringBuilder();
        while (name.Length < length)
        {
            if (name.Length > 0)
            {
                name.Append('.');
            }
            name.Append(new string('a', Math.Min(63, length - name.Length)));
        }
        return name.ToString();
    }
}
