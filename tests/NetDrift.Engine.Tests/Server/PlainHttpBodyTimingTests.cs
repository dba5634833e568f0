using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using NetDrift.Engine.Server;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Server;

/// <summary>
/// Issue 13 point 2, plain requests with a body: the wait for the answer starts once the body has
/// been sent, a body that stops arriving is the client's fault (408, no upstream blamed), and an
/// upstream that stops taking the body is the upstream's (504, blamed). Loopback only.
/// </summary>
public sealed class PlainHttpBodyTimingTests
{
    /// <summary>An upstream that reads a head and its Content-Length body, then runs a script.</summary>
    private sealed class BodyReadingUpstream(Func<Socket, CancellationToken, Task> afterBody, bool readBody = true) : LoopbackServer
    {
        private int _bodies;

        public string Url => $"http://127.0.0.1:{Port}";

        public int Bodies => Volatile.Read(ref _bodies);

        protected override async Task HandleAsync(Socket socket)
        {
            var reader = new WireReader(socket, TimeSpan.FromSeconds(20), Stopping);
            var head = await reader.ReadHeadAsync();
            if (head is null)
            {
                return;
            }
            if (!readBody)
            {
                await Task.Delay(TimeSpan.FromSeconds(20), Stopping);
                return;
            }
            var length = int.Parse(head.Split("\r\n").First(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))[15..].Trim());
            await reader.ReadExactAsync(length);
            Interlocked.Increment(ref _bodies);
            await afterBody(socket, Stopping);
        }
    }

    private static Task SendAsync(Socket socket, string text) => Loopback.SendAllAsync(socket, Encoding.Latin1.GetBytes(text));

    private static Task AnswerOkAsync(Socket socket, CancellationToken _) => SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");

    private static async Task<string> ReadAnswerAsync(Socket client) =>
        Encoding.Latin1.GetString((await Loopback.ReadToEndAsync(client, TimeSpan.FromSeconds(15))).Data);

    [Fact(Timeout = 30_000)]
    public async Task SlowUploadLongerThanUpstreamTimeout_IsServedAndNobodyIsBlamed()
    {
        await using var upstream = new BodyReadingUpstream(AnswerOkAsync);
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), """ "upstream_timeout": 1, """);
        using var client = await Loopback.ConnectAsync(proxy.Port);

        await SendAsync(client, "PUT http://example.test/up HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\nContent-Length: 100\r\n\r\n");
        for (var i = 0; i < 10; i++)
        {
            await Task.Delay(250);
            await SendAsync(client, new string('x', 10));
        }

        Assert.StartsWith("HTTP/1.1 200", await ReadAnswerAsync(client));
        var counters = proxy.Pool.All[0].Counters.Snapshot(StatsWindow.Lifetime);
        Assert.Equal(1, counters.Succeeded);
        Assert.Equal(0, counters.Failed);
    }

    [Fact(Timeout = 30_000)]
    public async Task StalledBody_Gets408_AndTheUpstreamIsNotBlamed()
    {
        await using var upstream = new BodyReadingUpstream(AnswerOkAsync);
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url),
            """ "upstream_timeout": 1.5, "limits": { "body_timeout_seconds": 0.5 }, "health_check": { "failure_threshold": 1 }, """);

        for (var i = 0; i < 3; i++)
        {
            using var client = await Loopback.ConnectAsync(proxy.Port);
            await SendAsync(client, "PUT http://example.test/up HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\nContent-Length: 100\r\n\r\nab");
            Assert.StartsWith("HTTP/1.1 408", await ReadAnswerAsync(client));
        }

        var row = proxy.Pool.All[0];
        Assert.NotEqual(UpstreamHealth.Unhealthy, row.Health);
        var counters = row.Counters.Snapshot(StatsWindow.Lifetime);
        Assert.Equal(0, counters.FailedBy.GetValueOrDefault(FailureCause.Timeout));
        Assert.Equal(3, proxy.Counters.RejectedBy[RejectionCause.BodyTimeout]);
        Assert.True(await Loopback.WaitUntilAsync(() => row.Counters.ActiveConnections == 0));
        // The pool still serves: the upstream was never ejected.
        using var next = await Loopback.ConnectAsync(proxy.Port);
        await SendAsync(next, "PUT http://example.test/up HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\nContent-Length: 2\r\n\r\nab");
        Assert.StartsWith("HTTP/1.1 200", await ReadAnswerAsync(next));
    }

    [Fact(Timeout = 30_000)]
    public async Task AnswerWait_StartsWhenTheBodyHasBeenSent()
    {
        await using var upstream = new BodyReadingUpstream((_, stopping) => Task.Delay(TimeSpan.FromSeconds(20), stopping));
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), """ "upstream_timeout": 1, """);
        using var client = await Loopback.ConnectAsync(proxy.Port);

        await SendAsync(client, "POST http://example.test/up HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\nContent-Length: 6\r\n\r\n");
        for (var i = 0; i < 6; i++)
        {
            await Task.Delay(250);
            await SendAsync(client, "x");
        }
        var bodySent = Stopwatch.StartNew();

        Assert.StartsWith("HTTP/1.1 504", await ReadAnswerAsync(client));
        Assert.InRange(bodySent.Elapsed, TimeSpan.FromSeconds(0.8), TimeSpan.FromSeconds(8));
        Assert.Equal(1, proxy.Pool.All[0].Counters.Snapshot(StatsWindow.Lifetime).FailedBy.GetValueOrDefault(FailureCause.Timeout));
    }

    [Fact(Timeout = 30_000)]
    public async Task UpstreamThatStopsTakingTheBody_TimesOutAndIsBlamed()
    {
        await using var upstream = new BodyReadingUpstream((_, _) => Task.CompletedTask, readBody: false);
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), """ "upstream_timeout": 1, """);
        using var client = await Loopback.ConnectAsync(proxy.Port);
        const int size = 64 * 1024 * 1024;

        await SendAsync(client, $"PUT http://example.test/big HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\nContent-Length: {size}\r\n\r\n");
        // More than every kernel buffer on the way holds: NetDrift's writes to the upstream block.
        var chunk = new byte[256 * 1024];
        _ = Task.Run(async () =>
        {
            try
            {
                for (var sent = 0; sent < size; sent += chunk.Length)
                {
                    await client.SendAsync(chunk, SocketFlags.None);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // NetDrift answered and closed while the body still flowed.
            }
        });

        Assert.StartsWith("HTTP/1.1 504", await ReadAnswerAsync(client));
        Assert.Equal(1, proxy.Pool.All[0].Counters.Snapshot(StatsWindow.Lifetime).FailedBy.GetValueOrDefault(FailureCause.Timeout));
    }
}
