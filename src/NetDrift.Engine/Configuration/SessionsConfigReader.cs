namespace NetDrift.Engine.Configuration;

/// <summary>Reads and checks the <c>sessions</c> object; every error names its field.</summary>
internal static class SessionsConfigReader
{
    public static SessionsConfig Read(JsonObjectReader sessions, ConfigErrorSink sink)
    {
        var defaults = new SessionsConfig();
        var separator = sessions.String("separator", defaults.Separator)!;
        // ':' would be split by Basic auth first; whitespace never survives a client's login prompt.
        if (separator.Length == 0 || separator.Contains(':') || separator.Any(char.IsWhiteSpace))
        {
            sink.Add(sessions.FieldPath("separator"), $"must be a non-empty string without ':' or spaces, such as {defaults.Separator}, not '{separator}'");
            separator = defaults.Separator;
        }
        var result = new SessionsConfig
        {
            Enabled = sessions.Bool("enabled", defaults.Enabled),
            Separator = separator,
            Ttl = sessions.Seconds("ttl_seconds", defaults.Ttl, min: 1, max: 86_400 * 30),
            MaxSessions = sessions.Int("max_sessions", defaults.MaxSessions, min: 1, max: 10_000_000),
        };
        sessions.ReportUnknownFields();
        return result;
    }
}
