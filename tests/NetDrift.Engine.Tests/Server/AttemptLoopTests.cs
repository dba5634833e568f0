using System.Text;
using NetDrift.Engine.Http;
using NetDrift.Engine.Server;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Server;

/// <summary>
/// The attempt loop's bookkeeping on its own, without traffic: which upstream comes next, how each
/// outcome is counted and blamed (CONTRACT §7), and what the client hears when all failed.
/// The upstreams point at closed ports; nothing is dialed.
/// </summary>
public sealed class AttemptLoopTests : IAsyncLifetime
{
    private readonly List<IDisposable> _owned = [];
    private ProxyServer _proxy = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _owned.ForEach(d => d.Dispose());
        await _proxy.DisposeAsync();
    }

    private ProxyServer Start(int upstreams, string extra = "")
    {
        var list = string.Join(",", Enumerable.Range(0, upstreams).Select(_ => TestProxies.Upstream($"http://127.0.0.1:{Loopback.ClosedPort()}")));
        _proxy = TestProxies.Start(list, """ "load_balancing": "round-robin", "health_check": { "failure_threshold": 1 }, """ + extra);
        return _proxy;
    }

    private AttemptLoop Loop() => new(_proxy.Context, new ClientIdentity("127.0.0.1", null), "target.example:443");

    private static AttemptResult Failure(FailureCause cause) => AttemptResult.Failed(cause, "test", TimeSpan.FromMilliseconds(1));

    /// <summary>An upstream's answer to CONNECT with <paramref name="status"/>, on a real connection.</summary>
    private async Task<AttemptResult> AnswerAsync(int status)
    {
        var (client, server) = await Loopback.CreatePairAsync();
        _owned.Add(server);
        var head = Encoding.ASCII.GetBytes($"HTTP/1.1 {status} Whatever\r\n\r\n");
        Assert.Equal(HeadParseError.None, HeadParser.TryParseResponse(head, HeadParser.DefaultMaxHeaderCount, out var response));
        var result = AttemptResult.Success(new UpstreamConnection(client, new SocketInput(client), "v"), response!, TimeSpan.FromMilliseconds(1));
        _owned.Add(result);
        return result;
    }

    private static int StatusOf(byte[] answer) => ProxyClient.StatusOf(Encoding.ASCII.GetString(answer));

    private ClientConnection Client()
    {
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        _owned.Add(socket);
        return new ClientConnection(1, socket);
    }

    [Fact]
    public void Next_NeverRepeatsAnUpstream_AndStopsAfterOnePlusRetries()
    {
        Start(upstreams: 4, """ "retries": 2, """);
        var loop = Loop();

        var picked = new List<Upstream>();
        while (loop.Next() is { } upstream)
        {
            picked.Add(upstream);
            Assert.Equal(1, upstream.Counters.ActiveConnections);
            loop.Failed(upstream, Failure(FailureCause.Refused));
        }

        Assert.Equal(3, picked.Count);
        Assert.Equal(3, picked.Distinct().Count());
        Assert.All(picked, u => Assert.Equal(0, u.Counters.ActiveConnections));
        Assert.Equal(502, StatusOf(loop.FinalAnswer(Client())));
    }

    [Fact]
    public void UpstreamFailure_IsCountedWithItsCause_AndBlamed()
    {
        Start(upstreams: 2);
        var loop = Loop();
        var first = loop.Next()!;

        loop.Failed(first, Failure(FailureCause.Reset));

        var row = first.Counters.Snapshot(StatsWindow.Lifetime);
        Assert.Equal(1, row.Failed);
        Assert.Equal(1, row.FailedBy[FailureCause.Reset]);
        Assert.Equal(UpstreamHealth.Unhealthy, first.Health);
    }

    [Theory]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task TargetFailures_NotBlamed_StopAfterRetriesOnTargetError_ClientHearsTheUpstreamsStatus(int status)
    {
        Start(upstreams: 3, """ "retries": 2, "retries_on_target_error": 1, """);
        var loop = Loop();

        var tried = 0;
        while (loop.Next() is { } upstream)
        {
            tried++;
            loop.Failed(upstream, await AnswerAsync(status));
        }

        Assert.Equal(2, tried);
        Assert.All(_proxy.Pool.All, u => Assert.NotEqual(UpstreamHealth.Unhealthy, u.Health));
        Assert.Equal(2, _proxy.Pool.All.Sum(u => u.Counters.Snapshot(StatsWindow.Lifetime).FailedBy.GetValueOrDefault(FailureCause.TargetUnreachable)));
        Assert.Equal(status, StatusOf(loop.FinalAnswer(Client())));
    }

    [Fact]
    public async Task TargetFailure_ThenAnotherUpstreamReachesTheTarget_TheFirstIsBlamed()
    {
        Start(upstreams: 2);
        var loop = Loop();
        var liar = loop.Next()!;
        loop.Failed(liar, await AnswerAsync(502));
        Assert.NotEqual(UpstreamHealth.Unhealthy, liar.Health);

        var honest = loop.Next()!;
        loop.Succeeded(honest, TimeSpan.FromMilliseconds(2));

        Assert.Equal(UpstreamHealth.Unhealthy, liar.Health);
        Assert.Equal(UpstreamHealth.Healthy, honest.Health);
    }

    [Theory]
    [InlineData(FailureCause.Timeout, 504)]
    [InlineData(FailureCause.Refused, 502)]
    [InlineData(FailureCause.Protocol, 502)]
    public void FinalAnswer_FollowsTheLastFailure(FailureCause last, int status)
    {
        Start(upstreams: 2, """ "retries": 1, """);
        var loop = Loop();
        loop.Failed(loop.Next()!, Failure(FailureCause.Reset));
        loop.Failed(loop.Next()!, Failure(last));

        Assert.Null(loop.Next());
        Assert.Equal(status, StatusOf(loop.FinalAnswer(Client())));
    }

    [Fact]
    public void NothingToTry_Is503()
    {
        Start(upstreams: 1);
        _proxy.SetUpstream(_proxy.Pool.All[0].Name, enabled: false);
        var loop = Loop();

        Assert.Null(loop.Next());
        Assert.Equal(503, StatusOf(loop.FinalAnswer(Client())));
    }

    [Fact]
    public void Abandon_ReleasesTheSlot_CountsCancelled_BlamesNobody()
    {
        Start(upstreams: 1);
        var loop = Loop();
        var upstream = loop.Next()!;

        loop.Abandon(upstream, "the client went away");

        Assert.Equal(0, upstream.Counters.ActiveConnections);
        Assert.Equal(1, upstream.Counters.Snapshot(StatsWindow.Lifetime).FailedBy[FailureCause.Cancelled]);
        Assert.NotEqual(UpstreamHealth.Unhealthy, upstream.Health);
    }
}
