using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace NetDrift.Engine.Configuration;

/// <summary>
/// An upstream's TLS fields (CONTRACT §8): <c>tls_ca_file</c> (a PEM bundle, read now so that an
/// unreadable or empty one is a config error naming the field), <c>tls_server_name</c>,
/// <c>tls_insecure</c>. Relative paths are taken from the current directory.
/// </summary>
internal static class UpstreamTlsFields
{
    public readonly record struct Fields(string? CaFile, X509Certificate2Collection? Ca, string? ServerName, bool Insecure);

    public static Fields Read(JsonObjectReader upstream, ConfigErrorSink sink)
    {
        var caFile = upstream.String("tls_ca_file") is { Length: > 0 } given ? sink.FromFolder(given) : null;
        var serverName = upstream.String("tls_server_name");
        var insecure = upstream.Bool("tls_insecure", false);
        if (serverName is not null && Uri.CheckHostName(serverName) == UriHostNameType.Unknown)
        {
            sink.Add(upstream.FieldPath("tls_server_name"), $"must be a host name, not '{serverName}'");
        }
        X509Certificate2Collection? ca = null;
        if (!string.IsNullOrEmpty(caFile))
        {
            ca = ReadBundle(caFile, out var problem);
            if (problem is not null)
            {
                sink.Add(upstream.FieldPath("tls_ca_file"), problem);
            }
        }
        return new Fields(string.IsNullOrEmpty(caFile) ? null : caFile, ca, string.IsNullOrEmpty(serverName) ? null : serverName, insecure);
    }

    /// <summary>The certificates of a PEM bundle; null with a reason when it cannot be read or holds none.</summary>
    public static X509Certificate2Collection? ReadBundle(string path, out string? problem)
    {
        problem = null;
        var bundle = new X509Certificate2Collection();
        try
        {
            bundle.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            problem = $"cannot be read as a PEM certificate bundle ('{path}'): {e.Message}";
            return null;
        }
        if (bundle.Count == 0)
        {
            problem = $"holds no PEM certificate ('{path}')";
            return null;
        }
        return bundle;
    }
}
