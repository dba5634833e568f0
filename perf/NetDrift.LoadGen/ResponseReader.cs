using System.Buffers.Text;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace NetDrift.LoadGen;

/// <summary>
/// Reads HTTP/1.1 responses off one socket at a time, into a buffer the worker keeps for its whole
/// life: the head, then the body by Content-Length, chunked, or until close. Bodies are counted and
/// dropped. Bytes read past one answer stay for the next (keep-alive) or for the tunnel (CONNECT).
/// The async methods use pooled builders: a request should cost its socket, not a heap of state machines.
/// </summary>
internal sealed class ResponseReader(int bufferSize)
{
    private readonly byte[] _buffer = new byte[bufferSize];
    private Socket? _socket;
    private int _start;
    private int _end;

    /// <summary>Body bytes read since the last <see cref="Attach"/>, including a body cut short.</summary>
    public long BodyBytes { get; private set; }

    /// <summary>Reads from this socket from now on, forgetting anything buffered from the last one.</summary>
    public void Attach(Socket socket)
    {
        _socket = socket;
        (_start, _end, BodyBytes) = (0, 0, 0);
    }

    /// <summary>The next final response head (1xx interim answers are skipped).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ResponseHead> ReadHeadAsync(CancellationToken cancellation)
    {
        while (true)
        {
            int length;
            while ((length = HttpText.HeadLength(_buffer.AsSpan(_start, _end - _start))) < 0)
            {
                var nothingYet = _start == _end;
                if (await FillAsync(cancellation) == 0)
                {
                    throw new LoadFailure(nothingYet ? LoadFailure.Closed : LoadFailure.Truncated);
                }
            }
            var head = ResponseHead.Parse(_buffer.AsSpan(_start, length));
            _start += length;
            if (head.Status is >= 200 or 101)
            {
                return head;
            }
        }
    }

    /// <summary>Reads and drops the body the head announces; returns its length.</summary>
    public ValueTask<long> SkipBodyAsync(ResponseHead head, CancellationToken cancellation) =>
        !head.HasBody ? ValueTask.FromResult(0L)
        : head.Chunked ? SkipChunkedAsync(cancellation)
        : head.ContentLength >= 0 ? SkipExactlyAsync(head.ContentLength, cancellation)
        : SkipToEndAsync(cancellation);

    /// <summary>Reads exactly count body bytes (never more: what follows belongs to the next answer).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<long> SkipExactlyAsync(long count, CancellationToken cancellation)
    {
        var buffered = (int)Math.Min(count, _end - _start);
        _start += buffered;
        BodyBytes += buffered;
        if (_start == _end)
        {
            (_start, _end) = (0, 0);
        }
        for (var remaining = count - buffered; remaining > 0;)
        {
            // The buffer is empty here, so the read may use all of it.
            var read = await _socket!.ReceiveAsync(_buffer.AsMemory(0, (int)Math.Min(remaining, _buffer.Length)), SocketFlags.None, cancellation);
            if (read == 0)
            {
                throw new LoadFailure(LoadFailure.Truncated);
            }
            remaining -= read;
            BodyBytes += read;
        }
        return count;
    }

    /// <summary>Reads and drops everything until the peer closes; returns how much that was.</summary>
    public async ValueTask<long> SkipToEndAsync(CancellationToken cancellation)
    {
        var total = (long)(_end - _start);
        BodyBytes += total;
        (_start, _end) = (0, 0);
        int read;
        while ((read = await _socket!.ReceiveAsync(_buffer, SocketFlags.None, cancellation)) > 0)
        {
            total += read;
            BodyBytes += read;
        }
        return total;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<long> SkipChunkedAsync(CancellationToken cancellation)
    {
        long total = 0;
        while (true)
        {
            var (start, length) = await ReadLineAsync(cancellation);
            var sizeText = _buffer.AsSpan(start, length);
            var extension = sizeText.IndexOf((byte)';');
            if (extension >= 0)
            {
                sizeText = sizeText[..extension];
            }
            sizeText = sizeText.Trim(" \t"u8);
            if (!Utf8Parser.TryParse(sizeText, out ulong size, out var used, 'X') || used != sizeText.Length || used == 0 || size > long.MaxValue)
            {
                throw new LoadFailure(LoadFailure.BadResponse);
            }
            if (size == 0)
            {
                // Trailer fields, if any, up to the blank line.
                while ((await ReadLineAsync(cancellation)).Length > 0)
                {
                }
                return total;
            }
            await SkipExactlyAsync((long)size, cancellation);
            total += (long)size;
            if ((await ReadLineAsync(cancellation)).Length != 0)
            {
                throw new LoadFailure(LoadFailure.BadResponse);
            }
        }
    }

    /// <summary>The next CRLF-terminated line as a range of the buffer, valid until the next read.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(int Start, int Length)> ReadLineAsync(CancellationToken cancellation)
    {
        while (true)
        {
            var end = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
            if (end >= 0)
            {
                var start = _start;
                _start += end + 2;
                return (start, end);
            }
            if (await FillAsync(cancellation) == 0)
            {
                throw new LoadFailure(LoadFailure.Truncated);
            }
        }
    }

    /// <summary>Reads more after what is buffered, compacting first; 0 at EOF.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> FillAsync(CancellationToken cancellation)
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            (_start, _end) = (0, _end - _start);
        }
        if (_end == _buffer.Length)
        {
            throw new LoadFailure("head too large");
        }
        var read = await _socket!.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellation);
        _end += read;
        return read;
    }
}
