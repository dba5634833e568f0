using Microsoft.Extensions.Logging;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Logging;

namespace NetDrift.Engine.Upstreams;

/// <summary>
/// The pool a running proxy balances over: an immutable <see cref="UpstreamPool"/> snapshot that
/// readers take with one volatile read, and writers (add, remove, re-weight, reload, drain
/// completion) replace under one lock, so two edits never lose each other.
/// </summary>
internal sealed class LivePool
{
    private readonly object _writeLock = new();
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private UpstreamPool _current;

    public LivePool(IEnumerable<UpstreamConfig> upstreams, TimeProvider time, ILogger logger)
    {
        _time = time;
        _logger = logger;
        _current = new UpstreamPool(upstreams.Select(u => new Upstream(u, time)).ToArray());
    }

    /// <summary>The snapshot now; read it once per request.</summary>
    public UpstreamPool Current => Volatile.Read(ref _current);

    /// <summary>Adds an upstream live; it takes traffic from the next pick.</summary>
    public Upstream Add(UpstreamConfig config)
    {
        lock (_writeLock)
        {
            var pool = Current;
            if (pool.Find(config.Name) is { } existing)
            {
                if (existing.State == UpstreamState.Active)
                {
                    throw new InvalidOperationException($"Upstream '{config.Name}' already exists.");
                }
                // Added back while still draining: it returns, with its open tunnels and counters.
                existing.ReplaceConfig(config);
                existing.MarkActive();
                Publish(pool.All);
                return existing;
            }
            var upstream = new Upstream(config, _time);
            Publish([.. pool.All, upstream]);
            return upstream;
        }
    }

    /// <summary>
    /// Takes an upstream out: no new tunnels; it stays listed as Draining until its last tunnel
    /// closes. Returns false when no upstream has that name.
    /// </summary>
    public bool Remove(string name)
    {
        lock (_writeLock)
        {
            var upstream = Current.Find(name);
            if (upstream is null)
            {
                return false;
            }
            upstream.MarkDraining();
            Publish(Current.All);
        }
        TryFinishDraining(Current.Find(name)!);
        return true;
    }

    /// <summary>Changes weight and/or enabled live. Returns null when no upstream has that name.</summary>
    public Upstream? Set(string name, int? weight, bool? enabled)
    {
        if (weight is < 0 or > UpstreamConfig.MaxWeight)
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, $"Weight must be from 0 to {UpstreamConfig.MaxWeight}.");
        }
        lock (_writeLock)
        {
            var upstream = Current.Find(name);
            if (upstream is null)
            {
                return null;
            }
            var config = upstream.Config;
            upstream.ReplaceConfig(config with { Weight = weight ?? config.Weight, Enabled = enabled ?? config.Enabled });
            // The weighted cycle depends on weights: rebuild the snapshot.
            Publish(Current.All);
            return upstream;
        }
    }

    /// <summary>
    /// Makes the pool match <paramref name="config"/>'s upstreams: known ones get their new settings
    /// (open tunnels keep their socket), new ones join, missing ones start draining. Returns the
    /// ones that started draining, for <see cref="TryFinishDraining"/> once the config is applied.
    /// </summary>
    public List<Upstream> Apply(NetDriftConfig config) => Apply(config.UpstreamProxies);

    /// <summary>Makes the pool hold exactly <paramref name="upstreams"/>: see <see cref="Apply(NetDriftConfig)"/>.</summary>
    public List<Upstream> Apply(IReadOnlyList<UpstreamConfig> upstreams)
    {
        var removed = new List<Upstream>();
        lock (_writeLock)
        {
            var pool = Current;
            var next = new List<Upstream>(upstreams.Count);
            foreach (var upstreamConfig in upstreams)
            {
                var existing = pool.Find(upstreamConfig.Name);
                if (existing is not null)
                {
                    // Same upstream, new settings: open tunnels keep their socket, new ones use the
                    // new config. A draining one named again comes back with its counters.
                    existing.ReplaceConfig(upstreamConfig);
                    existing.MarkActive();
                    next.Add(existing);
                }
                else
                {
                    next.Add(new Upstream(upstreamConfig, _time));
                }
            }
            foreach (var upstream in pool.All)
            {
                if (next.Contains(upstream))
                {
                    continue;
                }
                if (upstream.State == UpstreamState.Active)
                {
                    upstream.MarkDraining();
                    removed.Add(upstream);
                }
                // Draining upstreams stay listed until their last tunnel closes.
                next.Add(upstream);
            }
            Publish(next);
        }
        return removed;
    }

    /// <summary>Drops a draining upstream from the pool once its last connection has closed.</summary>
    public void TryFinishDraining(Upstream upstream)
    {
        if (upstream.State != UpstreamState.Draining || upstream.Counters.ActiveConnections > 0)
        {
            return;
        }
        lock (_writeLock)
        {
            var pool = Current;
            if (upstream.State != UpstreamState.Draining || !pool.All.Contains(upstream) || upstream.Counters.ActiveConnections > 0)
            {
                return;
            }
            Publish(pool.All.Where(u => u != upstream).ToArray());
        }
        ProxyLog.UpstreamRemoved(_logger, upstream.Name);
    }

    /// <summary>Closes idle pooled connections that have waited too long.</summary>
    public void SweepIdleConnections()
    {
        foreach (var upstream in Current.All)
        {
            upstream.Connections.Sweep();
        }
    }

    /// <summary>Closes every idle pooled connection (the proxy stops).</summary>
    public void CloseIdleConnections()
    {
        foreach (var upstream in Current.All)
        {
            upstream.Connections.Clear();
        }
    }

    private void Publish(IReadOnlyList<Upstream> upstreams) => Volatile.Write(ref _current, new UpstreamPool(upstreams));
}
