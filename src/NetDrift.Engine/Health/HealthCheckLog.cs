using Microsoft.Extensions.Logging;

namespace NetDrift.Engine.Health;

/// <summary>The health checker's log lines (event ids 201+), source-generated like the proxy's.</summary>
internal static partial class HealthCheckLog
{
    [LoggerMessage(201, LogLevel.Information, "Proxy '{Proxy}' health checks every {Interval}, timeout {Timeout}: {Targets}")]
    public static partial void Started(ILogger logger, string proxy, TimeSpan interval, TimeSpan timeout, string targets);

    [LoggerMessage(202, LogLevel.Information, "Proxy '{Proxy}' health checks stopped")]
    public static partial void Stopped(ILogger logger, string proxy);

    [LoggerMessage(203, LogLevel.Information, "Proxy '{Proxy}' health checks now every {Interval}")]
    public static partial void IntervalChanged(ILogger logger, string proxy, TimeSpan interval);

    [LoggerMessage(204, LogLevel.Debug, "Health check of upstream {Upstream}: {Message} ({LatencyMs:0.0} ms)")]
    public static partial void Probed(ILogger logger, string upstream, string message, double latencyMs);

    [LoggerMessage(205, LogLevel.Debug, "Health check of upstream {Upstream} skipped: the previous one is still running")]
    public static partial void Skipped(ILogger logger, string upstream);

    [LoggerMessage(206, LogLevel.Error, "Unexpected error in a health check of {Upstream}")]
    public static partial void Unexpected(ILogger logger, Exception exception, string upstream);
}
