using System.Collections.Concurrent;

namespace NetDrift.Engine.Upstreams;

/// <summary>
/// Idle keep-alive connections to one upstream, reused across clients for plain HTTP. Lock-free
/// (a concurrent stack: the most recently used, warmest connection goes first), capped, and swept
/// of connections idle past the timeout. Connections opened with other credentials are discarded.
/// </summary>
public sealed class UpstreamConnectionPool
{
    private readonly ConcurrentStack<UpstreamConnection> _idle = new();
    private int _count;
    private long _reused;

    public int IdleCount => Volatile.Read(ref _count);

    /// <summary>Requests that went over a reused connection.</summary>
    public long Reused => Volatile.Read(ref _reused);

    /// <summary>A live idle connection opened with <paramref name="credentialsVersion"/>, or null.</summary>
    public UpstreamConnection? TryTake(string credentialsVersion)
    {
        while (_idle.TryPop(out var connection))
        {
            Interlocked.Decrement(ref _count);
            if (connection.CredentialsVersion == credentialsVersion && !connection.LooksDead()
                && Environment.TickCount64 - connection.IdleSinceMilliseconds < EngineDefaults.PooledConnectionIdleTime.TotalMilliseconds)
            {
                Interlocked.Increment(ref _reused);
                return connection;
            }
            connection.Dispose();
        }
        return null;
    }

    /// <summary>Keeps the connection for reuse, or closes it when the pool is full or it was opened as not poolable (an empty version).</summary>
    public void Return(UpstreamConnection connection)
    {
        if (connection.CredentialsVersion.Length == 0)
        {
            // Never to be reused (a SOCKS5 tunnel to one origin): kept, it would only crowd out reusable ones.
            connection.Dispose();
            return;
        }
        connection.Input.Release();
        connection.IdleSinceMilliseconds = Environment.TickCount64;
        if (Interlocked.Increment(ref _count) > EngineDefaults.PooledConnectionsPerUpstream)
        {
            Interlocked.Decrement(ref _count);
            connection.Dispose();
            return;
        }
        _idle.Push(connection);
    }

    /// <summary>Closes connections idle too long or already closed by the upstream.</summary>
    public void Sweep()
    {
        var keep = new List<UpstreamConnection>();
        while (_idle.TryPop(out var connection))
        {
            Interlocked.Decrement(ref _count);
            if (Environment.TickCount64 - connection.IdleSinceMilliseconds >= EngineDefaults.PooledConnectionIdleTime.TotalMilliseconds || connection.LooksDead())
            {
                connection.Dispose();
            }
            else
            {
                keep.Add(connection);
            }
        }
        for (var i = keep.Count - 1; i >= 0; i--)
        {
            Interlocked.Increment(ref _count);
            _idle.Push(keep[i]);
        }
    }

    public void Clear()
    {
        while (_idle.TryPop(out var connection))
        {
            Interlocked.Decrement(ref _count);
            connection.Dispose();
        }
    }
}
