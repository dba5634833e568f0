using System.Buffers;
using System.Net.Sockets;

namespace NetDrift.Engine.Http;

/// <summary>
/// Reads one head off a socket. Waits with a zero-byte read before renting a buffer, so a silent
/// peer holds no memory; gives up at the byte limit or the deadline.
/// </summary>
public static class HeadReader
{
    public static async ValueTask<ReceivedHead> ReadAsync(Socket socket, int maxBytes, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        byte[]? buffer = null;
        var length = 0;
        try
        {
            await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, deadline.Token).ConfigureAwait(false);
            // One extra byte tells "exactly at the limit" from "over it".
            buffer = ArrayPool<byte>.Shared.Rent(maxBytes + 1);
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(length, Math.Min(buffer.Length, maxBytes + 1) - length), SocketFlags.None, deadline.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    return Fail(length == 0 ? HeadReadStatus.ClosedBeforeHead : HeadReadStatus.Truncated);
                }
                // Only the new bytes (plus three before them) can complete the terminator.
                var scanFrom = Math.Max(0, length - 3);
                length += read;
                var end = HeadParser.FindHeadEnd(buffer.AsSpan(scanFrom, length - scanFrom));
                if (end >= 0)
                {
                    var headLength = scanFrom + end;
                    if (headLength > maxBytes)
                    {
                        return Fail(HeadReadStatus.TooLarge);
                    }
                    var result = new ReceivedHead(HeadReadStatus.Complete, buffer, headLength, length);
                    buffer = null;
                    return result;
                }
                if (length > maxBytes)
                {
                    return Fail(HeadReadStatus.TooLarge);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Fail(HeadReadStatus.TimedOut);
        }
        catch (SocketException)
        {
            return Fail(HeadReadStatus.Reset);
        }
        catch (ObjectDisposedException)
        {
            return Fail(HeadReadStatus.Reset);
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    // The finally block returns the buffer; a failed result carries none.
    private static ReceivedHead Fail(HeadReadStatus status) => new(status, null, 0, 0);
}
