using System.Buffers;
using System.Net.Sockets;

namespace NetDrift.Engine.Http;

/// <summary>
/// The read side of a keep-alive HTTP connection: bytes received but not yet consumed stay here
/// between messages (a pipelined request, the start of a body). The buffer is rented only while
/// bytes are pending or a read is filling it; an idle connection holds none. It reads through the
/// connection's <see cref="Transport"/>: the socket, or the TLS stream over it.
/// </summary>
public sealed class SocketInput : IDisposable
{
    private const int MinimumBuffer = 8 * 1024;

    private byte[]? _buffer;
    private int _start;
    private int _end;

    public SocketInput(Socket socket) => Transport = socket;

    public SocketInput(Transport transport) => Transport = transport;

    public Socket Socket => Transport.Socket;

    /// <summary>How bytes move on this connection; replaced once when a client's TLS handshake is done.</summary>
    public Transport Transport { get; private set; }

    /// <summary>From now on read (and let callers write) through <paramref name="tls"/>: nothing may be buffered.</summary>
    internal void UseTls(Stream tls)
    {
        if (BufferedCount > 0)
        {
            throw new InvalidOperationException("bytes before the TLS handshake are still buffered");
        }
        Transport = new Transport(Socket, tls);
    }

    /// <summary>Bytes received and not consumed.</summary>
    public ReadOnlySpan<byte> Buffered => _buffer.AsSpan(_start, _end - _start);

    public ReadOnlyMemory<byte> BufferedMemory => _buffer.AsMemory(_start, _end - _start);

    public int BufferedCount => _end - _start;

    public void Consume(int count)
    {
        _start += count;
        if (_start == _end)
        {
            Release();
        }
    }

    /// <summary>
    /// Receives more bytes after those buffered; returns how many arrived (0: the peer closed its
    /// sending half). Waits without a buffer when nothing is pending, unless
    /// <paramref name="expectSoon"/> says the bytes are due at once: then the zero-byte wait
    /// would only cost a system call.
    /// </summary>
    public async ValueTask<int> FillAsync(int maxBuffered, CancellationToken cancellationToken, bool expectSoon = false)
    {
        if (_buffer is null && expectSoon)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(MinimumBuffer);
            _start = _end = 0;
        }
        if (_buffer is null)
        {
            await Transport.ReceiveAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
            _buffer = ArrayPool<byte>.Shared.Rent(MinimumBuffer);
            _start = _end = 0;
        }
        else if (_end == _buffer.Length)
        {
            var pending = _end - _start;
            if (_start > 0 && pending < _buffer.Length / 2)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, pending);
            }
            else
            {
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(Math.Max(_buffer.Length * 2, MinimumBuffer), Math.Max(maxBuffered, MinimumBuffer)));
                Buffer.BlockCopy(_buffer, _start, bigger, 0, pending);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = bigger;
            }
            _start = 0;
            _end = pending;
        }
        if (_end == _buffer.Length)
        {
            return -1; // full at maxBuffered: the caller's limit is exceeded
        }
        var read = await Transport.ReceiveAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        _end += read;
        if (_start == _end)
        {
            Release();
        }
        return read;
    }

    /// <summary>
    /// Reads until a whole head is buffered (at most <paramref name="maxBytes"/>), within
    /// <paramref name="timeout"/>. On Complete the head is the first <paramref name="headLength"/>
    /// buffered bytes; the caller parses then consumes them. <paramref name="expectSoon"/>: the head
    /// is due now (an upstream's answer to what NetDrift just sent), so read it with a buffer
    /// straight away rather than first waiting without one. Never for the proxy's own clients: a
    /// silent client must not hold a buffer (the faulty test proxy, a tool, does not mind).
    /// </summary>
    public async ValueTask<(HeadReadStatus Status, int HeadLength)> ReadHeadAsync(int maxBytes, TimeSpan timeout, CancellationToken cancellationToken, bool expectSoon = false)
    {
        // No timeout (the caller's token is the deadline, as for an upstream's answer): no timer to arm.
        using var deadline = timeout == Timeout.InfiniteTimeSpan ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline?.CancelAfter(timeout);
        try
        {
            var scanned = 0;
            while (true)
            {
                if (BufferedCount > 0)
                {
                    var from = Math.Max(0, scanned - 3);
                    var end = HeadParser.FindHeadEnd(Buffered[from..]);
                    if (end >= 0)
                    {
                        var length = from + end;
                        return length > maxBytes ? (HeadReadStatus.TooLarge, 0) : (HeadReadStatus.Complete, length);
                    }
                    scanned = BufferedCount;
                    if (BufferedCount > maxBytes)
                    {
                        return (HeadReadStatus.TooLarge, 0);
                    }
                }
                var read = await FillAsync(maxBytes + 1, deadline?.Token ?? cancellationToken, expectSoon).ConfigureAwait(false);
                if (read < 0)
                {
                    return (HeadReadStatus.TooLarge, 0);
                }
                if (read == 0)
                {
                    return (BufferedCount == 0 ? HeadReadStatus.ClosedBeforeHead : HeadReadStatus.Truncated, 0);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (HeadReadStatus.TimedOut, 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return (HeadReadStatus.Reset, 0);
        }
    }

    /// <summary>Gives the buffer back when nothing is pending (an idle pooled connection).</summary>
    public void Release()
    {
        if (_buffer is not null && _start == _end)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
            _start = _end = 0;
        }
    }

    public void Dispose()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
        _start = _end = 0;
    }
}
