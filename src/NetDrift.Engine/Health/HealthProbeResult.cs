namespace NetDrift.Engine.Health;

/// <summary>The outcome of one health probe of one upstream.</summary>
/// <param name="At">When the probe ended (the proxy's clock).</param>
/// <param name="Succeeded">The upstream answered 2xx (or accepted the TCP connection).</param>
/// <param name="Latency">From the start of the dial until the answer or the failure.</param>
/// <param name="Target">What was probed, e.g. <c>GET http://host/path</c>, <c>CONNECT host:443</c>, <c>TCP connect</c>.</param>
/// <param name="Message">What happened, e.g. <c>GET http://host/path answered 503</c>; safe to show (no credentials).</param>
public sealed record HealthProbeResult(DateTimeOffset At, bool Succeeded, TimeSpan Latency, string Target, string Message);
