using Microsoft.Extensions.Logging;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Logging;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Health;

/// <summary>
/// Where every outcome lands, from live traffic and from health checks: the upstream's
/// <see cref="CircuitBreaker"/> with the thresholds in force, then a log line and
/// <see cref="Changed"/> when its health turned.
/// </summary>
internal sealed class PassiveHealth(string proxyName, object eventSender, ILogger logger)
{
    public event EventHandler<UpstreamHealthChangedEventArgs>? Changed;

    public void Record(Upstream upstream, bool success, string reason, HealthCheckConfig thresholds)
    {
        if (upstream.Breaker.Record(success, thresholds.FailureThreshold, thresholds.RecoveryThreshold, thresholds.SlowStart) is not { } change)
        {
            return;
        }
        var (before, now) = change;
        ProxyLog.HealthChanged(logger, upstream.Name, now, reason);
        try
        {
            Changed?.Invoke(eventSender, new UpstreamHealthChangedEventArgs(proxyName, upstream.Name, before, now, reason));
        }
        catch (Exception e)
        {
            // A subscriber's bug must not break the request path.
            ProxyLog.Unexpected(logger, e, "UpstreamHealthChanged subscriber");
        }
    }
}
