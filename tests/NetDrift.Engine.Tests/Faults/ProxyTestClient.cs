using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using NetDrift.Engine.Http;

namespace NetDrift.Engine.Tests.Faults;

/// <summary>A raw-socket HTTP proxy client for the faulty-proxy tests: every wait is bounded.</summary>
internal static class ProxyTestClient
{
    /// <summary>The most any single step may take before a test fails instead of hanging.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(2);

    public static async Task<Socket> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = new CancellationTokenSource(Patience);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static string ConnectRequest(int targetPort, string? proxyAuthorization = null) =>
        $"CONNECT 127.0.0.1:{targetPort} HTTP/1.1\r\nHost: 127.0.0.1:{targetPort}\r\n" +
        (proxyAuthorization is null ? "" : $"Proxy-Authorization: {proxyAuthorization}\r\n") + "\r\n";

    public static async Task SendAsync(Socket socket, string text) =>
        await socket.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None);

    /// <summary>Reads and parses a response head (a body behind it is dropped); fails the test if none arrives in time.</summary>
    public static async Task<ResponseHead> ReadHeadAsync(Socket socket)
    {
        using var received = new SocketInput(socket);
        var (status, length) = await received.ReadHeadAsync(16 * 1024, Patience, CancellationToken.None, expectSoon: true);
        Assert.Equal(HeadReadStatus.Complete, status);
        Assert.Equal(HeadParseError.None, HeadParser.TryParseResponse(received.Buffered[..length], 100, out var response));
        return response!;
    }

    /// <summary>Sends a CONNECT and returns the proxy's answer.</summary>
    public static async Task<ResponseHead> ConnectThroughAsync(Socket socket, int targetPort, string? proxyAuthorization = null)
    {
        await SendAsync(socket, ConnectRequest(targetPort, proxyAuthorization));
        return await ReadHeadAsync(socket);
    }

    /// <summary>Opens a tunnel to the target through the proxy and checks the 200.</summary>
    public static async Task<Socket> OpenTunnelAsync(int proxyPort, int targetPort, string? proxyAuthorization = null)
    {
        var socket = await ConnectAsync(proxyPort);
        var head = await ConnectThroughAsync(socket, targetPort, proxyAuthorization);
        Assert.Equal(200, head.StatusCode);
        return socket;
    }

    /// <summary>Sends the bytes and reads exactly as many back: the tunnel works end to end.</summary>
    public static async Task AssertEchoesAsync(Socket tunnel, string text)
    {
        await SendAsync(tunnel, text);
        var back = new byte[text.Length];
        using var timeout = new CancellationTokenSource(Patience);
        var read = 0;
        while (read < back.Length)
        {
            var n = await tunnel.ReceiveAsync(back.AsMemory(read), SocketFlags.None, timeout.Token);
            Assert.True(n > 0, "the tunnel closed before the echo came back");
            read += n;
        }
        Assert.Equal(text, Encoding.ASCII.GetString(back));
    }

    /// <summary>Everything the peer sends until it closes, and whether it ended with a reset.</summary>
    public static async Task<(byte[] Data, bool Reset)> ReadToEndAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var data = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                if (n == 0)
                {
                    return (data.ToArray(), false);
                }
                data.Write(buffer, 0, n);
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return (data.ToArray(), true);
        }
    }

    /// <summary>Time from just before connecting until the answer's head arrived.</summary>
    public static async Task<(ResponseHead Head, TimeSpan Elapsed)> TimeConnectAsync(int proxyPort, int targetPort)
    {
        var clock = Stopwatch.StartNew();
        using var socket = await ConnectAsync(proxyPort);
        var head = await ConnectThroughAsync(socket, targetPort);
        return (head, clock.Elapsed);
    }

    /// <summary>A port nothing listens on (it was free a moment ago).</summary>
    public static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public static string Basic(string user, string password) => new BasicCredentials(user, password).ToHeaderValue();

    /// <summary>Polls a proxy gauge until it settles, failing the test after <see cref="Patience"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Patience, "condition not met in time");
            await Task.Delay(10);
        }
    }
}
