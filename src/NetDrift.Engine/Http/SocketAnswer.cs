using System.Net.Sockets;

namespace NetDrift.Engine.Http;

/// <summary>Sends a complete answer and closes so that the peer reads it, rather than a reset.</summary>
public static class SocketAnswer
{
    /// <summary>Sends <paramref name="answer"/>, shuts the sending half, and briefly drains what the peer still sends.</summary>
    public static async Task AnswerAndCloseAsync(Transport connection, ReadOnlyMemory<byte> answer)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await connection.SendAsync(answer, timeout.Token).ConfigureAwait(false);
            await connection.ShutdownSendAsync().ConfigureAwait(false);
            // Closing with unread input (a request body) would reset the connection and could
            // destroy our answer before the peer read it: drain for a moment first.
            var sink = new byte[1024];
            using var linger = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            while (await connection.ReceiveAsync(sink, linger.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The peer left first: nothing else to do.
        }
    }
}
