using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Http;
using NetDrift.Engine.Stats;

namespace NetDrift.Engine.Upstreams;

/// <summary>
/// TLS to an <c>https://</c> upstream proxy over a connected TCP transport: SNI is its host (or
/// <c>tls_server_name</c>); its certificate is verified against the system store, or against
/// <c>tls_ca_file</c> alone, or not at all with <c>tls_insecure</c>. Within the attempt's deadline;
/// a refused certificate is an upstream failure whose message says why.
/// </summary>
internal static class UpstreamTlsHandshake
{
    public static async Task<UpstreamDial> WrapAsync(UpstreamDial tcp, UpstreamConfig upstream, UpstreamDeadline deadline, CancellationToken stopping)
    {
        if (tcp.Connection is not { } plain)
        {
            return tcp;
        }
        var socket = plain.Socket;
        plain.Input.Dispose();
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
        string? refusal = null;
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = upstream.TlsServerName ?? upstream.Url.Host,
            EnabledSslProtocols = SslProtocols.None, // the system's choice: TLS 1.2 and 1.3
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                refusal = upstream.TlsInsecure ? null : CertificateTrust.Refusal(certificate, errors, upstream.TlsCa);
                return refusal is null;
            },
        };
        try
        {
            using (var due = deadline.Link(stopping))
            {
                await ssl.AuthenticateAsClientAsync(options, due.Token).ConfigureAwait(false);
            }
            return UpstreamDial.Connected(new UpstreamConnection(socket, new SocketInput(new Transport(socket, ssl)), plain.CredentialsVersion));
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            socket.Dispose();
            var message = "TLS handshake: " + UpstreamFailures.NoConnection(deadline.Timeout);
            return new UpstreamDial(null, FailureCause.Timeout, message, message);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or SocketException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            socket.Dispose();
            var reason = refusal ?? (e.InnerException as SocketException)?.SocketErrorCode.ToString() ?? e.Message;
            var message = "TLS handshake failed: " + reason;
            return new UpstreamDial(null, refusal is null && e is not AuthenticationException ? FailureCause.Reset : FailureCause.Protocol, message, reason);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            socket.Dispose();
            throw;
        }
    }
}
