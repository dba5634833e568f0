using System.Security.Cryptography;
using NetDrift.Engine.Tls;

namespace NetDrift.Engine.Configuration;

/// <summary>Reads <c>server.tls</c>: both files are loaded now, an error names the field that is wrong.</summary>
internal static class ListenerTlsFields
{
    public static ListenerTlsConfig? Read(JsonObjectReader tls, ConfigErrorSink sink)
    {
        var certificate = tls.String("certificate") is { Length: > 0 } givenCertificate ? sink.FromFolder(givenCertificate) : null;
        var key = tls.String("key") is { Length: > 0 } givenKey ? sink.FromFolder(givenKey) : null;
        var allowPlaintext = tls.Bool("allow_plaintext", false);
        tls.ReportUnknownFields();
        if (string.IsNullOrEmpty(certificate) || string.IsNullOrEmpty(key))
        {
            sink.Add(tls.FieldPath(string.IsNullOrEmpty(certificate) ? "certificate" : "key"), "is required: the PEM file path");
            return null;
        }
        if (!File.Exists(certificate))
        {
            sink.Add(tls.FieldPath("certificate"), $"cannot be read: no file '{certificate}'");
            return null;
        }
        if (!File.Exists(key))
        {
            sink.Add(tls.FieldPath("key"), $"cannot be read: no file '{key}'");
            return null;
        }
        try
        {
            return new ListenerTlsConfig
            {
                CertificateFile = certificate, KeyFile = key, AllowPlaintext = allowPlaintext,
                Certificate = ServerCertificates.LoadPem(certificate, key),
            };
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            // CreateFromPemFile does not say which file was wrong: a certificate that parses alone puts the blame on the key.
            var field = CertificateParses(certificate) ? "key" : "certificate";
            sink.Add(tls.FieldPath(field), $"cannot be used ('{(field == "key" ? key : certificate)}'): {e.Message}");
            return null;
        }
    }

    private static bool CertificateParses(string path)
    {
        try
        {
            using var alone = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(path));
            return true;
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }
    }
}
