namespace NetDrift.Engine.Upstreams;

/// <summary>
/// Everything passive health knows about one upstream at one instant, replaced whole by
/// <see cref="CircuitBreaker"/> so no reader sees a health from one outcome and a back-off from another.
/// </summary>
/// <param name="Failures">Consecutive failures (counted toward failure_threshold).</param>
/// <param name="Successes">Consecutive successes while Unhealthy (toward recovery_threshold).</param>
/// <param name="TrialNotBeforeTicks">While Unhealthy: the earliest UTC ticks of the next trial request.</param>
/// <param name="BackoffStep">Failed trials in a row: the trial wait doubles with each.</param>
/// <param name="TrialInFlight">The one half-open trial slot is taken.</param>
/// <param name="RampStartTicks">When slow start began (0: not ramping).</param>
/// <param name="RampTicks">How long that slow start lasts, fixed at recovery.</param>
internal sealed record CircuitState(UpstreamHealth Health, int Failures, int Successes, long TrialNotBeforeTicks,
    int BackoffStep, bool TrialInFlight, long RampStartTicks, long RampTicks)
{
    public static readonly CircuitState Initial = new(UpstreamHealth.Unknown, 0, 0, 0, 0, false, 0, 0);
}
