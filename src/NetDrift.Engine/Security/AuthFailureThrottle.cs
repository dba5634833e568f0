using System.Collections.Concurrent;
using System.Net;

namespace NetDrift.Engine.Security;

/// <summary>
/// Slows down password guessing: each wrong login from a client IP makes the next 407 wait
/// longer (50 ms doubling to 2 s); a right login, or 10 quiet minutes, clears the slate.
/// </summary>
public sealed class AuthFailureThrottle
{
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(50);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan Forget = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<IPAddress, (int Failures, long LastTicks)> _clients = new();
    private readonly TimeProvider _time;
    private long _delayed;

    public AuthFailureThrottle(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <summary>Wrong logins answered after a delay.</summary>
    public long Delayed => Volatile.Read(ref _delayed);

    /// <summary>Records a failure and returns how long to wait before answering it.</summary>
    public TimeSpan Failed(IPAddress client)
    {
        var now = _time.GetUtcNow().UtcTicks;
        var entry = _clients.AddOrUpdate(client, _ => (1, now),
            (_, old) => (now - old.LastTicks > Forget.Ticks ? 1 : Math.Min(old.Failures + 1, 30), now));
        if (_clients.Count > 100_000)
        {
            Sweep(now);
        }
        Interlocked.Increment(ref _delayed);
        var delay = FirstDelay.Ticks << Math.Min(entry.Failures - 1, 10);
        return TimeSpan.FromTicks(Math.Min(delay, MaxDelay.Ticks));
    }

    public void Succeeded(IPAddress client) => _clients.TryRemove(client, out _);

    private void Sweep(long now)
    {
        foreach (var (client, entry) in _clients)
        {
            if (now - entry.LastTicks > Forget.Ticks)
            {
                _clients.TryRemove(client, out _);
            }
        }
    }
}
