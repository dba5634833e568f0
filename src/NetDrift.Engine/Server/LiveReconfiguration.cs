using NetDrift.Engine.Configuration;
using NetDrift.Engine.Health;
using NetDrift.Engine.Logging;
using NetDrift.Engine.Security;
using NetDrift.Engine.Sources;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Server;

/// <summary>
/// A new config applied whole to a running proxy, without cutting a single open tunnel: the
/// listener rebound, the pool edited, the settings snapshot, health checks and log level swapped;
/// reloads from the file (the start parameters applied again) and the file watcher.
/// </summary>
internal sealed class LiveReconfiguration(ProxyContext proxy, LivePool pool, ProxyListener listener, HealthChecker healthChecks,
    LogLevelSwitch logLevel, VerifiedLogins verifiedLogins, ConfigOverrides overrides, string? configPath, SourcedUpstreams sourced)
{
    private readonly object _lock = new();
    private ConfigFileWatcher? _watcher;

    public ConfigOverrides Overrides => overrides;

    public DateTimeOffset? LastReloadAt { get; private set; }

    public string? LastReloadError { get; private set; }

    public bool IsWatching => Volatile.Read(ref _watcher) is not null;

    public async Task<IReadOnlyList<ConfigChange>> ReloadAsync(string? path, CancellationToken cancellationToken)
    {
        path ??= configPath ?? throw new InvalidOperationException(
            $"Proxy '{proxy.Name}' was not started from a config file; give the path of one.");
        var loaded = await ConfigSource.LoadAsync(path, overrides, cancellationToken: cancellationToken).ConfigureAwait(false);
        IReadOnlyList<ConfigChange> changes;
        try
        {
            changes = Apply(loaded.GetConfigOrThrow());
        }
        catch (ConfigException e)
        {
            RecordFailure(e.Message);
            throw;
        }
        // A reload re-reads the sources too.
        return [.. changes, .. await RefreshSourcesAsync(cancellationToken).ConfigureAwait(false)];
    }

    /// <summary>Reads every upstream source now and applies the lists that changed; returns the upstream changes.</summary>
    public async Task<IReadOnlyList<ConfigChange>> RefreshSourcesAsync(CancellationToken cancellationToken)
    {
        await sourced.Sources.RefreshAsync(cancellationToken).ConfigureAwait(false);
        // Also a list a timer's refresh read but has not applied yet: the caller sees it in the pool on return.
        return sourced.HasUnapplied ? ApplySources() : [];
    }

    /// <summary>Applies the sources' current lists to the pool through the one pool diff (removed ones drain).</summary>
    public IReadOnlyList<ConfigChange> ApplySources()
    {
        lock (_lock)
        {
            return sourced.ApplyRefreshed(pool, proxy.TryFinishDraining, proxy.Logger);
        }
    }

    public IReadOnlyList<ConfigChange> Apply(NetDriftConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        lock (_lock)
        {
            var old = proxy.Settings.Config;
            var changes = ConfigDiff.Compute(old, config);
            if (config.Server.ListenAddress != old.Server.ListenAddress)
            {
                listener.Rebind(config.Server.ListenAddress);
            }
            var removed = pool.Apply(sourced.For(config));
            proxy.ReplaceSettings(new ProxySettings(config, verifiedLogins, proxy.Settings.Policy));
            healthChecks.Apply(config.HealthCheck);
            logLevel.Set(config.Logging.Level);
            proxy.AccessLog.Apply(config.AccessLog);
            foreach (var upstream in removed)
            {
                proxy.TryFinishDraining(upstream);
            }
            LastReloadAt = proxy.Time.GetUtcNow();
            LastReloadError = null;
            ProxyLog.Reconfigured(proxy.Logger, proxy.Name, changes.Count);
            TlsLog.InsecureUpstreams(proxy.Logger, config);
            foreach (var change in changes)
            {
                ProxyLog.ConfigChanged(proxy.Logger, change.Kind, change.Scope, change.Name, change.Detail);
            }
            ProxyServer.LogWarnings(proxy.Logger, proxy.Name, config);
            return changes;
        }
    }

    public void Watch()
    {
        var path = configPath ?? throw new InvalidOperationException(
            $"Proxy '{proxy.Name}' was not started from a config file, so there is nothing to watch.");
        var watcher = new ConfigFileWatcher(this, path);
        if (Interlocked.CompareExchange(ref _watcher, watcher, null) is not null)
        {
            watcher.Dispose();
        }
    }

    public void StopWatching() => Interlocked.Exchange(ref _watcher, null)?.Dispose();

    public void RecordFailure(string message)
    {
        LastReloadError = message;
        ProxyLog.ReloadFailed(proxy.Logger, proxy.Name, message);
    }
}
