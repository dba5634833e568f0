namespace NetDrift.LoadGen;

/// <summary><c>origin --port n</c>: serves until stdin EOF or SIGTERM.</summary>
internal static class OriginMode
{
    public static async Task<int> RunAsync(CommandLine options)
    {
        var port = options.Int32("port", 0, 0, 65535);
        options.RejectUnknown();

        using var stop = StopSignal.OnStdinEof();
        using var server = OriginServer.Start(port);
        Console.Out.WriteLine($"LISTENING {server.Port}");
        Console.Out.Flush();
        await stop.Stopped;
        return 0;
    }
}
