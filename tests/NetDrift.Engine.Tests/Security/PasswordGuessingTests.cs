using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using NetDrift.Engine.Security;
using NetDrift.Engine.Server;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Security;

/// <summary>
/// Guessing passwords against a hashed-password config (the cost the README recommends): the
/// proxy keeps serving, guesses in parallel are slowed like guesses in a row, and the time to
/// answer does not tell known names from unknown ones. Alone in its collection: derivations share
/// the process's verifier threads, so other tests' logins would skew the timings.
/// </summary>
[Collection(PasswordGuessingCollection.Name)]
public sealed class PasswordGuessingTests
{
    private static readonly string AliceHash = PasswordHash.Create("Alice-Pw1");

    private static string Users(string hash) => $$"""
        "authentication": { "enabled": true, "users": [ { "username": "alice", "password": "{{hash}}" } ] },
        """;

    [Fact(Timeout = 60_000)]
    public async Task SixParallelWrongStatsLogins_HealthzStaysUnder50Ms()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users(AliceHash));
        await PollHealthzAsync(proxy.Port);

        var storm = Task.WhenAll(Enumerable.Range(0, 6).Select(i => ProxyClient.SendAndReadAllAsync(proxy.Port,
            $"GET /stats HTTP/1.1\r\nHost: x\r\nAuthorization: {ProxyClient.Basic("alice", "wrong" + i)}\r\n\r\n",
            TimeSpan.FromSeconds(30))));
        // Polls start every 10 ms, each on its own, as a load balancer's checks would: a stall of
        // the proxy slows every poll started during it. A sample is the median of five polls
        // started in a row, so one poll stalled by the rest of a busy machine (other test runs
        // share the 2 cores) does not count; a stall of the proxy longer than a few polls does.
        var polls = new List<Task<double>>();
        while (!storm.IsCompleted && polls.Count < 1000)
        {
            polls.Add(PollHealthzAsync(proxy.Port));
            await Task.Delay(10);
        }
        var latencies = await Task.WhenAll(polls);
        var samples = latencies.Chunk(5).Where(c => c.Length == 5).Select(c => c.Order().ElementAt(2)).ToList();
        var answers = await storm;

        // The storm really ran: polls kept coming while the wrong logins were being checked.
        Assert.True(samples.Count >= 20, $"only {samples.Count} samples during the storm");
        Assert.All(answers, a => Assert.Equal(401, ProxyClient.StatusOf(a)));
        Assert.Equal(6, proxy.Counters.AuthFailures);
        samples.Sort();
        var spread = $"median {samples[samples.Count / 2]:F1}, p90 {samples[samples.Count * 9 / 10]:F1}, max {samples[^1]:F1} ms over {samples.Count} samples";
        Assert.True(samples[samples.Count / 2] < 50, spread);
        Assert.True(samples[^1] < 50, spread);
    }

    [Fact(Timeout = 30_000)]
    public async Task SixParallelWrongLogins_ProxyAndStats_WaitOneAfterAnother()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users("plain-Pw1"));
        var watch = Stopwatch.StartNew();

        var guesses = Enumerable.Range(0, 6).Select(i => TimeAnswerAsync(watch, proxy.Port, i % 2 == 0
            ? $"GET /stats HTTP/1.1\r\nHost: x\r\nAuthorization: {ProxyClient.Basic("alice", "wrong" + i)}\r\n\r\n"
            : $"CONNECT 127.0.0.1:9 HTTP/1.1\r\nHost: 127.0.0.1:9\r\nProxy-Authorization: {ProxyClient.Basic("alice", "wrong" + i)}\r\nConnection: close\r\n\r\n"));
        var answered = await Task.WhenAll(guesses);

        // In a row, the delays are 50, 100, 200, 400, 800 and 1600 ms: 3.15 s in all. Checked side
        // by side, as before, the last would be answered after its own 1.6 s.
        Assert.Equal(6, proxy.Counters.AuthFailures);
        Assert.Equal(6, proxy.AuthThrottle.Delayed);
        Assert.True(answered.Max() >= TimeSpan.FromMilliseconds(3000), $"last answer after {answered.Max().TotalMilliseconds:F0} ms");
    }

    [Fact(Timeout = 60_000)]
    public async Task WrongPassword_KnownAndUnknownNames_TakeComparableTimes()
    {
        await using var upstream = TestUpstreamProxy.Start();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), Users(AliceHash));
        var known = new List<double>();
        var unknown = new List<double>();

        // Each guess from its own loopback address, so no throttle delay grows between samples.
        for (var i = 0; i < 8; i++)
        {
            var name = i % 2 == 0 ? "alice" : "mallory";
            var from = IPAddress.Parse($"127.0.0.{20 + i}");
            var watch = Stopwatch.StartNew();
            var answer = await SendFromAsync(from, proxy.Port,
                $"CONNECT 127.0.0.1:9 HTTP/1.1\r\nHost: 127.0.0.1:9\r\nProxy-Authorization: {ProxyClient.Basic(name, "wrong")}\r\nConnection: close\r\n\r\n");
            (i % 2 == 0 ? known : unknown).Add(watch.Elapsed.TotalMilliseconds);
            Assert.Equal(407, ProxyClient.StatusOf(answer));
        }

        var knownMedian = Median(known);
        var unknownMedian = Median(unknown);
        var ratio = Math.Max(knownMedian, unknownMedian) / Math.Min(knownMedian, unknownMedian);
        Assert.True(ratio < 3, $"known {knownMedian:F0} ms, unknown {unknownMedian:F0} ms (medians of 4)");
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return (values[(values.Count - 1) / 2] + values[values.Count / 2]) / 2;
    }

    private static async Task<TimeSpan> TimeAnswerAsync(Stopwatch watch, int port, string request)
    {
        await ProxyClient.SendAndReadAllAsync(port, request, TimeSpan.FromSeconds(20));
        return watch.Elapsed;
    }

    /// <summary>Sends from one of the 127/8 addresses Linux answers on loopback, reads until the proxy closes.</summary>
    private static async Task<string> SendFromAsync(IPAddress from, int port, string request)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Bind(new IPEndPoint(from, 0));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        await Loopback.SendAllAsync(socket, Encoding.ASCII.GetBytes(request));
        var (data, _) = await Loopback.ReadToEndAsync(socket, TimeSpan.FromSeconds(20));
        return Encoding.Latin1.GetString(data);
    }

    /// <summary>One /healthz on a new connection; its time in milliseconds.</summary>
    private static async Task<double> PollHealthzAsync(int port)
    {
        var watch = Stopwatch.StartNew();
        var answer = await ProxyClient.SendAndReadAllAsync(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        var elapsed = watch.Elapsed.TotalMilliseconds;
        Assert.Equal(200, ProxyClient.StatusOf(answer));
        return elapsed;
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PasswordGuessingCollection
{
    public const string Name = "Password guessing (process-wide verifier threads)";
}
