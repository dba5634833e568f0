using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Tests.Sources;

/// <summary>Proxy configs on 127.0.0.1:0 with upstream_sources, and temporary list files.</summary>
internal static class SourceTestConfig
{
    /// <param name="sources">The body of the upstream_sources array.</param>
    /// <param name="upstreams">The body of upstream_proxies (may be empty).</param>
    public static NetDriftConfig Parse(string sources, string upstreams = "", string extra = "") => ConfigLoader.Parse(Json(sources, upstreams, extra));

    public static string Json(string sources, string upstreams = "", string extra = "") => $$"""
        {
          "server": { "name": "sources", "listen_address": "127.0.0.1:0" },
          {{extra}}
          "upstream_proxies": [ {{upstreams}} ],
          "upstream_sources": [ {{sources}} ],
          "logging": { "level": "Warning" }
        }
        """;

    /// <summary>A folder deleted on dispose.</summary>
    public sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("netdrift-sources-").FullName;

        public string File(string name, string content)
        {
            var path = System.IO.Path.Combine(Path, name);
            System.IO.File.WriteAllText(path, content);
            return path;
        }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
