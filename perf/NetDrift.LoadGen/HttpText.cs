using System.Buffers.Text;
using System.Text;

namespace NetDrift.LoadGen;

/// <summary>Byte-level pieces of HTTP/1.1 heads, shared by the origin and the clients; no strings allocated.</summary>
internal static class HttpText
{
    /// <summary>The length of the head including its blank line, or -1 while it is incomplete.</summary>
    public static int HeadLength(ReadOnlySpan<byte> data)
    {
        var end = data.IndexOf("\r\n\r\n"u8);
        return end < 0 ? -1 : end + 4;
    }

    /// <summary>Splits off the first CRLF-terminated line; false at the blank line (or the end).</summary>
    public static bool NextLine(ref ReadOnlySpan<byte> rest, out ReadOnlySpan<byte> line)
    {
        var end = rest.IndexOf("\r\n"u8);
        if (end <= 0)
        {
            line = default;
            return false;
        }
        line = rest[..end];
        rest = rest[(end + 2)..];
        return true;
    }

    public static bool TrySplitField(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        var colon = line.IndexOf((byte)':');
        name = colon > 0 ? line[..colon] : default;
        value = colon > 0 ? line[(colon + 1)..].Trim(" \t"u8) : default;
        return colon > 0;
    }

    public static bool IsField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> expected) => Ascii.EqualsIgnoreCase(name, expected);

    /// <summary>Whether a comma-separated field value holds the token (case-insensitive), e.g. Connection: close.</summary>
    public static bool HasToken(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        while (!value.IsEmpty)
        {
            var comma = value.IndexOf((byte)',');
            var item = (comma < 0 ? value : value[..comma]).Trim(" \t"u8);
            if (Ascii.EqualsIgnoreCase(item, token))
            {
                return true;
            }
            value = comma < 0 ? default : value[(comma + 1)..];
        }
        return false;
    }

    /// <summary>A non-negative decimal that is the whole span.</summary>
    public static bool TryParseCount(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        return !text.IsEmpty && char.IsAsciiDigit((char)text[0]) && Utf8Parser.TryParse(text, out value, out var used) && used == text.Length;
    }
}
