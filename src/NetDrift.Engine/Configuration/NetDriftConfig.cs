namespace NetDrift.Engine.Configuration;

/// <summary>
/// A whole, validated proxy configuration: the Go NetDrift schema plus NetDrift's extensions
/// (CONTRACT §3). Immutable; a reload builds a new one and swaps it in.
/// </summary>
public sealed record NetDriftConfig
{
    public ServerConfig Server { get; init; } = new();
    public AuthenticationConfig Authentication { get; init; } = new();
    public IReadOnlyList<UpstreamConfig> UpstreamProxies { get; init; } = [];
    /// <summary>Lists of upstreams maintained elsewhere (files, URLs), joined to <see cref="UpstreamProxies"/>.</summary>
    public IReadOnlyList<UpstreamSourceConfig> UpstreamSources { get; init; } = [];
    /// <summary>Bounds the dial to an upstream and the wait for its answer (Go default: 5 s).</summary>
    public TimeSpan UpstreamTimeout { get; init; } = TimeSpan.FromSeconds(5);
    public HealthCheckConfig HealthCheck { get; init; } = new();
    public string LoadBalancing { get; init; } = Balancing.LoadBalancingNames.WeightedRoundRobin;
    /// <summary>How many other upstreams are tried after a failed attempt.</summary>
    public int Retries { get; init; } = 2;

    /// <summary>Other upstreams tried after a target failure (CONTRACT §7); within <see cref="Retries"/>.</summary>
    public int RetriesOnTargetError { get; init; } = 1;
    public LimitsConfig Limits { get; init; } = new();
    /// <summary>CONNECT ports allowed; empty means any.</summary>
    public IReadOnlyList<int> AllowedPorts { get; init; } = [];
    public string MetricsEndpoint { get; init; } = "/metrics";
    /// <summary>Adds X-NetDrift-Upstream to answers. Off by default: it reveals topology.</summary>
    public bool ExposeUpstream { get; init; }
    public LoggingConfig Logging { get; init; } = new();
    /// <summary>The access log (CONTRACT §10); null: none.</summary>
    public AccessLogConfig? AccessLog { get; init; }

    /// <summary>Routes by target, first match wins (CONTRACT §9); none matching means the whole pool.</summary>
    public IReadOnlyList<RouteConfig> Routes { get; init; } = [];

    public SessionsConfig Sessions { get; init; } = new();
}

public sealed record ServerConfig
{
    public string Name { get; init; } = "NetDrift";
    public string ListenAddress { get; init; } = "127.0.0.1:3130";
    public string StatsEndpoint { get; init; } = "/stats";
    /// <summary>How long a stop keeps accepting after /healthz turns 503, so a balancer notices first.</summary>
    public TimeSpan ShutdownDelay { get; init; } = TimeSpan.Zero;
    public ProxyProtocolConfig ProxyProtocol { get; init; } = new();
    /// <summary>SOCKS5 clients on the proxy port (first byte 0x05); false refuses them.</summary>
    public bool Socks5 { get; init; } = true;
    /// <summary>TLS on the listener (CONTRACT §8); null: plaintext only.</summary>
    public ListenerTlsConfig? Tls { get; init; }
}

/// <summary>
/// PROXY protocol on the listener (CONTRACT §11): peers in <see cref="Trusted"/> (a balancer) must
/// start each connection with a v1 or v2 header, and the client it carries is the client; any
/// other peer that sends one is refused. Empty (the default) trusts nobody.
/// </summary>
public sealed record ProxyProtocolConfig
{
    public IReadOnlyList<System.Net.IPNetwork> Trusted { get; init; } = [];

    /// <summary>True when <paramref name="peer"/> (an IPv4 peer of a dual-mode socket too) is in a trusted network.</summary>
    public bool Trusts(System.Net.IPAddress peer)
    {
        if (Trusted.Count == 0)
        {
            return false;
        }
        var address = peer.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : peer;
        foreach (var network in Trusted)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }
        return false;
    }
}

public sealed record AuthenticationConfig
{
    public bool Enabled { get; init; }
    public IReadOnlyList<UserConfig> Users { get; init; } = [];

    /// <summary>Clients must log in only when enabled and somebody can.</summary>
    public bool IsRequired => Enabled && Users.Count > 0;
}

/// <param name="Tag">When set, this user's requests go only to upstreams with this tag (failover too).</param>
public sealed record UserConfig(string Username, string Password, string? Tag = null)
{
    /// <summary>Plain or hashed. Internal so that PowerShell (Format-List, ConvertTo-Json through ProxyInfo.Engine) never shows it.</summary>
    internal string Password { get; init; } = Password;

    /// <summary>Concurrent connections (tunnels and plain requests in flight) of this user; 0 means no cap.</summary>
    public int MaxConnections { get; init; }

    /// <summary>CONNECTs plus plain requests per one-minute window; 0 means no cap.</summary>
    public int RequestsPerMinute { get; init; }

    /// <summary>Each direction's byte rate across all of this user's connections, shaped not cut; 0 means no cap.</summary>
    public long BytesPerSecond { get; init; }

    /// <summary>True when any per-user limit is set.</summary>
    public bool IsLimited => MaxConnections > 0 || RequestsPerMinute > 0 || BytesPerSecond > 0;

    public override string ToString() => $"{Username}:***";
}

public sealed record UpstreamConfig
{
    /// <summary>
    /// The largest weight: smooth WRR precomputes a cycle with one entry per unit of (reduced) weight,
    /// so an unbounded weight means an unbounded allocation (2e9 took minutes and ~16 GB).
    /// </summary>
    public const int MaxWeight = 1000;

    public required UpstreamAddress Url { get; init; }
    /// <summary>The name cmdlets and stats use: the configured name, else host:port.</summary>
    public required string Name { get; init; }
    public bool Enabled { get; init; } = true;
    public int Weight { get; init; } = 1;
    public string Tag { get; init; } = "";
    public string Note { get; init; } = "";
    /// <summary>TLS to an <c>https://</c> upstream (CONTRACT §8): a PEM bundle trusted instead of the system store.</summary>
    public string? TlsCaFile { get; init; }
    /// <summary>The certificates of <see cref="TlsCaFile"/>, read at load: the only roots trusted for this upstream.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2Collection? TlsCa { get; init; }
    public string? TlsServerName { get; init; }
    public bool TlsInsecure { get; init; }

    /// <summary>In rotation: enabled with a positive weight.</summary>
    public bool InRotation => Enabled && Weight > 0;
}

public sealed record HealthCheckConfig
{
    public bool Enabled { get; init; }
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(5);
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Consecutive failures that mark an upstream Unhealthy; 0 turns ejection off.</summary>
    public int FailureThreshold { get; init; } = 3;
    public int RecoveryThreshold { get; init; } = 1;
    /// <summary>
    /// How long a recovered upstream takes to ramp from 10% to its full share (slow start);
    /// zero, the default as in HAProxy, gives it its full share at once.
    /// </summary>
    public TimeSpan SlowStart { get; init; } = TimeSpan.Zero;
    public IReadOnlyList<string> Endpoints { get; init; } = [];
    public bool EndpointRotation { get; init; }
}

public sealed record LimitsConfig
{
    public int MaxConnections { get; init; } = 10_000;
    /// <summary>Concurrent connections one client IP may hold; 0 means no per-client cap.</summary>
    public int MaxConnectionsPerClient { get; init; }
    public TimeSpan HeaderTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(300);
    /// <summary>Longest a plain request's body may go without a byte from the client: then 408, the client's fault.</summary>
    public TimeSpan BodyTimeout { get; init; } = TimeSpan.FromSeconds(60);
    public int MaxHeaderBytes { get; init; } = 32 * 1024;
    public int MaxHeaderCount { get; init; } = Http.HeadParser.DefaultMaxHeaderCount;
}

public sealed record LoggingConfig
{
    public string Level { get; init; } = "Information";
    /// <summary>simple, json or systemd: the Console provider's formatters.</summary>
    public string Format { get; init; } = "simple";
}
