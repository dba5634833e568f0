using NetDrift.Engine.Faults;

namespace NetDrift.LoadGen;

/// <summary>
/// <c>upstreams --count n</c>: n healthy upstream proxies, the engine's own <see cref="FaultyProxy"/>
/// with no fault (Basic auth when a user is given; CONNECT and absolute-form plain HTTP), each on
/// 127.0.0.1, in this one process. <c>--protocol https</c>: TLS proxies (<c>https://</c> upstreams),
/// each self-signed certificate's PEM file named after its port on the LISTENING line
/// (<c>LISTENING 4000 CA /tmp/….pem</c>). Serves until stdin EOF or SIGTERM.
/// </summary>
internal static class UpstreamsMode
{
    public static async Task<int> RunAsync(CommandLine options)
    {
        var count = options.Int32("count", 1, 1, 64);
        var portBase = options.Int32("port-base", 0, 0, 65535);
        var user = options.Optional("user");
        var password = options.Optional("password");
        var protocol = options.Optional("protocol") ?? "http";
        options.RejectUnknown();
        if (protocol is not ("http" or "https"))
        {
            throw new UsageException($"Option --protocol must be http or https, got '{protocol}'.");
        }
        if ((user is null) != (password is null))
        {
            throw new UsageException("Options --user and --password go together.");
        }
        if (portBase > 0 && portBase + count - 1 > 65535)
        {
            throw new UsageException("Option --port-base leaves no room for --count ports.");
        }
        var settings = new FaultyProxyOptions
        {
            Fault = FaultType.None, UserName = user, Password = password,
            Protocol = protocol == "https" ? FaultyProxyProtocol.Https : FaultyProxyProtocol.Http,
        };
        try
        {
            settings.Validate();
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }

        using var stop = StopSignal.OnStdinEof();
        var proxies = new List<FaultyProxy>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                // The three-argument Start logs nowhere: stdout belongs to the runner.
                proxies.Add(FaultyProxy.Start($"upstream-{i + 1}", settings, portBase == 0 ? 0 : portBase + i));
            }
            var certificates = proxies.Where(p => p.CertificatePath is not null).Select(p => $" CA {p.CertificatePath}");
            Console.Out.WriteLine($"LISTENING {string.Join(' ', proxies.Select(p => p.Port))}{string.Concat(certificates)}");
            Console.Out.Flush();
            await stop.Stopped;
        }
        finally
        {
            // Each stop closes its sockets and waits up to 5 s for their handlers.
            await Task.WhenAll(proxies.Select(p => p.StopAsync()));
        }
        return 0;
    }
}
