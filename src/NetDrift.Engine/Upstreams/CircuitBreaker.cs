namespace NetDrift.Engine.Upstreams;

/// <summary>
/// Passive health of one upstream as a circuit breaker: failure_threshold consecutive failures
/// open it (Unhealthy: out of rotation); after a back-off that doubles with each failed trial it
/// lets one trial request through (half-open); recovery_threshold good trials close it again
/// (Healthy), the upstream then ramping up over the slow start. The state is one immutable
/// <see cref="CircuitState"/> swapped with a compare-and-swap, so concurrent outcomes never mix.
/// Live traffic and active health checks feed it alike.
/// </summary>
public sealed class CircuitBreaker
{
    /// <summary>First wait before an unhealthy upstream gets a trial request; doubles per failed trial.</summary>
    public static readonly TimeSpan TrialBackoffBase = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between trials.</summary>
    public static readonly TimeSpan TrialBackoffMax = TimeSpan.FromSeconds(60);

    /// <summary>The share a recovered upstream starts its slow start with.</summary>
    public const double RampFloor = 0.1;

    // The doubling stops here: 1 s << 16 is far past TrialBackoffMax already.
    private const int MaxBackoffStep = 16;

    private readonly TimeProvider _time;
    private CircuitState _state = CircuitState.Initial;

    public CircuitBreaker(TimeProvider time) => _time = time;

    public UpstreamHealth Health => Volatile.Read(ref _state).Health;

    /// <summary>When the next trial may start, while Unhealthy.</summary>
    public DateTimeOffset? NextTrialAt => Volatile.Read(ref _state) is { Health: UpstreamHealth.Unhealthy } state
        ? new DateTimeOffset(state.TrialNotBeforeTicks, TimeSpan.Zero)
        : null;

    /// <summary>
    /// Records one outcome; returns the health before and after when it changed. Frees the trial
    /// slot whatever the outcome.
    /// </summary>
    public (UpstreamHealth Before, UpstreamHealth After)? Record(bool success, int failureThreshold, int recoveryThreshold, TimeSpan slowStart)
    {
        var now = _time.GetUtcNow().UtcTicks;
        while (true)
        {
            var current = Volatile.Read(ref _state);
            var next = success ? AfterSuccess(current, recoveryThreshold, slowStart, now) : AfterFailure(current, failureThreshold, now);
            if (ReferenceEquals(next, current) || TrySwap(current, next))
            {
                return next.Health == current.Health ? null : (current.Health, next.Health);
            }
        }
    }

    /// <summary>
    /// For an Unhealthy upstream whose back-off has passed: claims its single trial slot. The
    /// attempt's outcome (<see cref="Record"/>) frees it; <see cref="AbandonTrial"/> frees it without one.
    /// </summary>
    public bool TryStartTrial()
    {
        var current = Volatile.Read(ref _state);
        return current.Health == UpstreamHealth.Unhealthy
            && !current.TrialInFlight
            && _time.GetUtcNow().UtcTicks >= current.TrialNotBeforeTicks
            && TrySwap(current, current with { TrialInFlight = true });
    }

    public void AbandonTrial()
    {
        while (Volatile.Read(ref _state) is { TrialInFlight: true } current)
        {
            if (TrySwap(current, current with { TrialInFlight = false }))
            {
                return;
            }
        }
    }

    /// <summary>
    /// The share of its traffic a recovered upstream takes now: <see cref="RampFloor"/> right after
    /// recovery, rising linearly to 1 over the slow start it recovered with; 1 when not ramping.
    /// </summary>
    public double RampFactor()
    {
        var current = Volatile.Read(ref _state);
        if (current.RampStartTicks == 0 || current.RampTicks <= 0)
        {
            return 1;
        }
        var progress = (_time.GetUtcNow().UtcTicks - current.RampStartTicks) / (double)current.RampTicks;
        if (progress >= 1)
        {
            // Ramp over: later reads take the fast path. Losing this race to an outcome is harmless.
            TrySwap(current, current with { RampStartTicks = 0 });
            return 1;
        }
        return Math.Max(RampFloor, progress);
    }

    // By reference: records compare by value, and an equal state written by another thread is still a lost race.
    private bool TrySwap(CircuitState current, CircuitState next) =>
        ReferenceEquals(Interlocked.CompareExchange(ref _state, next, current), current);

    private static CircuitState AfterSuccess(CircuitState s, int recoveryThreshold, TimeSpan slowStart, long now)
    {
        if (s.Health == UpstreamHealth.Unhealthy)
        {
            // A good trial earns the next one at once: recovery takes recovery_threshold trials, not back-offs.
            var successes = s.Successes + 1;
            if (successes < recoveryThreshold)
            {
                return s with { Failures = 0, Successes = successes, TrialNotBeforeTicks = now, TrialInFlight = false };
            }
            return s with
            {
                Health = UpstreamHealth.Healthy, Failures = 0, Successes = successes, TrialNotBeforeTicks = now, TrialInFlight = false,
                BackoffStep = 0, RampTicks = slowStart.Ticks, RampStartTicks = slowStart > TimeSpan.Zero ? now : 0,
            };
        }
        // Successes only count toward recovery; the hot path of a healthy upstream allocates nothing.
        if (s.Health == UpstreamHealth.Healthy && s.Failures == 0 && !s.TrialInFlight)
        {
            return s;
        }
        return s with { Health = UpstreamHealth.Healthy, Failures = 0, Successes = 0, TrialInFlight = false };
    }

    private static CircuitState AfterFailure(CircuitState s, int failureThreshold, long now)
    {
        if (s.Health == UpstreamHealth.Unhealthy)
        {
            var step = Math.Min(s.BackoffStep + 1, MaxBackoffStep);
            var wait = Math.Min(TrialBackoffBase.Ticks << step, TrialBackoffMax.Ticks);
            return s with { Failures = s.Failures + 1, Successes = 0, BackoffStep = step, TrialNotBeforeTicks = now + wait, TrialInFlight = false };
        }
        var failures = s.Failures + 1;
        if (failureThreshold > 0 && failures >= failureThreshold)
        {
            return s with
            {
                Health = UpstreamHealth.Unhealthy, Failures = failures, Successes = 0, BackoffStep = 0, RampStartTicks = 0,
                TrialNotBeforeTicks = now + TrialBackoffBase.Ticks, TrialInFlight = false,
            };
        }
        return s with { Failures = failures, Successes = 0, TrialInFlight = false };
    }
}
