using System.Runtime.InteropServices;

namespace NetDrift.LoadGen;

/// <summary>
/// When a long-lived mode should end: stdin reaching EOF (the runner closed it, or died and the
/// pipe went with it), optionally the first stdin line, or SIGTERM/SIGINT. Watching stdin is what
/// keeps a crashed runner from leaving servers behind.
/// </summary>
internal sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly PosixSignalRegistration _terminate;
    private readonly PosixSignalRegistration _interrupt;

    private StopSignal(bool onFirstLine)
    {
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        // A plain thread: a blocking stdin read has no async form worth the trouble, and a
        // background thread never holds the process open.
        new Thread(() => WatchStdin(onFirstLine)) { IsBackground = true, Name = "stdin watcher" }.Start();
    }

    public static StopSignal OnStdinEof() => new(onFirstLine: false);

    public static StopSignal OnStdinLineOrEof() => new(onFirstLine: true);

    public CancellationToken Token => _stop.Token;

    public Task Stopped => _stopped.Task;

    public void Dispose()
    {
        _terminate.Dispose();
        _interrupt.Dispose();
    }

    private void Stop()
    {
        _stopped.TrySetResult();
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Stopping anyway.
        }
    }

    private void OnSignal(PosixSignalContext context)
    {
        // Cancel the runtime's default (immediate exit) so the mode can close its sockets itself.
        context.Cancel = true;
        Stop();
    }

    private void WatchStdin(bool onFirstLine)
    {
        try
        {
            using var stdin = Console.OpenStandardInput();
            var buffer = new byte[4096];
            int read;
            while ((read = stdin.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (onFirstLine && buffer.AsSpan(0, read).Contains((byte)'\n'))
                {
                    break;
                }
            }
        }
        catch (IOException)
        {
            // A broken stdin is as good as EOF.
        }
        Stop();
    }
}
