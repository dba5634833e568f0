using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NetDrift.LoadGen;

/// <summary>
/// <c>banner</c>: a target that speaks first, as SSH and SMTP servers do: on each connection it sends
/// <see cref="Line"/>, waits for the client's line (or its end), and closes. Through a proxy, the
/// banner can reach the front in the same read as the upstream's 200 — the tunnel's early data.
/// Serves on 127.0.0.1 until stdin EOF or SIGTERM.
/// </summary>
internal static class BannerMode
{
    /// <summary>The banner, as an SSH server sends it; the <c>tunnel --exchange banner</c> client expects exactly this.</summary>
    public static readonly byte[] Line = Encoding.ASCII.GetBytes("SSH-2.0-NetDriftBench_1.0\r\n");

    /// <summary>What the client answers before the target closes.</summary>
    public static readonly byte[] Quit = Encoding.ASCII.GetBytes("QUIT\r\n");

    public static async Task<int> RunAsync(CommandLine options)
    {
        var port = options.Int32("port", 0, 0, 65535);
        options.RejectUnknown();
        using var stop = StopSignal.OnStdinEof();
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        listener.Listen(4096);
        Console.Out.WriteLine($"LISTENING {((IPEndPoint)listener.LocalEndPoint!).Port}");
        Console.Out.Flush();
        var accepting = AcceptLoopAsync(listener, stop.Token);
        await stop.Stopped;
        listener.Close();
        await accepting;
        return 0;
    }

    private static async Task AcceptLoopAsync(Socket listener, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await listener.AcceptAsync(stopping);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }
            _ = ServeAsync(connection, stopping);
        }
    }

    private static async Task ServeAsync(Socket connection, CancellationToken stopping)
    {
        using (connection)
        {
            try
            {
                connection.NoDelay = true;
                await connection.SendAsync(Line, SocketFlags.None, stopping);
                // One read is the client's line or its end; either way the conversation is over.
                var buffer = new byte[64];
                await connection.ReceiveAsync(buffer, SocketFlags.None, stopping);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                // A client that vanished, or the stop: nothing to serve.
            }
        }
    }
}
