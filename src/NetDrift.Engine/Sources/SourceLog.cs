using Microsoft.Extensions.Logging;

namespace NetDrift.Engine.Sources;

/// <summary>The log lines of upstream sources (event ids 700-709).</summary>
internal static partial class SourceLog
{
    [LoggerMessage(700, LogLevel.Information, "Upstream source {Source} loaded: {Upstreams} upstream(s)")]
    public static partial void Loaded(ILogger logger, string source, int upstreams);

    [LoggerMessage(701, LogLevel.Warning, "Upstream source {Source} failed, its last good list stays: {Error}")]
    public static partial void Failed(ILogger logger, string source, string error);

    [LoggerMessage(702, LogLevel.Warning, "Upstream source {Source} names upstream '{Upstream}', which is already configured or listed earlier: the line is skipped")]
    public static partial void NameTaken(ILogger logger, string source, string upstream);
}
