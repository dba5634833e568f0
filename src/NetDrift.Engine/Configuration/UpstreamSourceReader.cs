using System.Text.Json;

namespace NetDrift.Engine.Configuration;

/// <summary>Reads <c>upstream_sources</c>; every error names its field (<c>upstream_sources[1].url</c>).</summary>
internal static class UpstreamSourceReader
{
    /// <summary>refresh_seconds below this would hammer a provider's server.</summary>
    public const double MinRefreshSeconds = 1;

    public static IReadOnlyList<UpstreamSourceConfig> Read(JsonObjectReader root, ConfigErrorSink sink)
    {
        var sources = new List<UpstreamSourceConfig>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (element, path) in root.Array("upstream_sources") ?? [])
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                sink.Add(path, $"must be an object with a path or a url, not {JsonObjectReader.Describe(element)}");
                continue;
            }
            var reader = new JsonObjectReader(element, path, sink);
            var file = reader.String("path");
            var url = reader.String("url");
            var refresh = reader.Seconds("refresh_seconds", UpstreamSourceConfig.DefaultRefresh, min: MinRefreshSeconds, max: 86_400);
            var tag = reader.String("tag", "")!;
            var weight = reader.Int("weight", 1, min: 0, max: UpstreamConfig.MaxWeight);
            reader.ReportUnknownFields();
            if ((file is null) == (url is null))
            {
                sink.Add(file is null ? reader.FieldPath("path") : reader.FieldPath("url"), "give exactly one of path (a file) and url (http:// or https://)");
                continue;
            }
            var source = new UpstreamSourceConfig { Refresh = refresh, Tag = tag, Weight = weight };
            if (file is not null)
            {
                if (file.Trim().Length == 0)
                {
                    sink.Add(reader.FieldPath("path"), "must not be empty");
                    continue;
                }
                source = source with { Path = file };
            }
            else if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                sink.Add(reader.FieldPath("url"), $"must be an http:// or https:// URL, not '{UpstreamAddress.RedactText(url!)}'");
                continue;
            }
            else
            {
                source = source with { Url = uri };
            }
            if (!seen.Add(source.Path ?? source.Url!.AbsoluteUri))
            {
                sink.Add(path, $"lists {source.Location} a second time");
                continue;
            }
            sources.Add(source);
        }
        return sources;
    }

    /// <summary><paramref name="config"/> with every relative source path made absolute against <paramref name="folder"/>.</summary>
    public static NetDriftConfig RelativeTo(NetDriftConfig config, string folder) =>
        config.UpstreamSources.Count == 0 ? config : config with { UpstreamSources = [.. config.UpstreamSources.Select(s => s.RelativeTo(folder))] };
}
