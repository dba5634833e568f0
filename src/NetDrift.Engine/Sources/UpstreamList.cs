using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Sources;

/// <summary>What <see cref="UpstreamListParser"/> made of a list: its upstreams, or the lines that are wrong.</summary>
public sealed record UpstreamList(IReadOnlyList<UpstreamConfig> Upstreams, IReadOnlyList<UpstreamListError> Errors)
{
    public bool IsValid => Errors.Count == 0;

    /// <summary>True when both lists hold the same upstreams with the same settings, in the same order.</summary>
    public bool SameUpstreams(UpstreamList? other) =>
        other is not null && Upstreams.Count == other.Upstreams.Count
        && Upstreams.Zip(other.Upstreams).All(pair => Same(pair.First, pair.Second));

    private static bool Same(UpstreamConfig a, UpstreamConfig b) =>
        a.Name == b.Name && a.Url.Redacted == b.Url.Redacted && a.Url.ProxyAuthorization == b.Url.ProxyAuthorization
        && a.Weight == b.Weight && a.Tag == b.Tag && a.Enabled == b.Enabled && a.Note == b.Note;
}
