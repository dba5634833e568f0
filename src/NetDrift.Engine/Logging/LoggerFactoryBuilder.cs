using Microsoft.Extensions.Logging;
using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Logging;

/// <summary>Builds the Console logger a config's <c>logging</c> section asks for.</summary>
public static class LoggerFactoryBuilder
{
    public static ILoggerFactory Create(LoggingConfig logging) => LoggerFactory.Create(builder =>
    {
        builder.SetMinimumLevel(Enum.Parse<LogLevel>(logging.Level, ignoreCase: true));
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
