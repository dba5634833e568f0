using System.Security.Cryptography;
using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Server;

/// <summary>
/// Watches a proxy's config file and reloads it after edits settle. Watches the folder, not the
/// file, so editors that save by writing a temp file and renaming it over are seen; a burst of
/// writes is debounced into one reload; a content hash skips saves that changed nothing; a slow
/// poll backs up the file-system events on file systems that drop them.
/// </summary>
internal sealed class ConfigFileWatcher : IDisposable
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    private readonly LiveReconfiguration _reconfiguration;
    private readonly string _path;
    private readonly FileSystemWatcher _watcher;
    private readonly Timer _debounce;
    private readonly Timer _poll;
    private readonly SemaphoreSlim _reloading = new(1, 1);
    private byte[] _appliedHash;
    private int _disposed;

    public ConfigFileWatcher(LiveReconfiguration reconfiguration, string path)
    {
        _reconfiguration = reconfiguration;
        _path = Path.GetFullPath(path);
        _appliedHash = HashOf(_path) ?? [];
        _debounce = new Timer(_ => _ = ReloadIfChangedAsync(), null, Timeout.Infinite, Timeout.Infinite);
        _poll = new Timer(_ => Schedule(), null, Poll, Poll);
        _watcher = new FileSystemWatcher(Path.GetDirectoryName(_path)!)
        {
            Filter = Path.GetFileName(_path),
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        _watcher.Changed += (_, _) => Schedule();
        _watcher.Created += (_, _) => Schedule();
        _watcher.Renamed += (_, _) => Schedule();
        _watcher.EnableRaisingEvents = true;
    }

    public string FilePath => _path;

    private void Schedule()
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            // Each event pushes the reload back: a burst of writes becomes one reload.
            try
            {
                _debounce.Change(Debounce, Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private async Task ReloadIfChangedAsync()
    {
        if (!await _reloading.WaitAsync(0).ConfigureAwait(false))
        {
            Schedule(); // a reload is running: look again once it is done
            return;
        }
        try
        {
            var hash = HashOf(_path);
            if (hash is null || hash.AsSpan().SequenceEqual(_appliedHash) || Volatile.Read(ref _disposed) == 1)
            {
                return; // Mid-rename (file briefly absent) or a save that changed nothing.
            }
            _appliedHash = hash;
            try
            {
                await _reconfiguration.ReloadAsync(_path, CancellationToken.None).ConfigureAwait(false);
            }
            catch (ConfigException)
            {
                // Already recorded in LastReloadError and logged; the running config stays.
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                _reconfiguration.RecordFailure(e.Message);
            }
        }
        finally
        {
            _reloading.Release();
        }
    }

    private static byte[]? HashOf(string path)
    {
        try
        {
            return SHA256.HashData(File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        _watcher.Dispose();
        _poll.Dispose();
        _debounce.Dispose();
    }
}
