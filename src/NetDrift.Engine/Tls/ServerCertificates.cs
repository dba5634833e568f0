using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace NetDrift.Engine.Tls;

/// <summary>
/// Certificates NetDrift serves TLS with: a PEM certificate and key from files (<c>server.tls</c>),
/// or a fresh self-signed one (a faulty proxy speaking <c>Https</c>). Either way re-imported from
/// PKCS#12, because on Linux SslStream cannot use the ephemeral key a PEM import or a
/// <see cref="CertificateRequest"/> leaves behind.
/// </summary>
public static class ServerCertificates
{
    /// <summary>The certificate of <paramref name="certificatePath"/> with the private key of <paramref name="keyPath"/>.</summary>
    /// <exception cref="CryptographicException">Either file is missing, unreadable, not PEM, or the key does not match.</exception>
    public static X509Certificate2 LoadPem(string certificatePath, string keyPath)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        return Reimported(pem);
    }

    /// <summary>A self-signed server certificate for 127.0.0.1, ::1 and localhost, valid from an hour ago for <paramref name="lifetime"/>.</summary>
    public static X509Certificate2 SelfSigned(string subject, TimeSpan lifetime)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={subject}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        using var created = request.CreateSelfSigned(now.AddHours(-1), now + lifetime);
        return Reimported(created);
    }

    /// <summary>The certificate alone, PEM-encoded: what a client is told to trust (curl's --proxy-cacert, tls_ca_file).</summary>
    public static string ToPem(X509Certificate2 certificate) => certificate.ExportCertificatePem() + "\n";

    private static X509Certificate2 Reimported(X509Certificate2 certificate)
    {
#pragma warning disable SYSLIB0057 // X509CertificateLoader is .NET 9; the engine targets net8.0.
        return new X509Certificate2(certificate.Export(X509ContentType.Pkcs12));
#pragma warning restore SYSLIB0057
    }
}
