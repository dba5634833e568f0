namespace NetDrift.Engine.Configuration;

/// <summary>The TLS part of <see cref="ConfigDiff"/>: an upstream's scheme and TLS fields, and <c>server.tls</c>.</summary>
internal static class UpstreamTlsDiff
{
    public static void Note(List<string> details, UpstreamConfig previous, UpstreamConfig upstream)
    {
        ConfigDiff.Note(details, "scheme", previous.Url.Scheme, upstream.Url.Scheme);
        ConfigDiff.Note(details, "tls_ca_file", previous.TlsCaFile ?? "", upstream.TlsCaFile ?? "");
        ConfigDiff.Note(details, "tls_server_name", previous.TlsServerName ?? "", upstream.TlsServerName ?? "");
        ConfigDiff.Note(details, "tls_insecure", previous.TlsInsecure, upstream.TlsInsecure);
    }

    public static IEnumerable<ConfigChange> Listener(ListenerTlsConfig? old, ListenerTlsConfig? @new)
    {
        ConfigChange? Changed<T>(string path, T before, T after, string note)
        {
            return EqualityComparer<T>.Default.Equals(before, after) ? null
                : new ConfigChange(ConfigChangeKind.Changed, ConfigChangeScope.Setting, path, $"{ConfigDiff.Show(before)} -> {ConfigDiff.Show(after)} ({note})");
        }
        var changes = new[]
        {
            Changed("server.tls.certificate", old?.CertificateFile ?? "", @new?.CertificateFile ?? "", "new TLS connections"),
            Changed("server.tls.key", old?.KeyFile ?? "", @new?.KeyFile ?? "", "new TLS connections"),
            Changed("server.tls.allow_plaintext", old?.AllowPlaintext ?? false, @new?.AllowPlaintext ?? false, "new connections"),
        };
        foreach (var change in changes)
        {
            if (change is not null)
            {
                yield return change;
            }
        }
        // The same files, re-read: a renewed certificate is a change too.
        if (old is not null && @new is not null && old.CertificateFile == @new.CertificateFile
            && old.Certificate.Thumbprint != @new.Certificate.Thumbprint)
        {
            yield return new ConfigChange(ConfigChangeKind.Changed, ConfigChangeScope.Setting, "server.tls.certificate",
                $"renewed: {old.Certificate.Thumbprint} -> {@new.Certificate.Thumbprint} (new TLS connections)");
        }
    }
}
