using System.Net;
using System.Net.Sockets;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Logging;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Server;

/// <summary>Live reconfiguration: a new config applied whole, without cutting a single open tunnel.</summary>
public sealed partial class ProxyServer
{
    private ConfigFileWatcher? _watcher;
    private ConfigOverrides _overrides = ConfigOverrides.None;

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
                Rebind(config.Server.ListenAddress);
            }
            var removed = ApplyPool(config);
            Volatile.Write(ref _settings, new ProxySettings(config, VerifiedLogins, Settings.Policy));
            HealthChecks.Apply(config.HealthCheck);
            _logLevel.Set(config.Logging.Level);
            foreach (var upstream in removed)
            {
                TryFinishDraining(upstream);
            }
            LastReloadAt = Time.GetUtcNow();
            LastReloadError = null;
            ProxyLog.Reconfigured(Logger, Name, changes.Count);
            foreach (var change in changes)
            {
                ProxyLog.ConfigChanged(Logger, change.Kind, change.Scope, change.Name, change.Detail);
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
        ProxyLog.ReloadFailed(Logger, Name, message);
    }

    private List<Upstream> ApplyPool(NetDriftConfig config)
    {
        var removed = new List<Upstream>();
        lock (_poolWriteLock)
        {
            var pool = Pool;
            var next = new List<Upstream>(config.UpstreamProxies.Count);
            foreach (var upstreamConfig in config.UpstreamProxies)
            {
                var existing = pool.Find(upstreamConfig.Name);
                if (existing is not null)
                {
                    // Same upstream, new settings: open tunnels keep their socket, new ones use the
                    // new config. A draining one named again comes back with its counters.
                    existing.ReplaceConfig(upstreamConfig);
                    existing.MarkActive();
                    next.Add(existing);
                }
                else
                {
                    next.Add(new Upstream(upstreamConfig, Time));
                }
            }
            foreach (var upstream in pool.All)
            {
                if (next.Contains(upstream))
                {
                    continue;
                }
                if (upstream.State == UpstreamState.Active)
                {
                    upstream.MarkDraining();
                    removed.Add(upstream);
                }
                // Draining upstreams stay listed until their last tunnel closes.
                next.Add(upstream);
            }
            Volatile.Write(ref _pool, new UpstreamPool(next));
        }
        return removed;
    }

    private void Rebind(string listenAddress)
    {
        if (!ListenAddress.TryParse(listenAddress, out var endPoint, out var error))
        {
            throw new ConfigException(null, [new ConfigError("server.listen_address", null, error!)]);
        }
        Socket listener;
        try
        {
            listener = Bind(endPoint!);
        }
        catch (SocketException e)
        {
            throw new ConfigException(null, [new ConfigError("server.listen_address", null, $"cannot listen on {listenAddress}: {e.Message}")]);
        }
        // The new address serves before the old one stops; tunnels accepted on the old one are
        // independent sockets and keep running.
        var old = Interlocked.Exchange(ref _listener, listener);
        LocalEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        Volatile.Write(ref _acceptLoop, AcceptLoopAsync(listener));
        old.Dispose();
    }
}
