using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace NetDrift.Engine.Security;

/// <summary>
/// Runs password derivations (hundreds of milliseconds of CPU each, by design) on a few dedicated
/// threads, so a burst of logins queues here instead of blocking the thread pool that serves
/// every socket: half the cores at most, one at least, shared by all proxies in the process.
/// On Linux the threads also run at a lower priority (nice 10), so when cores are short the
/// socket work wins and a storm of guesses only slows the guesses.
/// </summary>
internal sealed class PasswordVerifier
{
    internal const string ThreadName = "NetDrift password check";

    private const int LowerPriority = 10;

    private static readonly Lazy<PasswordVerifier> LazyShared = new(() => new PasswordVerifier(Math.Max(1, Environment.ProcessorCount / 2)));

    private readonly BlockingCollection<Work> _queue = new();

    public PasswordVerifier(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        for (var i = 0; i < threads; i++)
        {
            new Thread(Run) { IsBackground = true, Name = ThreadName }.Start();
        }
    }

    public static PasswordVerifier Shared => LazyShared.Value;

    /// <summary>Queues one check; completes off the verifier thread, so awaiting code never runs on it.</summary>
    public Task<bool> VerifyAsync(string password, string stored)
    {
        var work = new Work(password, stored, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        _queue.Add(work);
        return work.Done.Task;
    }

    private void Run()
    {
        if (OperatingSystem.IsLinux())
        {
            // Linux keeps a nice value per thread; who = 0 is the calling thread. Best effort.
            _ = SetPriority(0, 0, LowerPriority);
        }
        foreach (var work in _queue.GetConsumingEnumerable())
        {
            try
            {
                work.Done.TrySetResult(PasswordHash.Verify(work.Password, work.Stored));
            }
            catch (Exception e)
            {
                work.Done.TrySetException(e);
            }
        }
    }

    [DllImport("libc", EntryPoint = "setpriority")]
    private static extern int SetPriority(int which, int who, int priority);

    private sealed record Work(string Password, string Stored, TaskCompletionSource<bool> Done);
}
