namespace NetDrift.Engine.Configuration;

/// <summary>Collects config errors, attaching the line of each field from the source text.</summary>
internal sealed class ConfigErrorSink
{
    private readonly JsonLineMap? _lines;
    private readonly List<ConfigError> _errors = [];

    public ConfigErrorSink(JsonLineMap? lines) => _lines = lines;

    public IReadOnlyList<ConfigError> Errors => _errors;

    /// <summary>The config file's folder, that relative file paths in it are taken from; null: the current directory.</summary>
    public string? Folder { get; init; }

    /// <summary><paramref name="path"/> as the config means it: a relative one from <see cref="Folder"/>.</summary>
    public string FromFolder(string path) =>
        Folder is null || Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(Folder, path));

    public void Add(string path, string message) => _errors.Add(new ConfigError(path, _lines?.LineOf(path), message));
}
