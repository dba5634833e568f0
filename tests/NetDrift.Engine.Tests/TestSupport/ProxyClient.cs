using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using NetDrift.Engine.Http;

namespace NetDrift.Engine.Tests.TestSupport;

/// <summary>
/// The raw-socket HTTP proxy client of the tests: sends request heads and reads answers without
/// over-reading (as text), or parsed by the engine's own reader when a test checks fields; opens
/// and checks tunnels. Any HTTP proxy will do: NetDrift, a faulty proxy, a third-party one.
/// </summary>
internal static class ProxyClient
{
    /// <summary>Connects, sends CONNECT and reads the answer head. The socket is left open for the tunnel.</summary>
    public static async Task<ProxyAnswer> ConnectAsync(int proxyPort, string authority, string? proxyAuthorization = null)
    {
        var socket = await Loopback.ConnectAsync(proxyPort);
        try
        {
            var head = $"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n"
                       + (proxyAuthorization is null ? "" : $"Proxy-Authorization: {proxyAuthorization}\r\n")
                       + "\r\n";
            await Loopback.SendAllAsync(socket, Encoding.Latin1.GetBytes(head));
            var answer = await ReadHeadAsync(socket);
            return new ProxyAnswer(socket, answer);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends raw bytes and reads everything until the proxy closes: for answers NetDrift makes itself.</summary>
    public static async Task<string> SendAndReadAllAsync(int proxyPort, byte[] request, TimeSpan? timeout = null)
    {
        using var socket = await Loopback.ConnectAsync(proxyPort);
        await Loopback.SendAllAsync(socket, request);
        var (data, _) = await Loopback.ReadToEndAsync(socket, timeout);
        return Encoding.Latin1.GetString(data);
    }

    public static Task<string> SendAndReadAllAsync(int proxyPort, string request, TimeSpan? timeout = null) =>
        SendAndReadAllAsync(proxyPort, Encoding.Latin1.GetBytes(request), timeout);

    /// <summary>Reads one byte at a time up to CRLF CRLF, so tunnel bytes after the head stay unread.</summary>
    public static async Task<string> ReadHeadAsync(Socket socket, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Loopback.DefaultTimeout);
        var head = new List<byte>(256);
        var one = new byte[1];
        while (true)
        {
            if (await socket.ReceiveAsync(one, SocketFlags.None, cts.Token) == 0)
            {
                throw new EndOfStreamException("closed before a whole head: " + Encoding.Latin1.GetString(head.ToArray()));
            }
            head.Add(one[0]);
            if (head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n')
            {
                return Encoding.Latin1.GetString(head.ToArray());
            }
        }
    }

    public static string ConnectRequest(int targetPort, string? proxyAuthorization = null) =>
        $"CONNECT 127.0.0.1:{targetPort} HTTP/1.1\r\nHost: 127.0.0.1:{targetPort}\r\n" +
        (proxyAuthorization is null ? "" : $"Proxy-Authorization: {proxyAuthorization}\r\n") + "\r\n";

    /// <summary>Reads and parses a response head (a body behind it is dropped); fails the test if none arrives in time.</summary>
    public static async Task<ResponseHead> ReadResponseAsync(Socket socket)
    {
        using var received = new SocketInput(socket);
        var (status, length) = await received.ReadHeadAsync(16 * 1024, Loopback.DefaultTimeout, CancellationToken.None, expectSoon: true);
        Assert.Equal(HeadReadStatus.Complete, status);
        Assert.Equal(HeadParseError.None, HeadParser.TryParseResponse(received.Buffered[..length], 100, out var response));
        return response!;
    }

    /// <summary>Sends a CONNECT on an open connection and returns the proxy's parsed answer.</summary>
    public static async Task<ResponseHead> ConnectThroughAsync(Socket socket, int targetPort, string? proxyAuthorization = null)
    {
        await Loopback.SendTextAsync(socket, ConnectRequest(targetPort, proxyAuthorization));
        return await ReadResponseAsync(socket);
    }

    /// <summary>Opens a tunnel to a loopback target through the proxy and checks the 200.</summary>
    public static async Task<Socket> OpenTunnelAsync(int proxyPort, int targetPort, string? proxyAuthorization = null)
    {
        var socket = await Loopback.ConnectAsync(proxyPort);
        await Loopback.SendTextAsync(socket, ConnectRequest(targetPort, proxyAuthorization));
        // Byte by byte: a target that speaks first may have its bytes in the same segment as the 200.
        var head = await ReadHeadAsync(socket);
        Assert.StartsWith("HTTP/1.1 200 ", head);
        return socket;
    }

    /// <summary>Sends the text and reads exactly as many bytes back: the tunnel to an echo target works end to end.</summary>
    public static async Task AssertEchoesAsync(Socket tunnel, string text)
    {
        await Loopback.SendTextAsync(tunnel, text);
        Assert.Equal(text, Encoding.ASCII.GetString(await Loopback.ReadExactlyAsync(tunnel, text.Length)));
    }

    /// <summary>Time from just before connecting until the answer's head arrived.</summary>
    public static async Task<(ResponseHead Head, TimeSpan Elapsed)> TimeConnectAsync(int proxyPort, int targetPort)
    {
        var clock = Stopwatch.StartNew();
        using var socket = await Loopback.ConnectAsync(proxyPort);
        var head = await ConnectThroughAsync(socket, targetPort);
        return (head, clock.Elapsed);
    }

    /// <summary>The status code of a response text (0 when there is none).</summary>
    public static int StatusOf(string response) =>
        response.Length >= 12 && response.StartsWith("HTTP/1.", StringComparison.Ordinal) && int.TryParse(response.AsSpan(9, 3), out var status)
            ? status
            : 0;

    public static string Basic(string user, string password) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
}

/// <summary>A proxy's answer to CONNECT, with the socket to relay on when it said 200.</summary>
internal sealed class ProxyAnswer : IDisposable
{
    public ProxyAnswer(Socket socket, string head)
    {
        Socket = socket;
        Head = head;
        Status = ProxyClient.StatusOf(head);
    }

    public Socket Socket { get; }

    public string Head { get; }

    public int Status { get; }

    public void Dispose() => Socket.Dispose();
}
