using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using NetDrift.Engine.Http;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tunnel;

/// <summary>
/// Opens a CONNECT tunnel through any HTTP proxy (inside TLS for an <c>https://</c> one; with <c>socks5</c>, a SOCKS5 proxy) with a raw socket (so loopback targets work, unlike
/// HttpClient, which never proxies them), optionally sends bytes and reads what comes back.
/// Never throws for network trouble: every outcome is a <see cref="TunnelProbeResult"/>.
/// </summary>
public static class TunnelProbe
{
    private const int MaxResponseBytes = 1024 * 1024;
    private const int MaxHeadBytes = 64 * 1024;

    public static async Task<TunnelProbeResult> RunAsync(
        string proxyHost, int proxyPort, string target, BasicCredentials? credentials, byte[]? send, TimeSpan timeout, CancellationToken cancellationToken = default,
        bool socks5 = false, TunnelProbeTls? tls = null)
    {
        var started = Stopwatch.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        SslStream? ssl = null;
        var status = 0;
        var upstream = "";
        var latency = 0.0;
        try
        {
            await socket.ConnectAsync(new DnsEndPoint(proxyHost, proxyPort), deadline.Token).ConfigureAwait(false);
            if (socks5)
            {
                using var socksInput = new SocketInput(socket);
                (status, var socksError) = await Socks5ProbeHandshake.RunAsync(socket, socksInput, target, credentials, deadline.Token).ConfigureAwait(false);
                latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (socksError.Length > 0 || send is null)
                {
                    return Result(status, socksError.Length == 0, latency, 0, "", "", socksError);
                }
                await socket.SendAsync(send, SocketFlags.None, deadline.Token).ConfigureAwait(false);
                var early = new MemoryStream();
                early.Write(socksInput.Buffered);
                socksInput.Dispose();
                return await ReadAnswerAsync(socket, early, status, latency, "", deadline.Token, cancellationToken).ConfigureAwait(false);
            }
            Transport transport = socket;
            if (tls is not null)
            {
                string? refusal = null;
                ssl = new SslStream(new NetworkStream(socket, ownsSocket: false));
                try
                {
                    await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                    {
                        TargetHost = proxyHost,
                        RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                        {
                            refusal = tls.SkipCertificateCheck ? null : CertificateTrust.Refusal(certificate, errors, tls.TrustedCertificates);
                            return refusal is null;
                        },
                    }, deadline.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is AuthenticationException or IOException)
                {
                    return Result(0, false, Stopwatch.GetElapsedTime(started).TotalMilliseconds, 0, "", "", $"TLS handshake with the proxy failed: {refusal ?? e.Message}");
                }
                transport = new Transport(socket, ssl);
            }
            var head = $"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n" +
                       (credentials is { } c ? $"Proxy-Authorization: {c.ToHeaderValue()}\r\n" : "") + "\r\n";
            await transport.SendAsync(Encoding.Latin1.GetBytes(head), deadline.Token).ConfigureAwait(false);
            var remaining = timeout - Stopwatch.GetElapsedTime(started);
            using var answer = new SocketInput(transport);
            var (answerStatus, headLength) = await answer.ReadHeadAsync(MaxHeadBytes, remaining > TimeSpan.Zero ? remaining : TimeSpan.FromMilliseconds(1), cancellationToken, expectSoon: true).ConfigureAwait(false);
            latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (answerStatus != HeadReadStatus.Complete)
            {
                return Result(0, false, latency, 0, "", "", $"no answer from the proxy ({answerStatus})");
            }
            if (HeadParser.TryParseResponse(answer.Buffered[..headLength], HeadParser.DefaultMaxHeaderCount, out var response) != HeadParseError.None)
            {
                return Result(0, false, latency, 0, "", "", "the proxy answered with something that is not HTTP");
            }
            answer.Consume(headLength);
            status = response!.StatusCode;
            upstream = response.Headers.Get("X-NetDrift-Upstream") ?? "";
            if (!response.IsSuccess)
            {
                return Result(status, false, latency, 0, "", upstream, $"the proxy answered {status} {response.ReasonPhrase}");
            }
            if (send is null)
            {
                return Result(status, true, latency, 0, "", upstream, "");
            }
            await transport.SendAsync(send, deadline.Token).ConfigureAwait(false);
            var received = new MemoryStream();
            received.Write(answer.Buffered);
            answer.Dispose();
            return await ReadAnswerAsync(transport, received, status, latency, upstream, deadline.Token, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Result(status, false, latency, 0, "", upstream, $"timed out after {timeout.TotalSeconds:0.###}s");
        }
        catch (SocketException e)
        {
            return Result(status, false, latency, 0, "", upstream, $"socket error: {e.SocketErrorCode}");
        }
        finally
        {
            ssl?.Dispose();
        }
    }

    private static async Task<TunnelProbeResult> ReadAnswerAsync(Transport connection, MemoryStream received, int status, double latency, string upstream, CancellationToken deadline, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        var error = "";
        try
        {
            while (received.Length < MaxResponseBytes)
            {
                var read = await connection.ReceiveAsync(buffer, deadline).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }
                received.Write(buffer, 0, read);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The target kept the tunnel open: what arrived before the timeout is the answer.
            if (received.Length == 0)
            {
                error = "the target sent nothing before the timeout";
            }
        }
        catch (SocketException e)
        {
            error = $"tunnel broke: {e.SocketErrorCode}";
        }
        var text = Encoding.UTF8.GetString(received.GetBuffer(), 0, (int)received.Length);
        return Result(status, error.Length == 0, latency, received.Length, text, upstream, error);
    }

    private static TunnelProbeResult Result(int status, bool ok, double latency, long bytes, string response, string upstream, string error) =>
        new(status, ok, Math.Round(latency, 3), bytes, response, upstream, error);
}
