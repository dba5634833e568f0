using System.Globalization;
using System.Text;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Health;

/// <summary>
/// One probe of one upstream, through the upstream itself: the same connectors and answer parsing
/// as client traffic (<see cref="UpstreamConnectors"/>), bounded by timeout_seconds. Every failure
/// comes back as a result; only cancellation (the checks stopping) throws.
/// </summary>
internal static class HealthProbe
{
    /// <summary>The probe's result; null when NetDrift could not make a socket (out of descriptors): that says nothing of the upstream.</summary>
    public static async Task<HealthProbeResult?> RunAsync(UpstreamConnectors connectors, UpstreamConfig upstream, HealthProbeTarget target, TimeSpan timeout,
        int maxHeaderBytes, TimeProvider time, CancellationToken cancellationToken)
    {
        var connector = connectors.For(upstream);
        var deadline = UpstreamDeadline.StartingNow(timeout);
        if (target.Kind == HealthProbeKind.TcpConnect)
        {
            var dial = await connector.ConnectAsync(upstream, deadline, cancellationToken).ConfigureAwait(false);
            var latency = deadline.Elapsed;
            dial.Connection?.Dispose();
            if (dial.IsLocalFailure)
            {
                return null;
            }
            var what = "TCP connect to " + upstream.Url.Authority;
            var connected = dial.Connection is not null;
            return new HealthProbeResult(time.GetUtcNow(), connected, latency, target.Display, connected ? what + " succeeded" : $"{what} failed: {dial.Detail}");
        }
        using var result = target.Kind == HealthProbeKind.HttpGet
            ? await connector.SendAndReadAnswerAsync(upstream, BuildGet(target, upstream), deadline, maxHeaderBytes, cancellationToken).ConfigureAwait(false)
            : await connector.OpenTunnelAsync(upstream, target.RequestTarget, deadline, maxHeaderBytes, cancellationToken).ConfigureAwait(false);
        if (result.IsLocalFailure)
        {
            return null;
        }
        if (result.Succeeded)
        {
            var status = result.Response!.StatusCode.ToString(CultureInfo.InvariantCulture);
            return new HealthProbeResult(time.GetUtcNow(), result.Response.IsSuccess, result.Latency, target.Display, $"{target.Display} answered {status}");
        }
        return new HealthProbeResult(time.GetUtcNow(), false, result.Latency, target.Display, $"{target.Display} failed ({result.Failure}): {result.Message}");
    }

    /// <summary>A GET in absolute-form with the upstream's own credentials; Connection: close, so the upstream ends it.</summary>
    private static byte[] BuildGet(HealthProbeTarget target, UpstreamConfig upstream)
    {
        var head = new StringBuilder(256)
            .Append("GET ").Append(target.RequestTarget).Append(" HTTP/1.1\r\nHost: ").Append(target.Host)
            .Append("\r\nUser-Agent: NetDrift-HealthCheck\r\nAccept: */*\r\n");
        if (upstream.Url.ProxyAuthorization is { } auth)
        {
            head.Append("Proxy-Authorization: ").Append(auth).Append("\r\n");
        }
        head.Append("Connection: close\r\n\r\n");
        return Encoding.Latin1.GetBytes(head.ToString());
    }
}
