using NetDrift.Engine.Configuration;
using NetDrift.Engine.Health;
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
    private int _draining;
    private readonly TimeProvider _time;

    /// <summary>First wait before an unhealthy upstream gets a trial request; doubles per failed trial.</summary>
    public static readonly TimeSpan TrialBackoffBase = CircuitBreaker.TrialBackoffBase;

    /// <summary>The longest wait between trials.</summary>
    public static readonly TimeSpan TrialBackoffMax = CircuitBreaker.TrialBackoffMax;

    /// <summary>The share a recovered upstream starts its slow start with.</summary>
    public const double RampFloor = CircuitBreaker.RampFloor;

    public Upstream(UpstreamConfig config, TimeProvider? time = null)
    {
        _config = config;
        _time = time ?? TimeProvider.System;
        Counters = new UpstreamCounters(_time);
        Breaker = new CircuitBreaker(_time);
    }

    public UpstreamConfig Config => Volatile.Read(ref _config);

    public string Name => Config.Name;

    public UpstreamCounters Counters { get; }

    /// <summary>Idle keep-alive connections for plain HTTP.</summary>
    public UpstreamConnectionPool Connections { get; } = new();

    /// <summary>Active health checks of this upstream, counted apart from client traffic.</summary>
    public HealthProbeState HealthProbes { get; } = new();

    /// <summary>Passive health: live traffic and health checks alike.</summary>
    public CircuitBreaker Breaker { get; }

    public UpstreamHealth Health => Breaker.Health;

    public UpstreamState State => Volatile.Read(ref _draining) == 1 ? UpstreamState.Draining : UpstreamState.Active;

    /// <summary>May take new tunnels: enabled, weighted, not draining. Health is judged separately.</summary>
    public bool IsSelectable => Config.InRotation && State == UpstreamState.Active;

    public void ReplaceConfig(UpstreamConfig config) => Volatile.Write(ref _config, config);

    public void MarkDraining()
    {
        Volatile.Write(ref _draining, 1);
        Connections.Clear();
    }

    /// <summary>Back in the pool before it finished draining (removed, then added again).</summary>
    public void MarkActive() => Volatile.Write(ref _draining, 0);

    /// <summary>
    /// Health from live traffic and health checks alike; returns the new health when it changed.
    /// failure_threshold consecutive failures make it Unhealthy: it leaves rotation and gets one
    /// trial request after a back-off that doubles with each failed trial (half-open);
    /// recovery_threshold consecutive successes make it Healthy again, ramping up over
    /// <paramref name="slowStart"/> (health_check.slow_start_seconds; zero: full share at once).
    /// </summary>
    public UpstreamHealth? RecordOutcome(bool success, int failureThreshold, int recoveryThreshold, TimeSpan slowStart = default) =>
        Breaker.Record(success, failureThreshold, recoveryThreshold, slowStart)?.After;

    /// <summary>
    /// For an Unhealthy upstream whose back-off has passed: claims its single trial slot. The
    /// attempt's outcome (RecordOutcome) frees it; <see cref="AbandonTrial"/> frees it without one.
    /// </summary>
    public bool TryStartTrial() => Breaker.TryStartTrial();

    public void AbandonTrial() => Breaker.AbandonTrial();

    /// <summary>When the next trial may start, while Unhealthy.</summary>
    public DateTimeOffset? NextTrialAt => Breaker.NextTrialAt;

    /// <summary>The share of its traffic it takes now (<see cref="CircuitBreaker.RampFactor"/>).</summary>
    public double RampFactor() => Breaker.RampFactor();

    /// <summary>The weight the balancer gives it now: its weight scaled by <see cref="RampFactor"/> while it ramps.</summary>
    public double EffectiveWeight() => Math.Round(Config.Weight * RampFactor(), 2);
}
