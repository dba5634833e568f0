using System.Net.Sockets;
using System.Text;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Server;

/// <summary>
/// A target that speaks first (SSH, SMTP): its banner reaches NetDrift in the same read as the
/// upstream's 200. It is the tunnel's first bytes for the client, right after the answer, and
/// counted as received, for CONNECT and SOCKS5 clients alike.
/// </summary>
public sealed class UpstreamEarlyDataTests
{
    private const string Banner = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";

    [Theory(Timeout = 15_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Connect_BannerInTheUpstreamsAnswer_FollowsThe200ThenTheTunnelEchoes(bool exposeUpstream)
    {
        await using var upstream = new BannerUpstream();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url), exposeUpstream ? """ "expose_upstream": true, """ : "");

        using var tunnel = await ProxyClient.ConnectAsync(proxy.Port, "ssh.example.test:22");

        Assert.Equal(200, tunnel.Status);
        Assert.Equal(exposeUpstream, tunnel.Head.Contains("X-NetDrift-Upstream: "));
        Assert.Equal(Banner, Encoding.ASCII.GetString(await Loopback.ReadExactlyAsync(tunnel.Socket, Banner.Length)));
        await ProxyClient.AssertEchoesAsync(tunnel.Socket, "after the banner");
        await AssertReceivedCountedAsync(proxy, Banner.Length + "after the banner".Length);
    }

    [Fact(Timeout = 15_000)]
    public async Task Socks5_BannerInTheUpstreamsAnswer_FollowsTheReply()
    {
        await using var upstream = new BannerUpstream();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));

        using var socks = await Socks5TestClient.RunAsync(proxy.Port, Socks5TestClient.Connect("ssh.example.test", 22));

        Assert.Equal((byte)0x00, socks.Reply);
        Assert.Equal(Banner, Encoding.ASCII.GetString(await Loopback.ReadExactlyAsync(socks.Socket, Banner.Length)));
        await ProxyClient.AssertEchoesAsync(socks.Socket, "socks5 after the banner");
        await AssertReceivedCountedAsync(proxy, Banner.Length + "socks5 after the banner".Length);
    }

    [Fact(Timeout = 15_000)]
    public async Task Connect_BannerAndEagerClientBytes_EachReachTheOtherSide()
    {
        await using var upstream = new BannerUpstream();
        await using var proxy = TestProxies.Start(TestProxies.Upstream(upstream.Url));
        using var client = await Loopback.ConnectAsync(proxy.Port);

        // The client does not wait for the 200: its first tunnel bytes ride with the CONNECT.
        await Loopback.SendTextAsync(client, "CONNECT ssh.example.test:22 HTTP/1.1\r\nHost: ssh.example.test:22\r\n\r\nSSH-2.0-client\r\n");

        Assert.Equal(200, ProxyClient.StatusOf(await ProxyClient.ReadHeadAsync(client)));
        Assert.Equal(Banner, Encoding.ASCII.GetString(await Loopback.ReadExactlyAsync(client, Banner.Length)));
        Assert.Equal("SSH-2.0-client\r\n", Encoding.ASCII.GetString(await Loopback.ReadExactlyAsync(client, "SSH-2.0-client\r\n".Length)));
    }

    private static async Task AssertReceivedCountedAsync(NetDrift.Engine.Server.ProxyServer proxy, int bytes)
    {
        var counters = proxy.Pool.All[0].Counters;
        Assert.True(await Loopback.WaitUntilAsync(() => counters.BytesReceived >= bytes), $"received {counters.BytesReceived} bytes, expected {bytes}");
        Assert.Equal(bytes, counters.BytesReceived);
    }

    /// <summary>An HTTP upstream whose target speaks first: the 200 and the banner in one write, then an echo.</summary>
    private sealed class BannerUpstream : LoopbackServer
    {
        public string Url => $"http://127.0.0.1:{Port}";

        protected override async Task HandleAsync(Socket socket)
        {
            await ProxyClient.ReadHeadAsync(socket);
            await Loopback.SendTextAsync(socket, "HTTP/1.1 200 Connection established\r\n\r\n" + Banner);
            var buffer = new byte[4096];
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, Stopping)) > 0)
            {
                await Loopback.SendAllAsync(socket, buffer.AsMemory(0, read));
            }
        }
    }
}
