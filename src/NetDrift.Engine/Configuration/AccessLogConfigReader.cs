namespace NetDrift.Engine.Configuration;

/// <summary>Reads the <c>access_log</c> section; errors name the field.</summary>
internal static class AccessLogConfigReader
{
    public static AccessLogConfig Read(JsonObjectReader section, ConfigErrorSink sink)
    {
        var path = section.String("path");
        if (string.IsNullOrWhiteSpace(path))
        {
            sink.Add(section.FieldPath("path"), "is required: a file such as access.log, or - for standard output");
            path = AccessLogConfig.StandardOutput;
        }
        else if (path.IndexOfAny(System.IO.Path.GetInvalidPathChars()) >= 0)
        {
            sink.Add(section.FieldPath("path"), "contains characters a path cannot have");
        }
        var formatName = section.String("format", "squid")!;
        var format = formatName switch
        {
            "squid" => AccessLogFormat.Squid,
            "json" => AccessLogFormat.Json,
            _ => (AccessLogFormat?)null,
        };
        if (format is null)
        {
            sink.Add(section.FieldPath("format"), $"must be squid or json, not '{formatName}'");
        }
        var logUser = section.Bool("log_user", true);
        section.ReportUnknownFields();
        return new AccessLogConfig { Path = path, Format = format ?? AccessLogFormat.Squid, LogUser = logUser };
    }
}
