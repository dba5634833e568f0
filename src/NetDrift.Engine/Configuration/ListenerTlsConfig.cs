using System.Security.Cryptography.X509Certificates;

namespace NetDrift.Engine.Configuration;

/// <summary>
/// <c>server.tls</c> (CONTRACT §8): the listener also speaks TLS (an "HTTPS proxy"), chosen by the
/// first byte of each connection. The certificate is read when the config is loaded, so a reload
/// re-reads it and a bad file fails the load, leaving the running config alone.
/// </summary>
public sealed record ListenerTlsConfig
{
    /// <summary>The PEM certificate file (with any intermediates after it).</summary>
    public required string CertificateFile { get; init; }
    /// <summary>The PEM private key file.</summary>
    public required string KeyFile { get; init; }
    /// <summary>Plaintext HTTP (and SOCKS5) still accepted on the same port.</summary>
    public bool AllowPlaintext { get; init; }
    /// <summary>The certificate with its key, ready for the handshake.</summary>
    public required X509Certificate2 Certificate { get; init; }
}
