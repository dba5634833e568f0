using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace NetDrift.Engine.Tunnel;

/// <summary>
/// A kernel pipe that splice(2) moves tunnel bytes through: socket → pipe → socket, never through
/// user memory. Pipes are pooled and rented only while a direction has bytes in flight, so an idle
/// tunnel holds no pipe (two file descriptors and up to the pipe's pages each).
/// </summary>
internal sealed class SplicePipe : IDisposable
{
    /// <summary>Bytes one splice may move; the pipe is sized to hold them.</summary>
    public const int Capacity = 1024 * 1024;

    private const int MaxPooled = 64;
    private static readonly ConcurrentQueue<SplicePipe> Pool = new();
    private static int _pooled;

    private SplicePipe(int readFd, int writeFd)
    {
        ReadFd = readFd;
        WriteFd = writeFd;
    }

    public int ReadFd { get; }

    public int WriteFd { get; }

    /// <summary>Bytes spliced in and not yet out. A pipe goes back to the pool only when empty.</summary>
    public int Pending { get; set; }

    /// <summary>A pooled pipe, or a new one; null when the kernel refuses (out of descriptors).</summary>
    public static SplicePipe? Rent()
    {
        if (Pool.TryDequeue(out var pipe))
        {
            Interlocked.Decrement(ref _pooled);
            return pipe;
        }
        var fds = new int[2];
        if (LinuxSyscalls.Pipe2(fds, LinuxSyscalls.O_CLOEXEC | LinuxSyscalls.O_NONBLOCK) != 0)
        {
            return null;
        }
        // Bigger than the default 64 KiB: fewer splices per megabyte (Go's splice moves up to 1 MiB
        // too). Best effort: a user's pipe-page quota may refuse it, and the default size still works.
        _ = LinuxSyscalls.Fcntl(fds[1], LinuxSyscalls.F_SETPIPE_SZ, Capacity);
        return new SplicePipe(fds[0], fds[1]);
    }

    /// <summary>Back to the pool when empty and there is room, else closed.</summary>
    public static void Return(SplicePipe pipe)
    {
        if (pipe.Pending == 0)
        {
            if (Interlocked.Increment(ref _pooled) <= MaxPooled)
            {
                Pool.Enqueue(pipe);
                return;
            }
            Interlocked.Decrement(ref _pooled);
        }
        pipe.Dispose();
    }

    public void Dispose()
    {
        _ = LinuxSyscalls.Close(ReadFd);
        _ = LinuxSyscalls.Close(WriteFd);
    }
}

/// <summary>The few Linux system calls the splice relay needs (x86-64 and arm64 share these values).</summary>
internal static class LinuxSyscalls
{
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;
    public const int F_SETPIPE_SZ = 1031;
    public const uint SPLICE_F_MOVE = 1;
    public const uint SPLICE_F_NONBLOCK = 2;
    public const int EINTR = 4;
    public const int EAGAIN = 11;

    [DllImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    public static extern int Pipe2(int[] fds, int flags);

    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static extern int Fcntl(int fd, int command, int argument);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    public static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "splice", SetLastError = true)]
    public static extern nint Splice(int fdIn, nint offsetIn, int fdOut, nint offsetOut, nuint length, uint flags);

    [DllImport("libc", EntryPoint = "read", SetLastError = true)]
    public static extern nint Read(int fd, byte[] buffer, nint count);
}
