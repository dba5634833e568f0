namespace NetDrift.Engine.Stats;

/// <summary>Which span of time a statistics row covers.</summary>
public enum StatsWindow
{
    /// <summary>Since the proxy started, or since the last reset.</summary>
    Lifetime,
    /// <summary>The last 15 minutes, sliding by the minute.</summary>
    Recent,
}
