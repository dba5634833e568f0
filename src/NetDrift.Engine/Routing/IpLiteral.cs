using System.Buffers.Binary;
using System.Globalization;

namespace NetDrift.Engine.Routing;

/// <summary>
/// Parses a target's IP literal into a 128-bit number without allocating (IPAddress.TryParse makes
/// an object per call, and route matching runs on every request). IPv4 lands in the IPv4-mapped
/// IPv6 range (::ffff:a.b.c.d), so one comparison serves both families and a mapped literal
/// matches an IPv4 network.
/// </summary>
internal static class IpLiteral
{
    /// <summary>::ffff:0:0, where IPv4 addresses live in the 128-bit space.</summary>
    public static readonly UInt128 V4Mapped = new(0, 0xFFFF_0000_0000UL);

    public static bool TryParse(ReadOnlySpan<char> text, out UInt128 address, out bool isV4)
    {
        if (TryParseV4(text, out var v4))
        {
            address = V4Mapped | v4;
            isV4 = true;
            return true;
        }
        isV4 = false;
        return TryParseV6(text, out address);
    }

    private static bool TryParseV4(ReadOnlySpan<char> text, out uint address)
    {
        address = 0;
        var octets = 0;
        while (true)
        {
            var dot = text.IndexOf('.');
            var part = dot < 0 ? text : text[..dot];
            if (part.Length is 0 or > 3 || !uint.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var octet) || octet > 255
                || (part.Length > 1 && part[0] == '0'))
            {
                return false;
            }
            address = (address << 8) | octet;
            octets++;
            if (dot < 0)
            {
                return octets == 4;
            }
            if (octets == 4)
            {
                return false;
            }
            text = text[(dot + 1)..];
        }
    }

    private static bool TryParseV6(ReadOnlySpan<char> text, out UInt128 address)
    {
        address = 0;
        Span<ushort> groups = stackalloc ushort[8];
        var count = 0;
        var gap = -1;
        if (text.StartsWith("::"))
        {
            gap = 0;
            text = text[2..];
        }
        while (!text.IsEmpty)
        {
            var colon = text.IndexOf(':');
            var part = colon < 0 ? text : text[..colon];
            if (colon < 0 && part.Contains('.'))
            {
                // An embedded IPv4 tail: two groups.
                if (count > 6 || !TryParseV4(part, out var tail))
                {
                    return false;
                }
                groups[count++] = (ushort)(tail >> 16);
                groups[count++] = (ushort)tail;
                text = default;
                break;
            }
            if (part.Length is 0 or > 4 || count == 8 || !ushort.TryParse(part, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var group))
            {
                return false;
            }
            groups[count++] = group;
            if (colon < 0)
            {
                break;
            }
            text = text[(colon + 1)..];
            if (text.StartsWith(":"))
            {
                if (gap >= 0)
                {
                    return false;
                }
                gap = count;
                text = text[1..];
            }
            else if (text.IsEmpty)
            {
                return false; // a trailing single colon
            }
        }
        if (gap < 0 ? count != 8 : count > 7)
        {
            return false;
        }
        Span<ushort> full = stackalloc ushort[8];
        full.Clear();
        var tailCount = gap < 0 ? 0 : count - gap;
        var head = gap < 0 ? count : gap;
        groups[..head].CopyTo(full);
        groups.Slice(head, tailCount).CopyTo(full[(8 - tailCount)..]);
        Span<byte> bytes = stackalloc byte[16];
        for (var i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(bytes[(i * 2)..], full[i]);
        }
        address = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        return true;
    }
}
