using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace NetDrift.Engine.Net;

/// <summary>
/// The PROXY protocol header (haproxy.org proxy-protocol.txt, v1 text and v2 binary) that an L4
/// balancer puts before a client's bytes. Pure and exception-free over whatever has arrived so far:
/// the caller reads until the status is not <see cref="ProxyHeaderStatus.Incomplete"/>. The source
/// is null when the header carries no client (v1 UNKNOWN, v2 LOCAL, v2 AF_UNSPEC or AF_UNIX):
/// the socket's own peer is the client then.
/// </summary>
public static class ProxyProtocolHeader
{
    /// <summary>The longest v1 line, CRLF included (the specification's bound).</summary>
    public const int MaxV1Length = 107;

    /// <summary>
    /// The largest v2 header NetDrift reads, TLVs included. The format allows 64 KiB; a balancer's
    /// addresses and usual TLVs fit in far less, and the header is read before any limit applies.
    /// </summary>
    public const int MaxV2Length = 4096;

    private const int V2FixedLength = 16;

    private static ReadOnlySpan<byte> V1Prefix => "PROXY "u8;

    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    /// <summary>
    /// True when <paramref name="input"/> begins with a whole v1 or v2 header, or one already
    /// broken (what an untrusted peer must not send); false for a mere possible beginning ("P").
    /// </summary>
    public static bool IsHeaderAt(ReadOnlySpan<byte> input) => TryParse(input, out _, out _) is ProxyHeaderStatus.Complete or ProxyHeaderStatus.Malformed;

    /// <summary>
    /// Parses the header at the start of <paramref name="input"/>. On Complete,
    /// <paramref name="length"/> is the header's size in bytes (the request follows it) and
    /// <paramref name="source"/> the client it carries, or null when it carries none.
    /// </summary>
    public static ProxyHeaderStatus TryParse(ReadOnlySpan<byte> input, out int length, out IPEndPoint? source)
    {
        length = 0;
        source = null;
        if (IsPrefixOf(input, V1Prefix))
        {
            return input.Length < V1Prefix.Length ? ProxyHeaderStatus.Incomplete : ParseV1(input, out length, out source);
        }
        if (IsPrefixOf(input, V2Signature))
        {
            return input.Length < V2FixedLength ? ProxyHeaderStatus.Incomplete : ParseV2(input, out length, out source);
        }
        return ProxyHeaderStatus.Absent;
    }

    /// <summary>True when input and expected agree over the shorter of the two (input may be a beginning).</summary>
    private static bool IsPrefixOf(ReadOnlySpan<byte> input, ReadOnlySpan<byte> expected)
    {
        var common = Math.Min(input.Length, expected.Length);
        return common > 0 && input[..common].SequenceEqual(expected[..common]);
    }

    // "PROXY TCP4 192.0.2.1 198.51.100.1 56324 443\r\n", "PROXY TCP6 ...", "PROXY UNKNOWN ...\r\n".
    private static ProxyHeaderStatus ParseV1(ReadOnlySpan<byte> input, out int length, out IPEndPoint? source)
    {
        length = 0;
        source = null;
        var window = input[..Math.Min(input.Length, MaxV1Length)];
        var lf = window.IndexOf((byte)'\n');
        if (lf < 0)
        {
            return input.Length >= MaxV1Length ? ProxyHeaderStatus.Malformed : ProxyHeaderStatus.Incomplete;
        }
        if (lf < 1 || window[lf - 1] != '\r')
        {
            return ProxyHeaderStatus.Malformed;
        }
        var line = window[V1Prefix.Length..(lf - 1)];
        if (line.StartsWith("UNKNOWN"u8) && (line.Length == 7 || line[7] == ' '))
        {
            // The sender cannot tell the client (a health check, a foreign family): the rest is ignored.
            length = lf + 1;
            return ProxyHeaderStatus.Complete;
        }
        AddressFamily family;
        if (line.StartsWith("TCP4 "u8))
        {
            family = AddressFamily.InterNetwork;
        }
        else if (line.StartsWith("TCP6 "u8))
        {
            family = AddressFamily.InterNetworkV6;
        }
        else
        {
            return ProxyHeaderStatus.Malformed;
        }
        // The line is at most 107 bytes: as chars it splits and parses with the span APIs.
        Span<char> rest = stackalloc char[line.Length - 5];
        for (var i = 0; i < rest.Length; i++)
        {
            rest[i] = (char)line[5 + i];
        }
        Span<Range> fields = stackalloc Range[5];
        if (((ReadOnlySpan<char>)rest).Split(fields, ' ') != 4
            || !TryParseV1Address(rest[fields[0]], family, out var address)
            || !TryParseV1Address(rest[fields[1]], family, out _)
            || !TryParseV1Port(rest[fields[2]], out var port)
            || !TryParseV1Port(rest[fields[3]], out _))
        {
            return ProxyHeaderStatus.Malformed;
        }
        length = lf + 1;
        source = new IPEndPoint(address!, port);
        return ProxyHeaderStatus.Complete;
    }

    private static bool TryParseV1Address(ReadOnlySpan<char> text, AddressFamily family, out IPAddress? address)
    {
        address = null;
        // IPAddress.TryParse takes "1", "0x7f.1" and scope ids; the protocol means the plain forms.
        foreach (var c in text)
        {
            var allowed = family == AddressFamily.InterNetwork ? c == '.' || char.IsAsciiDigit(c) : c is ':' or '.' || char.IsAsciiHexDigit(c);
            if (!allowed)
            {
                return false;
            }
        }
        if (family == AddressFamily.InterNetwork && text.Count('.') != 3)
        {
            return false;
        }
        return text.Length > 0 && IPAddress.TryParse(text, out address) && address.AddressFamily == family;
    }

    private static bool TryParseV1Port(ReadOnlySpan<char> text, out int port)
    {
        port = 0;
        if (text.Length is 0 or > 5 || (text.Length > 1 && text[0] == '0'))
        {
            return false;
        }
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
            port = port * 10 + (c - '0');
        }
        return port <= 65535;
    }

    // 12-byte signature, version/command, family/transport, 2-byte length, then addresses and TLVs.
    private static ProxyHeaderStatus ParseV2(ReadOnlySpan<byte> input, out int length, out IPEndPoint? source)
    {
        length = 0;
        source = null;
        var versionCommand = input[12];
        var familyTransport = input[13];
        var payload = BinaryPrimitives.ReadUInt16BigEndian(input[14..16]);
        var command = versionCommand & 0x0F;
        var family = familyTransport >> 4;
        var transport = familyTransport & 0x0F;
        if (versionCommand >> 4 != 2 || command > 1 || family > 3 || transport > 2 || V2FixedLength + payload > MaxV2Length)
        {
            return ProxyHeaderStatus.Malformed;
        }
        if (input.Length < V2FixedLength + payload)
        {
            return ProxyHeaderStatus.Incomplete;
        }
        var body = input.Slice(V2FixedLength, payload);
        // Address block sizes: AF_INET 12, AF_INET6 36, AF_UNIX 216 (two paths); AF_UNSPEC none.
        var addressLength = family switch { 1 => 12, 2 => 36, 3 => 216, _ => 0 };
        if (body.Length < addressLength || !TlvsFit(body[addressLength..]))
        {
            return ProxyHeaderStatus.Malformed;
        }
        length = V2FixedLength + payload;
        // LOCAL: the balancer's own connection (a health check); a datagram or Unix source is no TCP client.
        if (command == 1 && transport == 1 && family is 1 or 2)
        {
            var address = family == 1 ? new IPAddress(body[..4]) : new IPAddress(body[..16]);
            var port = BinaryPrimitives.ReadUInt16BigEndian(family == 1 ? body[8..10] : body[32..34]);
            source = new IPEndPoint(address, port);
        }
        return ProxyHeaderStatus.Complete;
    }

    /// <summary>TLVs (type, 2-byte length, value) are skipped, but must tile the rest exactly.</summary>
    private static bool TlvsFit(ReadOnlySpan<byte> tlvs)
    {
        while (!tlvs.IsEmpty)
        {
            if (tlvs.Length < 3)
            {
                return false;
            }
            var next = 3 + BinaryPrimitives.ReadUInt16BigEndian(tlvs[1..3]);
            if (next > tlvs.Length)
            {
                return false;
            }
            tlvs = tlvs[next..];
        }
        return true;
    }
}
