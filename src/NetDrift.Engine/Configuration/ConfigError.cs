namespace NetDrift.Engine.Configuration;

/// <summary>One problem in a config: the JSON path of the field, its line when known, and what is wrong.</summary>
public sealed record ConfigError(string Path, int? Line, string Message)
{
    public override string ToString() => Line is { } line ? $"{Path} (line {line}): {Message}" : $"{Path}: {Message}";
}
