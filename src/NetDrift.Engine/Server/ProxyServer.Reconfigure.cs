using NetDrift.Engine.Configuration;
using NetDrift.Engine.Logging;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Server;

/// <summary>Live reconfiguration: a new config applied whole, without cutting a single open tunnel.</summary>
public sealed partial class ProxyServer
{
    private readonly object _reconfigureLock = new();
    private readonly ConfigOverrides _overrides;
    private ConfigFileWatcher? _watcher;

    /// <summary>When the config was last applied successfully.</summary>
    public DateTimeOffset? LastReloadAt { get; private set; }

    /// <summary>The last failed reload's error; cleared by a successful one.</summary>
    public string? LastReloadError { get; private set; }

    /// <summary>The start parameters this proxy applies to every config it reloads.</summary>
    public ConfigOverrides Overrides => _overrides;

    /// <summary>
    /// Re-reads <paramref name="path"/> (else the file the proxy started from) and applies it.
    /// A config that fails validation changes nothing: the error is recorded in
    /// <see cref="LastReloadError"/> and thrown as a <see cref="ConfigException"/>.
    /// </summary>
    public async Task<IReadOnlyList<ConfigChange>> ReloadAsync(string? path = null, CancellationToken cancellationToken = default)
    {
        path ??= ConfigPath ?? throw new InvalidOperationException(
            $"Proxy '{Name}' was not started from a config file; give the path of one.");
        var loaded = await ConfigSource.LoadAsync(path, Overrides, cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            return ApplyConfig(loaded.GetConfigOrThrow());
        }
        catch (ConfigException e)
        {
            RecordReloadFailure(e.Message);
            throw;
        }
    }

    /// <summary>
    /// Applies a validated config: upstreams added, removed (drained), re-weighted or given new
    /// credentials; users, limits, retries, strategy and health settings swapped in one step; a new
    /// listen address bound before the old listener closes. Returns what changed.
    /// </summary>
    public IReadOnlyList<ConfigChange> ApplyConfig(NetDriftConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        lock (_reconfigureLock)
        {
            var old = Config;
            var changes = ConfigDiff.Compute(old, config);
            if (config.Server.ListenAddress != old.Server.ListenAddress)
            {
                _listener.Rebind(config.Server.ListenAddress);
            }
            var removed = _context.LivePool.Apply(config);
            _context.ReplaceSettings(new ProxySettings(config, VerifiedLogins, Settings.Policy));
            HealthChecks.Apply(config.HealthCheck);
            _logLevel.Set(config.Logging.Level);
            foreach (var upstream in removed)
            {
                _context.TryFinishDraining(upstream);
            }
            LastReloadAt = _context.Time.GetUtcNow();
            LastReloadError = null;
            ProxyLog.Reconfigured(_context.Logger, Name, changes.Count);
            foreach (var change in changes)
            {
                ProxyLog.ConfigChanged(_context.Logger, change.Kind, change.Scope, change.Name, change.Detail);
            }
            return changes;
        }
    }

    /// <summary>True while the proxy watches its config file (Start-NetDriftProxy -WatchConfig).</summary>
    public bool IsWatchingConfig => Volatile.Read(ref _watcher) is not null;

    /// <summary>Reloads the config file by itself whenever it changes, until the proxy stops.</summary>
    public void WatchConfig()
    {
        var path = ConfigPath ?? throw new InvalidOperationException(
            $"Proxy '{Name}' was not started from a config file, so there is nothing to watch.");
        var watcher = new ConfigFileWatcher(this, path);
        if (Interlocked.CompareExchange(ref _watcher, watcher, null) is not null)
        {
            watcher.Dispose();
        }
    }

    private void StopWatchingConfig() => Interlocked.Exchange(ref _watcher, null)?.Dispose();

    /// <summary>Notes a failed reload (for -WatchConfig, which has nobody to throw to).</summary>
    public void RecordReloadFailure(string message)
    {
        LastReloadError = message;
        ProxyLog.ReloadFailed(_context.Logger, Name, message);
    }
}
