using System.Text;
using NetDrift.Engine.Http;
using NetDrift.Engine.Logging;
using NetDrift.Engine.Stats;
using NetDrift.Engine.Tunnel;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Server;

/// <summary>
/// The retry bookkeeping shared by CONNECT and plain HTTP: which upstream to try next (never one
/// already tried), how each attempt is counted, and what the client hears when all failed.
/// Each attempt holds one active-connection slot on its upstream from dial until it is closed.
/// Every decision is written down, so one Debug line per request explains its routing.
/// </summary>
internal sealed class AttemptLoop
{
    private readonly ProxyContext _proxy;
    private readonly string _target;
    private readonly string? _requiredTag;
    private readonly Routing.CompiledRoute? _routeRule;
    private readonly string? _tagConflict;
    private readonly string? _session;
    private readonly StringBuilder _route = new();
    private readonly List<Upstream> _tried = new(3);
    private readonly int _maxAttempts;
    private readonly int _retriesOnTargetError;
    private FailureCause? _lastFailure;
    private Upstream? _succeeded;
    // Upstreams that said the target failed (CONTRACT §7): blamed only if another one reaches it.
    private List<(Upstream Upstream, string Message)>? _targetFailures;
    private int _targetStatus;
    private byte? _targetSocks5Code;

    public AttemptLoop(ProxyContext proxy, ClientIdentity client, string target, AccessExchange? access = null)
    {
        Access = access;
        _proxy = proxy;
        ClientKey = client.Key;
        _session = client.Session;
        _target = target;
        _routeRule = client.Route;
        (_requiredTag, _tagConflict) = RouteTags.Combine(client, out var note);
        _route.Append(note);
        _maxAttempts = RouteTags.IsDirect(client) ? 1 : 1 + proxy.Settings.Config.Retries;
        _retriesOnTargetError = proxy.Settings.Config.RetriesOnTargetError;
    }

    /// <summary>Who the client is, as balancing and the log name it.</summary>
    public string ClientKey { get; }

    /// <summary>The access-log line of this exchange; null while the log is off.</summary>
    public AccessExchange? Access { get; }

    /// <summary>Where an attempt's bytes are counted: the upstream's counters, and the access-log line's.</summary>
    public IByteCounter Counter(Upstream upstream) => Access?.Over(upstream.Counters) ?? upstream.Counters;

    /// <summary>The exchange is over, served by <paramref name="upstream"/>: its access-log line.</summary>
    public void Served(Upstream upstream) => Access?.Finish(upstream.Name, _tried.Count);

    /// <summary>The next upstream to try, counted as an attempt; null when done.</summary>
    public Upstream? Next()
    {
        if (_tried.Count >= _maxAttempts || _targetFailures?.Count > _retriesOnTargetError)
        {
            return null;
        }
        if (_tagConflict is not null)
        {
            return null;
        }
        var trial = false;
        var upstream = RouteTags.IsDirect(_routeRule) ? _proxy.Direct : _proxy.PickUpstream(ClientKey, _tried, _requiredTag, out trial, _session);
        if (upstream is null)
        {
            return null;
        }
        if (trial)
        {
            _route.Append("(trial of unhealthy) ");
        }
        if (_tried.Count == 0 && _session is not null && _proxy.Settings.Config.Sessions.Enabled)
        {
            _route.Append("session ").Append(_session).Append("; ");
        }
        _tried.Add(upstream);
        upstream.Counters.AttemptStarted();
        upstream.Counters.ConnectionOpened();
        return upstream;
    }

    public void Succeeded(Upstream upstream, TimeSpan latency)
    {
        _succeeded = upstream;
        upstream.Counters.AttemptSucceeded(latency);
        if (upstream != _proxy.Direct)
        {
            _proxy.RecordOutcome(upstream, success: true, "answered");
        }
        // Another upstream reached the target: the ones that called it unreachable were wrong.
        foreach (var (wrong, message) in _targetFailures ?? [])
        {
            _proxy.RecordOutcome(wrong, success: false, $"{FailureCause.UpstreamStatus}: {message}, yet {upstream.Name} reached the target");
        }
        ProxyLog.Routed(_proxy.Logger, ClientKey, _target, Tried(), upstream.Name);
    }

    public void Failed(Upstream upstream, AttemptResult result)
    {
        var failure = result.Failure ?? UpstreamFailures.OfAnswer(result.Response!);
        var message = !result.Succeeded ? result.Message
            : result.Socks5TargetCode is not null ? result.Response!.ReasonPhrase : $"answered {result.Response!.StatusCode}";
        _lastFailure = failure;
        _route.Append(upstream.Name).Append(" failed (").Append(failure).Append(": ").Append(message).Append("); ");
        upstream.Counters.AttemptFailed(failure, message);
        upstream.Counters.ConnectionClosed();
        ProxyLog.AttemptFailed(_proxy.Logger, upstream.Name, _target, failure, message);
        if (failure == FailureCause.TargetUnreachable)
        {
            // The target's fault until another upstream proves otherwise: no passive health now,
            // and a half-open trial is neither won nor lost by it.
            (_targetFailures ??= new(2)).Add((upstream, message));
            _targetStatus = result.Response!.StatusCode;
            _targetSocks5Code = result.Socks5TargetCode;
            upstream.AbandonTrial();
        }
        else if (upstream != _proxy.Direct)
        {
            _proxy.RecordOutcome(upstream, success: false, $"{failure}: {message}");
        }
        _proxy.TryFinishDraining(upstream);
    }

    /// <summary>
    /// Gives the attempt's slot back and blames nobody (the proxy stopped or cut, the client left or
    /// stalled): counted as Cancelled with <paramref name="reason"/>. An attempt already counted a
    /// success (its answer had begun) stays one: an attempt is counted once.
    /// </summary>
    /// <param name="answered">The status NetDrift answers the client next (0: none), for the access log, with <paramref name="cause"/>.</param>
    public void Abandon(Upstream upstream, string reason = "the proxy stopped", int answered = 0, string cause = nameof(FailureCause.Cancelled))
    {
        Access?.Finish(_succeeded?.Name, _tried.Count, answered, cause);
        if (_succeeded == upstream)
        {
            upstream.Counters.ConnectionClosed();
            _proxy.TryFinishDraining(upstream);
            return;
        }
        upstream.Counters.AttemptFailed(FailureCause.Cancelled, reason);
        upstream.Counters.ConnectionClosed();
        upstream.AbandonTrial();
    }

    /// <summary>The status <see cref="FinalAnswer"/> gave (0 before).</summary>
    public int FinalStatus { get; private set; }

    /// <summary>With <see cref="FinalAnswer"/>: the SOCKS5 upstream's own code when every attempt failed for the target and the last said one.</summary>
    public byte? FinalSocks5TargetCode { get; private set; }

    public byte[] FinalAnswer(ClientConnection connection)
    {
        var (answer, status) = _tried.Count == 0
            ? (StatusResponses.ServiceUnavailable, 503)
            : _targetFailures?.Count == _tried.Count
                ? TargetAnswer(_targetStatus)
                : _lastFailure == FailureCause.Timeout
                    ? (StatusResponses.GatewayTimeout, 504)
                    : (StatusResponses.BadGateway, 502);
        FinalStatus = status;
        FinalSocks5TargetCode = _tried.Count > 0 && _targetFailures?.Count == _tried.Count ? _targetSocks5Code : null;
        Access?.Finish(null, _tried.Count, status, _tried.Count == 0 ? "NoUpstream" : _lastFailure?.ToString() ?? nameof(FailureCause.TargetUnreachable));
        ProxyLog.AllAttemptsFailed(_proxy.Logger, connection.RemoteAddress.ToString(), _target, status);
        ProxyLog.Routed(_proxy.Logger, ClientKey, _target, Tried(), _tried.Count == 0
            ? $"nobody ({status}: {_tagConflict ?? (_requiredTag is null ? "no upstream available" : $"no upstream with tag {_requiredTag} available")})"
            : $"nobody ({status})");
        return answer;
    }

    /// <summary>Every attempt failed for the target: the client hears what the upstream said.</summary>
    private static (byte[] Answer, int Status) TargetAnswer(int status) => status switch
    {
        503 => (StatusResponses.ServiceUnavailable, 503),
        504 => (StatusResponses.GatewayTimeout, 504),
        _ => (StatusResponses.BadGateway, 502),
    };

    private string Tried() => _route.Length == 0 ? "nothing failed" : _route.ToString().TrimEnd(' ', ';');

}
