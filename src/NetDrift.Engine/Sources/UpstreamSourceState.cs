using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Sources;

/// <summary>
/// One source at run time: its last good list (kept while the source fails), its current error,
/// and the refresh timer. Reads of a source never overlap, so an old answer never lands after a new one.
/// </summary>
internal sealed class UpstreamSourceState(UpstreamSourceConfig config) : IDisposable
{
    public UpstreamSourceConfig Config { get; } = config;

    /// <summary>Serialises reads of this source.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>The text of the last list that parsed; null until one did.</summary>
    public string? LastGoodText { get; private set; }

    /// <summary>The last good list, with this source's tag and weight; empty until one loaded.</summary>
    public UpstreamList List { get; private set; } = new([], []);

    public SourceError? Error { get; set; }

    public ITimer? Timer { get; set; }

    /// <summary>The key a reload matches sources by: the same file or URL keeps its state.</summary>
    public string Key => Config.Path ?? Config.Url!.AbsoluteUri;

    /// <summary>Takes <paramref name="text"/>'s list when it parses; true when the upstreams changed.</summary>
    public bool Accept(string text, UpstreamList list)
    {
        var changed = !list.SameUpstreams(List);
        LastGoodText = text;
        List = list;
        return changed;
    }

    /// <summary>This source's state carried to <paramref name="next"/>, its config in a reload.</summary>
    public UpstreamSourceState CarryTo(UpstreamSourceConfig next)
    {
        var carried = new UpstreamSourceState(next) { Error = Error };
        if (LastGoodText is { } text)
        {
            carried.Accept(text, UpstreamSources.Parse(text, next));
        }
        return carried;
    }

    public void Dispose() => Timer?.Dispose();
}
