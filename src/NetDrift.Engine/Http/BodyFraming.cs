namespace NetDrift.Engine.Http;

/// <summary>How a message body is delimited (RFC 9112 §6).</summary>
public enum BodyKind
{
    /// <summary>No body (GET without length, HEAD responses, 1xx/204/304).</summary>
    None,
    /// <summary>Exactly Content-Length bytes.</summary>
    Length,
    /// <summary>Transfer-Encoding: chunked, ending with the last chunk and trailers.</summary>
    Chunked,
    /// <summary>Everything until the sender closes (responses only).</summary>
    UntilClose,
}

/// <summary>A message's body framing; <see cref="Invalid"/> marks a head that could smuggle a request.</summary>
public readonly record struct BodyFraming(BodyKind Kind, long Length)
{
    public static readonly BodyFraming Invalid = new((BodyKind)(-1), -1);
    public static readonly BodyFraming Empty = new(BodyKind.None, 0);

    public bool IsValid => Kind >= BodyKind.None;

    public bool HasBody => Kind is BodyKind.Chunked or BodyKind.UntilClose || (Kind == BodyKind.Length && Length > 0);

    /// <summary>
    /// A request's framing. Refuses what could smuggle a second request past a proxy (RFC 9112
    /// §6.3): Content-Length with Transfer-Encoding, several or conflicting lengths, a transfer
    /// coding other than a final chunked.
    /// </summary>
    public static BodyFraming ForRequest(HttpHeaders headers)
    {
        var transferEncoding = headers.Get("Transfer-Encoding");
        var lengths = headers.CountOf("Content-Length");
        if (transferEncoding is not null)
        {
            return lengths == 0 && headers.CountOf("Transfer-Encoding") == 1 && IsChunkedLast(transferEncoding)
                ? new BodyFraming(BodyKind.Chunked, -1)
                : Invalid;
        }
        if (lengths == 0)
        {
            return Empty;
        }
        return TryReadLength(headers, out var length) ? (length == 0 ? Empty : new BodyFraming(BodyKind.Length, length)) : Invalid;
    }

    /// <summary>A response's framing, which depends on the request it answers.</summary>
    public static BodyFraming ForResponse(string requestMethod, int status, HttpHeaders headers)
    {
        if (requestMethod == "HEAD" || status is < 200 or 204 or 304)
        {
            return Empty;
        }
        var transferEncoding = headers.Get("Transfer-Encoding");
        if (transferEncoding is not null)
        {
            // A response with another final coding is delimited by the close (RFC 9112 §6.3 rule 4).
            return IsChunkedLast(transferEncoding) && headers.CountOf("Transfer-Encoding") == 1
                ? new BodyFraming(BodyKind.Chunked, -1)
                : new BodyFraming(BodyKind.UntilClose, -1);
        }
        if (headers.CountOf("Content-Length") > 0)
        {
            return TryReadLength(headers, out var length) ? new BodyFraming(BodyKind.Length, length) : Invalid;
        }
        return new BodyFraming(BodyKind.UntilClose, -1);
    }

    /// <summary>Chunked is the final coding, applied once (e.g. "chunked" or "gzip, chunked").</summary>
    private static bool IsChunkedLast(string value)
    {
        var codings = value.Split(',', StringSplitOptions.TrimEntries);
        return string.Equals(codings[^1], "chunked", StringComparison.OrdinalIgnoreCase)
            && codings.Count(c => string.Equals(c, "chunked", StringComparison.OrdinalIgnoreCase)) == 1
            && codings.All(c => c.Length > 0);
    }

    /// <summary>All Content-Length values (lines and comma lists) must be the same valid number.</summary>
    private static bool TryReadLength(HttpHeaders headers, out long length)
    {
        length = -1;
        foreach (var field in headers.Fields)
        {
            if (!string.Equals(field.Name, "Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            foreach (var part in field.Value.Split(','))
            {
                var text = part.Trim();
                if (text.Length is 0 or > 18 || !text.All(char.IsAsciiDigit))
                {
                    return false;
                }
                var value = long.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
                if (length >= 0 && value != length)
                {
                    return false;
                }
                length = value;
            }
        }
        return length >= 0;
    }
}
