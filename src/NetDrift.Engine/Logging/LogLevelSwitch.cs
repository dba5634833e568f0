using Microsoft.Extensions.Logging;

namespace NetDrift.Engine.Logging;

/// <summary>The minimum log level, changeable while the proxy runs (a config reload may change it).</summary>
public sealed class LogLevelSwitch
{
    private int _level;

    public LogLevelSwitch(string level) => Set(level);

    public LogLevel Level => (LogLevel)Volatile.Read(ref _level);

    public void Set(string level) => Volatile.Write(ref _level, (int)Enum.Parse<LogLevel>(level, ignoreCase: true));

    public bool IsEnabled(LogLevel level) => level != LogLevel.None && level >= Level;
}
