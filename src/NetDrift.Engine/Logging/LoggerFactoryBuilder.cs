using Microsoft.Extensions.Logging;
using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Logging;

/// <summary>Builds the Console logger a config's <c>logging</c> section asks for.</summary>
public static class LoggerFactoryBuilder
{
    /// <param name="level">Consulted on every log call, so a reload can change the level live.</param>
    public static ILoggerFactory Create(LoggingConfig logging, LogLevelSwitch? level = null) => LoggerFactory.Create(builder =>
    {
        level ??= new LogLevelSwitch(logging.Level);
        builder.SetMinimumLevel(LogLevel.Trace);
        builder.AddFilter((_, _, messageLevel) => level.IsEnabled(messageLevel));
        switch (logging.Format)
        {
            case "json":
                builder.AddJsonConsole(o => o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ");
                break;
            case "systemd":
                builder.AddSystemdConsole();
                break;
            default:
                builder.AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.TimestampFormat = "HH:mm:ss ";
                });
                break;
        }
    });
}
