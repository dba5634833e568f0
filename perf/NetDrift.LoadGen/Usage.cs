namespace NetDrift.LoadGen;

/// <summary>What bad arguments print on stderr (the header of Program.cs explains each mode).</summary>
internal static class Usage
{
    public const string Text =
        """
        usage: NetDrift.LoadGen <mode> [--option value]...
          upstreams  --count <n> [--user <u> --password <p>] [--port-base <n>] [--protocol http|https]
          banner     [--port <n>]
          tunnel     --proxy <h:p> [--user <u> --password <p>] --target <h:p> --concurrency <C> --duration <s>
                     [--max <N>] [--warmup <s, default 1>] [--cpu-pids <pid,...>] [--rig-pids <pid,...>] [--exchange get|banner]
          plain      --proxy <h:p> [--user <u> --password <p>] --url http://127.0.0.1:<port>/hello --keepalive on|off
                     --concurrency <C> --duration <s> [--max <N>] [--warmup <s, default 1>] [--cpu-pids <pid,...>] [--rig-pids <pid,...>]
          throughput --proxy <h:p> [--user <u> --password <p>] --target <h:p> --streams <K> --bytes <B>
                     [--cpu-pids <pid,...>] [--rig-pids <pid,...>] [--timeout <s, default 120>]
          idle       --proxy <h:p> [--user <u> --password <p>] --target <h:p> --count <N>
                     [--concurrency <n, default 200>] [--timeout <s, default 60>]
        tunnel and throughput take --protocol socks5 to open SOCKS5 tunnels (RFC 1929 with --user).
        All addresses are loopback. Listening modes print "LISTENING <port>..." and stop on stdin EOF or
        SIGTERM; client modes print one JSON object.
        """;
}
