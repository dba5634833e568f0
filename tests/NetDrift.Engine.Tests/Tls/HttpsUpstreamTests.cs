using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Faults;
using NetDrift.Engine.Health;
using NetDrift.Engine.Server;
using NetDrift.Engine.Tests.Faults;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Tls;

/// <summary>
/// <c>https://</c> upstreams (CONTRACT §8): TLS to the upstream proxy, its certificate verified
/// (system store, tls_ca_file, tls_server_name, tls_insecure), CONNECT and plain requests inside,
/// pooled connections, probes; a refused certificate an upstream failure with its reason.
/// </summary>
public sealed class HttpsUpstreamTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("netdrift-tls-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Upstream(string url, string tls = "") =>
        $$"""{ "url": "{{url}}"{{(tls.Length > 0 ? ", " + tls : "")}} }""";

    private static string CaFile(string path) => $"\"tls_ca_file\": \"{path}\"";

    [Fact(Timeout = 15_000)]
    public async Task HttpsUpstream_SpeaksTlsFirst_ClientHelloWithServerName_NeverPlainConnectOrCredentials()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        await using var proxy = TestProxies.Start(Upstream($"https://corp:TopSecret@127.0.0.1:{port}", "\"tls_server_name\": \"proxy.example\""),
            """ "retries": 0, "upstream_timeout": 2, """);

        var client = ProxyClient.ConnectAsync(proxy.Port, "127.0.0.1:9");
        using var accepted = await listener.AcceptAsync().WaitAsync(Loopback.DefaultTimeout);
        var hello = await ReadSomeAsync(accepted, 5);
        accepted.Close(); // the handshake fails: an upstream failure, answered 502

        Assert.Equal(0x16, hello[0]); // TLS record: handshake
        Assert.Equal(0x03, hello[1]);
        var text = Encoding.Latin1.GetString(hello);
        Assert.Contains("proxy.example", text, StringComparison.Ordinal); // SNI
        Assert.DoesNotContain("CONNECT", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.ASCII.GetBytes("corp:TopSecret")), text, StringComparison.Ordinal);
        using var answer = await client;
        Assert.Equal(502, answer.Status);
    }

    [Fact(Timeout = 20_000)]
    public async Task HttpsFaultyProxy_WithItsCertificateAsCaFile_TunnelEchoesAndProtocolIsHttps()
    {
        await using var upstream = FaultyProxy.Start("tls-up", new FaultyProxyOptions { Protocol = FaultyProxyProtocol.Https });
        await using var target = TcpTargetServer.StartEcho();
        Assert.StartsWith("https://", upstream.Url, StringComparison.Ordinal);
        await using var proxy = TestProxies.Start(Upstream(upstream.Url, CaFile(upstream.CertificatePath!)), """ "retries": 0, """);

        using var tunnel = await ProxyClient.OpenTunnelAsync(proxy.Port, target.Port);
        await ProxyClient.AssertEchoesAsync(tunnel, "through TLS to the upstream");

        Assert.Equal(UpstreamProtocol.Https, UpstreamProtocols.Of(proxy.Pool.All[0].Config.Url));
        Assert.Equal(1, proxy.Pool.All[0].Counters.Succeeded);
    }

    [Fact(Timeout = 20_000)]
    public async Task PlainRequests_OverHttpsUpstream_ServedAndPooledOnOneTlsConnection()
    {
        await using var backend = KeepAliveUpstream.Start();
        var certificate = TlsFront.Valid("proxy.test");
        await using var front = TlsFront.Start(certificate, backend.Port);
        await using var proxy = TestProxies.Start(
            Upstream(front.Url, CaFile(TlsFront.WritePem(certificate, _dir)) + ", \"tls_server_name\": \"proxy.test\""), """ "retries": 0, """);

        for (var i = 0; i < 3; i++)
        {
            var answer = await ProxyClient.SendAndReadAllAsync(proxy.Port, "GET http://origin.test/len/10 HTTP/1.1\r\nHost: origin.test\r\nConnection: close\r\n\r\n");
            Assert.Equal(200, ProxyClient.StatusOf(answer));
            Assert.EndsWith(Encoding.Latin1.GetString(KeepAliveUpstream.Pattern(10)), answer, StringComparison.Ordinal);
        }

        Assert.Equal(1, front.Handshakes);
        Assert.Equal(1, backend.Accepted);
        Assert.Equal(2, proxy.Pool.All[0].Connections.Reused);
    }

    [Fact(Timeout = 20_000)]
    public async Task SelfSignedUpstream_WithoutCaFile_UntrustedFailureWithReasonInLastError()
    {
        await using var upstream = FaultyProxy.Start("tls-untrusted", new FaultyProxyOptions { Protocol = FaultyProxyProtocol.Https });
        await using var proxy = TestProxies.Start(Upstream(upstream.Url), """ "retries": 0, "upstream_timeout": 5, """);

        var (status, elapsed) = await ConnectStatusAsync(proxy);

        Assert.Equal(502, status);
        Assert.True(elapsed < TimeSpan.FromSeconds(4), $"took {elapsed}");
        var error = proxy.Pool.All[0].Counters.LastError!;
        Assert.Contains("TLS handshake failed", error.Message, StringComparison.Ordinal);
        Assert.Contains("untrusted", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 20_000)]
    public async Task WrongNameCertificate_TrustedCa_NameMismatchInLastError()
    {
        await using var backend = KeepAliveUpstream.Start();
        var certificate = TlsFront.Valid("other.test");
        await using var front = TlsFront.Start(certificate, backend.Port);
        await using var proxy = TestProxies.Start(
            Upstream(front.Url, CaFile(TlsFront.WritePem(certificate, _dir)) + ", \"tls_server_name\": \"proxy.test\""), """ "retries": 0, """);

        var (status, _) = await ConnectStatusAsync(proxy);

        Assert.Equal(502, status);
        Assert.Contains("name mismatch", proxy.Pool.All[0].Counters.LastError!.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 20_000)]
    public async Task ExpiredCertificate_TrustedCa_ExpiredInLastErrorAndPassiveHealthFailure()
    {
        await using var backend = KeepAliveUpstream.Start();
        var expired = TlsFront.NewCertificate(DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddDays(-1), "proxy.test");
        await using var front = TlsFront.Start(expired, backend.Port);
        await using var proxy = TestProxies.Start(
            Upstream(front.Url, CaFile(TlsFront.WritePem(expired, _dir)) + ", \"tls_server_name\": \"proxy.test\""),
            """ "retries": 0, "health_check": { "failure_threshold": 1 }, """);

        var (status, _) = await ConnectStatusAsync(proxy);

        Assert.Equal(502, status);
        Assert.Contains("expired", proxy.Pool.All[0].Counters.LastError!.Message, StringComparison.Ordinal);
        Assert.Equal(UpstreamHealth.Unhealthy, proxy.Pool.All[0].Health);
    }

    [Fact(Timeout = 20_000)]
    public async Task HandshakeThatStalls_FailsWithinUpstreamTimeout_NeverHangs()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4); // the kernel accepts; nobody ever answers the ClientHello
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        await using var proxy = TestProxies.Start(Upstream($"https://127.0.0.1:{port}"), """ "retries": 0, "upstream_timeout": 0.5, """);

        var (status, elapsed) = await ConnectStatusAsync(proxy);

        Assert.Equal(504, status);
        Assert.True(elapsed < TimeSpan.FromSeconds(4), $"took {elapsed}");
        Assert.Contains("TLS handshake", proxy.Pool.All[0].Counters.LastError!.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 20_000)]
    public async Task TlsInsecure_SelfSignedAccepted_AndWarnedAtLoadAndReload()
    {
        await using var upstream = FaultyProxy.Start("tls-insecure", new FaultyProxyOptions { Protocol = FaultyProxyProtocol.Https });
        await using var target = TcpTargetServer.StartEcho();
        var log = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(builder => builder.AddProvider(log).SetMinimumLevel(LogLevel.Warning));
        var config = ConfigLoader.Parse(TestProxies.Json(Upstream(upstream.Url, "\"tls_insecure\": true"), """ "retries": 0, """));
        await using var proxy = ProxyServer.Start("test", config, loggerFactory: factory);

        using var tunnel = await ProxyClient.OpenTunnelAsync(proxy.Port, target.Port);
        await ProxyClient.AssertEchoesAsync(tunnel, "insecure but encrypted");
        Assert.Single(log.Messages, m => m.Contains("tls_insecure", StringComparison.Ordinal));

        proxy.ApplyConfig(config with { Retries = 1 });
        Assert.Equal(2, log.Messages.Count(m => m.Contains("tls_insecure", StringComparison.Ordinal)));
    }

    [Fact(Timeout = 20_000)]
    public async Task HealthProbe_ThroughHttpsUpstream_GetAnswered()
    {
        await using var origin = LoopbackOrigin.StartHttp("hello");
        await using var upstream = FaultyProxy.Start("tls-probe", new FaultyProxyOptions { Protocol = FaultyProxyProtocol.Https });
        var config = HttpsConfig(upstream.Url, caFile: upstream.CertificatePath);
        var target = HealthProbeTarget.Parse($"http://127.0.0.1:{origin.Port}/hello")!;

        var result = await HealthProbe.RunAsync(new UpstreamConnectors(), config, target, TimeSpan.FromSeconds(5), 16 * 1024, TimeProvider.System, CancellationToken.None);

        Assert.True(result!.Succeeded, result.Message);
        Assert.Contains("answered 200", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_UnreadableCaFile_ErrorNamesTheField()
    {
        var json = TestProxies.Json(Upstream("https://127.0.0.1:8443", CaFile(Path.Combine(_dir, "missing.pem"))));

        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(json));

        Assert.Contains("upstream_proxies[0].tls_ca_file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_TlsFieldsAndDefaultPort_Read()
    {
        var pem = TlsFront.WritePem(TlsFront.Valid("proxy.test"), _dir);
        var config = ConfigLoader.Parse(TestProxies.Json(Upstream("https://proxy.test", CaFile(pem) + ", \"tls_server_name\": \"edge.test\", \"tls_insecure\": true")));

        var upstream = config.UpstreamProxies[0];
        Assert.Equal(443, upstream.Url.Port);
        Assert.Equal("edge.test", upstream.TlsServerName);
        Assert.True(upstream.TlsInsecure);
        Assert.Equal(pem, upstream.TlsCaFile);
        Assert.Single(upstream.TlsCa!);
    }

    private static UpstreamConfig HttpsConfig(string url, string? caFile) =>
        ConfigLoader.Parse(TestProxies.Json(Upstream(url, caFile is null ? "" : CaFile(caFile)))).UpstreamProxies[0];

    private static async Task<(int Status, TimeSpan Elapsed)> ConnectStatusAsync(ProxyServer proxy)
    {
        var watch = Stopwatch.StartNew();
        using var answer = await ProxyClient.ConnectAsync(proxy.Port, "127.0.0.1:9");
        return (answer.Status, watch.Elapsed);
    }

    private static async Task<byte[]> ReadSomeAsync(Socket socket, int atLeast)
    {
        var received = new List<byte>();
        var buffer = new byte[4096];
        using var due = new CancellationTokenSource(Loopback.DefaultTimeout);
        while (received.Count < atLeast + 200)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, due.Token);
            if (read == 0)
            {
                break;
            }
            received.AddRange(buffer.AsSpan(0, read).ToArray());
            if (received.Count >= atLeast && received.Count >= 5 + (received[3] << 8 | received[4]))
            {
                break; // one whole TLS record: the ClientHello
            }
        }
        return received.ToArray();
    }
}
