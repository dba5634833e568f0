using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NetDrift.Engine.Balancing;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Health;
using NetDrift.Engine.Logging;
using NetDrift.Engine.Metrics;
using NetDrift.Engine.Tunnel;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Server;

/// <summary>
/// One balancing proxy: a listener, its accept loop, the live pool and settings, and the
/// connections it serves. Settings and pool are immutable snapshots swapped atomically; requests
/// read them without locks. Stopping drains open tunnels up to a timeout, then cuts the rest.
/// </summary>
public sealed partial class ProxyServer : IAsyncDisposable
{
    private readonly object _reconfigureLock = new();
    private readonly LogLevelSwitch _logLevel;
    private Socket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<long, ClientConnection> _connections = new();
    private readonly ConcurrentDictionary<IPAddress, int> _perClient = new();
    private readonly object _poolWriteLock = new();
    private readonly Timer _sweeper;
    private readonly ILoggerFactory _loggerFactory;
    private readonly bool _ownsLoggerFactory;
    private readonly ClientConnectionHandler _handler;
    private Task _acceptLoop;
    private ProxySettings _settings;
    private UpstreamPool _pool;
    private long _nextConnectionId;
    private int _state = (int)ProxyState.Running;
    private int _panicLogged;
    private readonly Random _random;
    // A seam for tests: makes accept throw the SocketException the kernel would.
    private readonly Func<Socket, CancellationToken, ValueTask<Socket>> _accept;

    private ProxyServer(string name, NetDriftConfig config, string? configPath, ILoggerFactory? loggerFactory, TimeProvider timeProvider, Random? random,
        Func<Socket, CancellationToken, ValueTask<Socket>>? accept = null)
    {
        _random = random ?? Random.Shared;
        _accept = accept ?? ((listener, token) => listener.AcceptAsync(token));
        Name = name;
        ConfigPath = configPath;
        Time = timeProvider;
        _ownsLoggerFactory = loggerFactory is null;
        _logLevel = new LogLevelSwitch(config.Logging.Level);
        _loggerFactory = loggerFactory ?? LoggerFactoryBuilder.Create(config.Logging, _logLevel);
        Logger = _loggerFactory.CreateLogger("NetDrift.Proxy");
        Counters = new ProxyCounters(timeProvider);
        _settings = new ProxySettings(config, VerifiedLogins);
        _pool = new UpstreamPool(config.UpstreamProxies.Select(u => new Upstream(u, timeProvider)).ToArray());
        Metrics = new PrometheusExporter(this);

        ListenAddress.TryParse(config.Server.ListenAddress, out var endPoint, out _);
        _listener = Bind(endPoint!);
        LocalEndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        StartedAt = timeProvider.GetUtcNow();
        _handler = new ClientConnectionHandler(this);
        _sweeper = new Timer(_ => SweepIdleTunnels(), null, EngineDefaults.SweepInterval, EngineDefaults.SweepInterval);
        _acceptLoop = AcceptLoopAsync(_listener);
        NetDriftMeter.Register(this);
        ProxyLog.Started(Logger, name, Listen, _pool.All.Count, config.LoadBalancing);
        HealthChecks = new HealthChecker(this);
        HealthChecks.Apply(config.HealthCheck);
    }

    /// <summary>Binds and starts serving. Throws <see cref="SocketException"/> when the address is taken.</summary>
    /// <param name="overrides">The start parameters <paramref name="config"/> was loaded with
    /// (<see cref="ConfigSource.LoadAsync"/>); every reload applies them again, so -Listen,
    /// -Upstream... keep overriding the file.</param>
    public static ProxyServer Start(string name, NetDriftConfig config, string? configPath = null, ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null, ConfigOverrides? overrides = null, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new ProxyServer(name, config, configPath, loggerFactory, timeProvider ?? TimeProvider.System, random) { _overrides = overrides ?? ConfigOverrides.None };
    }

    /// <summary>Starts with <paramref name="accept"/> in place of the listener's own accept (tests).</summary>
    internal static ProxyServer Start(string name, NetDriftConfig config, ILoggerFactory? loggerFactory, Func<Socket, CancellationToken, ValueTask<Socket>> accept) =>
        new(name, config, null, loggerFactory, TimeProvider.System, null, accept);

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
    public IPEndPoint LocalEndPoint { get; private set; }

    public string Listen => ListenAddress.Format(LocalEndPoint);

    public int Port => LocalEndPoint.Port;

    /// <summary>The URL clients use; a wildcard bind is reached through loopback.</summary>
    public string Url
    {
        get
        {
            var address = LocalEndPoint.Address;
            if (address.Equals(IPAddress.Any))
            {
                address = IPAddress.Loopback;
            }
            else if (address.Equals(IPAddress.IPv6Any))
            {
                address = IPAddress.IPv6Loopback;
            }
            return "http://" + ListenAddress.Format(new IPEndPoint(address, Port));
        }
    }

    public ProxyState State => (ProxyState)Volatile.Read(ref _state);

    public DateTimeOffset StartedAt { get; }

    public ProxyCounters Counters { get; }

    public UpstreamPool Pool => Volatile.Read(ref _pool);

    /// <summary>Active health checks (health_check); running only while enabled.</summary>
    public HealthChecker HealthChecks { get; }

    /// <summary>When the config was last applied successfully.</summary>
    public DateTimeOffset? LastReloadAt { get; private set; }

    /// <summary>The last failed reload's error; cleared by a successful one.</summary>
    public string? LastReloadError { get; private set; }

    /// <summary>Completes when the proxy has stopped.</summary>
    public Task Completion => _completion.Task;

    public event EventHandler<UpstreamHealthChangedEventArgs>? UpstreamHealthChanged;

    internal ProxySettings Settings => Volatile.Read(ref _settings);

    /// <summary>The Prometheus metrics served at metrics_endpoint.</summary>
    internal PrometheusExporter Metrics { get; }

    internal ILogger Logger { get; }

    internal TimeProvider Time { get; }

    /// <summary>The one way to upstreams: CONNECT tunnels, plain requests and health probes.</summary>
    internal UpstreamConnectors Connectors { get; } = new();

    /// <summary>Creates upstream sockets for all traffic; a seam so tests can make creation fail (EMFILE).</summary>
    internal Func<UpstreamAddress, Socket> UpstreamSocketFactory
    {
        get => Connectors.Dialer.SocketFactory;
        set => Connectors.Dialer.SocketFactory = value;
    }

    internal CancellationToken StoppingToken => _stopping.Token;

    /// <summary>Slows down repeated wrong logins per client IP.</summary>
    public Security.AuthFailureThrottle AuthThrottle { get; } = new();

    /// <summary>Logins that passed, kept across reloads (an entry never outlives its user's password).</summary>
    internal Security.VerifiedLogins VerifiedLogins { get; } = new();

    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Stops accepting at once, lets open tunnels finish for up to <paramref name="drainTimeout"/>,
    /// then closes the rest. Reports the number still open as it waits.
    /// </summary>
    public async Task StopAsync(TimeSpan drainTimeout, IProgress<int>? remaining = null, CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, (int)ProxyState.Stopping, (int)ProxyState.Running) != (int)ProxyState.Running)
        {
            await Completion.ConfigureAwait(false);
            return;
        }
        StopWatchingConfig();
        await HealthChecks.StopAsync().ConfigureAwait(false);
        Volatile.Read(ref _listener).Dispose();
        // Connections still reading a head or dialing end now; established tunnels may finish.
        _stopping.Cancel();
        var openAtStop = _connections.Count;
        var deadline = Environment.TickCount64 + (long)drainTimeout.TotalMilliseconds;
        while (!_connections.IsEmpty && Environment.TickCount64 < deadline && !cancellationToken.IsCancellationRequested)
        {
            remaining?.Report(_connections.Count);
            await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
        }
        var cut = 0;
        foreach (var connection in _connections.Values)
        {
            connection.Abort(RelayResult.Aborted);
            cut++;
        }
        // Give aborted handlers a moment to unwind so counters settle before we report.
        var settle = Environment.TickCount64 + (long)EngineDefaults.StopSettleTime.TotalMilliseconds;
        while (!_connections.IsEmpty && Environment.TickCount64 < settle)
        {
            await Task.Delay(10, CancellationToken.None).ConfigureAwait(false);
        }
        remaining?.Report(0);
        foreach (var upstream in Pool.All)
        {
            upstream.Connections.Clear();
        }
        await Volatile.Read(ref _acceptLoop).ConfigureAwait(false);
        await _sweeper.DisposeAsync().ConfigureAwait(false);
        Volatile.Write(ref _state, (int)ProxyState.Stopped);
        NetDriftMeter.Unregister(this);
        ProxyLog.Stopped(Logger, Name, Math.Max(0, openAtStop - cut), cut);
        if (_ownsLoggerFactory)
        {
            _loggerFactory.Dispose();
        }
        _completion.TrySetResult();
    }

    public ValueTask DisposeAsync() => new(StopAsync(TimeSpan.Zero));

    /// <summary>Zeroes every counter (not the active gauges); peaks restart from the current load.</summary>
    public void ResetStats()
    {
        // Through the exporter, which carries the totals over: Prometheus counters never drop.
        Counters.Reset();
        foreach (var upstream in Pool.All)
        {
            upstream.Counters.Reset();
        }
    }

    /// <summary>Adds an upstream live; it takes traffic from the next pick.</summary>
    public Upstream AddUpstream(UpstreamConfig config)
    {
        lock (_poolWriteLock)
        {
            var pool = Pool;
            if (pool.Find(config.Name) is { } existing)
            {
                if (existing.State == UpstreamState.Active)
                {
                    throw new InvalidOperationException($"Upstream '{config.Name}' already exists.");
                }
                // Added back while still draining: it returns, with its open tunnels and counters.
                existing.ReplaceConfig(config);
                existing.MarkActive();
                Volatile.Write(ref _pool, new UpstreamPool(pool.All));
                return existing;
            }
            var upstream = new Upstream(config, Time);
            Volatile.Write(ref _pool, new UpstreamPool([.. pool.All, upstream]));
            return upstream;
        }
    }

    /// <summary>
    /// Takes an upstream out: no new tunnels; it stays listed as Draining until its last tunnel
    /// closes. Returns false when no upstream has that name.
    /// </summary>
    public bool RemoveUpstream(string name)
    {
        lock (_poolWriteLock)
        {
            var upstream = Pool.Find(name);
            if (upstream is null)
            {
                return false;
            }
            upstream.MarkDraining();
            Volatile.Write(ref _pool, new UpstreamPool(Pool.All));
        }
        TryFinishDraining(Pool.Find(name)!);
        return true;
    }

    /// <summary>Changes weight and/or enabled live. Returns null when no upstream has that name.</summary>
    public Upstream? SetUpstream(string name, int? weight = null, bool? enabled = null)
    {
        if (weight is < 0 or > UpstreamConfig.MaxWeight)
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, $"Weight must be from 0 to {UpstreamConfig.MaxWeight}.");
        }
        lock (_poolWriteLock)
        {
            var upstream = Pool.Find(name);
            if (upstream is null)
            {
                return null;
            }
            var config = upstream.Config;
            upstream.ReplaceConfig(config with { Weight = weight ?? config.Weight, Enabled = enabled ?? config.Enabled });
            // The weighted cycle depends on weights: rebuild the snapshot.
            Volatile.Write(ref _pool, new UpstreamPool(Pool.All));
            return upstream;
        }
    }

    internal void TryFinishDraining(Upstream upstream)
    {
        if (upstream.State != UpstreamState.Draining || upstream.Counters.ActiveConnections > 0)
        {
            return;
        }
        lock (_poolWriteLock)
        {
            var pool = Pool;
            if (upstream.State != UpstreamState.Draining || !pool.All.Contains(upstream) || upstream.Counters.ActiveConnections > 0)
            {
                return;
            }
            Volatile.Write(ref _pool, new UpstreamPool(pool.All.Where(u => u != upstream).ToArray()));
        }
        ProxyLog.UpstreamRemoved(Logger, upstream.Name);
    }

    /// <summary>
    /// Picks for one attempt. An unhealthy upstream whose back-off has passed gets this request as
    /// its single trial (half-open); otherwise the policy picks among healthy upstreams, recovered
    /// ones taking a growing share (health_check.slow_start_seconds); when none is healthy, the least bad (panic mode).
    /// A user pinned to a tag never leaves it.
    /// </summary>
    internal Upstream? PickUpstream(string clientKey, IReadOnlyCollection<Upstream> tried, string? requiredTag, out bool trial)
    {
        var settings = Settings;
        var pool = Pool;
        var context = new PickContext(clientKey, tried, requiredTag: requiredTag, rampDraw: _random.NextDouble(), random: _random);
        trial = false;
        // An index loop: foreach over the IReadOnlyList interface would allocate an enumerator per pick.
        var all = pool.All;
        for (var i = 0; i < all.Count; i++)
        {
            var candidate = all[i];
            if (candidate.Health == UpstreamHealth.Unhealthy && context.Panicking().IsEligible(candidate) && candidate.TryStartTrial())
            {
                trial = true;
                return candidate;
            }
        }
        var picked = settings.Policy.Pick(pool, context) ?? settings.Policy.Pick(pool, context.WithoutRamp());
        if (picked is not null)
        {
            Volatile.Write(ref _panicLogged, 0);
            return picked;
        }
        picked = settings.Policy.Pick(pool, context.Panicking());
        if (picked is not null && Interlocked.Exchange(ref _panicLogged, 1) == 0)
        {
            ProxyLog.PanicMode(Logger);
        }
        return picked;
    }

    internal void RecordOutcome(Upstream upstream, bool success, string reason)
    {
        var health = Settings.Config.HealthCheck;
        var before = upstream.Health;
        if (upstream.RecordOutcome(success, health.FailureThreshold, health.RecoveryThreshold, health.SlowStart) is { } now)
        {
            ProxyLog.HealthChanged(Logger, upstream.Name, now, reason);
            try
            {
                UpstreamHealthChanged?.Invoke(this, new UpstreamHealthChangedEventArgs(Name, upstream.Name, before, now, reason));
            }
            catch (Exception e)
            {
                // A subscriber's bug must not break the request path.
                ProxyLog.Unexpected(Logger, e, "UpstreamHealthChanged subscriber");
            }
        }
    }

    private static Socket Bind(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6 && endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }
            socket.Bind(endPoint);
            socket.Listen(EngineDefaults.ListenBacklog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        await Task.Yield();
        var backOff = new AcceptBackOff();
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _accept(listener, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (AcceptBackOff.IsResourceShortage(e.SocketErrorCode))
            {
                // Out of descriptors (EMFILE/ENFILE) or buffers: the client stays in the backlog and
                // the listener stays readable, so accepting again at once would spin a core.
                Counters.Reject(RejectionCause.DescriptorsExhausted);
                if (backOff.Failed(out var delay))
                {
                    ProxyLog.AcceptBackingOff(Logger, Name, e.SocketErrorCode);
                }
                try
                {
                    await Task.Delay(delay, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            catch (SocketException)
            {
                // A client that vanished between SYN and accept: keep accepting.
                continue;
            }
            if (backOff.Succeeded() is { } failures)
            {
                ProxyLog.AcceptResumed(Logger, Name, failures);
            }
            client.NoDelay = true;
            var connection = new ClientConnection(Interlocked.Increment(ref _nextConnectionId), client);
            _connections[connection.Id] = connection;
            _ = ServeAsync(connection);
        }
    }

    private async Task ServeAsync(ClientConnection connection)
    {
        var active = Counters.Opened();
        var perClient = _perClient.AddOrUpdate(connection.RemoteAddress, 1, (_, n) => n + 1);
        try
        {
            var limits = Settings.Config.Limits;
            if (active > limits.MaxConnections)
            {
                Counters.Reject(RejectionCause.MaxConnections);
                ProxyLog.TooManyConnections(Logger, limits.MaxConnections);
                await Http.SocketAnswer.AnswerAndCloseAsync(connection.Socket, Http.StatusResponses.TooManyConnections).ConfigureAwait(false);
                return;
            }
            if (limits.MaxConnectionsPerClient > 0 && perClient > limits.MaxConnectionsPerClient)
            {
                Counters.Reject(RejectionCause.PerClientLimit);
                await Http.SocketAnswer.AnswerAndCloseAsync(connection.Socket, Http.StatusResponses.TooManyConnections).ConfigureAwait(false);
                return;
            }
            await _handler.HandleAsync(connection).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client or the proxy went away: an ordinary end.
        }
        catch (Exception e)
        {
            ProxyLog.Unexpected(Logger, e, connection.RemoteAddress.ToString());
        }
        finally
        {
            connection.Socket.Dispose();
            _connections.TryRemove(connection.Id, out _);
            if (_perClient.AddOrUpdate(connection.RemoteAddress, 0, (_, n) => n - 1) <= 0)
            {
                _perClient.TryRemove(new KeyValuePair<IPAddress, int>(connection.RemoteAddress, 0));
            }
            Counters.Closed();
        }
    }

    private void SweepIdleTunnels()
    {
        var idle = Settings.Config.Limits.IdleTimeout;
        var now = Environment.TickCount64;
        foreach (var connection in _connections.Values)
        {
            if (connection.Tunnel is { } tunnel && tunnel.IsIdleFor(idle, now))
            {
                tunnel.Abort(RelayResult.IdleTimeout);
            }
        }
        foreach (var upstream in Pool.All)
        {
            upstream.Connections.Sweep();
        }
    }
}
