using NetDrift.Engine.Http;

namespace NetDrift.Engine.Net;

/// <summary>One of <see cref="Socks5Wire"/>'s parsers.</summary>
internal delegate Socks5ParseStatus Socks5Parser<T>(ReadOnlySpan<byte> data, out int length, out T message);

/// <summary>What reading one SOCKS5 message gave.</summary>
internal enum Socks5ReadStatus
{
    Complete,
    /// <summary>Bytes that are not the expected message (or more than any such message holds).</summary>
    Invalid,
    /// <summary>The peer closed before the message was whole.</summary>
    Closed,
}

/// <summary>
/// Reads one SOCKS5 message through a <see cref="SocketInput"/>, however the peer splits it across
/// segments; consumes exactly its bytes, so what follows stays buffered. The token bounds the wait
/// (a cancellation throws: the caller tells a timeout from a stop).
/// </summary>
internal static class Socks5Reader
{
    /// <summary>More than the largest SOCKS5 message (a 255-byte name and a 255-byte password, or a 255-byte domain).</summary>
    private const int MaxMessageBytes = 1024;

    public static async ValueTask<(Socks5ReadStatus Status, T Message)> ReadAsync<T>(SocketInput input, Socks5Parser<T> parse, bool expectSoon, CancellationToken cancellationToken)
    {
        while (true)
        {
            switch (parse(input.Buffered, out var length, out var message))
            {
                case Socks5ParseStatus.Complete:
                    input.Consume(length);
                    return (Socks5ReadStatus.Complete, message);
                case Socks5ParseStatus.Invalid:
                    return (Socks5ReadStatus.Invalid, default!);
            }
            var read = await input.FillAsync(MaxMessageBytes, cancellationToken, expectSoon).ConfigureAwait(false);
            if (read < 0)
            {
                return (Socks5ReadStatus.Invalid, default!);
            }
            if (read == 0)
            {
                return (Socks5ReadStatus.Closed, default!);
            }
        }
    }
}
