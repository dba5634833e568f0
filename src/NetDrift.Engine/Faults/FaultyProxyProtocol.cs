namespace NetDrift.Engine.Faults;

/// <summary>What a faulty proxy speaks to its clients (CONTRACT §8); fixed when it starts.</summary>
public enum FaultyProxyProtocol
{
    /// <summary>A plain HTTP proxy (CONNECT and absolute-form).</summary>
    Http,
    /// <summary>The same inside TLS, with a self-signed certificate for 127.0.0.1, ::1 and localhost.</summary>
    Https,
    /// <summary>A SOCKS5 server (RFC 1928; -Credential as RFC 1929).</summary>
    Socks5,
}
