using System.Net.Sockets;
using System.Text;

namespace NetDrift.Engine.Tests.TestSupport;

/// <summary>
/// Serves an upstream list over HTTP on loopback, one response per connection: <see cref="Body"/>
/// with <see cref="Status"/>, changeable while running. Counts the requests it answered.
/// </summary>
internal sealed class UpstreamListServer : LoopbackServer
{
    private volatile string _body = "";
    private int _requests;

    public string Body { get => _body; set => _body = value; }

    public volatile int Status = 200;

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The head of the last request answered.</summary>
    public string LastHead { get; private set; } = "";

    public string Url => $"http://127.0.0.1:{Port}/list.txt";

    protected override async Task HandleAsync(Socket socket)
    {
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, Stopping);
            if (read == 0)
            {
                return;
            }
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        var body = Encoding.UTF8.GetBytes(Body);
        var head = $"HTTP/1.1 {Status} X\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
        LastHead = received.ToString();
        Interlocked.Increment(ref _requests);
        await socket.SendAsync(Encoding.ASCII.GetBytes(head).Concat(body).ToArray(), SocketFlags.None, Stopping);
        socket.Shutdown(SocketShutdown.Send);
    }
}
