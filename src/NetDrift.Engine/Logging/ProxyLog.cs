using Microsoft.Extensions.Logging;

namespace NetDrift.Engine.Logging;

/// <summary>Every log line of the proxy, as source-generated methods: no formatting unless enabled.</summary>
internal static partial class ProxyLog
{
    [LoggerMessage(1, LogLevel.Information, "Proxy '{Proxy}' listening on {Listen} with {Upstreams} upstream(s), strategy {Strategy}")]
    public static partial void Started(ILogger logger, string proxy, string listen, int upstreams, string strategy);

    [LoggerMessage(2, LogLevel.Information, "Proxy '{Proxy}' stopped: {Drained} connection(s) finished during drain, {Cut} cut at the drain timeout")]
    public static partial void Stopped(ILogger logger, string proxy, int drained, int cut);

    [LoggerMessage(3, LogLevel.Debug, "Tunnel from {Client} to {Target} via {Upstream} opened in {LatencyMs:0.0} ms")]
    public static partial void TunnelOpened(ILogger logger, string client, string target, string upstream, double latencyMs);

    [LoggerMessage(4, LogLevel.Debug, "Tunnel from {Client} to {Target} via {Upstream} ended: {Result}")]
    public static partial void TunnelClosed(ILogger logger, string client, string target, string upstream, Tunnel.RelayResult result);

    [LoggerMessage(5, LogLevel.Warning, "Attempt on upstream {Upstream} for {Target} failed ({Failure}): {Message}")]
    public static partial void AttemptFailed(ILogger logger, string upstream, string target, Stats.FailureCause failure, string message);

    [LoggerMessage(6, LogLevel.Warning, "Request from {Client} for {Target} failed on every upstream; answered {Status}")]
    public static partial void AllAttemptsFailed(ILogger logger, string client, string target, int status);

    [LoggerMessage(7, LogLevel.Information, "Upstream {Upstream} is now {Health} ({Reason})")]
    public static partial void HealthChanged(ILogger logger, string upstream, Upstreams.UpstreamHealth health, string reason);

    [LoggerMessage(8, LogLevel.Warning, "Every upstream is unhealthy: using the least bad one (panic mode)")]
    public static partial void PanicMode(ILogger logger);

    [LoggerMessage(9, LogLevel.Debug, "Refused request from {Client}: {Status} ({Reason})")]
    public static partial void Refused(ILogger logger, string client, int status, string reason);

    [LoggerMessage(10, LogLevel.Warning, "Client {Client} sent wrong proxy credentials")]
    public static partial void AuthFailed(ILogger logger, string client);

    [LoggerMessage(11, LogLevel.Error, "Unexpected error on connection from {Client}")]
    public static partial void Unexpected(ILogger logger, Exception exception, string client);

    [LoggerMessage(12, LogLevel.Information, "Upstream {Upstream} drained and removed")]
    public static partial void UpstreamRemoved(ILogger logger, string upstream);

    [LoggerMessage(13, LogLevel.Warning, "Connection limit {Limit} reached: refused a client with 503")]
    public static partial void TooManyConnections(ILogger logger, int limit);

    [LoggerMessage(14, LogLevel.Information, "Proxy '{Proxy}' reloaded its config: {Changes} change(s)")]
    public static partial void Reconfigured(ILogger logger, string proxy, int changes);

    [LoggerMessage(15, LogLevel.Information, "Config change: {Kind} {Scope} {Name}: {Detail}")]
    public static partial void ConfigChanged(ILogger logger, Configuration.ConfigChangeKind kind, Configuration.ConfigChangeScope scope, string name, string detail);

    [LoggerMessage(16, LogLevel.Error, "Proxy '{Proxy}' kept its running config; the new one is invalid: {Error}")]
    public static partial void ReloadFailed(ILogger logger, string proxy, string error);

    [LoggerMessage(17, LogLevel.Debug, "Route for {Client} to {Target}: {Tried}; served by {Upstream}")]
    public static partial void Routed(ILogger logger, string client, string target, string tried, string upstream);

    [LoggerMessage(18, LogLevel.Debug, "{Method} {Target} via {Upstream}: {Status} in {LatencyMs:0.0} ms")]
    public static partial void PlainServed(ILogger logger, string method, string target, string upstream, int status, double latencyMs);

    [LoggerMessage(30, LogLevel.Warning, "Proxy '{Proxy}' cannot accept ({Error}): out of file descriptors or buffers; backing off until they free up")]
    public static partial void AcceptBackingOff(ILogger logger, string proxy, System.Net.Sockets.SocketError error);

    [LoggerMessage(31, LogLevel.Information, "Proxy '{Proxy}' accepts again after {Failures} failed accept(s)")]
    public static partial void AcceptResumed(ILogger logger, string proxy, int failures);

    [LoggerMessage(40, LogLevel.Debug, "Closed a connection from {Peer}: {Reason}")]
    public static partial void ProxyHeaderRefused(ILogger logger, string peer, string reason);

    [LoggerMessage(50, LogLevel.Debug, "SOCKS5 CONNECT {Target} from {Client}")]
    public static partial void Socks5Request(ILogger logger, string client, string target);
}
