using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Tls;

/// <summary>Relative TLS file paths (tls_ca_file, server.tls.*) are the config file's folder's, like upstream_sources and access_log.</summary>
public sealed class TlsConfigPathTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("netdrift-tlsp-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void LoadFile_RelativeTlsPaths_ResolvedFromTheConfigFolder()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "conf")).FullName;
        var tlsFolder = Directory.CreateDirectory(Path.Combine(folder, "tls")).FullName;
        File.Move(TlsFront.WritePem(TlsFront.Valid("up.test"), folder), Path.Combine(folder, "ca.pem"));
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            using var issued = new CertificateRequest("CN=listener", key, HashAlgorithmName.SHA256)
                .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            File.WriteAllText(Path.Combine(tlsFolder, "listener.crt.pem"), issued.ExportCertificatePem());
            File.WriteAllText(Path.Combine(tlsFolder, "listener.key.pem"), key.ExportPkcs8PrivateKeyPem());
        }
        var configFile = Path.Combine(folder, "netdrift.json");
        File.WriteAllText(configFile, """
            { "server": { "listen_address": "127.0.0.1:0", "tls": { "certificate": "tls/listener.crt.pem", "key": "tls/listener.key.pem" } },
              "upstream_proxies": [ { "url": "https://10.0.0.1:3128", "tls_ca_file": "ca.pem" } ] }
            """);
        // The process's current directory is not the config's folder: a path taken from it would not exist.
        Assert.NotEqual(Path.GetFullPath(Directory.GetCurrentDirectory()), folder);

        var config = ConfigLoader.LoadFile(configFile);

        Assert.Equal(Path.Combine(folder, "ca.pem"), config.UpstreamProxies[0].TlsCaFile);
        Assert.NotNull(config.UpstreamProxies[0].TlsCa);
        Assert.Equal(Path.Combine(tlsFolder, "listener.crt.pem"), config.Server.Tls!.CertificateFile);
        Assert.Equal(Path.Combine(tlsFolder, "listener.key.pem"), config.Server.Tls.KeyFile);
    }
}
