using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace NetDrift.Engine.Faults;

/// <summary>
/// A test upstream proxy that misbehaves on purpose (CONTRACT §6), for Pester suites that need to
/// see how a client or a balancing proxy copes. Behaviour changes live through <see cref="Update"/>;
/// counters are lock-free; the listener lifecycle (Refuse, stop) is rare and takes a lock.
/// </summary>
public sealed class FaultyProxy : IAsyncDisposable
{
    /// <summary>How long a stop waits for connections after closing their sockets; they end at once unless something is badly wrong.</summary>
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(5);

    private readonly object _gate = new();
    private readonly IPEndPoint _endPoint;
    private readonly ILogger _logger;
    private readonly FaultDice _dice;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<long, FaultyConnection> _open = new();
    private readonly List<Task> _acceptLoops = [];
    private FaultyProxyOptions _options;
    private FaultyListener? _listener;
    private Task? _stopTask;
    private long _connections;
    private long _active;

    private FaultyProxy(string name, FaultyProxyOptions options, IPEndPoint endPoint, ILogger logger, Random? random)
    {
        Name = name;
        _options = options;
        _endPoint = endPoint;
        _logger = logger;
        _dice = new FaultDice(random);
        Protocol = options.Protocol;
        if (Protocol == FaultyProxyProtocol.Https)
        {
            (Certificate, CertificatePath) = FaultyProxyCertificate.Create(name);
        }
        Url = UrlFor(Protocol switch { FaultyProxyProtocol.Socks5 => "socks5", FaultyProxyProtocol.Https => "https", _ => "http" }, endPoint.Address, endPoint.Port);
    }

    public FaultyProxyProtocol Protocol { get; }

    /// <summary>With <see cref="FaultyProxyProtocol.Https"/>: its self-signed certificate (PEM) in a temporary file, for clients to trust; else null.</summary>
    public string? CertificatePath { get; }

    internal System.Security.Cryptography.X509Certificates.X509Certificate2? Certificate { get; }

    public string Name { get; }

    /// <summary>The real port; with <see cref="FaultType.Refuse"/>, a port that was free and on which nothing listens.</summary>
    public int Port => _endPoint.Port;

    /// <summary><c>http://host:port</c> (<c>https://</c> for Https, <c>socks5://</c> for Socks5), with a wildcard address shown as loopback (where a local client reaches it).</summary>
    public string Url { get; }

    /// <summary>The current options.</summary>
    public FaultyProxyOptions Options => Volatile.Read(ref _options);

    public FaultType Fault => Options.Fault;

    /// <summary>Connections accepted since start.</summary>
    public long Connections => Interlocked.Read(ref _connections);

    public long ActiveConnections => Interlocked.Read(ref _active);

    /// <summary>True until stopped, refusing or not.</summary>
    public bool IsRunning => Volatile.Read(ref _stopTask) is null;

    /// <summary>
    /// <see cref="Start(string, FaultyProxyOptions, int, IPAddress?, ILogger?, Random?)"/> on loopback without a
    /// logger, for callers that must not name a Microsoft.Extensions.Logging type: the cmdlet assembly,
    /// which loads outside the engine's private AssemblyLoadContext.
    /// </summary>
    public static FaultyProxy Start(string name, FaultyProxyOptions options, int port) => Start(name, options, port, address: null);

    /// <summary>Validates, binds (port 0 = a free one) and starts serving.</summary>
    /// <exception cref="ArgumentException">A bad name, port or option (its ParamName says which).</exception>
    /// <exception cref="SocketException">The port is taken.</exception>
    public static FaultyProxy Start(string name, FaultyProxyOptions options, int port = 0, IPAddress? address = null, ILogger? logger = null, Random? random = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, IPEndPoint.MinPort);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        options.Validate();
        address ??= IPAddress.Loopback;
        logger ??= NullLogger.Instance;

        FaultyProxy proxy;
        if (options.Fault == FaultType.Refuse)
        {
            port = FaultyListener.ReservePort(new IPEndPoint(address, port));
            proxy = new FaultyProxy(name, options, new IPEndPoint(address, port), logger, random);
        }
        else
        {
            var listener = FaultyListener.Open(new IPEndPoint(address, port), logger, name);
            proxy = new FaultyProxy(name, options, new IPEndPoint(address, listener.Port), logger, random);
            proxy.Adopt(listener);
        }
        FaultyProxyLog.Started(logger, name, proxy.Port, options.ToString());
        return proxy;
    }

    /// <summary>
    /// Changes behaviour live for new connections. Switching to <see cref="FaultType.Refuse"/> closes
    /// the listener (the port is kept); switching away listens again on the same port.
    /// </summary>
    /// <exception cref="SocketException">Leaving Refuse, the port was taken meanwhile; nothing changed.</exception>
    public void Update(FaultyProxyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options = options with { Protocol = Protocol };
        options.Validate();
        lock (_gate)
        {
            if (_stopTask is not null)
            {
                throw new InvalidOperationException($"Faulty proxy '{Name}' is stopped.");
            }
            var refuse = options.Fault == FaultType.Refuse;
            if (refuse && _listener is not null)
            {
                _listener.Close();
                _listener = null;
            }
            else if (!refuse && _listener is null)
            {
                // Bind before swapping: if the port is gone, the proxy stays as it was.
                Adopt(FaultyListener.Open(_endPoint, _logger, Name));
            }
            Volatile.Write(ref _options, options);
        }
        FaultyProxyLog.Updated(_logger, Name, options.ToString());
    }

    /// <summary>Closes the listener and every open connection, then waits for them to wind down. Idempotent.</summary>
    public Task StopAsync()
    {
        lock (_gate)
        {
            // Run outside the lock: cancelling resumes connection code inline, which has no business under it.
            return _stopTask ??= Task.Run(StopCoreAsync);
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private static string UrlFor(string scheme, IPAddress address, int port)
    {
        var host = address.Equals(IPAddress.Any) ? IPAddress.Loopback
            : address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : address;
        // The port always shows, even 80: scripts split Url and expect it.
        return host.AddressFamily == AddressFamily.InterNetworkV6 ? $"{scheme}://[{host}]:{port}" : $"{scheme}://{host}:{port}";
    }

    private void Adopt(FaultyListener listener)
    {
        lock (_gate)
        {
            listener.Start(OnAccepted);
            _listener = listener;
            _acceptLoops.RemoveAll(loop => loop.IsCompleted);
            _acceptLoops.Add(listener.Completion);
        }
    }

    private void OnAccepted(Socket socket)
    {
        try
        {
            socket.NoDelay = true;
        }
        catch (SocketException)
        {
            // Reset while queued: the handler's first read finds out.
        }
        var id = Interlocked.Increment(ref _connections);
        Interlocked.Increment(ref _active);
        var connection = new FaultyConnection(id, socket, Options, _dice, _logger, Name, _stopping.Token, Certificate);
        _open[id] = connection;
        _ = Task.Run(() => connection.RunAsync(OnClosed));
    }

    private void OnClosed(FaultyConnection connection)
    {
        _open.TryRemove(connection.Id, out _);
        Interlocked.Decrement(ref _active);
    }

    private async Task StopCoreAsync()
    {
        FaultyListener? listener;
        Task[] loops;
        lock (_gate)
        {
            listener = _listener;
            _listener = null;
            loops = _acceptLoops.ToArray();
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        listener?.Close();

        // No accept loop runs after this, so no connection can register behind the sweep below.
        await Task.WhenAll(loops).ConfigureAwait(false);
        foreach (var connection in _open.Values)
        {
            connection.Abort();
        }
        var pending = _open.Values.Select(c => c.Completion).ToArray();
        try
        {
            await Task.WhenAll(pending).WaitAsync(StopWait).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            FaultyProxyLog.StopTimedOut(_logger, Name, pending.Count(t => !t.IsCompleted));
        }
        FaultyProxyLog.Stopped(_logger, Name, Connections);
        FaultyProxyCertificate.Delete(CertificatePath);
    }
}
