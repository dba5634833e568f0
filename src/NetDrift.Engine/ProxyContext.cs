using Microsoft.Extensions.Logging;
using NetDrift.Engine.Balancing;
using NetDrift.Engine.Connections;
using NetDrift.Engine.Health;
using NetDrift.Engine.Security;
using NetDrift.Engine.Sessions;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine;

/// <summary>
/// What request handling, health checks, metrics and the admin endpoints of one proxy may use:
/// its settings and pool snapshots, counters, logger, clock, stopping token, and the three
/// operations attempts need (pick, record an outcome, finish a drain). Narrower than the proxy,
/// so none of them can bind, stop or reconfigure it; the proxy (the composition root) builds one.
/// </summary>
internal sealed class ProxyContext
{
    private readonly LivePool _pool;
    private readonly UpstreamSelector _selector;
    private readonly PassiveHealth _health;
    private readonly Func<bool> _isRunning;
    private ProxySettings _settings;

    public ProxyContext(string name, ProxySettings settings, LivePool pool, ProxyCounters counters, ILogger logger, TimeProvider time,
        UpstreamConnectors connectors, AuthFailureThrottle authThrottle, UpstreamSelector selector, PassiveHealth health,
        DateTimeOffset startedAt, Func<bool> isRunning, CancellationToken stoppingToken)
    {
        Name = name;
        _settings = settings;
        _pool = pool;
        Counters = counters;
        Logger = logger;
        Time = time;
        Connectors = connectors;
        AuthThrottle = authThrottle;
        _selector = selector;
        _health = health;
        StartedAt = startedAt;
        _isRunning = isRunning;
        StoppingToken = stoppingToken;
        Direct = new Upstream(DirectConnector.Config, time);
        Sessions = new SessionTable(time);
    }

    public string Name { get; }

    /// <summary>The per-config snapshot; read it once per request.</summary>
    public ProxySettings Settings => Volatile.Read(ref _settings);

    /// <summary>The pool snapshot now; read it once per request.</summary>
    public UpstreamPool Pool => _pool.Current;

    public ProxyCounters Counters { get; }

    public ILogger Logger { get; }

    /// <summary>The access log (off until the config names one; swapped on reload).</summary>
    public Logging.AccessLog AccessLog { get; init; } = null!;

    public TimeProvider Time { get; }

    /// <summary>The one way to upstreams: CONNECT tunnels, plain requests and health probes.</summary>
    public UpstreamConnectors Connectors { get; }

    /// <summary>Slows down repeated wrong logins per client IP.</summary>
    public AuthFailureThrottle AuthThrottle { get; }

    public DateTimeOffset StartedAt { get; }

    /// <summary>The stand-in upstream of routes with action direct: its own stats row, outside the pool, kept across reloads.</summary>
    public Upstream Direct { get; }

    /// <summary>Per-user counts and limits, keyed on the user name, kept across reloads.</summary>
    public Users.UserActivity Users { get; } = new();

    /// <summary>False from the moment the proxy begins to stop.</summary>
    public bool IsRunning => _isRunning();

    /// <summary>Cancelled when the proxy stops: unanswered requests and dials end.</summary>
    public CancellationToken StoppingToken { get; }

    /// <summary>The live sessions, kept across reloads.</summary>
    public SessionTable Sessions { get; }

    /// <summary>The upstream for one attempt (<see cref="UpstreamSelector"/>, or the session's own); null when none may be tried.</summary>
    public Upstream? PickUpstream(string clientKey, IReadOnlyCollection<Upstream> tried, string? requiredTag, out bool trial, string? session = null)
    {
        var settings = Settings;
        if (session is not null && settings.Config.Sessions.Enabled)
        {
            trial = false;
            return Sessions.Pick(Pool, clientKey, session, tried, requiredTag, settings.Config.Sessions);
        }
        return _selector.Pick(settings.Policy, Pool, clientKey, tried, requiredTag, out trial);
    }

    /// <summary>Passive health: one outcome of live traffic or of a health check.</summary>
    public void RecordOutcome(Upstream upstream, bool success, string reason) =>
        _health.Record(upstream, success, reason, Settings.Config.HealthCheck);

    /// <summary>A draining upstream leaves the pool once its last connection closed.</summary>
    public void TryFinishDraining(Upstream upstream) => _pool.TryFinishDraining(upstream);

    /// <summary>The open client connections now (the stats page lists them); the proxy sets it once.</summary>
    public Func<IReadOnlyList<ConnectionSnapshot>> OpenConnections { get; set; } = static () => [];

    /// <summary>A reload's settings, swapped in whole (<c>LiveReconfiguration</c> only).</summary>
    public void ReplaceSettings(ProxySettings settings) => Volatile.Write(ref _settings, settings);
}
