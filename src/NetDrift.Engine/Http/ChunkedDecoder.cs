using System.Text;

namespace NetDrift.Engine.Http;

/// <summary>
/// The chunked transfer-coding grammar (RFC 9112 §7.1), read strictly so that no two parsers can
/// disagree on where a body ends ("funky chunks" desyncs): every line ends in CRLF (a bare LF or CR
/// is refused), the size is hex digits only, extensions are <c>;token[=token|quoted-string]</c>
/// without whitespace and bounded, data is followed by exactly CRLF, trailers are header fields.
/// What it accepts is re-framed by <see cref="BodyCopier"/>, never passed through raw.
/// </summary>
public static class ChunkedDecoder
{
    public const int MaxLineBytes = 4096;
    public const int MaxExtensionBytes = 1024;
    public const int MaxTrailerBytes = 32 * 1024;
    public const int MaxTrailerCount = HeadParser.DefaultMaxHeaderCount;

    // 15 significant hex digits stay below 2^60: no overflow, and far beyond any real chunk.
    private const int MaxSizeDigits = 15;

    /// <summary>Reads and consumes <c>chunk-size [ chunk-ext ] CRLF</c>.</summary>
    public static async ValueTask<(ChunkReadResult Result, long Size)> ReadSizeLineAsync(SocketInput source, CancellationToken cancellationToken)
    {
        var (result, length) = await ReadLineAsync(source, MaxLineBytes, cancellationToken).ConfigureAwait(false);
        if (result != ChunkReadResult.Ok)
        {
            return (result, 0);
        }
        var ok = TryParseSizeLine(source.Buffered[..(length - 2)], out var size);
        source.Consume(length);
        return ok ? (ChunkReadResult.Ok, size) : (ChunkReadResult.Malformed, 0);
    }

    /// <summary>Reads and consumes the CRLF that must follow a chunk's data.</summary>
    public static async ValueTask<ChunkReadResult> ReadDataEndAsync(SocketInput source, CancellationToken cancellationToken)
    {
        while (source.BufferedCount < 2)
        {
            if (source.BufferedCount == 1 && source.Buffered[0] != (byte)'\r')
            {
                return ChunkReadResult.Malformed;
            }
            var read = await source.FillAsync(MaxLineBytes, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return ChunkReadResult.SourceClosed;
            }
        }
        if (!source.Buffered[..2].SequenceEqual("\r\n"u8))
        {
            return ChunkReadResult.Malformed;
        }
        source.Consume(2);
        return ChunkReadResult.Ok;
    }

    /// <summary>
    /// Reads and consumes the trailer section up to its empty line; <paramref name="fields"/> gets
    /// the validated fields re-serialized as <c>name: value CRLF</c> (null when there are none).
    /// </summary>
    public static async ValueTask<(ChunkReadResult Result, byte[]? Fields)> ReadTrailersAsync(SocketInput source, CancellationToken cancellationToken)
    {
        StringBuilder? fields = null;
        var total = 0;
        var count = 0;
        while (true)
        {
            var (result, length) = await ReadLineAsync(source, MaxLineBytes, cancellationToken).ConfigureAwait(false);
            if (result != ChunkReadResult.Ok)
            {
                return (result, null);
            }
            if (length == 2)
            {
                source.Consume(2);
                return (ChunkReadResult.Ok, fields is null ? null : Encoding.Latin1.GetBytes(fields.ToString()));
            }
            total += length;
            if (total > MaxTrailerBytes || ++count > MaxTrailerCount || !TryParseTrailerField(source.Buffered[..(length - 2)], out var name, out var value))
            {
                return (ChunkReadResult.Malformed, null);
            }
            (fields ??= new StringBuilder()).Append(Encoding.ASCII.GetString(name)).Append(": ").Append(Encoding.Latin1.GetString(value)).Append("\r\n");
            source.Consume(length);
        }
    }

    /// <summary>
    /// Buffers one line; Ok with its length including CRLF (not consumed). The first CR or LF must
    /// be a CR immediately followed by LF: a bare LF or a bare CR is Malformed, as is a line longer
    /// than <paramref name="max"/>.
    /// </summary>
    private static async ValueTask<(ChunkReadResult Result, int Length)> ReadLineAsync(SocketInput source, int max, CancellationToken cancellationToken)
    {
        var scanned = 0;
        while (true)
        {
            var found = source.Buffered[scanned..].IndexOfAny((byte)'\r', (byte)'\n');
            if (found >= 0)
            {
                var at = scanned + found;
                if (source.Buffered[at] == (byte)'\n')
                {
                    return (ChunkReadResult.Malformed, 0);
                }
                if (at + 1 < source.BufferedCount)
                {
                    return source.Buffered[at + 1] == (byte)'\n' && at + 2 <= max ? (ChunkReadResult.Ok, at + 2) : (ChunkReadResult.Malformed, 0);
                }
                scanned = at; // a CR at the end: wait for the byte after it
            }
            else
            {
                scanned = source.BufferedCount;
            }
            if (scanned > max)
            {
                return (ChunkReadResult.Malformed, 0);
            }
            var read = await source.FillAsync(max + 1024, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return (ChunkReadResult.SourceClosed, 0);
            }
            if (read < 0)
            {
                return (ChunkReadResult.Malformed, 0);
            }
        }
    }

    /// <summary><c>1*HEXDIG *( ";" token [ "=" ( token / quoted-string ) ] )</c>, CRLF already removed.</summary>
    public static bool TryParseSizeLine(ReadOnlySpan<byte> line, out long size)
    {
        size = 0;
        var i = 0;
        var significant = 0;
        for (; i < line.Length; i++)
        {
            var value = HexValue(line[i]);
            if (value < 0)
            {
                break;
            }
            if ((size != 0 || value != 0) && ++significant > MaxSizeDigits)
            {
                return false;
            }
            size = size * 16 + value;
        }
        if (i == 0)
        {
            return false;
        }
        var extensions = line[i..];
        return extensions.Length <= MaxExtensionBytes && IsValidExtensions(extensions);
    }

    /// <summary>A trailer line is a header field: <c>token ":" OWS value OWS</c>, no obs-fold, no controls.</summary>
    public static bool TryParseTrailerField(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        name = value = default;
        var colon = line.IndexOf((byte)':');
        if (colon <= 0 || !IsToken(line[..colon]))
        {
            return false;
        }
        name = line[..colon];
        value = line[(colon + 1)..].Trim(" \t"u8);
        foreach (var b in value)
        {
            if ((b < 0x20 && b != (byte)'\t') || b == 0x7F)
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsValidExtensions(ReadOnlySpan<byte> rest)
    {
        while (rest.Length > 0)
        {
            if (rest[0] != (byte)';')
            {
                return false;
            }
            rest = rest[1..];
            var name = TokenLength(rest);
            if (name == 0)
            {
                return false;
            }
            rest = rest[name..];
            if (rest.Length == 0 || rest[0] != (byte)'=')
            {
                continue;
            }
            rest = rest[1..];
            var valueLength = rest.Length > 0 && rest[0] == (byte)'"' ? QuotedStringLength(rest) : TokenLength(rest);
            if (valueLength == 0)
            {
                return false;
            }
            rest = rest[valueLength..];
        }
        return true;
    }

    /// <summary>Length of the quoted-string at the start (quotes included), 0 when it is not one.</summary>
    private static int QuotedStringLength(ReadOnlySpan<byte> text)
    {
        for (var i = 1; i < text.Length; i++)
        {
            var b = text[i];
            if (b == (byte)'"')
            {
                return i + 1;
            }
            if (b == (byte)'\\')
            {
                if (++i >= text.Length || !IsQuotable(text[i]))
                {
                    return 0;
                }
                continue;
            }
            if (!IsQuotable(b))
            {
                return 0;
            }
        }
        return 0;
    }

    // qdtext and quoted-pair's second byte: HTAB, SP, VCHAR, obs-text; never CR, LF or another control.
    private static bool IsQuotable(byte b) => b == (byte)'\t' || (b >= 0x20 && b != 0x7F);

    private static int TokenLength(ReadOnlySpan<byte> text)
    {
        var i = 0;
        while (i < text.Length && IsTokenChar(text[i]))
        {
            i++;
        }
        return i;
    }

    private static bool IsToken(ReadOnlySpan<byte> text) => text.Length > 0 && TokenLength(text) == text.Length;

    // tchar of RFC 9110 §5.6.2.
    private static bool IsTokenChar(byte b) =>
        b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9'
            or (byte)'!' or (byte)'#' or (byte)'$' or (byte)'%' or (byte)'&' or (byte)'\'' or (byte)'*'
            or (byte)'+' or (byte)'-' or (byte)'.' or (byte)'^' or (byte)'_' or (byte)'`' or (byte)'|' or (byte)'~';

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
