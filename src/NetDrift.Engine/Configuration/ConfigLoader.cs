using System.Text;
using System.Text.Json;
using NetDrift.Engine.Balancing;

namespace NetDrift.Engine.Configuration;

/// <summary>
/// Turns config JSON into a validated <see cref="NetDriftConfig"/>. Reads the Go NetDrift schema
/// with the same meaning, collects every problem (unknown fields, wrong types, bad values), and
/// names the field and line of each. Never returns a half-valid config.
/// </summary>
public static class ConfigLoader
{
    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = false,
    };

    public static NetDriftConfig LoadFile(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(path, [new ConfigError("(file)", null, $"cannot be read: {e.Message}")]);
        }
        // Paths in a config file are its folder's, wherever the proxy runs from.
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        return AccessLogConfig.ResolveAgainst(UpstreamSourceReader.RelativeTo(Parse(bytes, path, folder), folder), path);
    }

    public static NetDriftConfig Parse(string json, string? source = null) => Parse(Encoding.UTF8.GetBytes(json), source);

    /// <param name="folder">Where relative file paths (tls_ca_file, server.tls) are taken from; null: the current directory.</param>
    public static NetDriftConfig Parse(byte[] utf8Json, string? source = null, string? folder = null)
    {
        var errors = Validate(utf8Json, out var config, folder);
        if (errors.Count > 0)
        {
            throw new ConfigException(source, errors);
        }
        return config!;
    }

    /// <summary>Every problem in the JSON; the config when there are none.</summary>
    public static IReadOnlyList<ConfigError> Validate(byte[] utf8Json, out NetDriftConfig? config, string? folder = null)
    {
        config = null;
        // Windows PowerShell's Set-Content -Encoding UTF8 and Notepad write a BOM; the JSON reader refuses it.
        if (utf8Json.AsSpan().StartsWith("\uFEFF"u8))
        {
            utf8Json = utf8Json[3..];
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json, DocumentOptions);
        }
        catch (JsonException e)
        {
            var line = e.LineNumber is { } zeroBased ? (int)zeroBased + 1 : (int?)null;
            return [new ConfigError(string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "(json)" : e.Path.TrimStart('$', '.'), line, $"is not valid JSON: {FirstSentence(e.Message)}")];
        }
        using (document)
        {
            var lines = JsonLineMap.Build(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            var sink = new ConfigErrorSink(lines) { Folder = folder };
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                sink.Add("(root)", "must be a JSON object");
                return sink.Errors;
            }
            var built = Read(new JsonObjectReader(document.RootElement, "", sink), sink);
            if (sink.Errors.Count == 0)
            {
                config = built;
            }
            return sink.Errors;
        }
    }

    /// <summary>Parses one upstream URL outside a file (cmdlet parameters), naming <paramref name="field"/> on error.</summary>
    public static UpstreamConfig ParseUpstream(string url, string field, string? name = null, int weight = 1, string tag = "", bool enabled = true, string note = "")
    {
        if (!UpstreamAddress.TryParse(url, out var address, out var error))
        {
            throw new ConfigException(null, [new ConfigError(field, null, error!)]);
        }
        if (weight is < 0 or > UpstreamConfig.MaxWeight)
        {
            throw new ConfigException(null, [new ConfigError(field, null, $"weight must be from 0 to {UpstreamConfig.MaxWeight}, not {weight}")]);
        }
        if (name is not null && UpstreamName.Problem(name) is { } nameProblem)
        {
            throw new ConfigException(null, [new ConfigError("-Name", null, nameProblem)]);
        }
        return new UpstreamConfig
        {
            Url = address!, Name = string.IsNullOrWhiteSpace(name) ? address!.Authority : name,
            Weight = weight, Tag = tag, Enabled = enabled, Note = note,
        };
    }

    private static NetDriftConfig Read(JsonObjectReader root, ConfigErrorSink sink)
    {
        var config = new NetDriftConfig();
        // Editors' schema hint ("$schema": "./netdrift.schema.json"): allowed, not used.
        root.String("$schema");

        if (root.Object("server") is { } server)
        {
            config = config with { Server = ReadServer(server, sink) };
        }
        if (root.Object("authentication") is { } auth)
        {
            config = config with { Authentication = ReadAuthentication(auth, sink) };
        }
        if (!root.Has("upstream_proxies") && !root.Has("upstream_sources"))
        {
            sink.Add("upstream_proxies", "is required (unless upstream_sources lists them): the list of upstream proxies to balance over");
        }
        config = config with { UpstreamProxies = ReadUpstreams(root, sink), UpstreamSources = UpstreamSourceReader.Read(root, sink) };
        // The Go program treated 0 as "use the default"; keep that meaning.
        var upstreamTimeout = root.Seconds("upstream_timeout", config.UpstreamTimeout, min: 0, max: 3600);
        config = config with { UpstreamTimeout = upstreamTimeout == TimeSpan.Zero ? config.UpstreamTimeout : upstreamTimeout };
        if (root.Object("health_check") is { } health)
        {
            config = config with { HealthCheck = ReadHealthCheck(health, sink) };
        }
        var strategy = root.String("load_balancing", config.LoadBalancing)!;
        if (!LoadBalancingNames.All.Contains(strategy))
        {
            sink.Add(root.FieldPath("load_balancing"), $"must be one of {string.Join(", ", LoadBalancingNames.All)}, not '{strategy}'");
        }
        config = config with
        {
            LoadBalancing = strategy,
            Retries = root.Int("retries", config.Retries, min: 0, max: 100),
            RetriesOnTargetError = root.Int("retries_on_target_error", config.RetriesOnTargetError, min: 0, max: 100),
            ExposeUpstream = root.Bool("expose_upstream", config.ExposeUpstream),
            MetricsEndpoint = ReadEndpointPath(root, "metrics_endpoint", config.MetricsEndpoint, sink),
        };
        if (root.Object("limits") is { } limits)
        {
            config = config with { Limits = ReadLimits(limits) };
        }
        if (root.Array("allowed_ports") is { } ports)
        {
            var allowed = new List<int>();
            foreach (var (element, path) in ports)
            {
                if (element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var port) && port is >= 1 and <= 65535)
                {
                    allowed.Add(port);
                }
                else
                {
                    sink.Add(path, $"must be a port from 1 to 65535, not {JsonObjectReader.Describe(element)}");
                }
            }
            config = config with { AllowedPorts = allowed };
        }
        if (root.Object("logging") is { } logging)
        {
            config = config with { Logging = ReadLogging(logging, sink) };
        }
        if (root.Object("access_log") is { } accessLog)
        {
            config = config with { AccessLog = AccessLogConfigReader.Read(accessLog, sink) };
        }
        config = config with { Routes = RouteConfigReader.Read(root, sink) };
        if (root.Object("sessions") is { } sessions)
        {
            config = config with { Sessions = SessionsConfigReader.Read(sessions, sink) };
        }
        root.ReportUnknownFields();
        if (config.Server.StatsEndpoint == config.MetricsEndpoint)
        {
            sink.Add("metrics_endpoint", "must differ from server.stats_endpoint");
        }
        return config;
    }

    private static ServerConfig ReadServer(JsonObjectReader server, ConfigErrorSink sink)
    {
        var defaults = new ServerConfig();
        var listen = server.String("listen_address", defaults.ListenAddress)!;
        if (!ListenAddress.TryParse(listen, out _, out var error))
        {
            sink.Add(server.FieldPath("listen_address"), error!);
        }
        var result = new ServerConfig
        {
            Name = server.String("name", defaults.Name)!,
            ListenAddress = listen,
            StatsEndpoint = ReadEndpointPath(server, "stats_endpoint", defaults.StatsEndpoint, sink),
            ShutdownDelay = server.Seconds("shutdown_delay_seconds", defaults.ShutdownDelay, min: 0, max: 3600),
            Socks5 = server.Bool("socks5", defaults.Socks5),
        };
        if (server.Object("proxy_protocol") is { } proxyProtocol)
        {
            result = result with { ProxyProtocol = ReadProxyProtocol(proxyProtocol, sink) };
        }
        if (server.Object("tls") is { } tls)
        {
            result = result with { Tls = ListenerTlsFields.Read(tls, sink) };
        }
        server.ReportUnknownFields();
        return result;
    }

    private static ProxyProtocolConfig ReadProxyProtocol(JsonObjectReader proxyProtocol, ConfigErrorSink sink)
    {
        var trusted = new List<System.Net.IPNetwork>();
        foreach (var (element, path) in proxyProtocol.Array("trusted") ?? [])
        {
            var text = element.ValueKind == JsonValueKind.String ? element.GetString()! : "";
            // Newer runtimes mask host bits away silently; "10.0.0.1/8" is more likely a typo than meant.
            if (text.Contains('/') && System.Net.IPNetwork.TryParse(text, out var network)
                && System.Net.IPAddress.TryParse(text.AsSpan(0, text.IndexOf('/')), out var written) && written.Equals(network.BaseAddress))
            {
                trusted.Add(network);
            }
            else
            {
                sink.Add(path, $"must be a CIDR network such as 10.0.0.0/8, 127.0.0.1/32 or ::1/128 (no host bits past the prefix), not {JsonObjectReader.Describe(element)}");
            }
        }
        proxyProtocol.ReportUnknownFields();
        return new ProxyProtocolConfig { Trusted = trusted };
    }

    private static string ReadEndpointPath(JsonObjectReader reader, string name, string fallback, ConfigErrorSink sink)
    {
        var path = reader.String(name, fallback)!;
        if (path.Length < 2 || path[0] != '/' || path.Any(c => c <= ' ' || c is '?' or '#') || path == "/healthz")
        {
            sink.Add(reader.FieldPath(name), $"must be a path such as {fallback} (not '/', not /healthz, no spaces or query)");
            return fallback;
        }
        return path;
    }

    private static AuthenticationConfig ReadAuthentication(JsonObjectReader auth, ConfigErrorSink sink)
    {
        var users = new List<UserConfig>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (element, path) in auth.Array("users") ?? [])
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                sink.Add(path, $"must be an object with username and password, not {JsonObjectReader.Describe(element)}");
                continue;
            }
            var user = new JsonObjectReader(element, path, sink);
            var name = user.String("username");
            var password = user.String("password");
            var tag = user.String("tag");
            var maxConnections = user.Int("max_connections", 0, min: 0, max: 1_000_000);
            var requestsPerMinute = user.Int("requests_per_minute", 0, min: 0, max: 100_000_000);
            var bytesPerSecond = user.Int("bytes_per_second", 0, min: 0, max: int.MaxValue);
            user.ReportUnknownFields();
            if (string.IsNullOrEmpty(name))
            {
                // A present value of the wrong type was already reported as such.
                if (name is not null || !user.Has("username"))
                {
                    sink.Add(user.FieldPath("username"), "is required and must not be empty");
                }
                continue;
            }
            if (name.Contains(':'))
            {
                sink.Add(user.FieldPath("username"), "must not contain ':' (Basic auth splits on it)");
                continue;
            }
            if (password is null)
            {
                if (!user.Has("password"))
                {
                    sink.Add(user.FieldPath("password"), "is required");
                }
                continue;
            }
            if (Security.PasswordHash.IsHash(password) && !Security.PasswordHash.TryParse(password, out _, out _, out _, out var hashError))
            {
                sink.Add(user.FieldPath("password"), hashError!);
                continue;
            }
            if (!seen.Add(name))
            {
                sink.Add(user.FieldPath("username"), $"'{name}' appears more than once");
                continue;
            }
            users.Add(new UserConfig(name, password, string.IsNullOrEmpty(tag) ? null : tag)
            {
                MaxConnections = maxConnections, RequestsPerMinute = requestsPerMinute, BytesPerSecond = bytesPerSecond,
            });
        }
        var result = new AuthenticationConfig { Enabled = auth.Bool("enabled", false), Users = users };
        auth.ReportUnknownFields();
        return result;
    }

    private static IReadOnlyList<UpstreamConfig> ReadUpstreams(JsonObjectReader root, ConfigErrorSink sink)
    {
        var upstreams = new List<UpstreamConfig>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (element, path) in root.Array("upstream_proxies") ?? [])
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                sink.Add(path, $"must be an object with at least a url, not {JsonObjectReader.Describe(element)}");
                continue;
            }
            var reader = new JsonObjectReader(element, path, sink);
            var url = reader.String("url");
            var name = reader.String("name");
            var enabled = reader.Bool("enabled", true);
            var weight = reader.Int("weight", 1, min: 0, max: UpstreamConfig.MaxWeight);
            var tag = reader.String("tag", "")!;
            var note = reader.String("note", "")!;
            var tls = UpstreamTlsFields.Read(reader, sink);
            reader.ReportUnknownFields();
            if (url is null)
            {
                // A present value of the wrong type was already reported as such.
                if (!reader.Has("url"))
                {
                    sink.Add(reader.FieldPath("url"), "is required (http://host:port or http://user:pass@host:port)");
                }
                continue;
            }
            if (!UpstreamAddress.TryParse(url, out var address, out var error))
            {
                sink.Add(reader.FieldPath("url"), error!);
                continue;
            }
            if (name is not null && UpstreamName.Problem(name) is { } nameProblem)
            {
                sink.Add(reader.FieldPath("name"), nameProblem);
                continue;
            }
            var upstreamName = string.IsNullOrWhiteSpace(name) ? address!.Authority : name.Trim();
            if (!names.Add(upstreamName))
            {
                sink.Add(reader.FieldPath(name is null ? "url" : "name"),
                    $"names upstream '{upstreamName}' a second time; give one of them a distinct \"name\"");
                continue;
            }
            upstreams.Add(new UpstreamConfig
            {
                Url = address!, Name = upstreamName, Enabled = enabled, Weight = weight, Tag = tag, Note = note,
                TlsCaFile = tls.CaFile, TlsCa = tls.Ca, TlsServerName = tls.ServerName, TlsInsecure = tls.Insecure,
            });
        }
        return upstreams;
    }

    private static HealthCheckConfig ReadHealthCheck(JsonObjectReader health, ConfigErrorSink sink)
    {
        var defaults = new HealthCheckConfig();
        var endpoints = new List<string>();
        foreach (var (element, path) in health.Array("endpoints") ?? [])
        {
            if (element.ValueKind != JsonValueKind.String
                || !Uri.TryCreate(element.GetString(), UriKind.Absolute, out var uri)
                || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                sink.Add(path, "must be an http:// or https:// URL");
                continue;
            }
            endpoints.Add(element.GetString()!);
        }
        // Go used 0 to mean "default" for these; keep that meaning.
        var interval = health.Seconds("interval_seconds", defaults.Interval, min: 0);
        var timeout = health.Seconds("timeout_seconds", defaults.Timeout, min: 0, max: 3600);
        var recovery = health.Int("recovery_threshold", defaults.RecoveryThreshold, min: 0, max: 1000);
        var result = new HealthCheckConfig
        {
            Enabled = health.Bool("enabled", false),
            Interval = interval == TimeSpan.Zero ? defaults.Interval : interval,
            Timeout = timeout == TimeSpan.Zero ? defaults.Timeout : timeout,
            FailureThreshold = health.Int("failure_threshold", defaults.FailureThreshold, min: 0, max: 1000),
            RecoveryThreshold = recovery == 0 ? defaults.RecoveryThreshold : recovery,
            SlowStart = health.Seconds("slow_start_seconds", defaults.SlowStart, min: 0, max: 3600),
            Endpoints = endpoints,
            EndpointRotation = health.Bool("endpoint_rotation", false),
        };
        health.ReportUnknownFields();
        return result;
    }

    private static LimitsConfig ReadLimits(JsonObjectReader limits)
    {
        var defaults = new LimitsConfig();
        var result = new LimitsConfig
        {
            MaxConnections = limits.Int("max_connections", defaults.MaxConnections, min: 1),
            MaxConnectionsPerClient = limits.Int("max_connections_per_client", defaults.MaxConnectionsPerClient, min: 0),
            HeaderTimeout = limits.Seconds("header_timeout_seconds", defaults.HeaderTimeout, min: 0.1, max: 3600),
            IdleTimeout = limits.Seconds("idle_timeout_seconds", defaults.IdleTimeout, min: 1),
            BodyTimeout = limits.Seconds("body_timeout_seconds", defaults.BodyTimeout, min: 0.1, max: 3600),
            MaxHeaderBytes = limits.Int("max_header_bytes", defaults.MaxHeaderBytes, min: 1024, max: 1024 * 1024),
            MaxHeaderCount = limits.Int("max_header_count", defaults.MaxHeaderCount, min: 8, max: 10_000),
        };
        limits.ReportUnknownFields();
        return result;
    }

    private static LoggingConfig ReadLogging(JsonObjectReader logging, ConfigErrorSink sink)
    {
        var defaults = new LoggingConfig();
        var level = logging.String("level", defaults.Level)!;
        if (LogLevelName.Check(level) is { } levelError)
        {
            sink.Add(logging.FieldPath("level"), levelError);
        }
        var format = logging.String("format", defaults.Format)!;
        if (format is not ("simple" or "json" or "systemd"))
        {
            sink.Add(logging.FieldPath("format"), $"must be simple, json or systemd, not '{format}'");
        }
        logging.ReportUnknownFields();
        return new LoggingConfig { Level = level, Format = format };
    }

    private static string FirstSentence(string message)
    {
        // System.Text.Json appends "Path: ... | LineNumber: ..."; the error already names both.
        foreach (var marker in new[] { " Path:", " LineNumber:" })
        {
            var cut = message.IndexOf(marker, StringComparison.Ordinal);
            if (cut > 0)
            {
                message = message[..cut];
            }
        }
        return message.TrimEnd();
    }
}
