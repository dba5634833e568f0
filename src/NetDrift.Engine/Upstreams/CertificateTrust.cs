using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace NetDrift.Engine.Upstreams;

/// <summary>
/// Whether a TLS peer's certificate is trusted, and if not a short reason for <c>LastError</c>:
/// the system's verdict, or with a CA bundle a chain built against that bundle alone
/// (custom root trust), the host name still checked.
/// </summary>
internal static class CertificateTrust
{
    /// <summary>Null when trusted, else why not.</summary>
    public static string? Refusal(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection? customRoots)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return "the upstream sent no certificate";
        }
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return "certificate name mismatch (not issued for this host)";
        }
        if (customRoots is null)
        {
            return errors == SslPolicyErrors.None ? null : ChainRefusal(certificate, null);
        }
        return ChainRefusal(certificate, customRoots);
    }

    private static string? ChainRefusal(X509Certificate certificate, X509Certificate2Collection? customRoots)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (customRoots is not null)
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(customRoots);
        }
        using var leaf = new X509Certificate2(certificate);
        if (chain.Build(leaf))
        {
            return null;
        }
        foreach (var status in chain.ChainStatus)
        {
            if (status.Status.HasFlag(X509ChainStatusFlags.NotTimeValid))
            {
                return $"certificate expired or not yet valid (valid {leaf.NotBefore:u} to {leaf.NotAfter:u})";
            }
        }
        var flags = chain.ChainStatus.Select(s => s.Status.ToString());
        return "untrusted certificate: " + string.Join(", ", flags.DefaultIfEmpty("chain not trusted"));
    }
}
