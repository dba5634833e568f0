namespace NetDrift.Engine.Configuration;

/// <summary>The access log's line format (CONTRACT §10).</summary>
public enum AccessLogFormat
{
    /// <summary>Squid's native format, so existing Squid log tools read it.</summary>
    Squid,
    /// <summary>One JSON object per line.</summary>
    Json,
}

/// <summary>
/// <c>access_log</c>: one line per tunnel, plain request, SOCKS5 connection and refusal. Absent
/// (null on <see cref="NetDriftConfig.AccessLog"/>) means no access log.
/// </summary>
public sealed record AccessLogConfig
{
    /// <summary>The path meaning standard output.</summary>
    public const string StandardOutput = "-";

    /// <summary>A file (relative to the config file's folder once loaded from a file) or <see cref="StandardOutput"/>.</summary>
    public required string Path { get; init; }

    public AccessLogFormat Format { get; init; } = AccessLogFormat.Squid;

    /// <summary>False leaves the user name out of every line (a privacy choice).</summary>
    public bool LogUser { get; init; } = true;

    public bool IsStandardOutput => Path == StandardOutput;

    /// <summary>A relative path read from a config file means next to that file, not the process's current folder.</summary>
    internal static NetDriftConfig ResolveAgainst(NetDriftConfig config, string configFile)
    {
        if (config.AccessLog is not { IsStandardOutput: false } log || System.IO.Path.IsPathRooted(log.Path))
        {
            return config;
        }
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(configFile))!;
        return config with { AccessLog = log with { Path = System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, log.Path)) } };
    }
}
