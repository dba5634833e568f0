namespace NetDrift.Engine.Configuration;

/// <summary>Checks a loaded config before it is used; returns one error per problem (none: fine).</summary>
public delegate Task<IReadOnlyList<ConfigError>> ConfigCheck(NetDriftConfig config, CancellationToken cancellationToken);

/// <summary>
/// The one way a config comes in, for Start-, Update- and Test-NetDriftConfig and for reload: read
/// the file (else the embedded default), apply the start parameters, check that the upstream hosts
/// resolve. A bad config is a result, not an exception, so each caller reports it its own way.
/// </summary>
public static class ConfigSource
{
    /// <summary>The check every caller gets unless it passes its own (tests: no DNS).</summary>
    public static readonly ConfigCheck ResolvableHosts = (config, cancellationToken) =>
        UpstreamHostCheck.FindUnresolvableAsync(config, EngineDefaults.HostCheckTimeout, cancellationToken);

    /// <param name="path">The config file; null for the embedded default.</param>
    /// <param name="overrides">The start parameters; null for none.</param>
    /// <param name="hostCheck">Replaces <see cref="ResolvableHosts"/>.</param>
    public static async Task<ConfigLoadResult> LoadAsync(string? path, ConfigOverrides? overrides = null, ConfigCheck? hostCheck = null,
        CancellationToken cancellationToken = default)
    {
        if (path is not null && !File.Exists(path))
        {
            return Refused(path, ConfigLoadFailure.FileNotFound, [new ConfigError("(file)", null, $"'{path}' does not exist")]);
        }
        NetDriftConfig config;
        try
        {
            config = path is null ? DefaultConfig.Load() : ConfigLoader.LoadFile(path);
        }
        catch (ConfigException e)
        {
            return Refused(path, ConfigLoadFailure.InvalidFile, e.Errors);
        }
        try
        {
            config = (overrides ?? ConfigOverrides.None).ApplyTo(config);
        }
        catch (ConfigException e)
        {
            return Refused(path, ConfigLoadFailure.InvalidOverrides, e.Errors);
        }
        var unresolvable = await (hostCheck ?? ResolvableHosts)(config, cancellationToken).ConfigureAwait(false);
        if (unresolvable.Count > 0)
        {
            return Refused(path, ConfigLoadFailure.UnresolvableHost, unresolvable);
        }
        return new ConfigLoadResult { Config = config, Path = path };
    }

    private static ConfigLoadResult Refused(string? path, ConfigLoadFailure failure, IReadOnlyList<ConfigError> errors) =>
        new() { Path = path, Failure = failure, Errors = errors };
}
