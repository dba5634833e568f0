using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using NetDrift.Engine.Http;
using NetDrift.Engine.Tests.TestSupport;

namespace NetDrift.Engine.Tests.Http;

/// <summary>SocketInput.ReadHeadAsync, the one head reader: for client requests, upstream answers and the faulty proxy alike.</summary>
public sealed class SocketInputHeadTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(3);

    private static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);

    private sealed record HeadRead(HeadReadStatus Status, int HeadLength, byte[] Head, byte[] Leftover);

    /// <summary>One head off a fresh input, as an upstream's answer is read (a buffer from the start).</summary>
    private static async Task<HeadRead> ReadHeadAsync(Socket socket, int maxBytes, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var input = new SocketInput(socket);
        var (status, length) = await input.ReadHeadAsync(maxBytes, timeout, cancellationToken, expectSoon: true);
        return status == HeadReadStatus.Complete
            ? new HeadRead(status, length, input.Buffered[..length].ToArray(), input.Buffered[length..].ToArray())
            : new HeadRead(status, 0, [], []);
    }

    [Fact(Timeout = 10_000)]
    public async Task ReadHeadAsync_HeadSplitAcrossDelayedWrites_CompleteWithHeadLengthAndLeftover()
    {
        var (client, server) = await Loopback.CreatePairAsync();
        using (client)
        using (server)
        {
            const string head = "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n";
            var parts = new[] { "CONN", "ECT example.com:443 HTTP/1.1\r", "\nHost: example.com:443\r\n", "\r", "\n\u0016\u0003\u0001TLS" };
            var read = ReadHeadAsync(server, 4096, Generous, CancellationToken.None);
            foreach (var part in parts)
            {
                await client.SendAsync(Bytes(part), SocketFlags.None);
                await Task.Delay(30);
            }

            var received = await read;

            Assert.Equal(HeadReadStatus.Complete, received.Status);
            Assert.Equal(head.Length, received.HeadLength);
            Assert.Equal(head, Encoding.Latin1.GetString(received.Head));
            Assert.Equal(Bytes("\u0016\u0003\u0001TLS"), received.Leftover.ToArray());
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task ReadHeadAsync_ByteByByte_Complete()
    {
        var (client, server) = await Loopback.CreatePairAsync();
        using (client)
        using (server)
        {
            var head = Bytes("GET /stats HTTP/1.1\nHost: x\n\n");
            var read = ReadHeadAsync(server, 4096, Generous, CancellationToken.None);
            foreach (var b in head)
            {
                await client.SendAsync(new[] { b }, SocketFlags.None);
                await Task.Delay(2);
            }

            var received = await read;

            Assert.Equal(HeadReadStatus.Complete, received.Status);
            Assert.Equal(head.Length, received.HeadLength);
            Assert.Empty(received.Leftover);
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task ReadHeadAsync_HeadExactlyAtLimit_Complete()
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

            var received = await ReadHeadAsync(server, limit, Generous, CancellationToken.None);

            Assert.Equal(HeadReadStatus.Complete, received.Status);
            Assert.Equal(limit, received.HeadLength);
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task ReadHeadAsync_NoTerminatorPastLimit_TooLarge()
    {
        var (client, server) = await Loopback.CreatePairAsync();
        using (client)
        using (server)
        {
            await client.SendAsync(Bytes("GET / HTTP/1.1\r\nX-Pad: " + new string('a', 3000)), SocketFlags.None);

            var received = await ReadHeadAsync(server, 1024, Generous, CancellationToken.None);

            Assert.Equal(HeadReadStatus.TooLarge, received.Status);
            Assert.Equal(0, received.HeadLength);
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task ReadHeadAsync_TerminatorOneBytePastLimit_TooLarge()
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

            var received = await ReadHeadAsync(server, limit, Generous, CancellationToken.None);

            Assert.Equal(HeadReadStatus.TooLarge, received.Status);
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task ReadHeadAsync_SilentPeer_TimedOutWithinTimeout()
    {
        var (client, server) = await Loopback.CreatePairAsync();
        using (client)
        using (server)
        {
            var clock = Stopwatch.StartNew();

            var received = await ReadHeadAsync(server, 4096, TimeSpan.FromMilliseconds(300), CancellationToken.None);

            Assert.Equal(HeadReadStatus.TimedOut, received.Status);
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(2));
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task ReadHeadAsync_SlowPartialHead_TimedOutAtDeadlineNotPerRead()
    {
        var (client, server) = await Loopback.CreatePairAsync();
        using (client)
        using (server)
        {
            var clock = Stopwatch.StartNew();
            var read = ReadHeadAsync(server, 4096, TimeSpan.FromMilliseconds(400), CancellationToken.None);
            // A byte every 100 ms would keep a per-read timeout alive forever.
            for (var i = 0; i < 12 && !read.IsCompleted; i++)
            {
                await client.SendAsync(Bytes("G"), SocketFlags.None);
                await Task.Delay(100);
            }

            var received = await read;

            Assert.Equal(HeadReadStatus.TimedOut, received.Status);
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(350), TimeSpan.FromSeconds(2));
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task ReadHeadAsync_PeerClosesImmediately_ClosedBeforeHead()
    {
        var (client, server) = await Loopback.CreatePairAsync();
        using (server)
        {
            client.Dispose();

            var received = await ReadHeadAsync(server, 4096, Generous, CancellationToken.None);

            Assert.Equal(HeadReadStatus.ClosedBeforeHead, received.Status);
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task ReadHeadAsync_PeerClosesMidHead_Truncated()
    {
        var (client, server) = await Loopback.CreatePairAsync();
        using (server)
        {
            await client.SendAsync(Bytes("CONNECT example.com:443 HTTP/1.1\r\nHost: exa"), SocketFlags.None);
            client.Shutdown(SocketShutdown.Send);

            var received = await ReadHeadAsync(server, 4096, Generous, CancellationToken.None);

            Assert.Equal(HeadReadStatus.Truncated, received.Status);
            client.Dispose();
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task ReadHeadAsync_PeerResets_Reset()
    {
        var (client, server) = await Loopback.CreatePairAsync();
        using (server)
        {
            await client.SendAsync(Bytes("GET / HT"), SocketFlags.None);
            await Task.Delay(50);
            Loopback.Reset(client);

            var received = await ReadHeadAsync(server, 4096, Generous, CancellationToken.None);

            Assert.True(received.Status is HeadReadStatus.Reset or HeadReadStatus.Truncated, $"got {received.Status}");
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task ReadHeadAsync_CallerCancels_Throws()
    {
        var (client, server) = await Loopback.CreatePairAsync();
        using (client)
        using (server)
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

            await Assert.ThrowsAnyAsync<OperationCanceledException>(
                async () => await ReadHeadAsync(server, 4096, Generous, cancel.Token));
        }
    }
}
