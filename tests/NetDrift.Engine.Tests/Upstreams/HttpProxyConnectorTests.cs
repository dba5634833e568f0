using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Tests.TestSupport;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Upstreams;

/// <summary>The http:// connector against a scripted upstream on loopback: what it sends, how each answer comes back.</summary>
public sealed class HttpProxyConnectorTests
{
    private const int MaxHeaderBytes = 16 * 1024;
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(5);

    internal static UpstreamConfig Config(string url)
    {
        Assert.True(UpstreamAddress.TryParse(url, out var address, out var error), error);
        return new UpstreamConfig { Url = address!, Name = address!.Authority };
    }

    /// <summary>A listener that accepts one connection, reads one head, then sends <paramref name="answer"/> (null: stays silent).</summary>
    private sealed class OneShotUpstream : IDisposable
    {
        private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        public OneShotUpstream(string? answer)
        {
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(4);
            Head = ServeAsync(answer);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

        /// <summary>The head received.</summary>
        public Task<string> Head { get; }

        private async Task<string> ServeAsync(string? answer)
        {
            using var cancel = new CancellationTokenSource(Generous);
            var socket = await _listener.AcceptAsync(cancel.Token);
            var received = new StringBuilder();
            var buffer = new byte[4096];
            while (!received.ToString().Contains("\r\n\r\n"))
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token);
                if (read == 0)
                {
                    break;
                }
                received.Append(Encoding.Latin1.GetString(buffer, 0, read));
            }
            if (answer is not null)
            {
                await Loopback.SendAllAsync(socket, Encoding.Latin1.GetBytes(answer));
            }
            _ = Task.Delay(Generous).ContinueWith(_ => socket.Dispose());
            return received.ToString();
        }

        public void Dispose() => _listener.Dispose();
    }

    private static HttpProxyConnector Connector(UpstreamTcpDialer? dialer = null) => new(dialer ?? new UpstreamTcpDialer());

    [Fact(Timeout = 15_000)]
    public async Task OpenTunnelAsync_Answered_SendsConnectWithTheUpstreamsCredentialsAndKeepsBytesAfterTheHead()
    {
        using var upstream = new OneShotUpstream("HTTP/1.1 200 Connection established\r\n\r\nEARLY");
        var config = Config($"http://corp:secret@127.0.0.1:{upstream.Port}");

        using var result = await Connector().OpenTunnelAsync(config, "example.test:443", UpstreamDeadline.StartingNow(Generous), MaxHeaderBytes, CancellationToken.None);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(200, result.Response!.StatusCode);
        var head = await upstream.Head;
        Assert.StartsWith("CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n", head);
        Assert.Contains("\r\nProxy-Authorization: Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("corp:secret")) + "\r\n", head);
        var input = result.Connection!.Input;
        for (var reads = 0; reads < 5 && input.BufferedCount < "EARLY".Length; reads++)
        {
            // The answer and the bytes after it may have come in more than one segment.
            await input.FillAsync(MaxHeaderBytes, new CancellationTokenSource(Generous).Token);
        }
        Assert.Equal("EARLY", Encoding.Latin1.GetString(input.Buffered));
    }

    [Fact(Timeout = 15_000)]
    public async Task SendAndReadAnswerAsync_NotHttp_ProtocolFailure()
    {
        using var upstream = new OneShotUpstream("SSH-2.0-OpenSSH_9.6\r\n\r\n");

        using var result = await Connector().SendAndReadAnswerAsync(Config($"http://127.0.0.1:{upstream.Port}"),
            Encoding.Latin1.GetBytes("GET http://example.test/ HTTP/1.1\r\nHost: example.test\r\n\r\n"), UpstreamDeadline.StartingNow(Generous), MaxHeaderBytes, CancellationToken.None);

        Assert.Equal(FailureCause.Protocol, result.Failure);
        Assert.Null(result.Connection);
    }

    [Fact(Timeout = 15_000)]
    public async Task OpenTunnelAsync_SilentUpstream_TimesOutWithinTheOneDeadline()
    {
        using var upstream = new OneShotUpstream(answer: null);
        var clock = Stopwatch.StartNew();

        using var result = await Connector().OpenTunnelAsync(Config($"http://127.0.0.1:{upstream.Port}"), "example.test:443",
            UpstreamDeadline.StartingNow(TimeSpan.FromMilliseconds(300)), MaxHeaderBytes, CancellationToken.None);

        Assert.Equal(FailureCause.Timeout, result.Failure);
        Assert.Equal("no answer within 0.3s", result.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(4));
    }

    [Fact(Timeout = 15_000)]
    public async Task ConnectAsync_ClosedPort_RefusedWithTheSocketError()
    {
        var dial = await Connector().ConnectAsync(Config($"http://127.0.0.1:{Loopback.ClosedPort()}"), UpstreamDeadline.StartingNow(Generous), CancellationToken.None);

        Assert.Null(dial.Connection);
        Assert.Equal(FailureCause.Refused, dial.Failure);
        Assert.Equal("connect failed: ConnectionRefused", dial.Message);
        Assert.Equal("ConnectionRefused", dial.Detail);
    }

    [Fact(Timeout = 15_000)]
    public async Task OpenTunnelAsync_SocketFactoryThrows_LocalFailureThatBlamesNoCause()
    {
        var dialer = new UpstreamTcpDialer { SocketFactory = _ => throw new SocketException((int)SocketError.TooManyOpenSockets) };

        using var result = await Connector(dialer).OpenTunnelAsync(Config("http://127.0.0.1:9"), "example.test:443",
            UpstreamDeadline.StartingNow(Generous), MaxHeaderBytes, CancellationToken.None);

        Assert.True(result.IsLocalFailure);
        Assert.False(result.Succeeded);
        Assert.Null(result.Failure);
    }

    [Fact(Timeout = 15_000)]
    public async Task OpenTunnelAsync_StoppingCancelled_Throws()
    {
        using var upstream = new OneShotUpstream(answer: null);
        using var stopping = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Connector().OpenTunnelAsync(Config($"http://127.0.0.1:{upstream.Port}"),
            "example.test:443", UpstreamDeadline.StartingNow(Generous), MaxHeaderBytes, stopping.Token));
    }
}
