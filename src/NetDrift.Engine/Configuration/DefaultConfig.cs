namespace NetDrift.Engine.Configuration;

/// <summary>
/// The config a proxy starts from when no file is given: listen on 127.0.0.1:3130 and balance over
/// three local test proxies on 3025-3027 (what the demo starts). Embedded so it always exists.
/// </summary>
public static class DefaultConfig
{
    private const string ResourceName = "NetDrift.Engine.demo.json";

    public static string Json
    {
        get
        {
            using var stream = typeof(DefaultConfig).Assembly.GetManifestResourceStream(ResourceName)
                ?? throw new InvalidOperationException($"Embedded resource {ResourceName} is missing from the engine assembly.");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
    }

    public static NetDriftConfig Load() => ConfigLoader.Parse(Json, "(embedded default)");
}
