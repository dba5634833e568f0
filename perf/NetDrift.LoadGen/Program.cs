// NetDrift.LoadGen: the load generator and upstream host of the proxy benchmark
// (perf/Bench/Invoke-ProxyBench.ps1); the origin is tests/NetDrift.TestOrigin. Loopback only. Modes:
//
//   upstreams  --count <n> [--user <u> --password <p>] [--port-base <n>] [--protocol http|https]
//              n healthy NetDrift FaultyProxy upstreams (Basic auth when a user is given).
//   banner     [--port <n>]
//              a target that speaks first (an SSH-style banner line on connect), then closes after the client's line.
//   tunnel     --proxy <h:p> [--user <u> --password <p>] --target <h:p> --concurrency <C> --duration <s>
//              [--max <N>] [--warmup <s>] [--cpu-pids <pid,...>] [--rig-pids <pid,...>] [--exchange get|banner]
//              per operation: connect, CONNECT, GET /hello through the tunnel, read to the end, close;
//              with --exchange banner (a banner target): read the banner, send a line, read to the end.
//   plain      --proxy <h:p> [--user <u> --password <p>] --url http://127.0.0.1:<port>/hello --keepalive on|off
//              --concurrency <C> --duration <s> [--max <N>] [--warmup <s>] [--cpu-pids <pid,...>] [--rig-pids <pid,...>]
//              absolute-form GET through the proxy, one kept-alive connection per worker or one per request.
//   throughput --proxy <h:p> [--user <u> --password <p>] --target <h:p> --streams <K> --bytes <B>
//              [--cpu-pids <pid,...>] [--rig-pids <pid,...>] [--timeout <s>]
//              K tunnels at once, each GET /bytes/B; MB/s (10^6 bytes) over the wall time.
//              tunnel and throughput: --protocol socks5 opens the tunnels as a SOCKS5 client (pipelined).
//   idle       --proxy <h:p> [--user <u> --password <p>] --target <h:p> --count <N> [--concurrency <n>] [--timeout <s>]
//              opens N tunnels, prints its JSON line, holds them until a stdin line or EOF.
//
// Client modes report the CPU seconds of the front (--cpu-pids), of the rig (--rig-pids: origin
// and upstreams) and of the load generator itself over the measured window.
// Listening modes print "LISTENING <port> [<port>...]" once ready and nothing else on stdout; they stop
// on stdin EOF, SIGTERM or SIGINT, so a dead runner never leaves them behind. Client modes print one
// camelCase JSON object and exit 0. Bad arguments: a message and the usage on stderr, exit 2.
using System.Net.Sockets;

namespace NetDrift.LoadGen;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0)
        {
            await Console.Error.WriteLineAsync(Usage.Text);
            return 2;
        }
        try
        {
            var options = CommandLine.Parse(args.AsSpan(1));
            return args[0] switch
            {
                "upstreams" => await UpstreamsMode.RunAsync(options),
                "banner" => await BannerMode.RunAsync(options),
                "tunnel" => await TunnelMode.RunAsync(options),
                "plain" => await PlainMode.RunAsync(options),
                "throughput" => await ThroughputMode.RunAsync(options),
                "idle" => await IdleMode.RunAsync(options),
                _ => throw new UsageException($"Unknown mode '{args[0]}'."),
            };
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync($"{e.Message}\n\n{Usage.Text}");
            return 2;
        }
        catch (SocketException e)
        {
            // A taken port or an exhausted descriptor table: say so plainly, no stack trace on stdout.
            await Console.Error.WriteLineAsync($"netdrift-loadgen: {e.SocketErrorCode}: {e.Message}");
            return 1;
        }
    }
}
