namespace NetDrift.Engine.Configuration;

/// <summary>
/// One entry of <c>upstream_sources</c> (CONTRACT §9): a list of upstream URLs kept in a file or
/// served over http(s), read again every <see cref="Refresh"/>. Exactly one of
/// <see cref="Path"/> and <see cref="Url"/> is set.
/// </summary>
public sealed record UpstreamSourceConfig
{
    public static readonly TimeSpan DefaultRefresh = TimeSpan.FromSeconds(60);

    /// <summary>The list file; absolute once loaded from a config file (relative paths are the config file's folder's).</summary>
    public string? Path { get; init; }

    /// <summary>An http:// or https:// URL serving the list; may carry credentials.</summary>
    public Uri? Url { get; init; }

    public TimeSpan Refresh { get; init; } = DefaultRefresh;

    /// <summary>The tag of every upstream this source lists.</summary>
    public string Tag { get; init; } = "";

    /// <summary>The weight of every upstream this source lists.</summary>
    public int Weight { get; init; } = 1;

    /// <summary>Where the list comes from, safe to show: the path, or the URL with credentials and query hidden.</summary>
    public string Location => Path ?? RedactUrl(Url!);

    /// <summary>
    /// The URL without its secrets: a password in the user part, and the query, where list
    /// providers put their API keys (<c>?token=...</c>).
    /// </summary>
    public static string RedactUrl(Uri url)
    {
        var builder = new UriBuilder(url);
        if (builder.Password.Length > 0)
        {
            builder.Password = "***";
        }
        if (builder.Query.Length > 1)
        {
            builder.Query = "***";
        }
        return builder.Uri.AbsoluteUri;
    }

    /// <summary>This source with a relative <see cref="Path"/> made absolute against <paramref name="folder"/>.</summary>
    public UpstreamSourceConfig RelativeTo(string folder) =>
        Path is null || System.IO.Path.IsPathRooted(Path) ? this : this with { Path = System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, Path)) };

    public override string ToString() => Location;
}
