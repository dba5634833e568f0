using System.Globalization;

namespace NetDrift.Engine.Configuration;

/// <summary>
/// The differences between two configs, one <see cref="ConfigChange"/> per upstream, user or
/// setting, in a stable order. Pure: it decides nothing, the proxy applies the new config whole.
/// </summary>
public static class ConfigDiff
{
    public static IReadOnlyList<ConfigChange> Compute(NetDriftConfig old, NetDriftConfig @new)
    {
        var changes = new List<ConfigChange>();
        CompareUpstreams(old, @new, changes);
        CompareUsers(old.Authentication, @new.Authentication, changes);
        CompareSettings(old, @new, changes);
        return changes;
    }

    private static void CompareUpstreams(NetDriftConfig old, NetDriftConfig @new, List<ConfigChange> changes)
    {
        var before = old.UpstreamProxies.ToDictionary(u => u.Name, StringComparer.OrdinalIgnoreCase);
        var after = @new.UpstreamProxies.ToDictionary(u => u.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var upstream in @new.UpstreamProxies)
        {
            if (!before.TryGetValue(upstream.Name, out var previous))
            {
                changes.Add(new(ConfigChangeKind.Added, ConfigChangeScope.Upstream, upstream.Name, $"{upstream.Url.Redacted}, weight {upstream.Weight}"));
                continue;
            }
            var details = new List<string>();
            if (previous.Url.Authority != upstream.Url.Authority)
            {
                details.Add($"address {previous.Url.Authority} -> {upstream.Url.Authority}");
            }
            if (previous.Url.ProxyAuthorization != upstream.Url.ProxyAuthorization)
            {
                details.Add("credentials changed");
            }
            Note(details, "weight", previous.Weight, upstream.Weight);
            Note(details, "enabled", previous.Enabled, upstream.Enabled);
            Note(details, "tag", previous.Tag, upstream.Tag);
            Note(details, "note", previous.Note, upstream.Note);
            UpstreamTlsDiff.Note(details, previous, upstream);
            if (details.Count > 0)
            {
                changes.Add(new(ConfigChangeKind.Changed, ConfigChangeScope.Upstream, upstream.Name, string.Join("; ", details)));
            }
        }
        foreach (var upstream in old.UpstreamProxies.Where(u => !after.ContainsKey(u.Name)))
        {
            changes.Add(new(ConfigChangeKind.Removed, ConfigChangeScope.Upstream, upstream.Name, "drains: open tunnels finish, no new ones"));
        }
    }

    private static void CompareUsers(AuthenticationConfig old, AuthenticationConfig @new, List<ConfigChange> changes)
    {
        var before = old.Users.ToDictionary(u => u.Username, StringComparer.Ordinal);
        var after = @new.Users.ToDictionary(u => u.Username, StringComparer.Ordinal);
        foreach (var user in @new.Users)
        {
            if (!before.TryGetValue(user.Username, out var previous))
            {
                changes.Add(new(ConfigChangeKind.Added, ConfigChangeScope.User, user.Username, "can log in"));
            }
            else
            {
                var details = new List<string>();
                if (previous.Password != user.Password)
                {
                    details.Add("password changed");
                }
                Note(details, "tag", previous.Tag ?? "", user.Tag ?? "");
                Note(details, "max_connections", previous.MaxConnections, user.MaxConnections);
                Note(details, "requests_per_minute", previous.RequestsPerMinute, user.RequestsPerMinute);
                Note(details, "bytes_per_second", previous.BytesPerSecond, user.BytesPerSecond);
                if (details.Count > 0)
                {
                    changes.Add(new(ConfigChangeKind.Changed, ConfigChangeScope.User, user.Username, string.Join("; ", details)));
                }
            }
        }
        foreach (var user in old.Users.Where(u => !after.ContainsKey(u.Username)))
        {
            changes.Add(new(ConfigChangeKind.Removed, ConfigChangeScope.User, user.Username, "can no longer log in"));
        }
        if (old.IsRequired != @new.IsRequired)
        {
            changes.Add(new(ConfigChangeKind.Changed, ConfigChangeScope.Setting, "authentication.enabled",
                @new.IsRequired ? "clients must now log in" : "clients no longer log in"));
        }
    }

    private static void CompareSettings(NetDriftConfig old, NetDriftConfig @new, List<ConfigChange> changes)
    {
        void Setting<T>(string path, T before, T after, string? note = null)
        {
            if (!EqualityComparer<T>.Default.Equals(before, after))
            {
                changes.Add(new(ConfigChangeKind.Changed, ConfigChangeScope.Setting, path,
                    $"{Show(before)} -> {Show(after)}" + (note is null ? "" : $" ({note})")));
            }
        }
        Setting("server.listen_address", old.Server.ListenAddress, @new.Server.ListenAddress, "rebinds; open tunnels stay");
        Setting("server.name", old.Server.Name, @new.Server.Name, "the running proxy keeps its name");
        Setting("server.stats_endpoint", old.Server.StatsEndpoint, @new.Server.StatsEndpoint);
        Setting("server.shutdown_delay_seconds", old.Server.ShutdownDelay, @new.Server.ShutdownDelay);
        Setting("server.socks5", old.Server.Socks5, @new.Server.Socks5, "applies to new connections");
        Setting("server.proxy_protocol.trusted", string.Join(" ", old.Server.ProxyProtocol.Trusted), string.Join(" ", @new.Server.ProxyProtocol.Trusted),
            "applies to new connections");
        changes.AddRange(UpstreamTlsDiff.Listener(old.Server.Tls, @new.Server.Tls));
        Setting("upstream_sources", string.Join(" ", old.UpstreamSources.Select(Describe)), string.Join(" ", @new.UpstreamSources.Select(Describe)), "re-read now");
        Setting("upstream_timeout", old.UpstreamTimeout, @new.UpstreamTimeout);
        Setting("load_balancing", old.LoadBalancing, @new.LoadBalancing);
        Setting("retries", old.Retries, @new.Retries);
        Setting("retries_on_target_error", old.RetriesOnTargetError, @new.RetriesOnTargetError);
        Setting("metrics_endpoint", old.MetricsEndpoint, @new.MetricsEndpoint);
        Setting("expose_upstream", old.ExposeUpstream, @new.ExposeUpstream);
        Setting("allowed_ports", string.Join(",", old.AllowedPorts), string.Join(",", @new.AllowedPorts));
        Setting("limits.max_connections", old.Limits.MaxConnections, @new.Limits.MaxConnections);
        Setting("limits.max_connections_per_client", old.Limits.MaxConnectionsPerClient, @new.Limits.MaxConnectionsPerClient);
        Setting("limits.header_timeout_seconds", old.Limits.HeaderTimeout, @new.Limits.HeaderTimeout);
        Setting("limits.idle_timeout_seconds", old.Limits.IdleTimeout, @new.Limits.IdleTimeout);
        Setting("limits.body_timeout_seconds", old.Limits.BodyTimeout, @new.Limits.BodyTimeout);
        Setting("limits.max_header_bytes", old.Limits.MaxHeaderBytes, @new.Limits.MaxHeaderBytes);
        Setting("limits.max_header_count", old.Limits.MaxHeaderCount, @new.Limits.MaxHeaderCount);
        Setting("health_check.enabled", old.HealthCheck.Enabled, @new.HealthCheck.Enabled);
        Setting("health_check.interval_seconds", old.HealthCheck.Interval, @new.HealthCheck.Interval);
        Setting("health_check.timeout_seconds", old.HealthCheck.Timeout, @new.HealthCheck.Timeout);
        Setting("health_check.failure_threshold", old.HealthCheck.FailureThreshold, @new.HealthCheck.FailureThreshold);
        Setting("health_check.recovery_threshold", old.HealthCheck.RecoveryThreshold, @new.HealthCheck.RecoveryThreshold);
        Setting("health_check.slow_start_seconds", old.HealthCheck.SlowStart, @new.HealthCheck.SlowStart);
        Setting("health_check.endpoints", string.Join(" ", old.HealthCheck.Endpoints), string.Join(" ", @new.HealthCheck.Endpoints));
        Setting("health_check.endpoint_rotation", old.HealthCheck.EndpointRotation, @new.HealthCheck.EndpointRotation);
        Setting("routes", string.Join("; ", old.Routes), string.Join("; ", @new.Routes), "applies to new requests");
        Setting("sessions.enabled", old.Sessions.Enabled, @new.Sessions.Enabled, "live sessions are kept");
        Setting("sessions.separator", old.Sessions.Separator, @new.Sessions.Separator);
        Setting("sessions.ttl_seconds", old.Sessions.Ttl, @new.Sessions.Ttl);
        Setting("sessions.max_sessions", old.Sessions.MaxSessions, @new.Sessions.MaxSessions);
        Setting("logging.level", old.Logging.Level, @new.Logging.Level);
        Setting("logging.format", old.Logging.Format, @new.Logging.Format, "takes effect at the next start");
        Setting("access_log", AccessLogShown(old.AccessLog), AccessLogShown(@new.AccessLog), "switched on the next line");
    }

    private static string AccessLogShown(AccessLogConfig? log) =>
        log is null ? "off" : $"{log.Path} ({log.Format.ToString().ToLowerInvariant()}{(log.LogUser ? "" : ", no user")})";

    private static string Describe(UpstreamSourceConfig source) => string.Create(CultureInfo.InvariantCulture,
        $"{source.Location}[every {source.Refresh.TotalSeconds:0.###}s, weight {source.Weight}{(source.Tag.Length > 0 ? ", tag " + source.Tag : "")}]");

    internal static void Note<T>(List<string> details, string name, T before, T after)
    {
        if (!EqualityComparer<T>.Default.Equals(before, after))
        {
            details.Add($"{name} {Show(before)} -> {Show(after)}");
        }
    }

    internal static string Show<T>(T value) => value switch
    {
        TimeSpan t => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s",
        string s when s.Length == 0 => "(none)",
        bool b => b ? "true" : "false",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
