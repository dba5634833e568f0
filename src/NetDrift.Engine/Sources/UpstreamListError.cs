namespace NetDrift.Engine.Sources;

/// <summary>One bad line of an upstream list: its 1-based number and what is wrong (no password echoed).</summary>
public sealed record UpstreamListError(int Line, string Message)
{
    public override string ToString() => $"line {Line}: {Message}";
}
