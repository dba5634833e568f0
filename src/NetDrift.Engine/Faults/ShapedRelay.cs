using System.Buffers;
using System.Net.Sockets;
using NetDrift.Engine.Tunnel;

namespace NetDrift.Engine.Faults;

/// <summary>
/// A relay that misbehaves on purpose: each direction capped at a byte rate (<see cref="FaultType.Slow"/>)
/// and/or both directions cut after a byte budget (<see cref="FaultType.Drop"/>). Healthy tunnels use
/// <see cref="TunnelRelay"/>; this one exists because pacing needs to wait between reads and an
/// exact cut needs to size them, which a counter callback cannot do. Half-close is honoured as
/// there, and buffers are rented only while data flows.
/// </summary>
internal static class ShapedRelay
{
    /// <param name="bytesPerSecond">Cap per direction; 0 = unlimited.</param>
    /// <param name="budget">Bytes both directions may relay before the tunnel is cut; null = no limit.</param>
    /// <param name="endWithUpstream">For close-delimited plain HTTP: once the upstream is done, so is the client.</param>
    public static async Task<RelayResult> RunAsync(Socket client, Socket upstream, TunnelActivity activity,
        long bytesPerSecond, ByteBudget? budget, bool endWithUpstream, CancellationToken cancellationToken)
    {
        var toUpstream = PumpAsync(client, upstream, activity, Pacer(bytesPerSecond), budget, cancellationToken);
        var toClient = PumpAsync(upstream, client, activity, Pacer(bytesPerSecond), budget, cancellationToken);

        var first = await Task.WhenAny(toUpstream, toClient).ConfigureAwait(false);
        var firstClean = await first.ConfigureAwait(false);
        var other = first == toClient ? toUpstream : toClient;
        if (!firstClean || (endWithUpstream && first == toClient))
        {
            activity.Abort(RelayResult.Aborted);
            await other.ConfigureAwait(false);
            return firstClean ? RelayResult.Completed : RelayResult.Aborted;
        }
        return await other.ConfigureAwait(false) ? RelayResult.Completed : RelayResult.Aborted;
    }

    private static RatePacer? Pacer(long bytesPerSecond) => bytesPerSecond > 0 ? new RatePacer(bytesPerSecond) : null;

    /// <summary>True when the source ended cleanly; false on a reset, a cut or a stop.</summary>
    private static async Task<bool> PumpAsync(Socket source, Socket destination, TunnelActivity activity,
        RatePacer? pacer, ByteBudget? budget, CancellationToken cancellationToken)
    {
        var chunk = pacer?.ChunkSize ?? TunnelRelay.BufferSize;
        byte[]? buffer = null;
        try
        {
            while (true)
            {
                if (buffer is null)
                {
                    await source.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                    buffer = ArrayPool<byte>.Shared.Rent(chunk);
                }
                // Read no more than the budget allows, so the bytes cut are never taken off the wire.
                var want = budget is null ? chunk : (int)Math.Clamp(budget.Remaining, 1, chunk);
                var read = await source.ReceiveAsync(buffer.AsMemory(0, want), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    ShutdownSend(destination);
                    return true;
                }
                activity.Touch();
                var allowed = budget?.Take(read) ?? read;
                if (pacer is not null)
                {
                    await pacer.WaitAsync(allowed, cancellationToken).ConfigureAwait(false);
                }
                if (allowed > 0)
                {
                    await destination.SendAsync(buffer.AsMemory(0, allowed), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                    activity.Touch();
                }
                if (budget is { IsSpent: true })
                {
                    activity.Abort(RelayResult.Aborted);
                    return false;
                }
                if (read < want)
                {
                    // The burst is over: give the buffer back before waiting again.
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = null;
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            return false;
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static void ShutdownSend(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already gone: the other direction will notice.
        }
    }
}
