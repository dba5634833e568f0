namespace NetDrift.Engine.Configuration;

/// <summary>A config that cannot be used. Carries every problem found, each naming its field.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string? source, IReadOnlyList<ConfigError> errors)
        : base(Describe(source, errors))
    {
        Source = source;
        Errors = errors;
    }

    /// <summary>The file the config came from, when it came from one.</summary>
    public new string? Source { get; }

    public IReadOnlyList<ConfigError> Errors { get; }

    private static string Describe(string? source, IReadOnlyList<ConfigError> errors)
    {
        var where = source is null ? "config" : $"config '{source}'";
        return errors.Count == 1
            ? $"Invalid {where}: {errors[0]}"
            : $"Invalid {where}: {errors.Count} problems:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", errors);
    }
}
