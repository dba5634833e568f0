using System.Net.Sockets;
using NetDrift.Engine.Tunnel;

namespace NetDrift.Engine.Http;

/// <summary>
/// Streams one message body from a <see cref="SocketInput"/> to a socket without buffering it
/// whole: Content-Length bodies byte-exact, chunked bodies passed through verbatim while their
/// chunk sizes, line ends and trailers are checked (a bad one stops the copy, so a smuggled request
/// can never follow), close-delimited bodies until the sender closes.
/// </summary>
public static class BodyCopier
{
    private const int MaxChunkLine = 4096;
    private const int MaxTrailerBytes = 32 * 1024;

    public static async Task<BodyCopyResult> CopyAsync(SocketInput source, Socket destination, BodyFraming framing,
        Action<long> counted, TunnelActivity? activity, CancellationToken cancellationToken)
    {
        try
        {
            return framing.Kind switch
            {
                BodyKind.None => BodyCopyResult.Completed,
                BodyKind.Length => await CopyLengthAsync(source, destination, framing.Length, counted, activity, cancellationToken).ConfigureAwait(false),
                BodyKind.Chunked => await CopyChunkedAsync(source, destination, counted, activity, cancellationToken).ConfigureAwait(false),
                BodyKind.UntilClose => await CopyUntilCloseAsync(source, destination, counted, activity, cancellationToken).ConfigureAwait(false),
                _ => BodyCopyResult.Malformed,
            };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return BodyCopyResult.TimedOut;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return BodyCopyResult.SourceClosed;
        }
    }

    private static async Task<BodyCopyResult> CopyLengthAsync(SocketInput source, Socket destination, long remaining,
        Action<long> counted, TunnelActivity? activity, CancellationToken cancellationToken)
    {
        while (remaining > 0)
        {
            if (source.BufferedCount == 0 && await source.FillAsync(int.MaxValue, cancellationToken).ConfigureAwait(false) <= 0)
            {
                return BodyCopyResult.SourceClosed;
            }
            var take = (int)Math.Min(remaining, source.BufferedCount);
            if (!await SendAsync(destination, source.BufferedMemory[..take], cancellationToken).ConfigureAwait(false))
            {
                return BodyCopyResult.DestinationClosed;
            }
            source.Consume(take);
            remaining -= take;
            counted(take);
            activity?.Touch();
        }
        return BodyCopyResult.Completed;
    }

    private static async Task<BodyCopyResult> CopyUntilCloseAsync(SocketInput source, Socket destination,
        Action<long> counted, TunnelActivity? activity, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (source.BufferedCount == 0 && await source.FillAsync(int.MaxValue, cancellationToken).ConfigureAwait(false) <= 0)
            {
                return BodyCopyResult.SourceClosed;
            }
            var take = source.BufferedCount;
            if (!await SendAsync(destination, source.BufferedMemory, cancellationToken).ConfigureAwait(false))
            {
                return BodyCopyResult.DestinationClosed;
            }
            source.Consume(take);
            counted(take);
            activity?.Touch();
        }
    }

    private static async Task<BodyCopyResult> CopyChunkedAsync(SocketInput source, Socket destination,
        Action<long> counted, TunnelActivity? activity, CancellationToken cancellationToken)
    {
        while (true)
        {
            // chunk-size [ chunk-ext ] CRLF
            var line = await ReadLineAsync(source, MaxChunkLine, cancellationToken).ConfigureAwait(false);
            if (line < 0)
            {
                return line == -2 ? BodyCopyResult.SourceClosed : BodyCopyResult.Malformed;
            }
            if (!TryParseChunkSize(source.Buffered[..line], out var size))
            {
                return BodyCopyResult.Malformed;
            }
            if (!await ForwardAsync(source, destination, line, counted, cancellationToken).ConfigureAwait(false))
            {
                return BodyCopyResult.DestinationClosed;
            }
            if (size == 0)
            {
                // trailer-section CRLF: header lines until an empty one.
                var trailerBytes = 0;
                while (true)
                {
                    var trailer = await ReadLineAsync(source, MaxChunkLine, cancellationToken).ConfigureAwait(false);
                    if (trailer < 0)
                    {
                        return trailer == -2 ? BodyCopyResult.SourceClosed : BodyCopyResult.Malformed;
                    }
                    trailerBytes += trailer;
                    var isEnd = trailer <= 2;
                    if (!isEnd && (trailerBytes > MaxTrailerBytes || source.Buffered[0] is (byte)' ' or (byte)'\t' || source.Buffered[..trailer].IndexOf((byte)':') <= 0))
                    {
                        return BodyCopyResult.Malformed;
                    }
                    if (!await ForwardAsync(source, destination, trailer, counted, cancellationToken).ConfigureAwait(false))
                    {
                        return BodyCopyResult.DestinationClosed;
                    }
                    activity?.Touch();
                    if (isEnd)
                    {
                        return BodyCopyResult.Completed;
                    }
                }
            }
            var result = await CopyLengthAsync(source, destination, size, counted, activity, cancellationToken).ConfigureAwait(false);
            if (result != BodyCopyResult.Completed)
            {
                return result;
            }
            // The chunk's data is followed by CRLF.
            var end = await ReadLineAsync(source, 2, cancellationToken).ConfigureAwait(false);
            if (end < 0 || !source.Buffered[..end].SequenceEqual("\r\n"u8))
            {
                return end == -2 ? BodyCopyResult.SourceClosed : BodyCopyResult.Malformed;
            }
            if (!await ForwardAsync(source, destination, end, counted, cancellationToken).ConfigureAwait(false))
            {
                return BodyCopyResult.DestinationClosed;
            }
        }
    }

    /// <summary>
    /// Buffers up to and including the next LF; returns the line's length with its line end,
    /// -1 when it is longer than <paramref name="max"/> (plus CRLF), -2 when the source closed.
    /// </summary>
    private static async ValueTask<int> ReadLineAsync(SocketInput source, int max, CancellationToken cancellationToken)
    {
        var scanned = 0;
        while (true)
        {
            var lf = source.Buffered[scanned..].IndexOf((byte)'\n');
            if (lf >= 0)
            {
                var length = scanned + lf + 1;
                return length > max + 2 ? -1 : length;
            }
            scanned = source.BufferedCount;
            if (scanned > max + 2)
            {
                return -1;
            }
            var read = await source.FillAsync(max + 1024, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return -2;
            }
            if (read < 0)
            {
                return -1;
            }
        }
    }

    /// <summary>Hex digits, then optional extensions after ';', then CRLF (bare LF tolerated).</summary>
    internal static bool TryParseChunkSize(ReadOnlySpan<byte> line, out long size)
    {
        size = 0;
        var end = line.Length - 1; // the LF
        if (end > 0 && line[end - 1] == (byte)'\r')
        {
            end--;
        }
        var digits = 0;
        var i = 0;
        for (; i < end; i++)
        {
            var b = line[i];
            int value;
            if (b is >= (byte)'0' and <= (byte)'9') value = b - '0';
            else if (b is >= (byte)'a' and <= (byte)'f') value = b - 'a' + 10;
            else if (b is >= (byte)'A' and <= (byte)'F') value = b - 'A' + 10;
            else break;
            if (++digits > 15)
            {
                return false; // would overflow: refuse rather than wrap
            }
            size = size * 16 + value;
        }
        if (digits == 0)
        {
            return false;
        }
        var rest = line[i..end];
        while (rest.Length > 0 && rest[0] is (byte)' ' or (byte)'\t')
        {
            rest = rest[1..];
        }
        if (rest.Length > 0 && rest[0] != (byte)';')
        {
            return false;
        }
        foreach (var b in rest)
        {
            if (b < 0x20 && b != (byte)'\t' || b == 0x7F)
            {
                return false;
            }
        }
        return true;
    }

    private static async ValueTask<bool> ForwardAsync(SocketInput source, Socket destination, int count, Action<long> counted, CancellationToken cancellationToken)
    {
        var ok = await SendAsync(destination, source.BufferedMemory[..count], cancellationToken).ConfigureAwait(false);
        source.Consume(count);
        counted(count);
        return ok;
    }

    private static async ValueTask<bool> SendAsync(Socket destination, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        try
        {
            await destination.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }
}
