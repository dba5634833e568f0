using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using NetDrift.Engine.Admin;
using NetDrift.Engine.Balancing;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Connections;
using NetDrift.Engine.Health;
using NetDrift.Engine.Logging;
using NetDrift.Engine.Metrics;
using NetDrift.Engine.Security;
using NetDrift.Engine.Sources;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Server;

/// <summary>
/// One balancing proxy, and the composition root that wires its parts: the listener, the tracked
/// connections, the live pool, the selector, passive and active health, metrics. Everything past
/// the listener sees a narrow <see cref="ProxyContext"/>, never the proxy. Stopping turns /healthz
/// to 503, keeps accepting for the shutdown delay, then drains open tunnels up to a timeout and
/// cuts the rest.
/// </summary>
public sealed class ProxyServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly LogLevelSwitch _logLevel;
    private readonly ILoggerFactory _loggerFactory;
    private readonly bool _ownsLoggerFactory;
    private readonly ProxyContext _context;
    private readonly LivePool _pool;
    private readonly PassiveHealth _passiveHealth;
    private readonly ConnectionTracker _connections = new();
    private readonly ProxyListener _listener;
    private readonly Timer _sweeper;
    private readonly LiveReconfiguration _reconfiguration;
    private readonly SourcedUpstreams _sourced;
    private int _state = (int)ProxyState.Running;

    private ProxyServer(string name, NetDriftConfig config, string? configPath, ILoggerFactory? loggerFactory, TimeProvider timeProvider, Random? random,
        ConfigOverrides overrides, Func<Socket, CancellationToken, ValueTask<Socket>>? accept = null)
    {
        Name = name;
        ConfigPath = configPath;
        _ownsLoggerFactory = loggerFactory is null;
        _logLevel = new LogLevelSwitch(config.Logging.Level);
        _loggerFactory = loggerFactory ?? LoggerFactoryBuilder.Create(config.Logging, _logLevel);
        var logger = _loggerFactory.CreateLogger("NetDrift.Proxy");
        _passiveHealth = new PassiveHealth(name, this, logger);
        _sourced = UpstreamSourceStartup.LoadFirst(config, timeProvider, logger);
        _pool = new LivePool(_sourced.For(config), timeProvider, logger);
        _context = new ProxyContext(name, new ProxySettings(config, VerifiedLogins), _pool,
            new ProxyCounters(timeProvider), logger, timeProvider, new UpstreamConnectors(), new AuthFailureThrottle(),
            new UpstreamSelector(logger, random ?? Random.Shared), _passiveHealth, timeProvider.GetUtcNow(),
            () => State == ProxyState.Running, _stopping.Token) { AccessLog = new AccessLog(logger) };
        _context.OpenConnections = _connections.Snapshots;
        _context.AccessLog.Apply(config.AccessLog);
        Metrics = new PrometheusExporter(_context);

        ListenAddress.TryParse(config.Server.ListenAddress, out var endPoint, out _);
        _listener = new ProxyListener(endPoint!, _context, _connections,
            new ClientConnectionHandler(_context, new AdminEndpoints(_context, Metrics, IsDraining)), accept);
        _sweeper = new Timer(_ => Sweep(), null, EngineDefaults.SweepInterval, EngineDefaults.SweepInterval);
        _listener.Start();
        NetDriftMeter.Register(_context, Metrics);
        ProxyLog.Started(logger, name, Listen, Pool.All.Count, config.LoadBalancing);
        LogWarnings(logger, name, config);
        TlsLog.InsecureUpstreams(logger, config);
        HealthChecks = new HealthChecker(_context);
        HealthChecks.Apply(config.HealthCheck);
        _reconfiguration = new LiveReconfiguration(_context, _pool, _listener, HealthChecks, _logLevel, VerifiedLogins, overrides, configPath, _sourced);
        _sourced.Sources.Changed = () => _reconfiguration.ApplySources();
        _sourced.Sources.StartTimers();
    }

    /// <summary>Binds and starts serving. Throws <see cref="SocketException"/> when the address is taken.</summary>
    /// <param name="overrides">The start parameters <paramref name="config"/> was loaded with
    /// (<see cref="ConfigSource.LoadAsync"/>); every reload applies them again, so -Listen,
    /// -Upstream... keep overriding the file.</param>
    public static ProxyServer Start(string name, NetDriftConfig config, string? configPath = null, ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null, ConfigOverrides? overrides = null, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new ProxyServer(name, config, configPath, loggerFactory, timeProvider ?? TimeProvider.System, random, overrides ?? ConfigOverrides.None);
    }

    /// <summary>Starts with <paramref name="accept"/> in place of the listener's own accept (tests).</summary>
    internal static ProxyServer Start(string name, NetDriftConfig config, ILoggerFactory? loggerFactory, Func<Socket, CancellationToken, ValueTask<Socket>> accept) =>
        new(name, config, null, loggerFactory, TimeProvider.System, null, ConfigOverrides.None, accept);

    /// <summary>
    /// <see cref="Start(string, NetDriftConfig, string?, ILoggerFactory?, TimeProvider?, ConfigOverrides?, Random?)"/>
    /// with the config's own logging, for callers that must not name a Microsoft.Extensions.Logging
    /// type: the cmdlet assembly, which loads outside the engine's private AssemblyLoadContext.
    /// </summary>
    public static ProxyServer Start(string name, NetDriftConfig config, string? configPath, ConfigOverrides? overrides) =>
        Start(name, config, configPath, loggerFactory: null, timeProvider: null, overrides: overrides);

    public string Name { get; }

    public string? ConfigPath { get; }

    public NetDriftConfig Config => Settings.Config;

    /// <summary>The address actually bound (port 0 resolved).</summary>
    public IPEndPoint LocalEndPoint => _listener.LocalEndPoint;

    public string Listen => ListenAddress.Format(LocalEndPoint);

    public int Port => LocalEndPoint.Port;

    /// <summary>The URL clients use; a wildcard bind is reached through loopback.</summary>
    public string Url => ListenAddress.ClientUrl(LocalEndPoint);

    public ProxyState State => (ProxyState)Volatile.Read(ref _state);

    public DateTimeOffset StartedAt => _context.StartedAt;

    public ProxyCounters Counters => _context.Counters;

    public UpstreamPool Pool => _context.Pool;

    /// <summary>The stats row of routes with action direct; shown once a route has that action or it was used.</summary>
    public Upstream Direct => _context.Direct;

    /// <summary>True when the direct row belongs in stats: a direct route is configured, or one was used.</summary>
    public bool ShowsDirect => Routing.DirectRow.IsShown(_context);

    /// <summary>Per-user state (Get-NetDriftUser): the configured users, in config order.</summary>
    public IReadOnlyList<Users.UserState> Users => _context.Users.Snapshot(_context.Settings.Config.Authentication.Users);

    /// <summary>Active health checks (health_check); running only while enabled.</summary>
    public HealthChecker HealthChecks { get; }

    /// <summary>When the config was last applied successfully.</summary>
    public DateTimeOffset? LastReloadAt => _reconfiguration.LastReloadAt;

    /// <summary>The last failed reload's error; cleared by a successful one.</summary>
    public string? LastReloadError => _reconfiguration.LastReloadError;

    /// <summary>One entry per upstream source that failed to load or parse; its last good list stays in the pool.</summary>
    public IReadOnlyList<SourceError> SourceErrors => _sourced.Sources.Errors;

    /// <summary>Reads every upstream source now and applies the lists that changed (Update-NetDriftConfig); returns the upstream changes.</summary>
    public Task<IReadOnlyList<ConfigChange>> RefreshSourcesAsync(CancellationToken cancellationToken = default) =>
        _reconfiguration.RefreshSourcesAsync(cancellationToken);

    /// <summary>The start parameters this proxy applies to every config it reloads.</summary>
    public ConfigOverrides Overrides => _reconfiguration.Overrides;

    /// <summary>True while the proxy watches its config file (Start-NetDriftProxy -WatchConfig).</summary>
    public bool IsWatchingConfig => _reconfiguration.IsWatching;

    /// <summary>Completes when the proxy has stopped.</summary>
    public Task Completion => _completion.Task;

    public event EventHandler<UpstreamHealthChangedEventArgs>? UpstreamHealthChanged
    {
        add => _passiveHealth.Changed += value;
        remove => _passiveHealth.Changed -= value;
    }

    /// <summary>Slows down repeated wrong logins per client IP.</summary>
    public AuthFailureThrottle AuthThrottle => _context.AuthThrottle;

    /// <summary>Access-log lines lost since start (queue full, file unwritable).</summary>
    public long AccessLogDropped => _context.AccessLog.Dropped;

    /// <summary>What request handling, health checks, metrics and the admin endpoints see of this proxy.</summary>
    internal ProxyContext Context => _context;

    internal ProxySettings Settings => _context.Settings;

    /// <summary>The Prometheus metrics served at metrics_endpoint.</summary>
    internal PrometheusExporter Metrics { get; }

    /// <summary>Creates upstream sockets for all traffic; a seam so tests can make creation fail (EMFILE).</summary>
    internal Func<UpstreamAddress, Socket> UpstreamSocketFactory
    {
        get => _context.Connectors.Dialer.SocketFactory;
        set => _context.Connectors.Dialer.SocketFactory = value;
    }

    /// <summary>Logins that passed, kept across reloads (an entry never outlives its user's password).</summary>
    internal VerifiedLogins VerifiedLogins { get; } = new();

    /// <summary>
    /// Stops after the config's server.shutdown_delay_seconds: see
    /// <see cref="StopAsync(TimeSpan, TimeSpan, IProgress{int}?, CancellationToken)"/>.
    /// </summary>
    public Task StopAsync(TimeSpan drainTimeout, IProgress<int>? remaining = null, CancellationToken cancellationToken = default) =>
        StopAsync(drainTimeout, Settings.Config.Server.ShutdownDelay, remaining, cancellationToken);

    /// <summary>
    /// Turns /healthz to 503 at once, keeps accepting and serving for <paramref name="shutdownDelay"/>
    /// (a balancer's health check notices first), then stops accepting, lets open tunnels finish
    /// for up to <paramref name="drainTimeout"/>, and closes the rest. Reports the number still
    /// open as it waits; <paramref name="cancellationToken"/> cuts the delay and the drain short.
    /// </summary>
    public async Task StopAsync(TimeSpan drainTimeout, TimeSpan shutdownDelay, IProgress<int>? remaining = null, CancellationToken cancellationToken = default)
    {
        // Stopping from here on: /healthz answers 503 and plain requests stop keeping alive.
        if (Interlocked.CompareExchange(ref _state, (int)ProxyState.Stopping, (int)ProxyState.Running) != (int)ProxyState.Running)
        {
            await Completion.ConfigureAwait(false);
            return;
        }
        _reconfiguration.StopWatching();
        _sourced.Dispose();
        await ShutdownDelay.WaitAsync(shutdownDelay, cancellationToken).ConfigureAwait(false);
        await HealthChecks.StopAsync().ConfigureAwait(false);
        _listener.Close();
        // Connections still reading a head or dialing end now; established tunnels may finish.
        _stopping.Cancel();
        var (openAtStop, cut) = await _connections.DrainAsync(drainTimeout, remaining, cancellationToken).ConfigureAwait(false);
        _pool.CloseIdleConnections();
        await _listener.AcceptLoop.ConfigureAwait(false);
        await _sweeper.DisposeAsync().ConfigureAwait(false);
        // The lines of the tunnels the drain ended are queued by now: written before Stop returns.
        await _context.AccessLog.DisposeAsync().ConfigureAwait(false);
        Volatile.Write(ref _state, (int)ProxyState.Stopped);
        NetDriftMeter.Unregister(_context);
        ProxyLog.Stopped(_context.Logger, Name, Math.Max(0, openAtStop - cut), cut);
        if (_ownsLoggerFactory)
        {
            _loggerFactory.Dispose();
        }
        _completion.TrySetResult();
    }

    public ValueTask DisposeAsync() => new(StopAsync(TimeSpan.Zero, TimeSpan.Zero));

    /// <summary>Zeroes every counter (not the active gauges); peaks restart from the current load.</summary>
    public void ResetStats()
    {
        // Through the exporter, which carries the totals over: Prometheus counters never drop.
        Counters.Reset();
        _context.Direct.Counters.Reset();
        foreach (var upstream in Pool.All)
        {
            upstream.Counters.Reset();
        }
    }

    /// <summary>The open client connections as they are now, in id order (Get-NetDriftConnection).</summary>
    public IReadOnlyList<ConnectionSnapshot> GetConnections() => _connections.Snapshots();

    /// <summary>Cuts an open connection with a TCP reset on both sides; false when none has that id.</summary>
    public bool CutConnection(long id) => _connections.TryCut(id);
    /// <summary>The live sessions (sessions), oldest first.</summary>
    public IReadOnlyList<Sessions.SessionSnapshot> Sessions() => _context.Sessions.Snapshot(Settings.Config.Sessions.Ttl);

    /// <summary>Adds an upstream live; it takes traffic from the next pick.</summary>
    public Upstream AddUpstream(UpstreamConfig config) => _pool.Add(config);

    /// <summary>
    /// Takes an upstream out: no new tunnels; it stays listed as Draining until its last tunnel
    /// closes. Returns false when no upstream has that name.
    /// </summary>
    public bool RemoveUpstream(string name) => _pool.Remove(name);

    /// <summary>Changes weight and/or enabled live. Returns null when no upstream has that name.</summary>
    public Upstream? SetUpstream(string name, int? weight = null, bool? enabled = null) => _pool.Set(name, weight, enabled);

    /// <summary>
    /// Re-reads <paramref name="path"/> (else the file the proxy started from) and applies it.
    /// A config that fails validation changes nothing: the error is recorded in
    /// <see cref="LastReloadError"/> and thrown as a <see cref="ConfigException"/>.
    /// </summary>
    public Task<IReadOnlyList<ConfigChange>> ReloadAsync(string? path = null, CancellationToken cancellationToken = default) =>
        _reconfiguration.ReloadAsync(path, cancellationToken);

    /// <summary>
    /// Applies a validated config: upstreams added, removed (drained), re-weighted or given new
    /// credentials; users, limits, retries, strategy and health settings swapped in one step; a new
    /// listen address bound before the old listener closes. Returns what changed.
    /// </summary>
    public IReadOnlyList<ConfigChange> ApplyConfig(NetDriftConfig config) => _reconfiguration.Apply(config);

    /// <summary>Reloads the config file by itself whenever it changes, until the proxy stops.</summary>
    public void WatchConfig() => _reconfiguration.Watch();

    /// <summary>Notes a failed reload (for -WatchConfig, which has nobody to throw to).</summary>
    public void RecordReloadFailure(string message) => _reconfiguration.RecordFailure(message);

    /// <summary>What /healthz tells a balancer: this proxy is stopping, or the client came in on an address a reload left.</summary>
    private bool IsDraining(Socket client) => State != ProxyState.Running || RetiredListener.Accepted(client, _listener.LocalEndPoint);

    private void Sweep()
    {
        _connections.SweepIdleTunnels(Settings.Config.Limits.IdleTimeout);
        _pool.SweepIdleConnections();
        _context.Sessions.Sweep(Settings.Config.Sessions.Ttl);
    }

    /// <summary>What a valid config may still get wrong (ConfigWarnings), at every load.</summary>
    internal static void LogWarnings(Microsoft.Extensions.Logging.ILogger logger, string name, NetDriftConfig config)
    {
        foreach (var warning in ConfigWarnings.Of(config))
        {
            ProxyLog.ConfigWarning(logger, name, warning.ToString());
        }
    }
}
