namespace NetDrift.LoadGen;

internal enum OriginRoute
{
    Hello,
    Bytes,
    NotFound,
    BadRequest,
}

/// <summary>
/// What the origin needs from a request head: the route, the size for /bytes/N, and whether the
/// connection stays open after the answer (HTTP/1.1 unless "close"; HTTP/1.0 only with "keep-alive").
/// </summary>
internal readonly record struct OriginRequest(OriginRoute Route, long ByteCount, bool KeepAlive, bool Http11)
{
    private static readonly OriginRequest Bad = new(OriginRoute.BadRequest, 0, KeepAlive: false, Http11: true);

    /// <param name="head">The whole head, blank line included.</param>
    public static OriginRequest Parse(ReadOnlySpan<byte> head)
    {
        var rest = head;
        if (!HttpText.NextLine(ref rest, out var requestLine) || !TrySplitRequestLine(requestLine, out var method, out var target, out var http11))
        {
            return Bad;
        }
        bool close = false, keepAlive = false;
        while (HttpText.NextLine(ref rest, out var line))
        {
            if (!HttpText.TrySplitField(line, out var name, out var value))
            {
                return Bad;
            }
            if (HttpText.IsField(name, "Connection"u8))
            {
                close |= HttpText.HasToken(value, "close"u8);
                keepAlive |= HttpText.HasToken(value, "keep-alive"u8);
            }
            // Every route is a GET without a body: one announced is refused rather than left to desynchronise the connection.
            else if (HttpText.IsField(name, "Transfer-Encoding"u8) || (HttpText.IsField(name, "Content-Length"u8) && !value.SequenceEqual("0"u8)))
            {
                return Bad;
            }
        }
        var persistent = !close && (http11 || keepAlive);
        var path = PathOf(target);
        if (path.IsEmpty)
        {
            return Bad;
        }
        if (!method.SequenceEqual("GET"u8))
        {
            return new(OriginRoute.NotFound, 0, persistent, http11);
        }
        if (path.SequenceEqual("/hello"u8))
        {
            return new(OriginRoute.Hello, 0, persistent, http11);
        }
        if (path.StartsWith("/bytes/"u8) && HttpText.TryParseCount(path["/bytes/".Length..], out var count))
        {
            return new(OriginRoute.Bytes, count, persistent, http11);
        }
        return new(OriginRoute.NotFound, 0, persistent, http11);
    }

    private static bool TrySplitRequestLine(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> method, out ReadOnlySpan<byte> target, out bool http11)
    {
        method = default;
        target = default;
        http11 = false;
        var first = line.IndexOf((byte)' ');
        var last = line.LastIndexOf((byte)' ');
        if (first <= 0 || last <= first + 1)
        {
            return false;
        }
        var version = line[(last + 1)..];
        method = line[..first];
        target = line[(first + 1)..last];
        http11 = version.SequenceEqual("HTTP/1.1"u8);
        return http11 || version.SequenceEqual("HTTP/1.0"u8);
    }

    /// <summary>The path without its query, from origin-form or absolute-form (as a forward proxy sends); empty when neither.</summary>
    private static ReadOnlySpan<byte> PathOf(ReadOnlySpan<byte> target)
    {
        if (target.Length > 7 && System.Text.Ascii.EqualsIgnoreCase(target[..7], "http://"u8))
        {
            var authority = target[7..];
            var slash = authority.IndexOf((byte)'/');
            target = slash < 0 ? "/"u8 : authority[slash..];
        }
        if (target.IsEmpty || target[0] != (byte)'/')
        {
            return default;
        }
        var query = target.IndexOf((byte)'?');
        return query < 0 ? target : target[..query];
    }
}
