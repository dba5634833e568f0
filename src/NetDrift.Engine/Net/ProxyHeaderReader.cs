using System.Net;
using System.Net.Sockets;
using NetDrift.Engine.Http;

namespace NetDrift.Engine.Net;

/// <summary>
/// Reads the PROXY protocol header a trusted balancer sends first, through the connection's
/// <see cref="SocketInput"/>: bytes after the header stay buffered for the request head.
/// </summary>
public static class ProxyHeaderReader
{
    /// <summary>
    /// Reads until the header is whole, broken or late (<paramref name="timeout"/>). On Read,
    /// <paramref name="source"/> is the client it carries, or null when the peer itself is the client.
    /// </summary>
    public static async ValueTask<(ProxyHeaderReadResult Result, IPEndPoint? Source)> ReadAsync(SocketInput input, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                if (input.BufferedCount > 0)
                {
                    switch (ProxyProtocolHeader.TryParse(input.Buffered, out var length, out var source))
                    {
                        case ProxyHeaderStatus.Complete:
                            input.Consume(length);
                            return (ProxyHeaderReadResult.Read, source);
                        case ProxyHeaderStatus.Absent:
                            return (ProxyHeaderReadResult.Absent, null);
                        case ProxyHeaderStatus.Malformed:
                            return (ProxyHeaderReadResult.Malformed, null);
                    }
                }
                var read = await input.FillAsync(ProxyProtocolHeader.MaxV2Length, deadline.Token).ConfigureAwait(false);
                if (read < 0)
                {
                    return (ProxyHeaderReadResult.Malformed, null);
                }
                if (read == 0)
                {
                    return (input.BufferedCount == 0 ? ProxyHeaderReadResult.ClosedBeforeHeader : ProxyHeaderReadResult.Truncated, null);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (ProxyHeaderReadResult.TimedOut, null);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            return (ProxyHeaderReadResult.Reset, null);
        }
    }
}
