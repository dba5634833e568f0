using System.Buffers;
using System.Net.Sockets;
using NetDrift.Engine.Http;

namespace NetDrift.Engine.Tunnel;

/// <summary>
/// Relays bytes both ways between two connections (sockets, or TLS over them) until both sides are done, honouring
/// half-close: when one side stops sending, the other side's sending half is shut and the opposite
/// direction keeps flowing. Buffers are rented only while data flows: an idle direction sits in a
/// zero-byte read holding nothing (as Kestrel and YARP do).
/// </summary>
public static class TunnelRelay
{
    /// <summary>Pooled buffer size: large enough for bulk throughput, small enough for 10k tunnels.</summary>
    public const int BufferSize = 16 * 1024;

    /// <param name="endWithUpstream">For close-delimited plain HTTP: once the upstream is done, so is the client.</param>
    public static Task<RelayResult> RunAsync(Transport client, Transport upstream, TunnelActivity activity, IByteCounter counter, bool endWithUpstream = false) =>
        RunAsync(client, upstream, activity, counter, endWithUpstream, SplicePump.IsSupported);

    /// <summary>A relay misshaped on purpose, one <see cref="IRelayShaper"/> per direction (the faulty test proxies).</summary>
    public static Task<RelayResult> RunShapedAsync(Transport client, Transport upstream, TunnelActivity activity, IByteCounter counter,
        IRelayShaper toUpstream, IRelayShaper toClient, bool endWithUpstream = false) =>
        RunAsync(client, upstream, activity, counter, endWithUpstream, splice: false, toUpstream, toClient);

    /// <param name="splice">splice(2) through a kernel pipe (Linux; the default there, unless
    /// NETDRIFT_RELAY=copy) rather than through pooled buffers, when both sides are raw sockets
    /// (a TLS side is always copied). Tests run both.</param>
    internal static async Task<RelayResult> RunAsync(Transport client, Transport upstream, TunnelActivity activity, IByteCounter counter, bool endWithUpstream, bool splice,
        IRelayShaper? shapeToUpstream = null, IRelayShaper? shapeToClient = null)
    {
        splice &= client.IsRawSocket && upstream.IsRawSocket;
        var toUpstream = PumpAsync(client, upstream, activity, counter, toUpstream: true, splice, shapeToUpstream);
        var toClient = PumpAsync(upstream, client, activity, counter, toUpstream: false, splice, shapeToClient);

        var first = await Task.WhenAny(toUpstream, toClient).ConfigureAwait(false);
        var firstEnd = await first.ConfigureAwait(false);
        var firstWasToClient = first == toClient;
        if (firstEnd != DirectionEnd.Eof || (endWithUpstream && firstWasToClient))
        {
            // Read before our own Abort below: an abort from outside (idle sweep, drain, stop) is
            // what ended this direction, and it is the reason to report, Aborted included.
            var external = activity.AbortReason;
            if (firstEnd == DirectionEnd.Eof)
            {
                // A close-delimited answer is complete: end the client normally, no reset.
                activity.Finish();
            }
            else
            {
                // A reset on one side ends the other: nothing more can be delivered faithfully.
                activity.Abort(RelayResult.Aborted);
            }
            await (firstWasToClient ? toUpstream : toClient).ConfigureAwait(false);
            return external ?? Classify(firstEnd, firstWasToClient);
        }
        var secondEnd = await (firstWasToClient ? toUpstream : toClient).ConfigureAwait(false);
        if (activity.AbortReason is { } reason)
        {
            return reason;
        }
        return secondEnd == DirectionEnd.Eof ? RelayResult.Completed : Classify(secondEnd, !firstWasToClient);
    }

    /// <summary>
    /// Copies one direction only until the source ends (then shuts the destination's sending half):
    /// for a plain HTTP body or response, where the other direction is handled by the caller.
    /// Returns false when either side reset.
    /// </summary>
    public static async Task<bool> CopyOneWayAsync(Transport source, Transport destination, TunnelActivity activity, IByteCounter counter, bool toUpstream) =>
        await PumpAsync(source, destination, activity, counter, toUpstream, SplicePump.IsSupported && source.IsRawSocket && destination.IsRawSocket, shaper: null).ConfigureAwait(false) == DirectionEnd.Eof;

    private static RelayResult Classify(DirectionEnd end, bool directionIsToClient)
    {
        // A pump toward the client reads the upstream; its source is the upstream.
        var sourceIsUpstream = directionIsToClient;
        return end switch
        {
            DirectionEnd.SourceReset => sourceIsUpstream ? RelayResult.UpstreamReset : RelayResult.ClientReset,
            DirectionEnd.DestinationReset => sourceIsUpstream ? RelayResult.ClientReset : RelayResult.UpstreamReset,
            _ => RelayResult.Completed,
        };
    }

    /// <summary>
    /// One direction. Every direction starts copying through a pooled buffer: for the small
    /// exchanges most tunnels carry, recv/send is cheaper than two splices and a pipe. With
    /// <paramref name="splice"/>, a read that fills the whole buffer marks a bulk transfer, and the
    /// direction moves on to <see cref="SplicePump"/> for the rest of its life. A
    /// <paramref name="shaper"/> sizes each read, holds bytes back and may cut the tunnel.
    /// </summary>
    private static async Task<DirectionEnd> PumpAsync(Transport source, Transport destination, TunnelActivity activity, IByteCounter counter, bool toUpstream, bool splice,
        IRelayShaper? shaper)
    {
        byte[]? buffer = null;
        try
        {
            while (true)
            {
                if (buffer is null)
                {
                    // Wait for data without holding memory; rent only once bytes are there.
                    await source.ReceiveAsync(Memory<byte>.Empty).ConfigureAwait(false);
                    buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                }
                // A shaped read never takes more than may be passed on, so cut bytes stay on the wire.
                var want = shaper?.NextReadSize(BufferSize) ?? BufferSize;
                var read = await source.ReceiveAsync(buffer.AsMemory(0, want)).ConfigureAwait(false);
                if (read == 0)
                {
                    if (activity.WasCut)
                    {
                        return DirectionEnd.SourceReset;
                    }
                    await destination.ShutdownSendAsync().ConfigureAwait(false);
                    return DirectionEnd.Eof;
                }
                activity.Touch();
                var passed = shaper is null ? read : await shaper.PassAsync(read).ConfigureAwait(false);
                try
                {
                    if (passed > 0)
                    {
                        await destination.SendAsync(buffer.AsMemory(0, passed)).ConfigureAwait(false);
                    }
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return DirectionEnd.DestinationReset;
                }
                activity.Touch();
                if (toUpstream)
                {
                    counter.AddSent(passed);
                }
                else
                {
                    counter.AddReceived(passed);
                }
                if (shaper is { IsSpent: true })
                {
                    activity.Abort(RelayResult.Aborted);
                    return DirectionEnd.SourceReset;
                }
                if (read < want)
                {
                    // The burst is over: give the buffer back before waiting again.
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = null;
                }
                else if (splice && shaper is null)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = null;
                    return await SplicePump.PumpAsync(source.Socket, destination.Socket, activity, counter, toUpstream).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // OperationCanceledException: a shaper's wait ended by its owner stopping.
            return DirectionEnd.SourceReset;
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    internal static void ShutdownSend(Socket socket)
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

/// <summary>How one direction of a relay ended.</summary>
internal enum DirectionEnd { Eof, SourceReset, DestinationReset }
