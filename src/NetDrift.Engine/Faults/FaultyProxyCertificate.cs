using System.Security.Cryptography.X509Certificates;
using NetDrift.Engine.Tls;

namespace NetDrift.Engine.Faults;

/// <summary>
/// An Https faulty proxy's certificate: self-signed for 127.0.0.1, ::1 and localhost, its PEM in a
/// temporary file (what curl's --proxy-cacert, a tls_ca_file or a test trusts), deleted at stop.
/// </summary>
internal static class FaultyProxyCertificate
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);

    public static (X509Certificate2 Certificate, string PemPath) Create(string proxyName)
    {
        var certificate = ServerCertificates.SelfSigned("NetDrift faulty proxy " + proxyName, Lifetime);
        var path = Path.Combine(Path.GetTempPath(), $"netdrift-faulty-{Guid.NewGuid():N}.pem");
        File.WriteAllText(path, ServerCertificates.ToPem(certificate));
        return (certificate, path);
    }

    public static void Delete(string? path)
    {
        if (path is null)
        {
            return;
        }
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A temporary file: the system cleans it up eventually.
        }
    }
}
