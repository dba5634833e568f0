using System.Net.Sockets;

namespace NetDrift.Engine.Http;

/// <summary>
/// Reads one head off a socket that carries a single message exchange (an upstream's answer to
/// CONNECT, a faulty proxy's request) and hands back the bytes as a <see cref="ReceivedHead"/>.
/// The reading itself is <see cref="SocketInput.ReadHeadAsync"/>, with the byte limit and the
/// deadline; the head is expected at once, so it is read with a buffer from the start.
/// </summary>
public static class HeadReader
{
    public static async ValueTask<ReceivedHead> ReadAsync(Socket socket, int maxBytes, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var input = new SocketInput(socket);
        try
        {
            var (status, headLength) = await input.ReadHeadAsync(maxBytes, timeout, cancellationToken, expectSoon: true).ConfigureAwait(false);
            if (status != HeadReadStatus.Complete)
            {
                return new ReceivedHead(status, null, 0, 0);
            }
            var buffer = input.DetachBuffer(out var length);
            return new ReceivedHead(HeadReadStatus.Complete, buffer, headLength, length);
        }
        finally
        {
            input.Dispose();
        }
    }
}
