using System.Net.Sockets;

namespace NetDrift.Engine.Http;

/// <summary>
/// Reads and discards a request body that NetDrift answers itself (an admin request's, or one
/// challenged with a 407 on a connection that stays open), bounded in
/// size and time, so its framing is checked like that of a forwarded body: chunked bodies through
/// <see cref="ChunkedDecoder"/>'s strict grammar, Content-Length bodies to their exact end. A
/// request whose body is malformed is refused as such, never answered as though it were fine.
/// </summary>
public static class BodyDrain
{
    public static async Task<BodyDrainResult> ReadAsync(SocketInput source, BodyFraming framing, long maxBytes, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            return framing.Kind switch
            {
                BodyKind.None => BodyDrainResult.Completed,
                BodyKind.Length when framing.Length > maxBytes => BodyDrainResult.TooLarge,
                BodyKind.Length => await SkipAsync(source, framing.Length, deadline.Token).ConfigureAwait(false),
                BodyKind.Chunked => await ReadChunkedAsync(source, maxBytes, deadline.Token).ConfigureAwait(false),
                _ => BodyDrainResult.Malformed,
            };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return BodyDrainResult.TimedOut;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return BodyDrainResult.SourceClosed;
        }
    }

    private static async Task<BodyDrainResult> ReadChunkedAsync(SocketInput source, long maxBytes, CancellationToken cancellationToken)
    {
        var total = 0L;
        while (true)
        {
            var (sizeResult, size) = await ChunkedDecoder.ReadSizeLineAsync(source, cancellationToken).ConfigureAwait(false);
            if (sizeResult != ChunkReadResult.Ok)
            {
                return ToDrainResult(sizeResult);
            }
            if (size == 0)
            {
                var (trailerResult, _) = await ChunkedDecoder.ReadTrailersAsync(source, cancellationToken).ConfigureAwait(false);
                return ToDrainResult(trailerResult);
            }
            total += size;
            if (total > maxBytes)
            {
                return BodyDrainResult.TooLarge;
            }
            var skipped = await SkipAsync(source, size, cancellationToken).ConfigureAwait(false);
            if (skipped != BodyDrainResult.Completed)
            {
                return skipped;
            }
            var end = await ChunkedDecoder.ReadDataEndAsync(source, cancellationToken).ConfigureAwait(false);
            if (end != ChunkReadResult.Ok)
            {
                return ToDrainResult(end);
            }
        }
    }

    private static async Task<BodyDrainResult> SkipAsync(SocketInput source, long remaining, CancellationToken cancellationToken)
    {
        while (remaining > 0)
        {
            if (source.BufferedCount == 0 && await source.FillAsync(ChunkedDecoder.MaxLineBytes, cancellationToken).ConfigureAwait(false) <= 0)
            {
                return BodyDrainResult.SourceClosed;
            }
            var take = (int)Math.Min(remaining, source.BufferedCount);
            source.Consume(take);
            remaining -= take;
        }
        return BodyDrainResult.Completed;
    }

    private static BodyDrainResult ToDrainResult(ChunkReadResult result) => result switch
    {
        ChunkReadResult.Ok => BodyDrainResult.Completed,
        ChunkReadResult.SourceClosed => BodyDrainResult.SourceClosed,
        _ => BodyDrainResult.Malformed,
    };
}
