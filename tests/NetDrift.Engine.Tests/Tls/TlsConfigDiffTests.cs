using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Tls;

/// <summary>ConfigDiff of the TLS fields: an upstream's scheme and tls_* fields, server.tls (paths, allow_plaintext, a renewed certificate).</summary>
public sealed class TlsConfigDiffTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("netdrift-tlsd-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (string Certificate, string Key) Write(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var issued = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certificate = Path.Combine(_dir, "listener.crt.pem");
        var keyFile = Path.Combine(_dir, "listener.key.pem");
        File.WriteAllText(certificate, issued.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certificate, keyFile);
    }

    private static NetDriftConfig Parse(string upstream, string server = """{ "listen_address": "127.0.0.1:0" }""") =>
        ConfigLoader.Parse($$"""{ "server": {{server}}, "upstream_proxies": [ {{upstream}} ] }""");

    [Fact]
    public void UpstreamTlsFields_Changed_Reported()
    {
        var pem = TlsFront.WritePem(TlsFront.Valid("a.test"), _dir);
        var before = Parse("""{ "url": "http://10.0.0.1:3128", "name": "a" }""");
        var after = Parse($$"""{ "url": "https://10.0.0.1:3128", "name": "a", "tls_ca_file": "{{pem}}", "tls_server_name": "a.test", "tls_insecure": true }""");

        var change = Assert.Single(ConfigDiff.Compute(before, after));

        Assert.Equal("a", change.Name);
        Assert.Contains("scheme http -> https", change.Detail, StringComparison.Ordinal);
        Assert.Contains("tls_ca_file", change.Detail, StringComparison.Ordinal);
        Assert.Contains("tls_server_name (none) -> a.test", change.Detail, StringComparison.Ordinal);
        Assert.Contains("tls_insecure false -> true", change.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void ServerTls_AddedThenRenewedInPlace_Reported()
    {
        const string upstream = """{ "url": "http://10.0.0.1:3128" }""";
        var (certificate, key) = Write("first");
        string Server(bool plaintext) => $$"""{ "listen_address": "127.0.0.1:0", "tls": { "certificate": "{{certificate}}", "key": "{{key}}", "allow_plaintext": {{(plaintext ? "true" : "false")}} } }""";
        var none = Parse(upstream);
        var first = Parse(upstream, Server(false));

        var added = ConfigDiff.Compute(none, first).Select(c => c.Name).ToArray();
        Assert.Equal(["server.tls.certificate", "server.tls.key"], added);

        Write("second"); // the same paths, a renewed certificate
        var renewed = ConfigDiff.Compute(first, Parse(upstream, Server(true)));
        Assert.Contains(renewed, c => c.Name == "server.tls.allow_plaintext");
        Assert.Contains(renewed, c => c.Name == "server.tls.certificate" && c.Detail.StartsWith("renewed", StringComparison.Ordinal));
    }
}
