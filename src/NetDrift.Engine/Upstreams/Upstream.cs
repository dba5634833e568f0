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
    private int _health = (int)UpstreamHealth.Unknown;
    private int _draining;
    private int _consecutiveFailures;
    private int _consecutiveSuccesses;
    private readonly TimeProvider _time;
    // Unhealthy: the earliest time of the next trial request, the back-off step, the one trial slot.
    private long _trialNotBeforeTicks;
    private int _backoffStep;
    private int _trialInFlight;
    // Recovered: when slow start began (0 when not ramping) and how long it lasts, fixed at recovery.
    private long _rampStartTicks;
    private long _rampTicks;

    /// <summary>First wait before an unhealthy upstream gets a trial request; doubles per failed trial.</summary>
    public static readonly TimeSpan TrialBackoffBase = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between trials.</summary>
    public static readonly TimeSpan TrialBackoffMax = TimeSpan.FromSeconds(60);

    /// <summary>The share a recovered upstream starts its slow start with.</summary>
    public const double RampFloor = 0.1;

    public Upstream(UpstreamConfig config, TimeProvider? time = null)
    {
        _config = config;
        _time = time ?? TimeProvider.System;
        Counters = new UpstreamCounters(_time);
    }

    public UpstreamConfig Config => Volatile.Read(ref _config);

    public string Name => Config.Name;

    public UpstreamCounters Counters { get; }

    /// <summary>Idle keep-alive connections for plain HTTP.</summary>
    public UpstreamConnectionPool Connections { get; } = new();

    /// <summary>Active health checks of this upstream, counted apart from client traffic.</summary>
    public HealthProbeState HealthProbes { get; } = new();

    public UpstreamHealth Health => (UpstreamHealth)Volatile.Read(ref _health);

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
    public UpstreamHealth? RecordOutcome(bool success, int failureThreshold, int recoveryThreshold, TimeSpan slowStart = default)
    {
        var now = _time.GetUtcNow().UtcTicks;
        var wasUnhealthy = Health == UpstreamHealth.Unhealthy;
        Volatile.Write(ref _trialInFlight, 0);
        if (success)
        {
            Interlocked.Exchange(ref _consecutiveFailures, 0);
            var successes = Interlocked.Increment(ref _consecutiveSuccesses);
            if (wasUnhealthy)
            {
                // A good trial earns the next one at once: recovery takes recovery_threshold trials, not back-offs.
                Volatile.Write(ref _trialNotBeforeTicks, now);
                if (successes < recoveryThreshold)
                {
                    return null;
                }
                Volatile.Write(ref _backoffStep, 0);
                Volatile.Write(ref _rampTicks, slowStart.Ticks);
                Volatile.Write(ref _rampStartTicks, slowStart > TimeSpan.Zero ? now : 0);
                return SetHealth(UpstreamHealth.Healthy);
            }
            return Health == UpstreamHealth.Unknown ? SetHealth(UpstreamHealth.Healthy) : null;
        }
        Interlocked.Exchange(ref _consecutiveSuccesses, 0);
        var failures = Interlocked.Increment(ref _consecutiveFailures);
        if (wasUnhealthy)
        {
            var step = Math.Min(Interlocked.Increment(ref _backoffStep), 16);
            var wait = Math.Min(TrialBackoffBase.Ticks << step, TrialBackoffMax.Ticks);
            Volatile.Write(ref _trialNotBeforeTicks, now + wait);
            return null;
        }
        if (failureThreshold > 0 && failures >= failureThreshold)
        {
            Volatile.Write(ref _backoffStep, 0);
            Volatile.Write(ref _rampStartTicks, 0);
            Volatile.Write(ref _trialNotBeforeTicks, now + TrialBackoffBase.Ticks);
            return SetHealth(UpstreamHealth.Unhealthy);
        }
        return null;
    }

    /// <summary>
    /// For an Unhealthy upstream whose back-off has passed: claims its single trial slot. The
    /// attempt's outcome (RecordOutcome) frees it; <see cref="AbandonTrial"/> frees it without one.
    /// </summary>
    public bool TryStartTrial()
    {
        return Health == UpstreamHealth.Unhealthy
            && _time.GetUtcNow().UtcTicks >= Volatile.Read(ref _trialNotBeforeTicks)
            && Interlocked.CompareExchange(ref _trialInFlight, 1, 0) == 0;
    }

    public void AbandonTrial() => Volatile.Write(ref _trialInFlight, 0);

    /// <summary>When the next trial may start, while Unhealthy.</summary>
    public DateTimeOffset? NextTrialAt => Health == UpstreamHealth.Unhealthy
        ? new DateTimeOffset(Volatile.Read(ref _trialNotBeforeTicks), TimeSpan.Zero)
        : null;

    /// <summary>
    /// The share of its traffic a recovered upstream takes now: <see cref="RampFloor"/> right after
    /// recovery, rising linearly to 1 over the slow start it recovered with; 1 when not ramping.
    /// </summary>
    public double RampFactor()
    {
        var start = Volatile.Read(ref _rampStartTicks);
        var length = Volatile.Read(ref _rampTicks);
        if (start == 0 || length <= 0)
        {
            return 1;
        }
        var progress = (_time.GetUtcNow().UtcTicks - start) / (double)length;
        if (progress >= 1)
        {
            Volatile.Write(ref _rampStartTicks, 0);
            return 1;
        }
        return Math.Max(RampFloor, progress);
    }

    /// <summary>The weight the balancer gives it now: its weight scaled by <see cref="RampFactor"/> while it ramps.</summary>
    public double EffectiveWeight() => Math.Round(Config.Weight * RampFactor(), 2);

    private UpstreamHealth? SetHealth(UpstreamHealth health)
    {
        var previous = (UpstreamHealth)Interlocked.Exchange(ref _health, (int)health);
        return previous == health ? null : health;
    }
}
