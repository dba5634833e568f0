using System.Collections.Concurrent;
using System.Net;

namespace NetDrift.Engine.Security;

/// <summary>
/// Slows down password guessing: each wrong login from a client IP makes the next 407 wait
/// longer (50 ms doubling to 2 s); a right login, or 10 quiet minutes, clears the slate. Checks
/// from one IP take turns (<see cref="WaitTurnAsync"/>) and a failure's delay is served inside
/// its turn, so guesses sent in parallel, over any number of connections, wait one after another
/// like guesses in a row, and one address can keep at most one derivation busy.
/// </summary>
public sealed class AuthFailureThrottle
{
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(50);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan Forget = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<IPAddress, (int Failures, long LastTicks)> _clients = new();
    // Only addresses with a check in progress or waiting; guarded by itself.
    private readonly Dictionary<IPAddress, TurnGate> _gates = new();
    private readonly TimeProvider _time;
    private long _delayed;

    public AuthFailureThrottle(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <summary>Wrong logins answered after a delay.</summary>
    public long Delayed => Volatile.Read(ref _delayed);

    /// <summary>Addresses with a check in progress or waiting (none once all turns ended).</summary>
    internal int AddressesInTurn
    {
        get
        {
            lock (_gates)
            {
                return _gates.Count;
            }
        }
    }

    /// <summary>Waits until no other check from <paramref name="client"/> is in progress; dispose the turn to end it.</summary>
    public async Task<IDisposable> WaitTurnAsync(IPAddress client, CancellationToken cancellationToken)
    {
        TurnGate gate;
        lock (_gates)
        {
            if (!_gates.TryGetValue(client, out gate!))
            {
                _gates[client] = gate = new TurnGate();
            }
            gate.Holders++;
        }
        var turn = new Turn(this, client, gate);
        try
        {
            await gate.Semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            turn.Leave(entered: false);
            throw;
        }
        return turn;
    }

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

    private sealed class TurnGate
    {
        public readonly SemaphoreSlim Semaphore = new(1, 1);
        public int Holders;
    }

    private sealed class Turn(AuthFailureThrottle owner, IPAddress client, TurnGate gate) : IDisposable
    {
        private int _left;

        public void Dispose() => Leave(entered: true);

        public void Leave(bool entered)
        {
            if (Interlocked.Exchange(ref _left, 1) != 0)
            {
                return;
            }
            if (entered)
            {
                gate.Semaphore.Release();
            }
            lock (owner._gates)
            {
                if (--gate.Holders == 0)
                {
                    owner._gates.Remove(client);
                }
            }
        }
    }
}
