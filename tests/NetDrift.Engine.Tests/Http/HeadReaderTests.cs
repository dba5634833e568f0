using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using NetDrift.Engine.Http;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Http;

public sealed class HeadReaderTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(3);

    private static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);

    [Fact(Timeout = 10_000)]
    public async Task ReadAsync_HeadSplitAcrossDelayedWrites_CompleteWithHeadLengthAndLeftover()
    {
        var (client, server) = await Loopback.CreatePairAsync();
        using (client)
        using (server)
        {
            const string head = "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n";
            var parts = new[] { "CONN", "ECT example.com:443 HTTP/1.1\r", "\nHost: example.com:443\r\n", "\r", "\n\u0016\u0003\u0001TLS" };
            var read = HeadReader.ReadAsync(server, 4096, Generous, CancellationToken.None).AsTask();
            foreach (var part in parts)
            {
                await client.SendAsync(Bytes(part), SocketFlags.None);
                await Task.Delay(30);
            }

            using var received = await read;

            Assert.Equal(HeadReadStatus.Complete, received.Status);
            Assert.Equal(head.Length, received.HeadLength);
            Assert.Equal(head, Encoding.Latin1.GetString(received.Head));
            Assert.Equal(Bytes("\u0016\u0003\u0001TLS"), received.Leftover.ToArray());
            Assert.Equal(head.Length + 6, received.DataLength);
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task ReadAsync_ByteByByte_Complete()
    {
        var (client, server) = await Loopback.CreatePairAsync();
        using (client)
        using (server)
        {
            var head = Bytes("GET /stats HTTP/1.1\nHost: x\n\n");
            var read = HeadReader.ReadAsync(server, 4096, Generous, CancellationToken.None).AsTask();
            foreach (var b in head)
            {
                await client.SendAsync(new[] { b }, SocketFlags.None);
                await Task.Delay(2);
            }

            using var received = await read;

            Assert.Equal(HeadReadStatus.Complete, received.Status);
            Assert.Equal(head.Length, received.HeadLength);
            Assert.True(received.Leftover.IsEmpty);
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task ReadAsync_HeadExactlyAtLimit_Complete()
    {
        var (client, server) = await Loopback.CreatePairAsync();
        using (client)
        using (server)
        {
            const int limit = 1024;
            var prefix = "GET / HTTP/1.1\r\nX-Pad: ";
            var head = prefix + new string('a', limit - prefix.Length - 4) + "\r\n\r\n";
            Assert.Equal(limit, head.Length);
            await client.SendAsync(Bytes(head + "after"), SocketFlags.None);

            using var received = await HeadReader.ReadAsync(server, limit, Generous, CancellationToken.None);

            Assert.Equal(HeadReadStatus.Complete, received.Status);
            Assert.Equal(limit, received.HeadLength);
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task ReadAsync_NoTerminatorPastLimit_TooLarge()
    {
        var (client, server) = await Loopback.CreatePairAsync();
        using (client)
        using (server)
        {
            await client.SendAsync(Bytes("GET / HTTP/1.1\r\nX-Pad: " + new string('a', 3000)), SocketFlags.None);

            using var received = await HeadReader.ReadAsync(server, 1024, Generous, CancellationToken.None);

            Assert.Equal(HeadReadStatus.TooLarge, received.Status);
            Assert.Equal(0, received.HeadLength);
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task ReadAsync_TerminatorOneBytePastLimit_TooLarge()
    {
        var (client, server) = await Loopback.CreatePairAsync();
        using (client)
        using (server)
        {
            const int limit = 1024;
            var prefix = "GET / HTTP/1.1\r\nX-Pad: ";
            var head = prefix + new string('a', limit - prefix.Length - 3) + "\r\n\r\n";
            Assert.Equal(limit + 1, head.Length);
            await client.SendAsync(Bytes(head), SocketFlags.None);

            using var received = await HeadReader.ReadAsync(server, limit, Generous, CancellationToken.None);

            Assert.Equal(HeadReadStatus.TooLarge, received.Status);
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task ReadAsync_SilentPeer_TimedOutWithinTimeout()
    {
        var (client, server) = await Loopback.CreatePairAsync();
        using (client)
        using (server)
        {
            var clock = Stopwatch.StartNew();

            using var received = await HeadReader.ReadAsync(server, 4096, TimeSpan.FromMilliseconds(300), CancellationToken.None);

            Assert.Equal(HeadReadStatus.TimedOut, received.Status);
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(2));
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task ReadAsync_SlowPartialHead_TimedOutAtDeadlineNotPerRead()
    {
        var (client, server) = await Loopback.CreatePairAsync();
        using (client)
        using (server)
        {
            var clock = Stopwatch.StartNew();
            var read = HeadReader.ReadAsync(server, 4096, TimeSpan.FromMilliseconds(400), CancellationToken.None).AsTask();
            // A byte every 100 ms would keep a per-read timeout alive forever.
            for (var i = 0; i < 12 && !read.IsCompleted; i++)
            {
                await client.SendAsync(Bytes("G"), SocketFlags.None);
                await Task.Delay(100);
            }

            using var received = await read;

            Assert.Equal(HeadReadStatus.TimedOut, received.Status);
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(350), TimeSpan.FromSeconds(2));
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task ReadAsync_PeerClosesImmediately_ClosedBeforeHead()
    {
        var (client, server) = await Loopback.CreatePairAsync();
        using (server)
        {
            client.Dispose();

            using var received = await HeadReader.ReadAsync(server, 4096, Generous, CancellationToken.None);

            Assert.Equal(HeadReadStatus.ClosedBeforeHead, received.Status);
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task ReadAsync_PeerClosesMidHead_Truncated()
    {
        var (client, server) = await Loopback.CreatePairAsync();
        using (server)
        {
            await client.SendAsync(Bytes("CONNECT example.com:443 HTTP/1.1\r\nHost: exa"), SocketFlags.None);
            client.Shutdown(SocketShutdown.Send);

            using var received = await HeadReader.ReadAsync(server, 4096, Generous, CancellationToken.None);

            Assert.Equal(HeadReadStatus.Truncated, received.Status);
            client.Dispose();
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task ReadAsync_PeerResets_Reset()
    {
        var (client, server) = await Loopback.CreatePairAsync();
        using (server)
        {
            await client.SendAsync(Bytes("GET / HT"), SocketFlags.None);
            await Task.Delay(50);
            Loopback.Reset(client);

            using var received = await HeadReader.ReadAsync(server, 4096, Generous, CancellationToken.None);

            Assert.True(received.Status is HeadReadStatus.Reset or HeadReadStatus.Truncated, $"got {received.Status}");
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task ReadAsync_CallerCancels_Throws()
    {
        var (client, server) = await Loopback.CreatePairAsync();
        using (client)
        using (server)
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

            await Assert.ThrowsAnyAsync<OperationCanceledException>(
                async () => (await HeadReader.ReadAsync(server, 4096, Generous, cancel.Token)).Dispose());
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task ReadAsync_DisposeTwice_IsHarmless()
    {
        var (client, server) = await Loopback.CreatePairAsync();
        using (client)
        using (server)
        {
            await client.SendAsync(Bytes("GET / HTTP/1.1\r\n\r\n"), SocketFlags.None);
            var received = await HeadReader.ReadAsync(server, 4096, Generous, CancellationToken.None);

            received.Dispose();
            received.Dispose();

            Assert.Equal(HeadReadStatus.Complete, received.Status);
        }
    }
}
