using NetDrift.Engine.Balancing;

namespace NetDrift.Engine.Configuration;

/// <summary>
/// The start parameters that override the config file (Start-NetDriftProxy -Listen, -Upstream...).
/// Null keeps the file's value. A proxy applies the same overrides to every config it reloads, so
/// editing the file never undoes what the command line said. Errors name the parameter.
/// </summary>
public sealed record ConfigOverrides
{
    public static ConfigOverrides None { get; } = new();

    /// <summary>-Listen: host:port; port 0 picks a free port.</summary>
    public string? ListenAddress { get; init; }

    /// <summary>-Upstream: upstream proxy URLs, replacing the file's list.</summary>
    public IReadOnlyList<string>? UpstreamUrls { get; init; }

    /// <summary>-ClientCredential: replaces the file's users; authentication is on when there is one.</summary>
    public IReadOnlyList<UserConfig>? Users { get; init; }

    /// <summary>-LoadBalancing: one of <see cref="LoadBalancingNames.All"/>.</summary>
    public string? LoadBalancing { get; init; }

    /// <summary>-UpstreamTimeout: more than zero, at most an hour.</summary>
    public TimeSpan? UpstreamTimeout { get; init; }

    /// <summary>-Retries: 0 to 100.</summary>
    public int? Retries { get; init; }

    /// <summary>-LogLevel: a Microsoft.Extensions.Logging level name.</summary>
    public string? LogLevel { get; init; }

    /// <summary>Every bad value, each naming its parameter; empty when the overrides can be applied.</summary>
    public IReadOnlyList<ConfigError> Validate()
    {
        var errors = new List<ConfigError>();
        Check(errors);
        return errors;
    }

    /// <summary>
    /// <paramref name="config"/> with every set override in place of the file's value. Throws a
    /// <see cref="ConfigException"/> naming the parameters when <see cref="Validate"/> finds problems.
    /// </summary>
    public NetDriftConfig ApplyTo(NetDriftConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var errors = new List<ConfigError>();
        var upstreams = Check(errors);
        if (errors.Count > 0)
        {
            throw new ConfigException(null, errors);
        }
        if (ListenAddress is not null)
        {
            config = config with { Server = config.Server with { ListenAddress = ListenAddress } };
        }
        if (upstreams is not null)
        {
            config = config with { UpstreamProxies = upstreams };
        }
        if (Users is not null)
        {
            config = config with { Authentication = new AuthenticationConfig { Enabled = Users.Count > 0, Users = Users } };
        }
        if (LoadBalancing is not null)
        {
            config = config with { LoadBalancing = LoadBalancing };
        }
        if (UpstreamTimeout is { } upstreamTimeout)
        {
            config = config with { UpstreamTimeout = upstreamTimeout };
        }
        if (Retries is { } retries)
        {
            config = config with { Retries = retries };
        }
        if (LogLevel is not null)
        {
            config = config with { Logging = config.Logging with { Level = LogLevel } };
        }
        return config;
    }

    /// <summary>Adds every problem to <paramref name="errors"/>; returns -Upstream parsed, when given.</summary>
    private UpstreamConfig[]? Check(List<ConfigError> errors)
    {
        if (ListenAddress is not null && !Configuration.ListenAddress.TryParse(ListenAddress, out _, out var listenError))
        {
            errors.Add(new ConfigError("-Listen", null, listenError!));
        }
        var upstreams = UpstreamUrls is null ? null : ParseUpstreams(errors);
        if (LoadBalancing is not null && !LoadBalancingNames.All.Contains(LoadBalancing))
        {
            errors.Add(new ConfigError("-LoadBalancing", null, $"must be one of {string.Join(", ", LoadBalancingNames.All)}, not '{LoadBalancing}'"));
        }
        if (UpstreamTimeout is { } timeout && (timeout <= TimeSpan.Zero || timeout > TimeSpan.FromHours(1)))
        {
            errors.Add(new ConfigError("-UpstreamTimeout", null, "must be more than zero and at most one hour"));
        }
        if (Retries is < 0 or > 100)
        {
            errors.Add(new ConfigError("-Retries", null, $"must be from 0 to 100, not {Retries}"));
        }
        if (LogLevel is not null && LogLevelName.Check(LogLevel) is { } levelError)
        {
            errors.Add(new ConfigError("-LogLevel", null, levelError));
        }
        return upstreams;
    }

    private UpstreamConfig[] ParseUpstreams(List<ConfigError> errors)
    {
        var upstreams = new List<UpstreamConfig>();
        for (var i = 0; i < UpstreamUrls!.Count; i++)
        {
            try
            {
                upstreams.Add(ConfigLoader.ParseUpstream(UpstreamUrls[i], $"-Upstream[{i}]"));
            }
            catch (ConfigException e)
            {
                errors.AddRange(e.Errors);
            }
        }
        var duplicate = upstreams.GroupBy(u => u.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            errors.Add(new ConfigError("-Upstream", null, $"names upstream '{duplicate.Key}' more than once"));
        }
        return [.. upstreams];
    }
}
