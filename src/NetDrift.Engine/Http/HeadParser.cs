using System.Globalization;
using System.Text;

namespace NetDrift.Engine.Http;

/// <summary>
/// Parses HTTP/1.x request and response heads (RFC 9112) from bytes already known to hold a whole
/// head. Strict where leniency enables smuggling or confusion (obs-fold, whitespace before the colon,
/// control characters, bad targets); tolerant of bare LF line ends, as RFC 9112 §2.2 allows.
/// Never throws on any input: every failure is a <see cref="HeadParseError"/>.
/// </summary>
public static class HeadParser
{
    /// <summary>Default cap on header lines, besides the byte limit.</summary>
    public const int DefaultMaxHeaderCount = 100;

    /// <summary>
    /// The length of the head including its blank line, or -1 while the terminator has not arrived.
    /// Accepts CRLF CRLF and the lenient LF LF / LF CRLF endings.
    /// </summary>
    public static int FindHeadEnd(ReadOnlySpan<byte> data)
    {
        var start = 0;
        while (true)
        {
            var lf = data[start..].IndexOf((byte)'\n');
            if (lf < 0)
            {
                return -1;
            }
            var i = start + lf + 1;
            if (i < data.Length && data[i] == (byte)'\n')
            {
                return i + 1;
            }
            if (i + 1 < data.Length && data[i] == (byte)'\r' && data[i + 1] == (byte)'\n')
            {
                return i + 2;
            }
            if (i >= data.Length || (i + 1 >= data.Length && data[i] == (byte)'\r'))
            {
                return -1;
            }
            start = i;
        }
    }

    public static HeadParseError TryParseRequest(ReadOnlySpan<byte> head, int maxHeaderCount, out RequestHead? request)
    {
        request = null;
        if (!TrySplitFirstLine(head, out var firstLine, out var rest))
        {
            return HeadParseError.Malformed;
        }
        if (!TrySplitThree(firstLine, out var method, out var target, out var version))
        {
            return HeadParseError.Malformed;
        }
        if (!IsToken(method) || !IsHttp1Version(version) || target.Length == 0 || ContainsControlOrSpace(target))
        {
            return HeadParseError.Malformed;
        }
        var headerError = TryParseHeaders(rest, maxHeaderCount, out var headers);
        if (headerError != HeadParseError.None)
        {
            return headerError;
        }

        var methodText = Encoding.ASCII.GetString(method);
        var targetText = Encoding.ASCII.GetString(target);
        var versionText = Encoding.ASCII.GetString(version);

        if (methodText == "CONNECT")
        {
            if (!TryParseAuthority(targetText, out var host, out var port))
            {
                return HeadParseError.Malformed;
            }
            request = new RequestHead
            {
                Method = methodText, Target = targetText, Version = versionText,
                Form = RequestTargetForm.Authority, Headers = headers!, Host = host, Port = port,
            };
            return HeadParseError.None;
        }
        if (targetText[0] == '/')
        {
            request = new RequestHead
            {
                Method = methodText, Target = targetText, Version = versionText,
                Form = RequestTargetForm.Origin, Headers = headers!, PathAndQuery = targetText,
            };
            return HeadParseError.None;
        }
        if (targetText == "*")
        {
            if (methodText != "OPTIONS")
            {
                return HeadParseError.Malformed;
            }
            request = new RequestHead
            {
                Method = methodText, Target = targetText, Version = versionText,
                Form = RequestTargetForm.Asterisk, Headers = headers!,
            };
            return HeadParseError.None;
        }
        if (!Uri.TryCreate(targetText, UriKind.Absolute, out var uri)
            || uri.Scheme != Uri.UriSchemeHttp
            || string.IsNullOrEmpty(uri.Host)
            || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return HeadParseError.Malformed;
        }
        request = new RequestHead
        {
            Method = methodText, Target = targetText, Version = versionText,
            Form = RequestTargetForm.Absolute, Headers = headers!,
            Host = uri.IdnHost.Trim('[', ']'), Port = uri.Port, PathAndQuery = uri.PathAndQuery,
        };
        return HeadParseError.None;
    }

    public static HeadParseError TryParseResponse(ReadOnlySpan<byte> head, int maxHeaderCount, out ResponseHead? response)
    {
        response = null;
        if (!TrySplitFirstLine(head, out var statusLine, out var rest))
        {
            return HeadParseError.Malformed;
        }
        // status-line = HTTP-version SP 3DIGIT SP [ reason-phrase ]; the reason may contain spaces.
        var firstSpace = statusLine.IndexOf((byte)' ');
        if (firstSpace < 0 || !IsHttp1Version(statusLine[..firstSpace]))
        {
            return HeadParseError.Malformed;
        }
        var afterVersion = statusLine[(firstSpace + 1)..];
        if (afterVersion.Length < 3 || !IsDigit(afterVersion[0]) || !IsDigit(afterVersion[1]) || !IsDigit(afterVersion[2]))
        {
            return HeadParseError.Malformed;
        }
        if (afterVersion.Length > 3 && afterVersion[3] != (byte)' ')
        {
            return HeadParseError.Malformed;
        }
        var status = (afterVersion[0] - '0') * 100 + (afterVersion[1] - '0') * 10 + (afterVersion[2] - '0');
        if (status < 100)
        {
            return HeadParseError.Malformed;
        }
        var reason = afterVersion.Length > 4 ? afterVersion[4..] : ReadOnlySpan<byte>.Empty;
        foreach (var b in reason)
        {
            if (b < 0x20 && b != (byte)'\t' || b == 0x7F)
            {
                return HeadParseError.Malformed;
            }
        }
        var headerError = TryParseHeaders(rest, maxHeaderCount, out var headers);
        if (headerError != HeadParseError.None)
        {
            return headerError;
        }
        response = new ResponseHead
        {
            Version = Encoding.ASCII.GetString(statusLine[..firstSpace]),
            StatusCode = status,
            ReasonPhrase = Encoding.Latin1.GetString(reason),
            Headers = headers!,
        };
        return HeadParseError.None;
    }

    /// <summary>Splits <c>host:port</c> (or <c>[v6]:port</c>) and checks both halves.</summary>
    public static bool TryParseAuthority(string authority, out string host, out int port)
    {
        host = "";
        port = 0;
        string hostPart;
        string portPart;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']');
            if (close < 0 || close + 1 >= authority.Length || authority[close + 1] != ':')
            {
                return false;
            }
            hostPart = authority[1..close];
            portPart = authority[(close + 2)..];
            if (!System.Net.IPAddress.TryParse(hostPart, out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                return false;
            }
        }
        else
        {
            var colon = authority.LastIndexOf(':');
            if (colon <= 0 || authority.IndexOf(':') != colon)
            {
                return false;
            }
            hostPart = authority[..colon];
            portPart = authority[(colon + 1)..];
            if (Uri.CheckHostName(hostPart) == UriHostNameType.Unknown)
            {
                return false;
            }
        }
        if (portPart.Length is 0 or > 5 || !portPart.All(char.IsAsciiDigit)
            || !int.TryParse(portPart, NumberStyles.None, CultureInfo.InvariantCulture, out port)
            || port is < 1 or > 65535)
        {
            port = 0;
            return false;
        }
        host = hostPart;
        return true;
    }

    private static bool TrySplitFirstLine(ReadOnlySpan<byte> head, out ReadOnlySpan<byte> line, out ReadOnlySpan<byte> rest)
    {
        var lf = head.IndexOf((byte)'\n');
        if (lf <= 0)
        {
            line = rest = default;
            return false;
        }
        line = TrimCr(head[..lf]);
        rest = head[(lf + 1)..];
        return line.Length > 0;
    }

    private static HeadParseError TryParseHeaders(ReadOnlySpan<byte> block, int maxHeaderCount, out HttpHeaders? headers)
    {
        headers = null;
        var fields = new List<HeaderField>(8);
        while (true)
        {
            var lf = block.IndexOf((byte)'\n');
            if (lf < 0)
            {
                // The caller hands a whole head, so only trailing bytes without LF can land here.
                return block.Length == 0 ? Done(fields, out headers) : HeadParseError.Malformed;
            }
            var line = TrimCr(block[..lf]);
            block = block[(lf + 1)..];
            if (line.Length == 0)
            {
                return block.Length == 0 ? Done(fields, out headers) : HeadParseError.Malformed;
            }
            if (line[0] is (byte)' ' or (byte)'\t')
            {
                return HeadParseError.Malformed; // obs-fold: rejected per RFC 9112 §5.2
            }
            var colon = line.IndexOf((byte)':');
            if (colon <= 0 || !IsToken(line[..colon]))
            {
                return HeadParseError.Malformed;
            }
            var value = TrimOws(line[(colon + 1)..]);
            foreach (var b in value)
            {
                if ((b < 0x20 && b != (byte)'\t') || b == 0x7F)
                {
                    return HeadParseError.Malformed;
                }
            }
            if (fields.Count == maxHeaderCount)
            {
                return HeadParseError.TooLarge;
            }
            fields.Add(new HeaderField(Encoding.ASCII.GetString(line[..colon]), Encoding.Latin1.GetString(value)));
        }
    }

    private static HeadParseError Done(List<HeaderField> fields, out HttpHeaders? headers)
    {
        headers = new HttpHeaders(fields.ToArray());
        return HeadParseError.None;
    }

    // request-line = method SP request-target SP HTTP-version, single spaces only.
    private static bool TrySplitThree(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> first, out ReadOnlySpan<byte> second, out ReadOnlySpan<byte> third)
    {
        first = second = third = default;
        var a = line.IndexOf((byte)' ');
        if (a <= 0)
        {
            return false;
        }
        var afterA = line[(a + 1)..];
        var b = afterA.IndexOf((byte)' ');
        if (b <= 0)
        {
            return false;
        }
        third = afterA[(b + 1)..];
        if (third.Length == 0 || third.IndexOf((byte)' ') >= 0)
        {
            return false;
        }
        first = line[..a];
        second = afterA[..b];
        return true;
    }

    private static ReadOnlySpan<byte> TrimCr(ReadOnlySpan<byte> line) =>
        line.Length > 0 && line[^1] == (byte)'\r' ? line[..^1] : line;

    private static ReadOnlySpan<byte> TrimOws(ReadOnlySpan<byte> value)
    {
        var start = 0;
        var end = value.Length;
        while (start < end && value[start] is (byte)' ' or (byte)'\t')
        {
            start++;
        }
        while (end > start && value[end - 1] is (byte)' ' or (byte)'\t')
        {
            end--;
        }
        return value[start..end];
    }

    private static bool IsHttp1Version(ReadOnlySpan<byte> version) =>
        version.SequenceEqual("HTTP/1.1"u8) || version.SequenceEqual("HTTP/1.0"u8);

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    private static bool ContainsControlOrSpace(ReadOnlySpan<byte> text)
    {
        foreach (var b in text)
        {
            if (b <= 0x20 || b >= 0x7F)
            {
                return true;
            }
        }
        return false;
    }

    // tchar of RFC 9110 §5.6.2.
    private static bool IsToken(ReadOnlySpan<byte> text)
    {
        if (text.Length == 0)
        {
            return false;
        }
        foreach (var b in text)
        {
            if (!IsTokenChar(b))
            {
                return false;
            }
        }
        return true;
    }

    internal static bool IsTokenChar(byte b) =>
        b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9'
            or (byte)'!' or (byte)'#' or (byte)'$' or (byte)'%' or (byte)'&' or (byte)'\'' or (byte)'*'
            or (byte)'+' or (byte)'-' or (byte)'.' or (byte)'^' or (byte)'_' or (byte)'`' or (byte)'|' or (byte)'~';
}
