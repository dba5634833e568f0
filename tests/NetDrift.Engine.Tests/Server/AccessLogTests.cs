using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Server;
using NetDrift.Engine.Tests.Metrics;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Server;

/// <summary>
/// The access log of a running proxy: one line per tunnel, plain request and refusal with the facts
/// the clients produced (json, so each field is read by name), never a password, switched by reload.
/// </summary>
public sealed class AccessLogTests : IAsyncDisposable
{
    private const string Password = "Acc3ssL0gSecret";
    private readonly string _folder = Directory.CreateTempSubdirectory("netdrift-accesslog-server-").FullName;

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return ValueTask.CompletedTask;
    }

    private string LogPath(string name = "access.log") => Path.Combine(_folder, name);

    internal static string Section(string path, string format = "json") =>
        $$""" "access_log": { "path": {{JsonSerializer.Serialize(path)}}, "format": "{{format}}" }, """;

    private static string Auth => $$""" "authentication": { "enabled": true, "users": [ { "username": "alice", "password": "{{Password}}" } ] }, """;

    internal static async Task<string[]> WaitForLinesAsync(string path, int count)
    {
        for (var i = 0; i < 200; i++)
        {
            if (File.Exists(path))
            {
                using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
                var lines = (await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
                if (lines.Length >= count)
                {
                    return lines;
                }
            }
            await Task.Delay(25);
        }
        throw new TimeoutException($"{path} never held {count} line(s)");
    }

    internal static JsonElement Json(string line) => JsonDocument.Parse(line).RootElement;

    [Fact(Timeout = 15_000)]
    public async Task Tunnel_WhenItEnds_OneLineWithUserUpstreamAttemptsAndBytesBothWays()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        var path = LogPath();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Auth + Section(path));

        using (var tunnel = await ProxyClient.ConnectAsync(proxy.Port, target.Authority, ProxyClient.Basic("alice", Password)))
        {
            Assert.Equal(200, tunnel.Status);
            var payload = new byte[3000];
            Random.Shared.NextBytes(payload);
            await Loopback.SendAllAsync(tunnel.Socket, payload);
            Assert.Equal(payload, await Loopback.ReadExactlyAsync(tunnel.Socket, payload.Length));
            tunnel.Socket.Shutdown(SocketShutdown.Send);
            await Loopback.ReadToEndAsync(tunnel.Socket);
        }

        var line = Json(Assert.Single(await WaitForLinesAsync(path, 1)));
        Assert.Equal("CONNECT", line.GetProperty("method").GetString());
        Assert.Equal(target.Authority, line.GetProperty("target").GetString());
        Assert.Equal(200, line.GetProperty("status").GetInt32());
        Assert.Equal("alice", line.GetProperty("user").GetString());
        Assert.Equal("127.0.0.1", line.GetProperty("client").GetString());
        Assert.Equal("Http", line.GetProperty("protocol").GetString());
        Assert.Equal(upstream.Name, line.GetProperty("upstream").GetString());
        Assert.Equal(1, line.GetProperty("attempts").GetInt32());
        Assert.Equal(3000, line.GetProperty("bytes_sent").GetInt64());
        Assert.Equal(3000, line.GetProperty("bytes_received").GetInt64());
        Assert.Equal(JsonValueKind.Null, line.GetProperty("cause").ValueKind);
        Assert.True(line.GetProperty("elapsed_ms").GetInt64() >= 0);
    }

    [Fact(Timeout = 15_000)]
    public async Task PlainRequest_OneLineWithStatusContentTypeAndTheBytesTheUpstreamSent()
    {
        await using var upstream = TestUpstreamProxy.Start();
        var path = LogPath();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Section(path, "squid"));

        var response = await ProxyClient.SendAndReadAllAsync(proxy.Port, "GET http://origin.test/page HTTP/1.1\r\nHost: origin.test\r\nConnection: close\r\n\r\n");
        Assert.Equal(200, ProxyClient.StatusOf(response));

        var fields = Assert.Single(await WaitForLinesAsync(path, 1)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(10, fields.Length);
        Assert.Equal("TCP_MISS/200", fields[3]);
        Assert.Equal("GET", fields[5]);
        Assert.Equal("http://origin.test/page", fields[6]);
        Assert.Equal("-", fields[7]);
        Assert.Equal($"FIRSTUP_PARENT/{upstream.Name}", fields[8]);
        Assert.Equal("text/plain", fields[9]);
        // What the upstream sent: its head (rewritten by NetDrift, so not the client's byte count) and its body.
        var body = response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        var bytes = long.Parse(fields[4]);
        Assert.InRange(bytes, body.Length + 50, body.Length + 400);
    }

    [Fact(Timeout = 20_000)]
    public async Task Refusals_OneLineEachWithStatusAndCause_NoPasswordAnywhere()
    {
        await using var upstream = TestUpstreamProxy.Start();
        var path = LogPath();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url),
            Auth + Section(path) + """ "allowed_ports": [ 443 ], "limits": { "max_header_bytes": 1024 }, """);
        var good = ProxyClient.Basic("alice", Password);

        // The challenge without credentials keeps the connection (its line is written all the same); a wrong login closes it.
        using (var challenged = await ProxyClient.ConnectAsync(proxy.Port, "a.test:443"))
        {
            Assert.Equal(407, challenged.Status);
        }
        Assert.Equal(407, ProxyClient.StatusOf(await ProxyClient.SendAndReadAllAsync(proxy.Port,
            $"CONNECT a.test:443 HTTP/1.1\r\nHost: a.test\r\nProxy-Authorization: {ProxyClient.Basic("alice", Password + "x")}\r\nConnection: close\r\n\r\n")));
        Assert.Equal(403, ProxyClient.StatusOf(await ProxyClient.SendAndReadAllAsync(proxy.Port,
            $"CONNECT a.test:22 HTTP/1.1\r\nHost: a.test\r\nProxy-Authorization: {good}\r\n\r\n")));
        Assert.Equal(400, ProxyClient.StatusOf(await ProxyClient.SendAndReadAllAsync(proxy.Port, "GARBAGE\r\n\r\n")));
        Assert.Equal(431, ProxyClient.StatusOf(await ProxyClient.SendAndReadAllAsync(proxy.Port,
            "GET http://a/ HTTP/1.1\r\nX-Big: " + new string('x', 2000) + "\r\n\r\n")));
        // A password in the URL itself must not reach the log either (NetDrift refuses userinfo in a target: 400).
        Assert.Equal(400, ProxyClient.StatusOf(await ProxyClient.SendAndReadAllAsync(proxy.Port,
            $"GET http://bob:{Password}@origin.test/x HTTP/1.1\r\nHost: origin.test\r\nProxy-Authorization: {good}\r\nConnection: close\r\n\r\n")));

        var lines = (await WaitForLinesAsync(path, 6)).Select(Json).ToArray();
        Assert.Equal(6, lines.Length);
        Assert.Equal(2, lines.Count(l => l.GetProperty("status").GetInt32() == 400 && l.GetProperty("cause").GetString() == "Malformed"));
        var byStatus = lines.Where(l => l.GetProperty("status").GetInt32() != 400)
            .ToDictionary(l => (l.GetProperty("status").GetInt32(), l.GetProperty("cause").GetString()), l => l);
        Assert.True(byStatus.ContainsKey((407, "NoCredentials")));
        Assert.True(byStatus.ContainsKey((407, "WrongCredentials")));
        var forbidden = byStatus[(403, "PortNotAllowed")];
        Assert.Equal("a.test:22", forbidden.GetProperty("target").GetString());
        Assert.Equal("alice", forbidden.GetProperty("user").GetString());
        Assert.True(byStatus.ContainsKey((431, "HeaderTooLarge")));
        Assert.All(byStatus.Where(kv => kv.Key.Item1 == 407), kv => Assert.Equal(JsonValueKind.Null, kv.Value.GetProperty("user").ValueKind));

        await proxy.StopAsync(TimeSpan.Zero);
        Assert.DoesNotContain(Password, await File.ReadAllTextAsync(path), StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:" + Password)), await File.ReadAllTextAsync(path), StringComparison.Ordinal);
    }

    [Fact(Timeout = 15_000)]
    public async Task MaxConnections_503LineWithCause()
    {
        await using var target = TcpTargetServer.StartEcho();
        await using var upstream = TestUpstreamProxy.Start();
        var path = LogPath();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Section(path) + """ "limits": { "max_connections": 1 }, """);
        using var first = await ProxyClient.ConnectAsync(proxy.Port, target.Authority);
        Assert.Equal(200, first.Status);

        using (var second = await ProxyClient.ConnectAsync(proxy.Port, target.Authority))
        {
            Assert.Equal(503, second.Status);
        }

        var line = Json(Assert.Single(await WaitForLinesAsync(path, 1)));
        Assert.Equal(503, line.GetProperty("status").GetInt32());
        Assert.Equal("MaxConnections", line.GetProperty("cause").GetString());
        Assert.Equal("NONE", line.GetProperty("method").GetString());
        Assert.Equal("error:accept-client-connection", line.GetProperty("target").GetString());
    }

    [Fact(Timeout = 15_000)]
    public async Task EveryAttemptFailed_OneLineWithAttemptsTheStatusAndTheLastCause()
    {
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closed.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var deadPort = ((System.Net.IPEndPoint)closed.LocalEndPoint!).Port; // bound, never listening: refused
        var path = LogPath();
        await using var proxy = TestProxies.Start(TestProxies.Upstream($"http://127.0.0.1:{deadPort}"), Section(path) + """ "retries": 0, """);

        using (var tunnel = await ProxyClient.ConnectAsync(proxy.Port, "x.test:443"))
        {
            Assert.Equal(502, tunnel.Status);
        }

        var line = Json(Assert.Single(await WaitForLinesAsync(path, 1)));
        Assert.Equal(502, line.GetProperty("status").GetInt32());
        Assert.Equal(1, line.GetProperty("attempts").GetInt32());
        Assert.Equal(JsonValueKind.Null, line.GetProperty("upstream").ValueKind);
        Assert.Equal("Refused", line.GetProperty("cause").GetString());
    }

    [Fact(Timeout = 15_000)]
    public async Task UnwritableLog_LinesDroppedAndCountedInStatsMetricsAndTheProxy()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Section(LogPath("no-such-folder/access.log")));

        Assert.Equal(200, ProxyClient.StatusOf(await ProxyClient.SendAndReadAllAsync(proxy.Port,
            "GET http://origin.test/ HTTP/1.1\r\nHost: origin.test\r\nConnection: close\r\n\r\n")));

        Assert.True(await Loopback.WaitUntilAsync(() => proxy.AccessLogDropped == 1));
        var stats = await ProxyClient.SendAndReadAllAsync(proxy.Port, "GET /stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.Matches("\"access_log_dropped\": ?1[,}\\s]", stats);
        Assert.Equal(1, (await MetricsTestProxies.ScrapeAsync(proxy)).Value("netdrift_access_log_dropped_total"));
    }

    [Fact(Timeout = 20_000)]
    public async Task Reload_SwitchesOnMovesAndOff()
    {
        await using var upstream = TestUpstreamProxy.Start();
        var first = LogPath("first.log");
        var second = LogPath("second.log");
        string Config(string extra) => TestProxies.Json(TestProxies.Upstream(upstream.Url), extra);
        await using var proxy = ProxyServer.Start("test", ConfigLoader.Parse(Config("")));
        async Task RequestAsync(string page) => Assert.Equal(200, ProxyClient.StatusOf(await ProxyClient.SendAndReadAllAsync(proxy.Port,
            $"GET http://origin.test/{page} HTTP/1.1\r\nHost: origin.test\r\nConnection: close\r\n\r\n")));

        await RequestAsync("before");
        var on = proxy.ApplyConfig(ConfigLoader.Parse(Config(Section(first))));
        Assert.Contains(on, c => c.Name == "access_log");
        await RequestAsync("on");
        Assert.Contains("/on", Assert.Single(await WaitForLinesAsync(first, 1)), StringComparison.Ordinal);

        proxy.ApplyConfig(ConfigLoader.Parse(Config(Section(second))));
        await RequestAsync("moved");
        Assert.Contains("/moved", Assert.Single(await WaitForLinesAsync(second, 1)), StringComparison.Ordinal);

        proxy.ApplyConfig(ConfigLoader.Parse(Config("")));
        await RequestAsync("off");
        await proxy.StopAsync(TimeSpan.Zero);
        Assert.Single(await WaitForLinesAsync(first, 1));
        Assert.Single(await WaitForLinesAsync(second, 1));
        Assert.Equal(0, proxy.AccessLogDropped);
    }
}
