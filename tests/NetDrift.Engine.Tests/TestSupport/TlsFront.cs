using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace NetDrift.Engine.Tests.TestSupport;

/// <summary>
/// A TLS terminator on loopback in front of a plain TCP backend (what stunnel does): each client's
/// TLS is accepted with <see cref="Certificate"/>, then its plaintext relayed both ways to the
/// backend port. Written with the framework's own SslStream copy, sharing nothing with the engine.
/// </summary>
internal sealed class TlsFront : LoopbackServer
{
    private readonly int _backendPort;
    private int _handshakes;

    private TlsFront(X509Certificate2 certificate, int backendPort)
    {
        Certificate = certificate;
        _backendPort = backendPort;
    }

    public X509Certificate2 Certificate { get; }

    public int Handshakes => Volatile.Read(ref _handshakes);

    public string Url => $"https://127.0.0.1:{Port}";

    public static TlsFront Start(X509Certificate2 certificate, int backendPort) => new(certificate, backendPort);

    /// <summary>A PEM file holding <paramref name="certificate"/> (a tls_ca_file), in a directory the test owns.</summary>
    public static string WritePem(X509Certificate2 certificate, string directory)
    {
        var path = Path.Combine(directory, $"ca-{Guid.NewGuid():N}.pem");
        File.WriteAllText(path, certificate.ExportCertificatePem());
        return path;
    }

    /// <summary>A self-signed server certificate for <paramref name="names"/> and 127.0.0.1, valid in [notBefore, notAfter].</summary>
    public static X509Certificate2 NewCertificate(DateTimeOffset notBefore, DateTimeOffset notAfter, params string[] names)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + (names.FirstOrDefault() ?? "127.0.0.1"), key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            san.AddDnsName(name);
        }
        if (names.Length == 0)
        {
            san.AddIpAddress(IPAddress.Loopback);
        }
        request.CertificateExtensions.Add(san.Build());
        using var created = request.CreateSelfSigned(notBefore, notAfter);
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    public static X509Certificate2 Valid(params string[] names) =>
        NewCertificate(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), names);

    protected override async Task HandleAsync(Socket socket)
    {
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
        using var handshake = CancellationTokenSource.CreateLinkedTokenSource(Stopping);
        handshake.CancelAfter(Loopback.DefaultTimeout);
        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = Certificate }, handshake.Token);
        Interlocked.Increment(ref _handshakes);
        using var backend = await Loopback.ConnectAsync(_backendPort);
        await using var plain = new NetworkStream(backend, ownsSocket: false);
        var up = CopyThenCloseAsync(tls, plain, () =>
        {
            backend.Shutdown(SocketShutdown.Send);
            return Task.CompletedTask;
        });
        var down = CopyThenCloseAsync(plain, tls, tls.ShutdownAsync);
        await Task.WhenAny(Task.WhenAll(up, down), Task.Delay(Timeout.Infinite, Stopping));
    }

    private static async Task CopyThenCloseAsync(Stream from, Stream to, Func<Task> closeAsync)
    {
        try
        {
            await from.CopyToAsync(to);
            await closeAsync();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }
}
