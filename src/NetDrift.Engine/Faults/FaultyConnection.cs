using System.Buffers;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using NetDrift.Engine.Http;
using NetDrift.Engine.Tls;

namespace NetDrift.Engine.Faults;

/// <summary>
/// One client of a faulty proxy, from accept to close: delay, roll the dice, read the request,
/// check credentials, then misbehave as the fault says. Takes the options current at accept, so
/// a live <see cref="FaultyProxy.Update"/> changes new connections, never one halfway through.
/// </summary>
internal sealed class FaultyConnection
{
    private const int MaxHeadBytes = 32 * 1024;
    private static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(10);

    private readonly FaultDice _dice;
    private readonly string _remote;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly X509Certificate2? _certificate;
    private Socket? _upstream;
    private int _aborted;

    /// <param name="certificate">Speak TLS with it (an Https faulty proxy); null for plain HTTP.</param>
    public FaultyConnection(long id, Socket client, FaultyProxyOptions options, FaultDice dice, ILogger logger, string proxyName, CancellationToken stopping,
        X509Certificate2? certificate = null)
    {
        Id = id;
        Client = client;
        ClientTransport = client;
        _certificate = certificate;
        Options = options;
        _dice = dice;
        Logger = logger;
        ProxyName = proxyName;
        Stopping = stopping;
        _remote = RemoteText(client);
    }

    public long Id { get; }

    public Socket Client { get; }

    /// <summary>How bytes move to the client: the socket, or TLS over it once an Https proxy's handshake is done.</summary>
    public Transport ClientTransport { get; private set; }

    public FaultyProxyOptions Options { get; }

    public ILogger Logger { get; }

    public string ProxyName { get; }

    /// <summary>Cancelled when the proxy stops.</summary>
    public CancellationToken Stopping { get; }

    /// <summary>Completes once the connection is closed; never faults.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Serves the connection to its end; never throws.</summary>
    public async Task RunAsync(Action<FaultyConnection> onClosed)
    {
        var outcome = "closed";
        try
        {
            outcome = await HandleAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            outcome = Stopping.IsCancellationRequested ? "proxy stopped" : "connection lost";
        }
        catch (Exception e)
        {
            FaultyProxyLog.Unexpected(Logger, e, ProxyName, Id);
            outcome = "failed";
        }
        finally
        {
            Abort();
            FaultyProxyLog.Ended(Logger, ProxyName, Id, outcome);
            onClosed(this);
            _completion.TrySetResult();
        }
    }

    /// <summary>The socket to the target; closed with the connection, even if that already happened.</summary>
    public void AttachUpstream(Socket upstream)
    {
        Volatile.Write(ref _upstream, upstream);
        if (Volatile.Read(ref _aborted) == 1)
        {
            upstream.Dispose();
        }
    }

    /// <summary>Closes both sockets: pending I/O fails and the handler winds down.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) == 1)
        {
            return;
        }
        Client.Dispose();
        ClientTransport.Tls?.Dispose();
        Interlocked.Exchange(ref _upstream, null)?.Dispose();
    }

    public Task AnswerAndCloseAsync(byte[] answer) => SocketAnswer.AnswerAndCloseAsync(ClientTransport, answer);

    private async Task<string> HandleAsync()
    {
        await DelayAsync(Options.Latency).ConfigureAwait(false);
        var fault = _dice.Strikes(Options.FailureRate) ? Options.Fault : FaultType.None;
        FaultyProxyLog.Accepted(Logger, ProxyName, Id, _remote, fault);
        switch (fault)
        {
            case FaultType.Timeout:
                await DiscardUntilClosedAsync().ConfigureAwait(false);
                return "held without an answer until the client left";
            case FaultType.Refuse:
                // Only a connection that slipped in as the listener closed lands here: an
                // immediate reset is as close to a refusal as an accepted socket can get.
                Reset();
                return "reset (refusing)";
        }
        if (Options.Protocol == FaultyProxyProtocol.Socks5)
        {
            return await FaultySocks5Session.RunAsync(this, fault, HeadTimeout, DelayAsync, Reset, _dice.Garbage).ConfigureAwait(false);
        }
        if (_certificate is not null)
        {
            var tls = await TlsServerHandshake.AcceptAsync(Client, _certificate, ReadOnlyMemory<byte>.Empty, HeadTimeout, Stopping).ConfigureAwait(false);
            if (tls is null)
            {
                return "TLS handshake failed";
            }
            ClientTransport = new Transport(Client, tls);
        }

        RequestHead? request;
        byte[] leftover;
        using (var received = new SocketInput(ClientTransport))
        {
            var (status, headLength) = await received.ReadHeadAsync(MaxHeadBytes, HeadTimeout, Stopping, expectSoon: true).ConfigureAwait(false);
            if (fault == FaultType.Reset)
            {
                Reset();
                return "reset after the request";
            }
            if (status != HeadReadStatus.Complete)
            {
                if (status == HeadReadStatus.TooLarge)
                {
                    await RefuseAsync(StatusResponses.HeaderTooLarge, 431, "head too large").ConfigureAwait(false);
                }
                return $"no request ({status})";
            }
            var error = HeadParser.TryParseRequest(received.Buffered[..headLength], HeadParser.DefaultMaxHeaderCount, out request);
            if (error != HeadParseError.None)
            {
                await (error == HeadParseError.TooLarge
                    ? RefuseAsync(StatusResponses.HeaderTooLarge, 431, "too many headers")
                    : RefuseAsync(StatusResponses.BadRequest, 400, "malformed request")).ConfigureAwait(false);
                return "bad request";
            }
            // Copied out so a long tunnel does not pin the pooled head buffer.
            leftover = received.Buffered[headLength..].ToArray();
        }

        if (fault == FaultType.Slow)
        {
            await DelayAsync(Options.Latency).ConfigureAwait(false);
        }
        if (Options.RequiresAuthentication && !IsAuthorized(request!))
        {
            await RefuseAsync(StatusResponses.ProxyAuthenticationRequired, 407, "missing or wrong credentials").ConfigureAwait(false);
            return "answered 407";
        }
        return fault switch
        {
            FaultType.BadGateway => await AnswerAsync(FaultResponses.BadGateway, "answered 502").ConfigureAwait(false),
            FaultType.InternalError => await AnswerAsync(FaultResponses.InternalError, "answered 500").ConfigureAwait(false),
            FaultType.Status => await AnswerAsync(FaultResponses.ForStatus(Options.StatusCode), $"answered {Options.StatusCode}").ConfigureAwait(false),
            FaultType.Garbage => await AnswerAsync(_dice.Garbage(), "answered garbage").ConfigureAwait(false),
            _ => await TargetForwarder.ForwardAsync(this, request!, leftover, fault).ConfigureAwait(false),
        };
    }

    /// <summary>Latency plus a fresh random share of Jitter.</summary>
    private Task DelayAsync(TimeSpan latency)
    {
        var delay = latency + _dice.Jitter(Options.Jitter);
        return delay > TimeSpan.Zero ? Task.Delay(delay, Stopping) : Task.CompletedTask;
    }

    private bool IsAuthorized(RequestHead request) =>
        BasicCredentials.TryParse(request.Headers.Get("Proxy-Authorization"), out var given)
        && given.FixedTimeEquals(new BasicCredentials(Options.UserName!, Options.Password!));

    private async Task<string> AnswerAsync(byte[] answer, string outcome)
    {
        await AnswerAndCloseAsync(answer).ConfigureAwait(false);
        return outcome;
    }

    private Task RefuseAsync(byte[] answer, int status, string reason)
    {
        FaultyProxyLog.Refused(Logger, ProxyName, Id, status, reason);
        return AnswerAndCloseAsync(answer);
    }

    // For the log only: a client that reset while queued has no peer address left to read.
    private static string RemoteText(Socket client)
    {
        try
        {
            return client.RemoteEndPoint?.ToString() ?? "?";
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return "?";
        }
    }

    /// <summary>A zero linger time makes the close send RST instead of FIN.</summary>
    private void Reset()
    {
        try
        {
            Client.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already gone: nothing left to reset.
        }
        Abort();
    }

    /// <summary>Reads and drops whatever arrives until the client closes; a buffer is held only while bytes are there.</summary>
    private async Task DiscardUntilClosedAsync()
    {
        while (true)
        {
            await Client.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, Stopping).ConfigureAwait(false);
            var buffer = ArrayPool<byte>.Shared.Rent(4096);
            try
            {
                if (await Client.ReceiveAsync(buffer, SocketFlags.None, Stopping).ConfigureAwait(false) == 0)
                {
                    return;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
