using System.Net.Sockets;

namespace NetDrift.Engine.Tests.TestSupport;

/// <summary>
/// The far end of a tunnel. Echo mode sends back every byte and honours half-close (after the
/// peer's EOF it finishes echoing, then sends its own FIN). Greeting mode sends fixed bytes and
/// closes its sending side first.
/// </summary>
internal sealed class TcpTargetServer : LoopbackServer
{
    private readonly byte[]? _greeting;

    private TcpTargetServer(byte[]? greeting) => _greeting = greeting;

    public string Authority => $"127.0.0.1:{Port}";

    public static TcpTargetServer StartEcho() => new(null);

    /// <summary>Sends <paramref name="greeting"/>, then closes its side at once.</summary>
    public static TcpTargetServer StartGreeting(byte[] greeting) => new(greeting);

    protected override async Task HandleAsync(Socket socket)
    {
        if (_greeting is null)
        {
            await PumpAsync(socket, socket);
            return;
        }
        await socket.SendAsync(_greeting, SocketFlags.None);
        socket.Shutdown(SocketShutdown.Send);
        // Wait for the peer's FIN so closing sends no RST.
        using var linger = CancellationTokenSource.CreateLinkedTokenSource(Stopping);
        linger.CancelAfter(TimeSpan.FromSeconds(5));
        var sink = new byte[4096];
        while (await socket.ReceiveAsync(sink, SocketFlags.None, linger.Token) > 0)
        {
        }
    }
}
