using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Server;

namespace NetDrift.Engine.Health;

/// <summary>
/// One probe of one upstream, through the upstream itself: the same dialer and answer parsing as
/// client traffic (<see cref="UpstreamDialer"/>), bounded by timeout_seconds. Every failure comes
/// back as a result; only cancellation (the checks stopping) throws.
/// </summary>
internal static class HealthProbe
{
    public static async Task<HealthProbeResult> RunAsync(UpstreamConfig upstream, HealthProbeTarget target, TimeSpan timeout,
        int maxHeaderBytes, TimeProvider time, CancellationToken cancellationToken)
    {
        if (target.Kind == HealthProbeKind.TcpConnect)
        {
            var (connected, latency, detail) = await ConnectAsync(upstream.Url, timeout, cancellationToken).ConfigureAwait(false);
            var what = "TCP connect to " + upstream.Url.Authority;
            return new HealthProbeResult(time.GetUtcNow(), connected, latency, target.Display, connected ? what + " succeeded" : $"{what} failed: {detail}");
        }
        using var result = target.Kind == HealthProbeKind.HttpGet
            ? await UpstreamDialer.SendAndReadAnswerAsync(upstream, BuildGet(target, upstream), ReadOnlyMemory<byte>.Empty, null,
                timeout, maxHeaderBytes, cancellationToken).ConfigureAwait(false)
            : await UpstreamDialer.OpenTunnelAsync(upstream, target.RequestTarget, timeout, maxHeaderBytes, cancellationToken).ConfigureAwait(false);
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

    private static async Task<(bool Connected, TimeSpan Latency, string Detail)> ConnectAsync(UpstreamAddress address, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var socket = address.NewSocket();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(address.EndPoint, deadline.Token).ConfigureAwait(false);
            return (true, Stopwatch.GetElapsedTime(started), "");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, Stopwatch.GetElapsedTime(started), $"no connection within {timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s");
        }
        catch (SocketException e)
        {
            return (false, Stopwatch.GetElapsedTime(started), e.SocketErrorCode.ToString());
        }
    }
}
