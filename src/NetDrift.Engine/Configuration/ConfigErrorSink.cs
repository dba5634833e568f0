namespace NetDrift.Engine.Configuration;

/// <summary>Collects config errors, attaching the line of each field from the source text.</summary>
internal sealed class ConfigErrorSink
{
    private readonly JsonLineMap? _lines;
    private readonly List<ConfigError> _errors = [];

    public ConfigErrorSink(JsonLineMap? lines) => _lines = lines;

    public IReadOnlyList<ConfigError> Errors => _errors;

    public void Add(string path, string message) => _errors.Add(new ConfigError(path, _lines?.LineOf(path), message));
}
