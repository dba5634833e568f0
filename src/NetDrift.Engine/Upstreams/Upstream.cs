using NetDrift.Engine.Configuration;
using NetDrift.Engine.Stats;

namespace NetDrift.Engine.Upstreams;

/// <summary>
/// One upstream proxy at run time: its immutable config plus state that changes only atomically
/// (health, draining, counters). The config is swapped whole when weight or credentials change,
/// so a reader always sees one consistent version.
/// </summary>
public sealed class Upstream
{
    private UpstreamConfig _config;
    private int _health = (int)UpstreamHealth.Unknown;
    private int _draining;
    private int _consecutiveFailures;
    private int _consecutiveSuccesses;

    public Upstream(UpstreamConfig config, TimeProvider? time = null)
    {
        _config = config;
        Counters = new UpstreamCounters(time);
    }

    public UpstreamConfig Config => Volatile.Read(ref _config);

    public string Name => Config.Name;

    public UpstreamCounters Counters { get; }

    public UpstreamHealth Health => (UpstreamHealth)Volatile.Read(ref _health);

    public UpstreamState State => Volatile.Read(ref _draining) == 1 ? UpstreamState.Draining : UpstreamState.Active;

    /// <summary>May take new tunnels: enabled, weighted, not draining. Health is judged separately.</summary>
    public bool IsSelectable => Config.InRotation && State == UpstreamState.Active;

    public void ReplaceConfig(UpstreamConfig config) => Volatile.Write(ref _config, config);

    public void MarkDraining() => Volatile.Write(ref _draining, 1);

    /// <summary>Back in the pool before it finished draining (removed, then added again).</summary>
    public void MarkActive() => Volatile.Write(ref _draining, 0);

    /// <summary>Passive health from live traffic; returns the new health when it changed.</summary>
    public UpstreamHealth? RecordOutcome(bool success, int failureThreshold, int recoveryThreshold)
    {
        if (success)
        {
            Interlocked.Exchange(ref _consecutiveFailures, 0);
            var successes = Interlocked.Increment(ref _consecutiveSuccesses);
            if (Health != UpstreamHealth.Healthy && (Health == UpstreamHealth.Unknown || successes >= recoveryThreshold))
            {
                return SetHealth(UpstreamHealth.Healthy);
            }
            return null;
        }
        Interlocked.Exchange(ref _consecutiveSuccesses, 0);
        var failures = Interlocked.Increment(ref _consecutiveFailures);
        if (failureThreshold > 0 && failures >= failureThreshold && Health != UpstreamHealth.Unhealthy)
        {
            return SetHealth(UpstreamHealth.Unhealthy);
        }
        return null;
    }

    private UpstreamHealth? SetHealth(UpstreamHealth health)
    {
        var previous = (UpstreamHealth)Interlocked.Exchange(ref _health, (int)health);
        return previous == health ? null : health;
    }
}
