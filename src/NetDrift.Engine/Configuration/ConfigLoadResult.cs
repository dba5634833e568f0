namespace NetDrift.Engine.Configuration;

/// <summary>
/// What <see cref="ConfigSource.LoadAsync"/> found: the config ready to apply, or the step that
/// refused it and every problem, each naming its field (or start parameter).
/// </summary>
public sealed record ConfigLoadResult
{
    /// <summary>The config with the start parameters applied; null when <see cref="Failure"/> is set.</summary>
    public NetDriftConfig? Config { get; init; }

    /// <summary>The file read; null for the embedded default.</summary>
    public string? Path { get; init; }

    public ConfigLoadFailure Failure { get; init; }

    public IReadOnlyList<ConfigError> Errors { get; init; } = [];

    public bool IsValid => Failure == ConfigLoadFailure.None;

    /// <summary>The problems as one exception; a start parameter's problem is not the file's, so it names no file.</summary>
    public ConfigException ToException() =>
        new(Failure == ConfigLoadFailure.InvalidOverrides ? null : Path, Errors);

    /// <summary>The config, or <see cref="ToException"/> thrown.</summary>
    public NetDriftConfig GetConfigOrThrow() => IsValid ? Config! : throw ToException();
}
