using Microsoft.Extensions.Logging;

namespace NetDrift.Engine.Configuration;

/// <summary>The one rule for a log level in the config file and in -LogLevel: a level name, not its number.</summary>
internal static class LogLevelName
{
    /// <summary>Null when <paramref name="name"/> is a level name; else the error to report under its field.</summary>
    public static string? Check(string name) =>
        Enum.TryParse<LogLevel>(name, ignoreCase: true, out _) && !int.TryParse(name, out _)
            ? null
            : $"must be one of {string.Join(", ", Enum.GetNames<LogLevel>())}, not '{name}'";
}
