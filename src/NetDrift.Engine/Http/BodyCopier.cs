using System.Net.Sockets;
using NetDrift.Engine.Tunnel;

namespace NetDrift.Engine.Http;

/// <summary>
/// Streams one message body from a <see cref="SocketInput"/> to a connection without buffering it
/// whole: Content-Length bodies byte-exact, close-delimited bodies until the sender closes, chunked
/// bodies parsed strictly by <see cref="ChunkedDecoder"/> and re-framed by NetDrift (its own size
/// lines without extensions, its own last chunk and validated trailers) or decoded for a reader
/// that cannot take chunks; a bad chunk stops the copy, so a smuggled request can never follow.
/// </summary>
public static class BodyCopier
{
    private static readonly byte[] LastChunk = "0\r\n\r\n"u8.ToArray();

    /// <param name="decodeChunked">Send a chunked body's data only (an HTTP/1.0 reader); trailers are dropped.</param>
    /// <param name="deadlines">Bounds each read and each write, so a stall ends the copy and names the side that stalled.</param>
    /// <param name="shaper">Paces the body's bytes (a user's bytes_per_second); never cuts it.</param>
    public static async Task<BodyCopyResult> CopyAsync(SocketInput source, Transport destination, BodyFraming framing,
        Action<long> counted, TunnelActivity? activity, CancellationToken cancellationToken, bool decodeChunked = false,
        BodyDeadlines? deadlines = null, IRelayShaper? shaper = null)
    {
        var waits = new Waits(deadlines, cancellationToken, shaper);
        try
        {
            return framing.Kind switch
            {
                BodyKind.None => BodyCopyResult.Completed,
                BodyKind.Length => await CopyBytesAsync(source, destination, framing.Length, counted, activity, waits).ConfigureAwait(false),
                BodyKind.Chunked => await CopyChunkedAsync(source, destination, decodeChunked, counted, activity, waits).ConfigureAwait(false),
                BodyKind.UntilClose => await CopyBytesAsync(source, destination, long.MaxValue, counted, activity, waits).ConfigureAwait(false),
                _ => BodyCopyResult.Malformed,
            };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return deadlines?.Writing == true ? BodyCopyResult.DestinationTimedOut : BodyCopyResult.TimedOut;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return BodyCopyResult.SourceClosed;
        }
    }

    /// <summary>Copies <paramref name="remaining"/> bytes (long.MaxValue: until the close, which then ends the body).</summary>
    private static async Task<BodyCopyResult> CopyBytesAsync(SocketInput source, Transport destination, long remaining,
        Action<long> counted, TunnelActivity? activity, Waits waits)
    {
        while (remaining > 0)
        {
            if (source.BufferedCount == 0 && await source.FillAsync(int.MaxValue, waits.Read()).ConfigureAwait(false) <= 0)
            {
                return BodyCopyResult.SourceClosed;
            }
            var take = (int)Math.Min(remaining, source.BufferedCount);
            if (waits.Shaper is { } shaper)
            {
                take = Math.Min(take, shaper.NextReadSize(TunnelRelay.BufferSize));
                await shaper.PassAsync(take).ConfigureAwait(false);
            }
            if (!await SendAsync(destination, source.BufferedMemory[..take], waits.Write()).ConfigureAwait(false))
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

    private static async Task<BodyCopyResult> CopyChunkedAsync(SocketInput source, Transport destination, bool decode,
        Action<long> counted, TunnelActivity? activity, Waits waits)
    {
        // "\r\n" ending the previous chunk + up to 16 hex digits + "\r\n": one send per chunk head.
        var frame = new byte[20];
        var first = true;
        while (true)
        {
            var (sizeResult, size) = await ChunkedDecoder.ReadSizeLineAsync(source, waits.Read()).ConfigureAwait(false);
            if (sizeResult != ChunkReadResult.Ok)
            {
                return ToCopyResult(sizeResult);
            }
            activity?.Touch();
            if (size == 0)
            {
                var (trailerResult, trailers) = await ChunkedDecoder.ReadTrailersAsync(source, waits.Read()).ConfigureAwait(false);
                if (trailerResult != ChunkReadResult.Ok)
                {
                    return ToCopyResult(trailerResult);
                }
                if (!decode)
                {
                    var last = LastFrame(first, trailers);
                    if (!await SendAsync(destination, last, waits.Write()).ConfigureAwait(false))
                    {
                        return BodyCopyResult.DestinationClosed;
                    }
                    counted(last.Length);
                }
                return BodyCopyResult.Completed;
            }
            if (!decode)
            {
                var length = 0;
                if (!first)
                {
                    frame[length++] = (byte)'\r';
                    frame[length++] = (byte)'\n';
                }
                size.TryFormat(frame.AsSpan(length), out var digits, "x", System.Globalization.CultureInfo.InvariantCulture);
                length += digits;
                frame[length++] = (byte)'\r';
                frame[length++] = (byte)'\n';
                if (!await SendAsync(destination, frame.AsMemory(0, length), waits.Write()).ConfigureAwait(false))
                {
                    return BodyCopyResult.DestinationClosed;
                }
                counted(length);
            }
            first = false;
            var result = await CopyBytesAsync(source, destination, size, counted, activity, waits).ConfigureAwait(false);
            if (result != BodyCopyResult.Completed)
            {
                return result;
            }
            var end = await ChunkedDecoder.ReadDataEndAsync(source, waits.Read()).ConfigureAwait(false);
            if (end != ChunkReadResult.Ok)
            {
                return ToCopyResult(end);
            }
        }
    }

    /// <summary>The CRLF ending the last data chunk, "0" CRLF, the trailers, CRLF.</summary>
    private static ReadOnlyMemory<byte> LastFrame(bool first, byte[]? trailers)
    {
        if (first && trailers is null)
        {
            return LastChunk;
        }
        var prefix = first ? "0\r\n"u8 : "\r\n0\r\n"u8;
        var frame = new byte[prefix.Length + (trailers?.Length ?? 0) + 2];
        prefix.CopyTo(frame);
        trailers?.CopyTo(frame, prefix.Length);
        frame[^2] = (byte)'\r';
        frame[^1] = (byte)'\n';
        return frame;
    }

    /// <summary>The token for each wait: the caller's, or a deadline armed for that wait.</summary>
    private readonly struct Waits(BodyDeadlines? deadlines, CancellationToken cancellationToken, IRelayShaper? shaper)
    {
        public IRelayShaper? Shaper => shaper;

        public CancellationToken Read() => deadlines?.ForRead() ?? cancellationToken;

        public CancellationToken Write() => deadlines?.ForWrite() ?? cancellationToken;
    }

    private static BodyCopyResult ToCopyResult(ChunkReadResult result) =>
        result == ChunkReadResult.SourceClosed ? BodyCopyResult.SourceClosed : BodyCopyResult.Malformed;

    private static async ValueTask<bool> SendAsync(Transport destination, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        try
        {
            await destination.SendAsync(data, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }
}
