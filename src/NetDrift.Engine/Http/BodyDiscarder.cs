using System.Net.Sockets;

namespace NetDrift.Engine.Http;

/// <summary>
/// Reads past a request body NetDrift answers without forwarding (a 407 challenge), so the
/// connection's next bytes are the next request's head and the connection can stay open.
/// </summary>
public static class BodyDiscarder
{
    /// <summary>Reads and drops <paramref name="length"/> bytes within <paramref name="timeout"/>; false when the client closed, stalled or the proxy stops.</summary>
    public static async Task<bool> DiscardAsync(SocketInput source, long length, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            for (var remaining = length; remaining > 0;)
            {
                // The body follows its head at once: read with a buffer straight away.
                if (source.BufferedCount == 0 && await source.FillAsync(int.MaxValue, deadline.Token, expectSoon: true).ConfigureAwait(false) <= 0)
                {
                    return false;
                }
                var take = (int)Math.Min(remaining, source.BufferedCount);
                source.Consume(take);
                remaining -= take;
            }
            return true;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            return false;
        }
    }
}
