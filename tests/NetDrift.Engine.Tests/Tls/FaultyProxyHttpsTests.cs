using System.Security.Cryptography.X509Certificates;
using System.Text;
using NetDrift.Engine.Faults;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Tunnel;

namespace NetDrift.Engine.Tests.Tls;

/// <summary>Faulty proxies speaking Https (CONTRACT §8): a self-signed certificate as a PEM file, every fault with its meaning inside TLS; TunnelProbe over TLS.</summary>
public sealed class FaultyProxyHttpsTests
{
    private static FaultyProxy StartHttps(FaultType fault = FaultType.None, int statusCode = 503) =>
        FaultyProxy.Start("https-" + fault, new FaultyProxyOptions { Protocol = FaultyProxyProtocol.Https, Fault = fault, StatusCode = statusCode });

    private static TunnelProbeTls Trusting(FaultyProxy proxy)
    {
        var trusted = new X509Certificate2Collection();
        trusted.ImportFromPemFile(proxy.CertificatePath!);
        return new TunnelProbeTls(TrustedCertificates: trusted);
    }

    [Fact(Timeout = 15_000)]
    public async Task Https_CertificateFileCoversLoopbackNames_AndGoesAtStop()
    {
        var proxy = StartHttps();
        var path = proxy.CertificatePath!;
        var bundle = new X509Certificate2Collection();
        bundle.ImportFromPemFile(path);
        var certificate = Assert.Single(bundle);
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();

        Assert.Contains("127.0.0.1", names.EnumerateIPAddresses().Select(a => a.ToString()));
        Assert.Contains("::1", names.EnumerateIPAddresses().Select(a => a.ToString()));
        Assert.Contains("localhost", names.EnumerateDnsNames());
        Assert.Equal(FaultyProxyProtocol.Https, proxy.Protocol);
        await using (var plain = FaultyProxy.Start("plain-has-none", new FaultyProxyOptions()))
        {
            Assert.Null(plain.CertificatePath);
            Assert.StartsWith("http://", plain.Url, StringComparison.Ordinal);
        }

        await proxy.StopAsync();
        Assert.False(File.Exists(path));
    }

    [Fact(Timeout = 15_000)]
    public async Task Https_NoFault_TunnelProbeTrustingItsCertificateEchoes()
    {
        await using var proxy = StartHttps();
        await using var target = TcpTargetServer.StartEcho();

        var result = await TunnelProbe.RunAsync("127.0.0.1", proxy.Port, target.Authority, null, Encoding.ASCII.GetBytes("ping"), TimeSpan.FromSeconds(2), tls: Trusting(proxy));

        Assert.True(result.Status == 200, result.Error);
        Assert.Equal("ping", result.Response);
    }

    [Fact(Timeout = 15_000)]
    public async Task Https_UntrustedUnlessSkipped()
    {
        await using var proxy = StartHttps();
        await using var target = TcpTargetServer.StartEcho();

        var refused = await TunnelProbe.RunAsync("127.0.0.1", proxy.Port, target.Authority, null, null, TimeSpan.FromSeconds(5), tls: new TunnelProbeTls());
        var skipped = await TunnelProbe.RunAsync("127.0.0.1", proxy.Port, target.Authority, null, null, TimeSpan.FromSeconds(5), tls: new TunnelProbeTls(SkipCertificateCheck: true));

        Assert.False(refused.Succeeded);
        Assert.Contains("TLS handshake with the proxy failed", refused.Error, StringComparison.Ordinal);
        Assert.True(skipped.Succeeded, skipped.Error);
    }

    [Theory(Timeout = 15_000)]
    [InlineData(FaultType.BadGateway, 502)]
    [InlineData(FaultType.InternalError, 500)]
    [InlineData(FaultType.Status, 418)]
    public async Task Https_StatusFaults_AnsweredInsideTls(FaultType fault, int expected)
    {
        await using var proxy = StartHttps(fault, statusCode: 418);

        var result = await TunnelProbe.RunAsync("127.0.0.1", proxy.Port, "127.0.0.1:9", null, null, TimeSpan.FromSeconds(5), tls: Trusting(proxy));

        Assert.Equal(expected, result.Status);
    }

    [Fact(Timeout = 15_000)]
    public async Task Https_Reset_NoAnswer()
    {
        await using var proxy = StartHttps(FaultType.Reset);

        var result = await TunnelProbe.RunAsync("127.0.0.1", proxy.Port, "127.0.0.1:9", null, null, TimeSpan.FromSeconds(5), tls: Trusting(proxy));

        Assert.Equal(0, result.Status);
        Assert.False(result.Succeeded);
    }
}
