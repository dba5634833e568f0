using System.Management.Automation;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using NetDrift.Engine.Balancing;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Server;
using NetDrift.PowerShell.Completion;
using NetDrift.PowerShell.Jobs;
using NetDrift.PowerShell.Session;

namespace NetDrift.PowerShell.Commands;

/// <summary>
/// Starts a balancing proxy from a config file (else the embedded default) with parameters
/// overriding the file. With -Wait, serves until Ctrl+C or SIGTERM, then drains and stops; with
/// -AsJob, returns a job that owns the proxy.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "NetDriftProxy", DefaultParameterSetName = Run)]
[OutputType(typeof(ProxyInfo), ParameterSetName = [Run, WaitSet])]
[OutputType(typeof(NetDriftProxyJob), ParameterSetName = [AsJobSet])]
public sealed class StartNetDriftProxyCommand : PSCmdlet
{
    private const string Run = "Run";
    private const string WaitSet = "Wait";
    private const string AsJobSet = "AsJob";

    private readonly CancellationTokenSource _stop = new();

    /// <summary>The JSON config file (the Go NetDrift schema, extended).</summary>
    [Parameter(Position = 0)]
    [Alias("Path", "ConfigPath")]
    [ValidateNotNullOrEmpty]
    public string? Config { get; set; }

    /// <summary>host:port to listen on; port 0 picks a free port.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Listen { get; set; }

    /// <summary>Upstream proxy URLs; replaces the config's list.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Upstream { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>Users clients must log in as; replaces the config's users and turns authentication on.</summary>
    [Parameter]
    public PSCredential[]? ClientCredential { get; set; }

    [Parameter]
    [ValidateSet(LoadBalancingNames.WeightedRoundRobin, LoadBalancingNames.RoundRobin, LoadBalancingNames.LeastConnections,
        LoadBalancingNames.LeastLatency, LoadBalancingNames.Sticky)]
    public string? LoadBalancing { get; set; }

    /// <summary>Bounds the dial to an upstream and the wait for its answer (upstream_timeout).</summary>
    [Parameter]
    public TimeSpan? UpstreamTimeout { get; set; }

    /// <summary>How many other upstreams to try after a failed attempt (retries).</summary>
    [Parameter]
    [ValidateRange(0, 100)]
    public int? Retries { get; set; }

    [Parameter]
    [ValidateSet("Trace", "Debug", "Information", "Warning", "Error", "Critical", "None")]
    public string? LogLevel { get; set; }

    /// <summary>Reload the config file by itself whenever it changes (needs -Config).</summary>
    [Parameter]
    public SwitchParameter WatchConfig { get; set; }

    /// <summary>Serve until Ctrl+C or SIGTERM, then drain and stop.</summary>
    [Parameter(ParameterSetName = WaitSet, Mandatory = true)]
    public SwitchParameter Wait { get; set; }

    /// <summary>Return a job that owns the proxy (Get-Job, Receive-Job, Stop-Job, Remove-Job).</summary>
    [Parameter(ParameterSetName = AsJobSet, Mandatory = true)]
    public SwitchParameter AsJob { get; set; }

    /// <summary>Print (-Wait) or record (-AsJob) a one-line status every -StatusInterval.</summary>
    [Parameter(ParameterSetName = WaitSet)]
    [Parameter(ParameterSetName = AsJobSet)]
    public SwitchParameter ShowStatus { get; set; }

    /// <summary>How often -ShowStatus reports.</summary>
    [Parameter(ParameterSetName = WaitSet)]
    [Parameter(ParameterSetName = AsJobSet)]
    public TimeSpan StatusInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>With -Wait or -AsJob: how long open tunnels may finish after Ctrl+C, SIGTERM or Stop-Job.</summary>
    [Parameter]
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    protected override void EndProcessing()
    {
        if (ShowStatus && StatusInterval < TimeSpan.FromMilliseconds(100))
        {
            ThrowTerminatingError(CmdletErrors.Record(ErrorIds.InvalidInterval, ErrorCategory.InvalidArgument, StatusInterval,
                "-StatusInterval must be at least 100 ms."));
        }
        if (WatchConfig && Config is null)
        {
            ThrowTerminatingError(CmdletErrors.Record(ErrorIds.ConfigNotFound, ErrorCategory.InvalidArgument, null,
                "-WatchConfig watches the file given with -Config; give one."));
        }
        var path = Config is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(Config);
        var overrides = new ConfigOverrides
        {
            ListenAddress = Listen,
            UpstreamUrls = Upstream,
            Users = ClientCredential?.Select(c => new UserConfig(c.UserName, c.GetNetworkCredential().Password)).ToArray(),
            LoadBalancing = LoadBalancing,
            UpstreamTimeout = UpstreamTimeout,
            Retries = Retries,
            LogLevel = LogLevel,
        };
        var loaded = ConfigSource.LoadAsync(path, overrides).GetAwaiter().GetResult();
        if (!loaded.IsValid)
        {
            ThrowTerminatingError(ConfigLoadErrors.Record(loaded));
        }
        var config = loaded.Config!;

        string name;
        if (Name is not null)
        {
            if (NetDriftSession.IsProxyNameTaken(Name))
            {
                ThrowTerminatingError(CmdletErrors.Record(ErrorIds.ProxyNameTaken, ErrorCategory.ResourceExists, Name,
                    $"A NetDrift proxy named '{Name}' already runs in this session; choose another -Name or stop it first."));
            }
            name = Name;
        }
        else
        {
            name = NetDriftSession.UniqueProxyName(config.Server.Name);
        }

        ProxyServer server;
        try
        {
            server = ProxyServer.Start(name, config, path, overrides);
        }
        catch (SocketException e)
        {
            ThrowTerminatingError(CmdletErrors.Record(ErrorIds.ListenFailed, ErrorCategory.ResourceUnavailable, config.Server.ListenAddress,
                $"Cannot listen on {config.Server.ListenAddress}: {e.Message}. Use another address, or port 0 for a free one.", e));
            return;
        }
        if (!NetDriftSession.TryAddProxy(server))
        {
            server.StopAsync(TimeSpan.Zero, TimeSpan.Zero).GetAwaiter().GetResult();
            ThrowTerminatingError(CmdletErrors.Record(ErrorIds.ProxyNameTaken, ErrorCategory.ResourceExists, name,
                $"A NetDrift proxy named '{name}' was started concurrently; choose another -Name."));
        }
        if (WatchConfig)
        {
            server.WatchConfig();
        }
        if (AsJob)
        {
            var job = new NetDriftProxyJob(server, $"Start-NetDriftProxy -Name '{server.Name}'", DrainTimeout, ShowStatus ? StatusInterval : null);
            JobRepository.Add(job);
            WriteObject(job);
            return;
        }
        WriteObject(new ProxyInfo(server));
        if (Wait)
        {
            ServeUntilStopped(server);
        }
    }

    protected override void StopProcessing() => _stop.Cancel();

    private void ServeUntilStopped(ProxyServer server)
    {
        // SIGTERM (a service manager stopping us) drains like Ctrl+C instead of killing tunnels.
        using var sigterm = OperatingSystem.IsWindows() ? null : PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            _stop.Cancel();
        });
        WriteInformation(new HostInformationMessage
        {
            Message = $"NetDrift proxy '{server.Name}' serving on {server.Url}; press Ctrl+C to stop.",
            NoNewLine = false,
        }, ["PSHOST"]);
        WaitHandle[] stopped = [_stop.Token.WaitHandle, ((IAsyncResult)server.Completion).AsyncWaitHandle];
        if (ShowStatus)
        {
            // Written from this (the pipeline) thread: engine threads never write to a pipeline.
            while (WaitHandle.WaitAny(stopped, StatusInterval) == WaitHandle.WaitTimeout)
            {
                WriteInformation(new HostInformationMessage { Message = StatusLine.Format(server, DateTimeOffset.Now) }, ["PSHOST", "NetDrift.Status"]);
            }
        }
        else
        {
            WaitHandle.WaitAny(stopped);
        }
        NetDriftSession.ForgetProxy(server);
        server.StopAsync(DrainTimeout).GetAwaiter().GetResult();
    }
}
