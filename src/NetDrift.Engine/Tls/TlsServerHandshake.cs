using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace NetDrift.Engine.Tls;

/// <summary>
/// The server side of a TLS handshake on an accepted socket (the TLS listener, a faulty proxy
/// speaking <c>Https</c>), bounded by a timeout so a client that stalls mid-handshake holds
/// nothing for long. <paramref name="prefix"/>: bytes already read from the socket (the sniffed
/// first byte, what followed a PROXY header), handed to TLS before the socket's own.
/// </summary>
public static class TlsServerHandshake
{
    /// <summary>The authenticated stream, or null (the socket left as it was) when the handshake failed or timed out.</summary>
    public static async Task<SslStream?> AcceptAsync(Socket socket, X509Certificate2 certificate, ReadOnlyMemory<byte> prefix, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Stream inner = new NetworkStream(socket, ownsSocket: false);
        if (!prefix.IsEmpty)
        {
            inner = new PrefixedStream(prefix.ToArray(), inner);
        }
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        using var due = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        due.CancelAfter(timeout);
        try
        {
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = certificate,
                ClientCertificateRequired = false,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                ApplicationProtocols = [SslApplicationProtocol.Http11],
            }, due.Token).ConfigureAwait(false);
            return ssl;
        }
        catch (Exception e) when (e is AuthenticationException or IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            return null;
        }
    }
}
