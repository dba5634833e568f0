using System.Security.Cryptography.X509Certificates;

namespace NetDrift.Engine.Tunnel;

/// <summary>
/// TLS to an <c>https://</c> proxy for <see cref="TunnelProbe"/>: its certificate checked against
/// the system store, or against <see cref="TrustedCertificates"/> alone (a faulty proxy's own), or
/// not at all (<see cref="SkipCertificateCheck"/>, as Invoke-WebRequest's parameter of that name).
/// </summary>
public sealed record TunnelProbeTls(bool SkipCertificateCheck = false, X509Certificate2Collection? TrustedCertificates = null);
