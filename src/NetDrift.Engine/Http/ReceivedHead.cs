using System.Buffers;

namespace NetDrift.Engine.Http;

/// <summary>
/// A head read off a socket, in a pooled buffer, plus any bytes that arrived after it (a pipelined
/// TLS ClientHello, the start of a body). Dispose returns the buffer to the pool.
/// </summary>
public sealed class ReceivedHead : IDisposable
{
    private byte[]? _buffer;

    internal ReceivedHead(HeadReadStatus status, byte[]? buffer, int headLength, int dataLength)
    {
        Status = status;
        _buffer = buffer;
        HeadLength = headLength;
        DataLength = dataLength;
    }

    public HeadReadStatus Status { get; }

    public int HeadLength { get; }

    public int DataLength { get; }

    public ReadOnlySpan<byte> Head => _buffer.AsSpan(0, HeadLength);

    /// <summary>Bytes received after the head; they belong to whatever follows it.</summary>
    public ReadOnlyMemory<byte> Leftover => _buffer.AsMemory(HeadLength, DataLength - HeadLength);

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
