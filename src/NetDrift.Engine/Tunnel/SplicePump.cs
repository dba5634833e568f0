using System.Buffers;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace NetDrift.Engine.Tunnel;

/// <summary>
/// One bulk tunnel direction on Linux with splice(2): bytes go socket → pipe → socket inside the kernel,
/// as Go's io.Copy does between TCP connections, instead of being copied into a user buffer and
/// back. Waiting stays with .NET's event loop: a zero-byte receive waits for data, and when the
/// destination is full the next byte is sent the ordinary way, which waits for room.
/// </summary>
internal static class SplicePump
{
    /// <summary>Whether this process can splice: Linux, and a pipe could be made.</summary>
    public static bool IsSupported { get; } = Probe();

    public static async Task<DirectionEnd> PumpAsync(Socket source, Socket destination, TunnelActivity activity, IByteCounter counter, bool toUpstream)
    {
        SplicePipe? pipe = null;
        byte[]? single = null;
        var emptyWakes = 0;
        var sourceHandle = source.SafeHandle;
        var destinationHandle = destination.SafeHandle;
        try
        {
            while (true)
            {
                var woke = false;
                if (pipe is null)
                {
                    // Wait for data holding no pipe: an idle direction costs nothing but the wait.
                    await source.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
                    pipe = SplicePipe.Rent();
                    woke = true;
                }
                var moved = pipe is null ? -1 : SpliceIn(sourceHandle, pipe);
                if (moved == 0)
                {
                    if (activity.WasCut)
                    {
                        return DirectionEnd.SourceReset;
                    }
                    TunnelRelay.ShutdownSend(destination);
                    return DirectionEnd.Eof;
                }
                if (moved < 0 && pipe is not null)
                {
                    SplicePipe.Return(pipe);
                    pipe = null;
                    // Drained: wait again. Woken yet with nothing to read is rare (the previous
                    // splice took it); .NET's zero-byte receive peeks, so that wait is real too,
                    // and should it keep waking for nothing, the buffered read below waits instead.
                    if (!woke || ++emptyWakes < 3)
                    {
                        continue;
                    }
                }
                if (moved < 0)
                {
                    // No pipe to be had (out of descriptors), or empty wakes: one buffered read and send.
                    emptyWakes = 0;
                    var copied = await CopyOnceAsync(source, destination, activity).ConfigureAwait(false);
                    if (copied <= 0)
                    {
                        return copied == 0 ? DirectionEnd.Eof : DirectionEnd.DestinationReset;
                    }
                    Count(counter, toUpstream, copied);
                    activity.Touch();
                    continue;
                }
                emptyWakes = 0;
                activity.Touch();
                pipe!.Pending = moved;
                while (pipe.Pending > 0)
                {
                    int sent;
                    try
                    {
                        sent = SpliceOut(pipe, destinationHandle);
                        if (sent < 0)
                        {
                            // The destination's send buffer is full: let .NET wait for room.
                            single ??= new byte[1];
                            sent = (int)LinuxSyscalls.Read(pipe.ReadFd, single, 1);
                            if (sent != 1)
                            {
                                return DirectionEnd.DestinationReset;
                            }
                            await destination.SendAsync(single.AsMemory(), SocketFlags.None).ConfigureAwait(false);
                        }
                    }
                    catch (Exception e) when (e is SocketException or ObjectDisposedException)
                    {
                        return DirectionEnd.DestinationReset;
                    }
                    pipe.Pending -= sent;
                }
                activity.Touch();
                Count(counter, toUpstream, moved);
                // The pipe is kept while data flows: the next splice comes without a wait, and
                // the one that finds nothing gives it back.
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return DirectionEnd.SourceReset;
        }
        finally
        {
            if (pipe is not null)
            {
                SplicePipe.Return(pipe); // closed rather than pooled if bytes are left in it
            }
        }
    }

    private static void Count(IByteCounter counter, bool toUpstream, int bytes)
    {
        if (toUpstream)
        {
            counter.AddSent(bytes);
        }
        else
        {
            counter.AddReceived(bytes);
        }
    }

    /// <summary>Bytes moved into the pipe; 0 at end of stream; -1 when there was nothing to read.</summary>
    private static int SpliceIn(SafeHandle source, SplicePipe pipe) =>
        SpliceOrWouldBlock(source, pipe.WriteFd, toSocket: false, SplicePipe.Capacity);

    /// <summary>Bytes moved out of the pipe; -1 when the destination has no room now.</summary>
    private static int SpliceOut(SplicePipe pipe, SafeHandle destination) =>
        SpliceOrWouldBlock(destination, pipe.ReadFd, toSocket: true, pipe.Pending);

    /// <summary>The bytes moved, or -1 for EAGAIN; any other failure throws as a socket error.</summary>
    private static int SpliceOrWouldBlock(SafeHandle socket, int pipeFd, bool toSocket, int length)
    {
        var result = SpliceRetryingEintr(socket, pipeFd, toSocket, length);
        if (result >= 0)
        {
            return result;
        }
        var errno = Marshal.GetLastPInvokeError();
        return errno == LinuxSyscalls.EAGAIN ? -1 : throw new SocketException(errno);
    }

    private static int SpliceRetryingEintr(SafeHandle socket, int pipeFd, bool toSocket, int length)
    {
        // The reference keeps the descriptor from being closed, and reused by another
        // connection, while the call runs; a socket already disposed throws here.
        var added = false;
        socket.DangerousAddRef(ref added);
        try
        {
            var fd = (int)socket.DangerousGetHandle();
            var flags = LinuxSyscalls.SPLICE_F_MOVE | LinuxSyscalls.SPLICE_F_NONBLOCK;
            while (true)
            {
                var result = toSocket
                    ? LinuxSyscalls.Splice(pipeFd, 0, fd, 0, (nuint)length, flags)
                    : LinuxSyscalls.Splice(fd, 0, pipeFd, 0, (nuint)length, flags);
                if (result >= 0 || Marshal.GetLastPInvokeError() != LinuxSyscalls.EINTR)
                {
                    return (int)result;
                }
            }
        }
        finally
        {
            if (added)
            {
                socket.DangerousRelease();
            }
        }
    }

    /// <summary>One buffered read and send: bytes copied, 0 at end of stream, -1 if the destination failed or the tunnel was cut.</summary>
    private static async ValueTask<int> CopyOnceAsync(Socket source, Socket destination, TunnelActivity activity)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(TunnelRelay.BufferSize);
        try
        {
            var read = await source.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).ConfigureAwait(false);
            if (read == 0)
            {
                if (activity.WasCut)
                {
                    return -1;
                }
                TunnelRelay.ShutdownSend(destination);
                return 0;
            }
            try
            {
                await destination.SendAsync(buffer.AsMemory(0, read), SocketFlags.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return -1;
            }
            return read;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("NETDRIFT_RELAY") == "copy")
        {
            return false;
        }
        try
        {
            var pipe = SplicePipe.Rent();
            if (pipe is null)
            {
                return false;
            }
            SplicePipe.Return(pipe);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }
}
