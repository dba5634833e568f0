using Microsoft.Extensions.Logging;
using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Sources;

/// <summary>
/// A proxy's <c>upstream_sources</c> at run time: reads each list (at start, every
/// refresh_seconds on the injected TimeProvider, and on demand), keeps the last good list of a
/// source that fails, and reports failures as <see cref="SourceError"/>s. It owns no pool: when a
/// list changes it raises <see cref="Changed"/>, and the proxy applies the lists through the same
/// pool diff a reload uses.
/// </summary>
internal sealed class UpstreamSources : IDisposable
{
    private readonly object _lock = new();
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly UpstreamListFetcher _fetcher;
    private UpstreamSourceState[] _states = [];
    private bool _timersRunning;
    private long _version;
    private bool _disposed;

    public UpstreamSources(IReadOnlyList<UpstreamSourceConfig> sources, TimeProvider time, ILogger logger, UpstreamListFetcher fetcher)
    {
        _time = time;
        _logger = logger;
        _fetcher = fetcher;
        _states = [.. sources.Select(s => new UpstreamSourceState(s))];
    }

    /// <summary>Raised after a timer's refresh changed a list (not after <see cref="RefreshAsync"/>: its caller applies).</summary>
    public Action? Changed { get; set; }

    /// <summary>The list of <paramref name="source"/>'s text, with its tag and weight; each upstream's note says where it came from.</summary>
    public static UpstreamList Parse(string text, UpstreamSourceConfig source) =>
        UpstreamListParser.Parse(text, source.Tag, source.Weight, $"from {source.Location}");

    /// <summary>Goes up whenever a source's list changes, so a caller can tell whether it applied the latest lists.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>One entry per failing source, in config order.</summary>
    public IReadOnlyList<SourceError> Errors
    {
        get
        {
            var states = Volatile.Read(ref _states);
            return [.. states.Select(s => s.Error).OfType<SourceError>()];
        }
    }

    /// <summary>
    /// Every source's upstreams in config order, except those whose name is in <paramref name="taken"/>
    /// (configured upstreams win) or came from an earlier source: those lines are skipped and logged.
    /// </summary>
    public IReadOnlyList<UpstreamConfig> Upstreams(IEnumerable<string> taken)
    {
        var names = new HashSet<string>(taken, StringComparer.OrdinalIgnoreCase);
        var upstreams = new List<UpstreamConfig>();
        foreach (var state in Volatile.Read(ref _states))
        {
            foreach (var upstream in state.List.Upstreams)
            {
                if (names.Add(upstream.Name))
                {
                    upstreams.Add(upstream);
                }
                else
                {
                    SourceLog.NameTaken(_logger, state.Config.Location, upstream.Name);
                }
            }
        }
        return upstreams;
    }

    /// <summary>
    /// Makes the set match a reloaded config: a source still listed keeps its last good list and
    /// error (re-tagged, re-weighted); new ones start empty; dropped ones stop.
    /// </summary>
    public void Configure(IReadOnlyList<UpstreamSourceConfig> sources)
    {
        lock (_lock)
        {
            var old = _states;
            if (old.Select(s => s.Config).SequenceEqual(sources))
            {
                return;
            }
            var next = sources.Select(s => old.FirstOrDefault(o => o.Key == Key(s))?.CarryTo(s) ?? new UpstreamSourceState(s)).ToArray();
            foreach (var state in old)
            {
                state.Dispose();
            }
            Volatile.Write(ref _states, next);
            if (_timersRunning)
            {
                StartTimersLocked();
            }
        }
    }

    /// <summary>Reads every source now, in parallel; true when any list changed.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        var results = await Task.WhenAll(Volatile.Read(ref _states).Select(s => RefreshAsync(s, cancellationToken))).ConfigureAwait(false);
        return results.Any(changed => changed);
    }

    /// <summary>Starts each source's refresh timer (the first read is the caller's).</summary>
    public void StartTimers()
    {
        lock (_lock)
        {
            _timersRunning = true;
            StartTimersLocked();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _timersRunning = false;
            foreach (var state in _states)
            {
                state.Dispose();
            }
        }
        _fetcher.Dispose();
    }

    private void StartTimersLocked()
    {
        foreach (var state in _states)
        {
            state.Timer ??= _time.CreateTimer(_ => _ = RefreshOnTimerAsync(state), null, state.Config.Refresh, state.Config.Refresh);
        }
    }

    private async Task RefreshOnTimerAsync(UpstreamSourceState state)
    {
        try
        {
            if (await RefreshAsync(state, CancellationToken.None).ConfigureAwait(false) && !_disposed && Volatile.Read(ref _states).Contains(state))
            {
                Changed?.Invoke();
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A timer callback has nobody to throw to; the source shows the failure.
            state.Error = new SourceError(state.Config.Location, e.Message, _time.GetUtcNow());
        }
    }

    /// <summary>Reads one source; a failure keeps the last good list and sets the error. True when the list changed.</summary>
    private async Task<bool> RefreshAsync(UpstreamSourceState state, CancellationToken cancellationToken)
    {
        await state.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            string text;
            try
            {
                text = await _fetcher.FetchAsync(state.Config, cancellationToken).ConfigureAwait(false);
            }
            catch (UpstreamListFetchException e)
            {
                Fail(state, e.Message, null);
                return false;
            }
            var list = Parse(text, state.Config);
            if (!list.IsValid)
            {
                Fail(state, string.Join("; ", list.Errors), list.Errors[0].Line);
                return false;
            }
            var hadError = state.Error is not null;
            state.Error = null;
            var changed = state.Accept(text, list);
            if (changed)
            {
                Interlocked.Increment(ref _version);
            }
            if (changed || hadError)
            {
                SourceLog.Loaded(_logger, state.Config.Location, list.Upstreams.Count);
            }
            return changed;
        }
        finally
        {
            state.Gate.Release();
        }
    }

    private void Fail(UpstreamSourceState state, string error, int? line)
    {
        // Logged when the error changes, not at every refresh of a source that stays down.
        if (state.Error?.Error != error)
        {
            SourceLog.Failed(_logger, state.Config.Location, error);
        }
        state.Error = new SourceError(state.Config.Location, error, _time.GetUtcNow(), line);
    }

    private static string Key(UpstreamSourceConfig source) => source.Path ?? source.Url!.AbsoluteUri;
}
