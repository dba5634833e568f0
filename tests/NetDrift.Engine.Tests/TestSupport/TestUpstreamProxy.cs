using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NetDrift.Engine.Tests.TestSupport;

/// <summary>
/// A minimal upstream HTTP proxy for tests. <see cref="UpstreamBehavior.Tunnel"/> answers CONNECT
/// with <c>HTTP/1.1 200 OK</c> and relays to the target (half-close honoured), and answers a plain
/// request with what it received;
/// <see cref="UpstreamBehavior.Silent"/> accepts and never answers. Records every request head.
/// </summary>
internal sealed class TestUpstreamProxy : LoopbackServer
{
    private readonly UpstreamBehavior _behavior;
    private readonly ConcurrentQueue<string> _heads = new();

    private TestUpstreamProxy(UpstreamBehavior behavior) => _behavior = behavior;

    public static TestUpstreamProxy Start(UpstreamBehavior behavior = UpstreamBehavior.Tunnel) => new(behavior);

    public string Url => $"http://127.0.0.1:{Port}";

    public string Name => $"127.0.0.1:{Port}";

    /// <summary>Every request head received, in arrival order, as Latin-1 text.</summary>
    public IReadOnlyList<string> Heads => _heads.ToArray();

    /// <summary>The values of every Proxy-Authorization line in every head received.</summary>
    public IReadOnlyList<string> ProxyAuthorizations => Heads.SelectMany(h => HeaderValues(h, "Proxy-Authorization")).ToArray();

    public static IEnumerable<string> HeaderValues(string head, string name) =>
        head.Split("\r\n").Skip(1)
            .Where(line => line.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
            .Select(line => line[(name.Length + 1)..].Trim());

    protected override async Task HandleAsync(Socket socket)
    {
        if (_behavior == UpstreamBehavior.Silent)
        {
            await Task.Delay(Timeout.Infinite, Stopping);
            return;
        }
        var head = await ReadHeadAsync(socket);
        if (head is null)
        {
            return;
        }
        _heads.Enqueue(head);
        var requestLine = head[..head.IndexOf("\r\n", StringComparison.Ordinal)].Split(' ');
        if (requestLine.Length != 3)
        {
            await socket.SendAsync("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"u8.ToArray(), SocketFlags.None);
            return;
        }
        if (requestLine[0] != "CONNECT")
        {
            await AnswerPlainAsync(socket, head);
            return;
        }
        var authority = requestLine[1];
        var colon = authority.LastIndexOf(':');
        using var target = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Stopping);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await target.ConnectAsync(new DnsEndPoint(authority[..colon].Trim('[', ']'), int.Parse(authority[(colon + 1)..])), timeout.Token);
        }
        catch (SocketException)
        {
            await socket.SendAsync("HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n"u8.ToArray(), SocketFlags.None);
            return;
        }
        await socket.SendAsync("HTTP/1.1 200 OK\r\n\r\n"u8.ToArray(), SocketFlags.None);
        await Task.WhenAll(PumpAsync(socket, target), PumpAsync(target, socket));
    }

    /// <summary>
    /// Plain HTTP: answers 200 with the request head and body it received as the body (so tests can
    /// see what was forwarded), adding a hop-by-hop header the proxy must drop, then closes.
    /// </summary>
    private async Task AnswerPlainAsync(Socket socket, string head)
    {
        var length = HeaderValues(head, "Content-Length").Select(int.Parse).FirstOrDefault();
        var body = length > 0 ? await Loopback.ReadExactlyAsync(socket, length) : [];
        var echo = Encoding.Latin1.GetBytes(head).Concat(body).ToArray();
        var answer = $"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nKeep-Alive: timeout=5\r\nX-Upstream-Port: {Port}\r\nContent-Length: {echo.Length}\r\n\r\n";
        await socket.SendAsync(Encoding.Latin1.GetBytes(answer), SocketFlags.None);
        await socket.SendAsync(echo, SocketFlags.None);
        socket.Shutdown(SocketShutdown.Send);
        using var linger = CancellationTokenSource.CreateLinkedTokenSource(Stopping);
        linger.CancelAfter(TimeSpan.FromSeconds(5));
        var sink = new byte[1024];
        while (await socket.ReceiveAsync(sink, SocketFlags.None, linger.Token) > 0)
        {
        }
    }

    /// <summary>Reads byte by byte up to the blank line so no tunnel byte is consumed; null on EOF.</summary>
    private async Task<string?> ReadHeadAsync(Socket socket)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Stopping);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        var head = new List<byte>(256);
        var one = new byte[1];
        while (head.Count < 64 * 1024)
        {
            if (await socket.ReceiveAsync(one, SocketFlags.None, timeout.Token) == 0)
            {
                return null;
            }
            head.Add(one[0]);
            if (head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n')
            {
                return Encoding.Latin1.GetString(head.ToArray());
            }
        }
        return null;
    }
}

internal enum UpstreamBehavior
{
    /// <summary>Answers CONNECT with 200 and relays.</summary>
    Tunnel,
    /// <summary>Accepts, reads nothing, answers nothing.</summary>
    Silent,
}
