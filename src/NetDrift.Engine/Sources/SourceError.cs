namespace NetDrift.Engine.Sources;

/// <summary>
/// A source that failed to load or parse (CONTRACT §9: ProxyInfo.SourceErrors): where it is (path,
/// or URL with credentials hidden), what went wrong, when; <see cref="Line"/> is the first bad line
/// of a list that did not parse. Cleared when the source loads again.
/// </summary>
public sealed record SourceError(string Source, string Error, DateTimeOffset At, int? Line = null)
{
    public override string ToString() => $"{Source}: {Error}";
}
