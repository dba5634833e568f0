using System.Net;
using System.Text;
using NetDrift.Engine.Net;

namespace NetDrift.Engine.Tests.Net;

/// <summary>
/// The PROXY protocol parser, one row per case: each input (hex for v2, text for v1) with the
/// status, header length and carried source it must give, whole and cut at every byte.
/// </summary>
public sealed class ProxyProtocolHeaderTests
{
    private const string Signature = "0D0A0D0A000D0A515549540A";
    // AF_INET STREAM: 192.0.2.1:56324 -> 198.51.100.1:443.
    private const string Inet = "C0000201" + "C6336401" + "DC04" + "01BB";
    // AF_INET6 STREAM: 2001:db8::1:8080 -> 2001:db8::2:443.
    private const string Inet6 = "20010DB8000000000000000000000001" + "20010DB8000000000000000000000002" + "1F90" + "01BB";
    // PP2_TYPE_ALPN "h2" and PP2_TYPE_NOOP with 3 bytes of padding.
    private const string Tlvs = "0100026832" + "0400030000 00";

    public static TheoryData<string, string, ProxyHeaderStatus, int, string?> Rows() => new()
    {
        // name, input ("v1:" text with \r\n, "v2:" hex), status, length, source
        { "v1 TCP4", "v1:PROXY TCP4 192.0.2.1 198.51.100.1 56324 443\r\nGET", ProxyHeaderStatus.Complete, 45, "192.0.2.1:56324" },
        { "v1 TCP6", "v1:PROXY TCP6 2001:db8::1 2001:db8::2 8080 443\r\n", ProxyHeaderStatus.Complete, 45, "[2001:db8::1]:8080" },
        { "v1 UNKNOWN bare", "v1:PROXY UNKNOWN\r\n", ProxyHeaderStatus.Complete, 15, null },
        { "v1 UNKNOWN with addresses", "v1:PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n", ProxyHeaderStatus.Complete, 35, null },
        { "v1 port 0 and 65535", "v1:PROXY TCP4 10.0.0.1 10.0.0.2 0 65535\r\n", ProxyHeaderStatus.Complete, 38, "10.0.0.1:0" },
        { "v2 PROXY TCP4", "v2:" + Signature + "21" + "11" + "000C" + Inet, ProxyHeaderStatus.Complete, 28, "192.0.2.1:56324" },
        { "v2 PROXY TCP4 with TLVs", "v2:" + Signature + "21" + "11" + "0017" + Inet + Tlvs, ProxyHeaderStatus.Complete, 39, "192.0.2.1:56324" },
        { "v2 PROXY TCP6 with TLVs", "v2:" + Signature + "21" + "21" + "002F" + Inet6 + Tlvs + "474554", ProxyHeaderStatus.Complete, 63, "[2001:db8::1]:8080" },
        { "v2 LOCAL", "v2:" + Signature + "20" + "00" + "0000", ProxyHeaderStatus.Complete, 16, null },
        { "v2 LOCAL with addresses", "v2:" + Signature + "20" + "11" + "000C" + Inet, ProxyHeaderStatus.Complete, 28, null },
        { "v2 PROXY AF_UNSPEC", "v2:" + Signature + "21" + "00" + "0000", ProxyHeaderStatus.Complete, 16, null },
        { "v2 PROXY UDP", "v2:" + Signature + "21" + "12" + "000C" + Inet, ProxyHeaderStatus.Complete, 28, null },
        { "plain HTTP", "v1:GET http://example.test/ HTTP/1.1\r\n\r\n", ProxyHeaderStatus.Absent, 0, null },
        { "CONNECT", "v1:CONNECT example.test:443 HTTP/1.1\r\n\r\n", ProxyHeaderStatus.Absent, 0, null },
        { "PROXY without space", "v1:PROXYTCP4 1.2.3.4 1.2.3.4 1 2\r\n", ProxyHeaderStatus.Absent, 0, null },
        { "bad v2 signature", "v2:0D0A0D0A000D0A515549540B" + "21" + "11" + "000C" + Inet, ProxyHeaderStatus.Absent, 0, null },
        { "v2 version 1", "v2:" + Signature + "11" + "11" + "000C" + Inet, ProxyHeaderStatus.Malformed, 0, null },
        { "v2 command 2", "v2:" + Signature + "22" + "11" + "000C" + Inet, ProxyHeaderStatus.Malformed, 0, null },
        { "v2 family 4", "v2:" + Signature + "21" + "41" + "000C" + Inet, ProxyHeaderStatus.Malformed, 0, null },
        { "v2 transport 3", "v2:" + Signature + "21" + "13" + "000C" + Inet, ProxyHeaderStatus.Malformed, 0, null },
        { "v2 TCP4 address block short", "v2:" + Signature + "21" + "11" + "0008" + "C0000201C6336401", ProxyHeaderStatus.Malformed, 0, null },
        { "v2 TCP6 address block short", "v2:" + Signature + "21" + "21" + "000C" + Inet, ProxyHeaderStatus.Malformed, 0, null },
        { "v2 TLV overruns", "v2:" + Signature + "21" + "11" + "0011" + Inet + "0100096832", ProxyHeaderStatus.Malformed, 0, null },
        { "v2 TLV cut in its type", "v2:" + Signature + "21" + "11" + "000E" + Inet + "0100", ProxyHeaderStatus.Malformed, 0, null },
        { "v2 oversize", "v2:" + Signature + "21" + "11" + "0FF1" + Inet, ProxyHeaderStatus.Malformed, 0, null },
        { "v2 truncated", "v2:" + Signature + "21" + "11" + "000C" + "C0000201C633", ProxyHeaderStatus.Incomplete, 0, null },
        { "v2 signature only", "v2:" + Signature, ProxyHeaderStatus.Incomplete, 0, null },
        { "v1 truncated", "v1:PROXY TCP4 192.0.2.1 198.51", ProxyHeaderStatus.Incomplete, 0, null },
        { "v1 missing CR", "v1:PROXY TCP4 192.0.2.1 198.51.100.1 56324 443\n", ProxyHeaderStatus.Malformed, 0, null },
        { "v1 too long", "v1:PROXY UNKNOWN " + new string('a', 100) + "\r\n", ProxyHeaderStatus.Malformed, 0, null },
        { "v1 too long, no CRLF yet", "v1:PROXY TCP4 " + new string('1', 120), ProxyHeaderStatus.Malformed, 0, null },
        { "v1 unknown protocol", "v1:PROXY UDP4 192.0.2.1 198.51.100.1 1 2\r\n", ProxyHeaderStatus.Malformed, 0, null },
        { "v1 TCP4 with IPv6", "v1:PROXY TCP4 2001:db8::1 2001:db8::2 1 2\r\n", ProxyHeaderStatus.Malformed, 0, null },
        { "v1 TCP6 with IPv4", "v1:PROXY TCP6 192.0.2.1 198.51.100.1 1 2\r\n", ProxyHeaderStatus.Malformed, 0, null },
        { "v1 short IPv4", "v1:PROXY TCP4 127.1 127.0.0.1 1 2\r\n", ProxyHeaderStatus.Malformed, 0, null },
        { "v1 bad octet", "v1:PROXY TCP4 192.0.2.256 198.51.100.1 1 2\r\n", ProxyHeaderStatus.Malformed, 0, null },
        { "v1 IPv6 scope id", "v1:PROXY TCP6 fe80::1%eth0 fe80::2 1 2\r\n", ProxyHeaderStatus.Malformed, 0, null },
        { "v1 port too big", "v1:PROXY TCP4 192.0.2.1 198.51.100.1 65536 443\r\n", ProxyHeaderStatus.Malformed, 0, null },
        { "v1 port with leading zero", "v1:PROXY TCP4 192.0.2.1 198.51.100.1 0443 443\r\n", ProxyHeaderStatus.Malformed, 0, null },
        { "v1 port negative", "v1:PROXY TCP4 192.0.2.1 198.51.100.1 -1 443\r\n", ProxyHeaderStatus.Malformed, 0, null },
        { "v1 missing port", "v1:PROXY TCP4 192.0.2.1 198.51.100.1 56324\r\n", ProxyHeaderStatus.Malformed, 0, null },
        { "v1 extra field", "v1:PROXY TCP4 192.0.2.1 198.51.100.1 1 2 3\r\n", ProxyHeaderStatus.Malformed, 0, null },
        { "v1 double space", "v1:PROXY TCP4  192.0.2.1 198.51.100.1 1 2\r\n", ProxyHeaderStatus.Malformed, 0, null },
        { "v1 empty", "v1:PROXY \r\n", ProxyHeaderStatus.Malformed, 0, null },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Parses(string name, string input, ProxyHeaderStatus status, int length, string? source)
    {
        var bytes = Decode(input);

        var actual = ProxyProtocolHeader.TryParse(bytes, out var actualLength, out var actualSource);

        Assert.True(status == actual, $"{name}: {actual}, expected {status}");
        Assert.Equal(length, actualLength);
        Assert.Equal(source, actualSource?.ToString());
    }

    /// <summary>Bytes arrive in pieces: every beginning of a header is Incomplete, never a wrong verdict.</summary>
    [Theory]
    [MemberData(nameof(Rows))]
    public void EveryBeginningOfAHeader_IsIncomplete(string name, string input, ProxyHeaderStatus status, int length, string? source)
    {
        _ = source;
        if (status != ProxyHeaderStatus.Complete)
        {
            return;
        }
        var bytes = Decode(input);
        for (var cut = 1; cut < length; cut++)
        {
            Assert.True(ProxyProtocolHeader.TryParse(bytes.AsSpan(0, cut), out _, out _) == ProxyHeaderStatus.Incomplete, $"{name} cut at {cut}");
        }
    }

    [Theory]
    [InlineData("PROXY UNKNOWN\r\n", true)]
    [InlineData("PROXY TCP4 x\r\n", true)]
    [InlineData("PROXY TCP4 ", false)]
    [InlineData("P", false)]
    [InlineData("\r\n\r\n\0", false)]
    [InlineData("GET / HTTP/1.1\r\n", false)]
    [InlineData("POST http://a/ HTTP/1.1\r\n", false)]
    [InlineData("", false)]
    public void IsHeaderAt_WholeOrBrokenHeadersOnly(string input, bool expected) =>
        Assert.Equal(expected, ProxyProtocolHeader.IsHeaderAt(Encoding.Latin1.GetBytes(input)));

    private static byte[] Decode(string input) => input.StartsWith("v2:", StringComparison.Ordinal)
        ? Convert.FromHexString(input[3..].Replace(" ", "", StringComparison.Ordinal))
        : Encoding.Latin1.GetBytes(input[3..]);
}
