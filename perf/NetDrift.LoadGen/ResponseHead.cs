namespace NetDrift.LoadGen;

/// <summary>
/// What a client needs from a response head: the status and how the body is framed.
/// <see cref="ContentLength"/> is -1 when absent (or overridden by chunked).
/// </summary>
internal readonly record struct ResponseHead(int Status, long ContentLength, bool Chunked, bool KeepAlive)
{
    /// <param name="head">The whole head, blank line included.</param>
    /// <exception cref="LoadFailure">Not an HTTP/1.x response head.</exception>
    public static ResponseHead Parse(ReadOnlySpan<byte> head)
    {
        var rest = head;
        // "HTTP/1.x SSS[ reason]"
        if (!HttpText.NextLine(ref rest, out var statusLine) || statusLine.Length < 12 || !statusLine.StartsWith("HTTP/1."u8)
            || statusLine[8] != (byte)' ' || (statusLine.Length > 12 && statusLine[12] != (byte)' ')
            || !HttpText.TryParseCount(statusLine.Slice(9, 3), out var status) || status < 100)
        {
            throw new LoadFailure(LoadFailure.BadResponse);
        }
        var http11 = statusLine[7] == (byte)'1';
        long length = -1;
        bool chunked = false, close = false, keepAlive = false;
        while (HttpText.NextLine(ref rest, out var line))
        {
            if (!HttpText.TrySplitField(line, out var name, out var value))
            {
                throw new LoadFailure(LoadFailure.BadResponse);
            }
            if (HttpText.IsField(name, "Content-Length"u8))
            {
                if (!HttpText.TryParseCount(value, out length))
                {
                    throw new LoadFailure(LoadFailure.BadResponse);
                }
            }
            else if (HttpText.IsField(name, "Transfer-Encoding"u8))
            {
                chunked |= HttpText.HasToken(value, "chunked"u8);
            }
            // Some proxies still speak Proxy-Connection to their clients: it means the same here.
            else if (HttpText.IsField(name, "Connection"u8) || HttpText.IsField(name, "Proxy-Connection"u8))
            {
                close |= HttpText.HasToken(value, "close"u8);
                keepAlive |= HttpText.HasToken(value, "keep-alive"u8);
            }
        }
        return new ResponseHead((int)status, chunked ? -1 : length, chunked, !close && (http11 || keepAlive));
    }

    /// <summary>The body ends only when the connection does, so the connection cannot be reused.</summary>
    public bool IsCloseDelimited => !Chunked && ContentLength < 0 && HasBody;

    public bool HasBody => Status is not (204 or 304);
}
