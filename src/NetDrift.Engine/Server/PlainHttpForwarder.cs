using System.Diagnostics;
using System.Net.Sockets;
using NetDrift.Engine.Http;
using NetDrift.Engine.Logging;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Tunnel;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Server;

/// <summary>
/// Plain HTTP (absolute-form) as a correct HTTP/1.1 forward proxy: each request balanced on its own
/// and sent to an upstream proxy over a pooled keep-alive connection (or a fresh one), bodies
/// streamed both ways with their framing checked (Content-Length, chunked with trailers,
/// close-delimited, HEAD/204/304 without body), 1xx interim answers passed on, and the client's
/// connection kept alive when both sides allow. Failover as for CONNECT until the first response
/// byte reached the client; once request body bytes went to an upstream, the request is not replayed.
/// </summary>
internal sealed class PlainHttpForwarder
{
    private readonly ProxyContext _proxy;

    public PlainHttpForwarder(ProxyContext proxy) => _proxy = proxy;

    /// <summary>Forwards one request; returns true when the client connection can carry another.</summary>
    public async Task<bool> ForwardAsync(ClientConnection connection, RequestHead request, SocketInput client, ClientIdentity identity)
    {
        var framing = BodyFraming.ForRequest(request.Headers);
        if (!framing.IsValid)
        {
            _proxy.Counters.Reject(RejectionCause.Malformed);
            AccessEntries.Refused(_proxy, connection, 400, nameof(RejectionCause.Malformed), request);
            ProxyLog.Refused(_proxy.Logger, identity.Key, 400, "ambiguous request framing");
            await SocketAnswer.AnswerAndCloseAsync(connection.Transport, StatusResponses.BadRequest).ConfigureAwait(false);
            return false;
        }
        var config = _proxy.Settings.Config;
        var attempts = new AttemptLoop(_proxy, identity, request.Target, AccessEntries.Begin(_proxy, connection, identity, request));
        var bodySent = false;
        while (!bodySent && attempts.Next() is { } upstream)
        {
            ExchangeOutcome outcome;
            try
            {
                outcome = await ExchangeAsync(connection, request, client, framing, upstream, attempts, config.UpstreamTimeout, identity.User).ConfigureAwait(false);
            }
            catch
            {
                // Any early exit must give the attempt's slot back, or a removed upstream drains forever.
                attempts.Abandon(upstream, "the exchange ended by an error inside NetDrift");
                _proxy.TryFinishDraining(upstream);
                throw;
            }
            switch (outcome.Kind)
            {
                case ExchangeKind.Served:
                    upstream.Counters.ConnectionClosed();
                    _proxy.TryFinishDraining(upstream);
                    attempts.Served(upstream);
                    return outcome.KeepClientAlive;
                case ExchangeKind.Cancelled:
                    attempts.Abandon(upstream);
                    _proxy.TryFinishDraining(upstream);
                    return false;
                case ExchangeKind.ClientGone:
                    // The client left mid-request: not the upstream's fault.
                    attempts.Abandon(upstream, "the client went away mid-request", cause: "ClientGone");
                    _proxy.TryFinishDraining(upstream);
                    return false;
                case ExchangeKind.ClientStalled:
                    // The request body stopped arriving: the client's fault, never the upstream's.
                    attempts.Abandon(upstream, "the client stalled its request body", 408, nameof(RejectionCause.BodyTimeout));
                    _proxy.TryFinishDraining(upstream);
                    _proxy.Counters.Reject(RejectionCause.BodyTimeout);
                    ProxyLog.Refused(_proxy.Logger, identity.Key, 408, $"no request body byte for {config.Limits.BodyTimeout.TotalSeconds:0.###} s");
                    await SocketAnswer.AnswerAndCloseAsync(connection.Transport, StatusResponses.RequestTimeout).ConfigureAwait(false);
                    return false;
                case ExchangeKind.LocalFailure:
                    // NetDrift could not even make a socket (out of descriptors): nobody upstream is to blame.
                    attempts.Abandon(upstream, "NetDrift could not make a socket", 503, nameof(RejectionCause.DescriptorsExhausted));
                    _proxy.TryFinishDraining(upstream);
                    await SocketAnswer.AnswerAndCloseAsync(connection.Transport, StatusResponses.ServiceUnavailable).ConfigureAwait(false);
                    return false;
                case ExchangeKind.BadRequestBody:
                    // A malformed chunked request body (a smuggling attempt or a broken client):
                    // the client's fault, answered at once instead of after the upstream timeout.
                    attempts.Abandon(upstream, "the client sent a malformed request body", 400, nameof(RejectionCause.Malformed));
                    _proxy.TryFinishDraining(upstream);
                    _proxy.Counters.Reject(RejectionCause.Malformed);
                    ProxyLog.Refused(_proxy.Logger, identity.Key, 400, "malformed request body");
                    await SocketAnswer.AnswerAndCloseAsync(connection.Transport, StatusResponses.BadRequest).ConfigureAwait(false);
                    return false;
                default:
                    attempts.Failed(upstream, outcome.Failure!);
                    // A request whose head reached an upstream is replayed only when it is idempotent
                    // and its body (if any) was not consumed (RFC 9110 §9.2.2).
                    bodySent = outcome.BodyStarted || (outcome.RequestWritten && !PlainHttpHeads.IsIdempotent(request.Method));
                    break;
            }
        }
        await SocketAnswer.AnswerAndCloseAsync(connection.Transport, attempts.FinalAnswer(connection)).ConfigureAwait(false);
        return false;
    }

    private enum ExchangeKind { Served, Failed, Cancelled, ClientGone, ClientStalled, BadRequestBody, LocalFailure }

    private sealed record ExchangeOutcome(ExchangeKind Kind, bool KeepClientAlive = false, AttemptResult? Failure = null, bool BodyStarted = false, bool RequestWritten = false);

    private async Task<ExchangeOutcome> ExchangeAsync(ClientConnection connection, RequestHead request, SocketInput client,
        BodyFraming framing, Upstream upstream, AttemptLoop attempts, TimeSpan timeout, Users.UserState? user)
    {
        var config = upstream.Config;
        var deadline = UpstreamDeadline.StartingNow(timeout);
        // A direct route speaks to the target itself: origin-form, a fresh connection each time.
        var direct = DirectConnector.IsDirect(config);
        var head = direct ? PlainHttpHeads.Request(request, null, originForm: true) : PlainHttpHeads.ForUpstream(config, request);
        var pooledAllowed = !direct;
        while (true)
        {
            UpstreamDial dial;
            try
            {
                dial = direct
                    ? await _proxy.Connectors.Direct.ConnectToAsync(request.Authority, deadline, _proxy.StoppingToken).ConfigureAwait(false)
                    : await _proxy.Connectors.ForRequestAsync(upstream, pooledAllowed, deadline, _proxy.StoppingToken, request.Authority).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return new ExchangeOutcome(ExchangeKind.Cancelled);
            }
            if (dial.Connection is not { } upstreamConnection)
            {
                return dial.IsLocalFailure
                    ? new ExchangeOutcome(ExchangeKind.LocalFailure)
                    : new ExchangeOutcome(ExchangeKind.Failed, Failure: dial.ToResult(deadline.Elapsed));
            }
            var reused = upstreamConnection.IdleSinceMilliseconds != 0;
            var outcome = await ExchangeOnAsync(connection, request, client, framing, upstream, attempts, upstreamConnection, head, deadline.Started, timeout, user).ConfigureAwait(false);
            if (outcome is null)
            {
                // The pooled connection was dead before it answered a single byte: once, for a
                // request that may be sent twice, try again on a fresh connection.
                upstreamConnection.Dispose();
                if (pooledAllowed && reused && PlainHttpHeads.IsIdempotent(request.Method) && !framing.HasBody)
                {
                    pooledAllowed = false;
                    continue;
                }
                return new ExchangeOutcome(ExchangeKind.Failed, Failure: AttemptResult.Failed(FailureCause.Reset, "closed without answering", deadline.Elapsed), RequestWritten: true);
            }
            return outcome;
        }
    }

    /// <summary>One request/response on one upstream connection; null when a reused connection proved dead before any answer.</summary>
    private async Task<ExchangeOutcome?> ExchangeOnAsync(ClientConnection connection, RequestHead request, SocketInput client, BodyFraming framing,
        Upstream upstream, AttemptLoop attempts, UpstreamConnection upstreamConnection, byte[] head, long started, TimeSpan timeout, Users.UserState? user)
    {
        // A user's bytes_per_second paces both bodies (shaped, never cut).
        var shapers = user is { Config.BytesPerSecond: > 0 } ? Users.UserTraffic.Shapers(user, _proxy.Counters, _proxy.StoppingToken) : default;
        var limits = _proxy.Settings.Config.Limits;
        var reused = upstreamConnection.IdleSinceMilliseconds != 0;
        var activity = new TunnelActivity(connection.Socket, upstreamConnection.Socket);
        connection.AttachTunnel(activity, upstream);
        var counter = connection.CountingFor(attempts.Counter(upstream));
        var keepUpstream = false;
        Task<BodyCopyResult>? body = null;
        // Cancelled when the request body ends by the client's doing (malformed, gone): waiting for
        // an answer to a request that was never completed would only end in the upstream timeout.
        // Not linked to stopping: a request in progress may finish during the drain, and the drain
        // timeout cuts it through the attached activity (a reset), as it cuts a tunnel.
        using var bodyFailed = new CancellationTokenSource();
        // The wait for the answer: upstream_timeout from the dial for a request without a body, and
        // from the body's last byte for one with a body (a slow upload is not the upstream's delay).
        using var answerDue = CancellationTokenSource.CreateLinkedTokenSource(bodyFailed.Token);
        try
        {
            try
            {
                await upstreamConnection.Transport.SendAsync(head).ConfigureAwait(false);
                counter.AddSent(head.Length);
            }
            catch (SocketException) when (reused)
            {
                return null;
            }
            catch (SocketException e)
            {
                return new ExchangeOutcome(ExchangeKind.Failed, Failure: AttemptResult.Failed(FailureCause.Reset, $"send failed: {e.SocketErrorCode}", Stopwatch.GetElapsedTime(started)), RequestWritten: true);
            }
            if (framing.HasBody)
            {
                // Streamed while the answer is awaited: an upstream may answer early (a 413), and
                // Expect: 100-continue clients send the body only after the interim answer.
                body = CopyRequestBodyAsync(client, upstreamConnection.Transport, framing, counter, activity, limits.BodyTimeout, timeout, user, shapers.ToUpstream);
                _ = body.ContinueWith(copy =>
                {
                    try
                    {
                        if (copy.IsCompletedSuccessfully && copy.Result == BodyCopyResult.Completed)
                        {
                            answerDue.CancelAfter(timeout);
                        }
                        else if (copy.IsCompletedSuccessfully && copy.Result != BodyCopyResult.DestinationClosed)
                        {
                            bodyFailed.Cancel();
                        }
                    }
                    catch (ObjectDisposedException)
                    {
                        // The exchange ended first.
                    }
                }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
            else
            {
                answerDue.CancelAfter(new UpstreamDeadline(started, timeout).Remaining);
            }

            ResponseHead response;
            var input = upstreamConnection.Input;
            while (true)
            {
                var (status, length) = await ReadAnswerHeadAsync(input, limits.MaxHeaderBytes, answerDue.Token, bodyFailed.Token).ConfigureAwait(false);
                if (status != HeadReadStatus.Complete)
                {
                    if (reused && body is null && status is HeadReadStatus.ClosedBeforeHead or HeadReadStatus.Reset)
                    {
                        return null;
                    }
                    var (cause, message) = UpstreamFailures.OfHeadRead(status, timeout);
                    return await FailAsync(cause, message).ConfigureAwait(false);
                }
                if (HeadParser.TryParseResponse(input.Buffered[..length], HeadParser.DefaultMaxHeaderCount, out var parsed) != HeadParseError.None)
                {
                    return await FailAsync(FailureCause.Protocol, "answered with something that is not HTTP").ConfigureAwait(false);
                }
                input.Consume(length);
                counter.AddReceived(length);
                if (parsed!.StatusCode is >= 100 and < 200 && parsed.StatusCode != 101)
                {
                    // Interim (100 Continue, 103 Early Hints): pass it on and wait for the final answer.
                    var interim = PlainHttpHeads.Response(parsed, null, keepAlive: null);
                    try
                    {
                        await connection.Transport.SendAsync(interim.AsMemory()).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is SocketException or ObjectDisposedException)
                    {
                        return new ExchangeOutcome(ExchangeKind.ClientGone);
                    }
                    continue;
                }
                response = parsed;
                break;
            }
            var responseFraming = BodyFraming.ForResponse(request.Method, response.StatusCode, response.Headers);
            if (!responseFraming.IsValid || response.StatusCode == 101)
            {
                return await FailAsync(FailureCause.Protocol, response.StatusCode == 101 ? "tried to switch protocols" : "answered with ambiguous framing").ConfigureAwait(false);
            }

            var latency = Stopwatch.GetElapsedTime(started);
            // An HTTP/1.0 client cannot read chunks: it gets the data alone, delimited by the close.
            var decodeChunked = responseFraming.Kind == BodyKind.Chunked && request.Version == "HTTP/1.0";
            var keepClient = PlainHttpHeads.ClientWantsKeepAlive(request) && responseFraming.Kind != BodyKind.UntilClose
                && !decodeChunked && _proxy.IsRunning;
            var exposed = _proxy.Settings.Config.ExposeUpstream ? upstream.Name : null;
            attempts.Succeeded(upstream, latency);
            attempts.Access?.Answered(response.StatusCode, response.Headers.Get("Content-Type"));
            ProxyLog.PlainServed(_proxy.Logger, request.Method, request.Target, upstream.Name, response.StatusCode, latency.TotalMilliseconds);

            try
            {
                await connection.Transport.SendAsync(PlainHttpHeads.Response(response, exposed, keepClient, decodeChunked).AsMemory()).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return new ExchangeOutcome(ExchangeKind.Served, KeepClientAlive: false);
            }
            var copied = await BodyCopier.CopyAsync(input, connection.Transport, responseFraming, Users.UserTraffic.Count(counter.AddReceived, user, toUpstream: false),
                activity, CancellationToken.None, decodeChunked, shaper: shapers.ToClient).ConfigureAwait(false);
            var responseComplete = copied == BodyCopyResult.Completed
                || (responseFraming.Kind == BodyKind.UntilClose && copied == BodyCopyResult.SourceClosed);
            if (!responseComplete)
            {
                if (copied == BodyCopyResult.Malformed)
                {
                    upstream.Counters.ResponseMalformed("malformed chunked response body");
                }
                if (copied is BodyCopyResult.Malformed or BodyCopyResult.SourceClosed)
                {
                    // A cut transfer is a reset (CONTRACT §10): a clean close would pass a truncated
                    // body (de-chunked for HTTP/1.0, delimited by the close) off as a whole one.
                    activity.Abort(RelayResult.Aborted);
                }
                return new ExchangeOutcome(ExchangeKind.Served, KeepClientAlive: false);
            }
            if (body is not null)
            {
                // The answer is complete. One that followed the whole body can be relayed before the
                // copy's task has finished (its last send returned, its continuation not yet run):
                // give it a moment. A body still flowing after that (an early 413) cannot be reconciled.
                var bodyDone = body.IsCompleted
                    || await Task.WhenAny(body, Task.Delay(EngineDefaults.RequestBodySettleTime)).ConfigureAwait(false) == body;
                if (!bodyDone || await body.ConfigureAwait(false) != BodyCopyResult.Completed)
                {
                    return new ExchangeOutcome(ExchangeKind.Served, KeepClientAlive: false);
                }
            }
            keepUpstream = responseFraming.Kind != BodyKind.UntilClose && PlainHttpHeads.UpstreamKeepsAlive(response) && upstreamConnection.Input.BufferedCount == 0;
            return new ExchangeOutcome(ExchangeKind.Served, KeepClientAlive: keepClient);

            async Task<ExchangeOutcome> FailAsync(FailureCause cause, string message)
            {
                if (activity.AbortReason is not null)
                {
                    // NetDrift cut it (drain timeout, idle sweep): not the upstream's fault.
                    return new ExchangeOutcome(ExchangeKind.Cancelled);
                }
                var bodyStarted = body is not null;
                if (body is not null && body.IsCompleted && BodyFault(await body.ConfigureAwait(false), started, timeout) is { } fault)
                {
                    return fault;
                }
                return new ExchangeOutcome(ExchangeKind.Failed, Failure: AttemptResult.Failed(cause, message, Stopwatch.GetElapsedTime(started)), BodyStarted: bodyStarted, RequestWritten: true);
            }
        }
        catch (OperationCanceledException) when (activity.AbortReason is null && body is { IsCompletedSuccessfully: true } && BodyFault(body.Result, started, timeout) is { } fault)
        {
            return fault;
        }
        catch (OperationCanceledException)
        {
            return new ExchangeOutcome(ExchangeKind.Cancelled);
        }
        finally
        {
            connection.DetachTunnel();
            if (keepUpstream && upstream.State == UpstreamState.Active && !DirectConnector.IsDirect(upstream.Config))
            {
                upstream.Connections.Return(upstreamConnection);
            }
            else
            {
                upstreamConnection.Dispose();
            }
        }
    }

    /// <summary>Streams the request body, each read bounded by body_timeout (the client's side) and each write by upstream_timeout.</summary>
    private static async Task<BodyCopyResult> CopyRequestBodyAsync(SocketInput client, Transport upstreamSide, BodyFraming framing,
        IByteCounter counter, TunnelActivity activity, TimeSpan bodyTimeout, TimeSpan upstreamTimeout, Users.UserState? user, IRelayShaper? shaper)
    {
        using var deadlines = new BodyDeadlines(read: bodyTimeout, write: upstreamTimeout);
        return await BodyCopier.CopyAsync(client, upstreamSide, framing, Users.UserTraffic.Count(counter.AddSent, user, toUpstream: true), activity,
            CancellationToken.None, deadlines: deadlines, shaper: shaper).ConfigureAwait(false);
    }

    /// <summary>Reads the upstream's answer head until <paramref name="answerDue"/>; its firing alone (not the body's failure) is a timeout.</summary>
    private static async ValueTask<(HeadReadStatus Status, int Length)> ReadAnswerHeadAsync(SocketInput input, int maxHeaderBytes,
        CancellationToken answerDue, CancellationToken bodyFailed)
    {
        try
        {
            return await input.ReadHeadAsync(maxHeaderBytes, Timeout.InfiniteTimeSpan, answerDue, expectSoon: true).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!bodyFailed.IsCancellationRequested)
        {
            return (HeadReadStatus.TimedOut, 0);
        }
    }

    /// <summary>Who is to blame when the request body ended badly; null when it did not.</summary>
    private static ExchangeOutcome? BodyFault(BodyCopyResult result, long started, TimeSpan timeout) => result switch
    {
        BodyCopyResult.Malformed => new ExchangeOutcome(ExchangeKind.BadRequestBody),
        BodyCopyResult.SourceClosed => new ExchangeOutcome(ExchangeKind.ClientGone),
        BodyCopyResult.TimedOut => new ExchangeOutcome(ExchangeKind.ClientStalled),
        BodyCopyResult.DestinationTimedOut => new ExchangeOutcome(ExchangeKind.Failed,
            Failure: AttemptResult.Failed(FailureCause.Timeout, $"took no request body byte for {timeout.TotalSeconds:0.###} s", Stopwatch.GetElapsedTime(started)),
            BodyStarted: true, RequestWritten: true),
        _ => null,
    };
}
