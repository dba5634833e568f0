using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Faults;
using NetDrift.Engine.Server;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Tls;

/// <summary>
/// <c>server.tls</c> (CONTRACT §8): an HTTPS proxy on the same port, told by the first byte; CONNECT
/// and plain requests inside TLS; plaintext refused unless allow_plaintext; a stalled handshake
/// bounded by the header timeout; the certificate re-read on reload, a bad one a config error.
/// </summary>
public sealed class TlsListenerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("netdrift-tlsl-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A self-signed certificate for 127.0.0.1 written as PEM certificate and key files.</summary>
    private (string Certificate, string Key, X509Certificate2 Issued) WriteCertificate(string subject = "netdrift-listener")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + subject, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        var issued = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certificate = Path.Combine(_dir, subject + ".crt.pem");
        var keyFile = Path.Combine(_dir, subject + ".key.pem");
        File.WriteAllText(certificate, issued.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certificate, keyFile, issued);
    }

    private static string TlsSection(string certificate, string key, bool allowPlaintext = false, string extraServer = "") =>
        $$"""{ "name": "test", "listen_address": "127.0.0.1:0"{{extraServer}}, "tls": { "certificate": "{{certificate}}", "key": "{{key}}", "allow_plaintext": {{(allowPlaintext ? "true" : "false")}} } }""";

    private static string Json(string upstreams, string server, string extra = "") => $$"""
        {
          "server": {{server}},
          {{extra}}
          "upstream_proxies": [ {{upstreams}} ],
          "logging": { "level": "Warning" }
        }
        """;

    private static ProxyServer Start(string upstreams, string server, string extra = "") =>
        ProxyServer.Start("test", ConfigLoader.Parse(Json(upstreams, server, extra)));

    /// <summary>A TLS client to the proxy trusting exactly <paramref name="trusted"/>; the subject it saw comes back too.</summary>
    private static async Task<(SslStream Tls, Socket Socket)> ConnectTlsAsync(int port, X509Certificate2 trusted)
    {
        var socket = await Loopback.ConnectAsync(port);
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: true));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == trusted.GetCertHashString(),
        }).WaitAsync(Loopback.DefaultTimeout);
        return (tls, socket);
    }

    private static async Task<string> ReadHeadAsync(Stream stream)
    {
        var head = new List<byte>();
        var one = new byte[1];
        using var due = new CancellationTokenSource(Loopback.DefaultTimeout);
        while (!(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            if (await stream.ReadAsync(one, due.Token) == 0)
            {
                break;
            }
            head.Add(one[0]);
        }
        return Encoding.Latin1.GetString(head.ToArray());
    }

    private static async Task<byte[]> ReadToEndAsync(Stream stream)
    {
        using var due = new CancellationTokenSource(Loopback.DefaultTimeout);
        using var all = new MemoryStream();
        try
        {
            await stream.CopyToAsync(all, due.Token);
        }
        catch (IOException)
        {
            // A close without close_notify: what came is what there is.
        }
        return all.ToArray();
    }

    [Fact(Timeout = 20_000)]
    public async Task Connect_InsideTls_TunnelEchoes()
    {
        var (certificate, key, issued) = WriteCertificate();
        await using var upstream = TestUpstreamProxy.Start(UpstreamBehavior.Tunnel);
        await using var target = TcpTargetServer.StartEcho();
        await using var proxy = Start(TestProxies.Upstream(upstream.Url), TlsSection(certificate, key));

        var (tls, _) = await ConnectTlsAsync(proxy.Port, issued);
        await using var _tls = tls;
        await tls.WriteAsync(Encoding.ASCII.GetBytes(ProxyClient.ConnectRequest(target.Port)));
        var head = await ReadHeadAsync(tls);
        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);

        var message = Encoding.ASCII.GetBytes("inside TLS, then a tunnel");
        await tls.WriteAsync(message);
        var echoed = new byte[message.Length];
        await tls.ReadExactlyAsync(echoed).AsTask().WaitAsync(Loopback.DefaultTimeout);
        Assert.Equal(message, echoed);
    }

    [Fact(Timeout = 30_000)]
    public async Task TlsOnBothSides_OneMegabyteEchoed_ByteExact()
    {
        var (certificate, key, issued) = WriteCertificate();
        await using var upstream = FaultyProxy.Start("tls-bulk", new FaultyProxyOptions { Protocol = FaultyProxyProtocol.Https });
        await using var target = TcpTargetServer.StartEcho();
        await using var proxy = Start($$"""{ "url": "{{upstream.Url}}", "tls_ca_file": "{{upstream.CertificatePath}}" }""", TlsSection(certificate, key));

        var (tls, _) = await ConnectTlsAsync(proxy.Port, issued);
        await using var _tls = tls;
        await tls.WriteAsync(Encoding.ASCII.GetBytes(ProxyClient.ConnectRequest(target.Port)));
        Assert.StartsWith("HTTP/1.1 200", await ReadHeadAsync(tls), StringComparison.Ordinal);

        var data = new byte[1024 * 1024];
        new Random(15).NextBytes(data);
        var echoed = new byte[data.Length];
        var reading = tls.ReadExactlyAsync(echoed).AsTask();
        await tls.WriteAsync(data);
        await reading.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(data, echoed);
    }

    [Fact(Timeout = 20_000)]
    public async Task PlainRequests_InsideTls_KeepAliveThenClose()
    {
        var (certificate, key, issued) = WriteCertificate();
        await using var upstream = KeepAliveUpstream.Start();
        await using var proxy = Start(TestProxies.Upstream(upstream.Url), TlsSection(certificate, key));

        var (tls, _) = await ConnectTlsAsync(proxy.Port, issued);
        await using var _tls = tls;
        await tls.WriteAsync("GET http://origin.test/len/5 HTTP/1.1\r\nHost: origin.test\r\n\r\n"u8.ToArray());
        var first = await ReadHeadAsync(tls);
        var body = new byte[5];
        await tls.ReadExactlyAsync(body).AsTask().WaitAsync(Loopback.DefaultTimeout);
        Assert.StartsWith("HTTP/1.1 200", first, StringComparison.Ordinal);
        Assert.Equal(KeepAliveUpstream.Pattern(5), body);

        await tls.WriteAsync("GET http://origin.test/len/7 HTTP/1.1\r\nHost: origin.test\r\nConnection: close\r\n\r\n"u8.ToArray());
        var second = Encoding.Latin1.GetString(await ReadToEndAsync(tls));
        Assert.StartsWith("HTTP/1.1 200", second, StringComparison.Ordinal);
        Assert.EndsWith(Encoding.Latin1.GetString(KeepAliveUpstream.Pattern(7)), second, StringComparison.Ordinal);
    }

    [Fact(Timeout = 20_000)]
    public async Task AdminHealthz_InsideTls_Answered()
    {
        var (certificate, key, issued) = WriteCertificate();
        await using var proxy = Start(TestProxies.Upstream("http://127.0.0.1:9"), TlsSection(certificate, key));

        var (tls, _) = await ConnectTlsAsync(proxy.Port, issued);
        await using var _tls = tls;
        await tls.WriteAsync("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());

        var answer = Encoding.Latin1.GetString(await ReadToEndAsync(tls));
        Assert.StartsWith("HTTP/1.1 200", answer, StringComparison.Ordinal);
        Assert.EndsWith("ok\n", answer, StringComparison.Ordinal);
    }

    [Fact(Timeout = 20_000)]
    public async Task Plaintext_OnTlsListener_RefusedUnlessAllowed()
    {
        var (certificate, key, _) = WriteCertificate();
        await using var upstream = KeepAliveUpstream.Start();
        await using var strict = Start(TestProxies.Upstream(upstream.Url), TlsSection(certificate, key));
        await using var lenient = Start(TestProxies.Upstream(upstream.Url), TlsSection(certificate, key, allowPlaintext: true));
        const string request = "GET http://origin.test/len/3 HTTP/1.1\r\nHost: origin.test\r\nConnection: close\r\n\r\n";

        var refused = await ProxyClient.SendAndReadAllAsync(strict.Port, request);
        var served = await ProxyClient.SendAndReadAllAsync(lenient.Port, request);

        Assert.Equal("", refused);
        Assert.Equal(200, ProxyClient.StatusOf(served));
        Assert.Single(upstream.Heads, h => h.Contains("/len/3", StringComparison.Ordinal)); // the lenient proxy's alone
    }

    [Fact(Timeout = 20_000)]
    public async Task HandshakeThatStalls_ClosedAtTheHeaderTimeoutAndCounted()
    {
        var (certificate, key, _) = WriteCertificate();
        await using var proxy = Start(TestProxies.Upstream("http://127.0.0.1:9"), TlsSection(certificate, key),
            """ "limits": { "header_timeout_seconds": 1 }, """);

        using var socket = await Loopback.ConnectAsync(proxy.Port);
        await socket.SendAsync(new byte[] { 0x16, 0x03, 0x01 }, SocketFlags.None); // a ClientHello's start, then nothing
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var (_, _) = await Loopback.ReadToEndAsync(socket, TimeSpan.FromSeconds(8));

        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(6));
        Assert.Equal(1, proxy.Counters.RejectedBy[RejectionCause.HeaderTimeout]);
    }

    [Fact(Timeout = 20_000)]
    public async Task Reload_ReReadsTheCertificate_BadOneLeavesTheRunningConfig()
    {
        var first = WriteCertificate("first");
        var second = WriteCertificate("second");
        var path = Path.Combine(_dir, "netdrift.json");
        File.WriteAllText(path, Json(TestProxies.Upstream("http://127.0.0.1:9"), TlsSection(first.Certificate, first.Key)));
        await using var proxy = ProxyServer.Start("test", ConfigLoader.LoadFile(path), path);
        var (before, _) = await ConnectTlsAsync(proxy.Port, first.Issued);
        await before.DisposeAsync();

        File.WriteAllText(path, Json(TestProxies.Upstream("http://127.0.0.1:9"), TlsSection(second.Certificate, first.Key)));
        var bad = await Assert.ThrowsAsync<ConfigException>(() => proxy.ReloadAsync());
        Assert.Contains("server.tls.key", bad.Message, StringComparison.Ordinal);
        var (still, _) = await ConnectTlsAsync(proxy.Port, first.Issued);
        await still.DisposeAsync();

        File.WriteAllText(path, Json(TestProxies.Upstream("http://127.0.0.1:9"), TlsSection(second.Certificate, second.Key)));
        await proxy.ReloadAsync();
        var (after, _) = await ConnectTlsAsync(proxy.Port, second.Issued);
        await after.DisposeAsync();
    }

    [Fact]
    public void Config_MissingCertificateFile_ErrorNamesTheField()
    {
        var (_, key, _) = WriteCertificate();
        var json = Json(TestProxies.Upstream("http://127.0.0.1:9"), TlsSection(Path.Combine(_dir, "none.pem"), key));

        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(json));

        Assert.Contains("server.tls.certificate", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 20_000)]
    public async Task TlsClient_ShownAsHttps_InConnectionsAndTheAccessLog()
    {
        var (certificate, key, issued) = WriteCertificate();
        var log = Path.Combine(_dir, "access.log");
        await using var upstream = TestUpstreamProxy.Start(UpstreamBehavior.Tunnel);
        await using var target = TcpTargetServer.StartEcho();
        await using var proxy = Start(TestProxies.Upstream(upstream.Url), TlsSection(certificate, key),
            $$""" "access_log": { "path": {{System.Text.Json.JsonSerializer.Serialize(log)}}, "format": "json" }, """);

        var (tls, _) = await ConnectTlsAsync(proxy.Port, issued);
        await using (tls)
        {
            await tls.WriteAsync(Encoding.ASCII.GetBytes(ProxyClient.ConnectRequest(target.Port)));
            Assert.StartsWith("HTTP/1.1 200", await ReadHeadAsync(tls), StringComparison.Ordinal);
            Assert.Equal(NetDrift.Engine.Connections.ConnectionProtocol.Https, Assert.Single(proxy.GetConnections()).Protocol);
        }

        string? line = null;
        for (var i = 0; i < 200 && string.IsNullOrEmpty(line); i++)
        {
            line = File.Exists(log) ? File.ReadAllText(log).Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() : null;
            if (string.IsNullOrEmpty(line))
            {
                await Task.Delay(25);
            }
        }
        Assert.NotNull(line);
        Assert.Equal("Https", System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("protocol").GetString());
    }

    [Fact(Timeout = 20_000)]
    public async Task Socks5_OnTlsListener_RefusedUnlessAllowed()
    {
        var (certificate, key, _) = WriteCertificate();
        await using var strict = Start(TestProxies.Upstream("http://127.0.0.1:9"), TlsSection(certificate, key));
        await using var lenient = Start(TestProxies.Upstream("http://127.0.0.1:9"), TlsSection(certificate, key, allowPlaintext: true));
        byte[] greeting = [0x05, 0x01, 0x00];

        using var refused = await Loopback.ConnectAsync(strict.Port);
        await Loopback.SendAllAsync(refused, greeting);
        using var served = await Loopback.ConnectAsync(lenient.Port);
        await Loopback.SendAllAsync(served, greeting);

        Assert.Empty((await Loopback.ReadToEndAsync(refused)).Data);
        Assert.Equal(new byte[] { 0x05, 0x00 }, await Loopback.ReadExactlyAsync(served, 2));
    }

    [Theory]
    [InlineData(0x16, "Tls")]
    [InlineData(0x05, "Socks5")]
    [InlineData((byte)'G', "Http")]
    [InlineData((byte)'C', "Http")]
    public void FirstByte_Classified(byte first, string expected) =>
        Assert.Equal(expected, ClientProtocolSniffer.Classify(first).ToString());
}
