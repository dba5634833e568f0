using System.Collections.Concurrent;
using System.Globalization;
using NetDrift.Engine.Configuration;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Health;

/// <summary>
/// Active health checks of one proxy (health_check, CONTRACT §3). Every interval each upstream
/// that is not draining — disabled and weight-0 ones too, so their health stays known — is probed
/// through itself (<see cref="HealthProbe"/>), at most one probe per upstream at a time. A result
/// feeds the same health state as live traffic (<see cref="PassiveHealth"/>), so
/// failure_threshold and recovery_threshold count checks and requests alike; probes are counted
/// apart from client statistics (<see cref="Upstream.HealthProbes"/>). The interval timer comes
/// from the proxy's <see cref="TimeProvider"/>, so tests drive rounds with a fake clock.
/// </summary>
public sealed class HealthChecker
{
    /// <summary>
    /// How long past timeout_seconds a probe is waited for before it is judged failed anyway: a
    /// resolver that ignores cancellation must not stall the checks. Its slot stays taken until it ends.
    /// </summary>
    private static readonly TimeSpan StuckGrace = TimeSpan.FromSeconds(1);

    /// <summary>How long stopping waits for cancelled probes to unwind.</summary>
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(5);

    private readonly ProxyContext _proxy;
    private readonly object _gate = new();
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private ITimer? _timer;
    private CancellationTokenSource? _run;
    private TimeSpan _interval;
    private bool _stopped;

    internal HealthChecker(ProxyContext proxy) => _proxy = proxy;

    /// <summary>True while checks run (health_check.enabled and the proxy not stopped).</summary>
    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _timer is not null;
            }
        }
    }

    /// <summary>The interval in force; null when checks are off.</summary>
    public TimeSpan? Interval
    {
        get
        {
            lock (_gate)
            {
                return _timer is null ? null : _interval;
            }
        }
    }

    /// <summary>
    /// Starts, adjusts or stops the checks for <paramref name="config"/>, which the proxy has just
    /// put in force. Starting probes every upstream at once, then every interval; a new interval
    /// counts from now. Endpoints, timeout and thresholds are read afresh each round.
    /// </summary>
    internal void Apply(HealthCheckConfig config)
    {
        CancellationTokenSource? cancel = null;
        CancellationToken firstRound = default;
        var start = false;
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }
            if (!config.Enabled)
            {
                cancel = StopLocked();
            }
            else if (_timer is null)
            {
                var run = new CancellationTokenSource();
                var token = run.Token;
                _run = run;
                _interval = config.Interval;
                _timer = _proxy.Time.CreateTimer(_ => RunRound(token), null, config.Interval, config.Interval);
                firstRound = token;
                start = true;
            }
            else if (config.Interval != _interval)
            {
                _interval = config.Interval;
                _timer.Change(config.Interval, config.Interval);
                HealthCheckLog.IntervalChanged(_proxy.Logger, _proxy.Name, config.Interval);
            }
        }
        if (cancel is not null)
        {
            // Outside the lock: cancelling resumes probe code inline.
            cancel.Cancel();
            HealthCheckLog.Stopped(_proxy.Logger, _proxy.Name);
        }
        if (start)
        {
            var targets = HealthProbeTarget.ParseAll(config.Endpoints);
            HealthCheckLog.Started(_proxy.Logger, _proxy.Name, config.Interval, config.Timeout,
                targets.Count == 0 ? HealthProbeTarget.TcpConnect.Display
                    : string.Join(", ", targets.Select(t => t.Display)) + (config.EndpointRotation && targets.Count > 1 ? " (rotating)" : ""));
            RunRound(firstRound);
        }
    }

    /// <summary>Stops for good (the proxy is stopping): no new round, running probes cancelled and awaited briefly.</summary>
    internal async Task StopAsync()
    {
        CancellationTokenSource? cancel;
        lock (_gate)
        {
            _stopped = true;
            cancel = StopLocked();
        }
        if (cancel is not null)
        {
            cancel.Cancel();
            HealthCheckLog.Stopped(_proxy.Logger, _proxy.Name);
        }
        var pending = _running.Keys.ToArray();
        if (pending.Length > 0)
        {
            try
            {
                await Task.WhenAll(pending).WaitAsync(StopWait).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // A probe stuck in a resolver: it ends on its own and records nothing.
            }
        }
    }

    /// <summary>Drops the timer; returns the run to cancel (outside the lock), if checks were on.</summary>
    private CancellationTokenSource? StopLocked()
    {
        if (_timer is null)
        {
            return null;
        }
        _timer.Dispose();
        _timer = null;
        var run = _run;
        _run = null;
        return run;
    }

    /// <summary>One interval: a probe for each upstream not draining whose previous probe has ended.</summary>
    private void RunRound(CancellationToken token)
    {
        // A timer callback that throws ends the process: nothing may escape.
        try
        {
            var config = _proxy.Settings.Config;
            var health = config.HealthCheck;
            if (token.IsCancellationRequested || !health.Enabled)
            {
                return;
            }
            var targets = HealthProbeTarget.ParseAll(health.Endpoints);
            foreach (var upstream in _proxy.Pool.All)
            {
                if (upstream.State == UpstreamState.Draining)
                {
                    continue;
                }
                var state = upstream.HealthProbes;
                if (!state.TryBegin())
                {
                    HealthCheckLog.Skipped(_proxy.Logger, upstream.Name);
                    continue;
                }
                var target = targets.Count == 0 ? HealthProbeTarget.TcpConnect
                    : health.EndpointRotation ? targets[state.NextEndpoint(targets.Count)]
                    : targets[0];
                var timeout = health.Timeout;
                var maxHeaderBytes = config.Limits.MaxHeaderBytes;
                // On the thread pool: the timer's thread (the test's, with a fake clock) only starts them.
                var probe = Task.Run(() => ProbeAsync(upstream, state, target, timeout, maxHeaderBytes, token), CancellationToken.None);
                _running.TryAdd(probe, 0);
                _ = probe.ContinueWith(static (t, running) =>
                {
                    _ = t.Exception; // Observed, should logging itself ever fail.
                    ((ConcurrentDictionary<Task, byte>)running!).TryRemove(t, out _);
                }, _running, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
        catch (Exception e)
        {
            HealthCheckLog.Unexpected(_proxy.Logger, e, "(round)");
        }
    }

    private async Task ProbeAsync(Upstream upstream, HealthProbeState state, HealthProbeTarget target, TimeSpan timeout, int maxHeaderBytes, CancellationToken token)
    {
        Task<HealthProbeResult?>? probe = null;
        try
        {
            probe = HealthProbe.RunAsync(_proxy.Connectors, upstream.Config, target, timeout, maxHeaderBytes, _proxy.Time, token);
            HealthProbeResult? result;
            try
            {
                result = await probe.WaitAsync(timeout + StuckGrace, token).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                result = new HealthProbeResult(_proxy.Time.GetUtcNow(), false, timeout + StuckGrace, target.Display,
                    string.Create(CultureInfo.InvariantCulture, $"{target.Display} failed (Timeout): no answer within {timeout.TotalSeconds:0.###}s"));
            }
            if (token.IsCancellationRequested)
            {
                return; // Checks stopped meanwhile: the result no longer speaks for anyone.
            }
            if (result is null)
            {
                HealthCheckLog.Probed(_proxy.Logger, upstream.Name, "not probed: NetDrift could not make a socket", 0);
                return; // Out of descriptors here: that says nothing of the upstream.
            }
            state.Record(result);
            HealthCheckLog.Probed(_proxy.Logger, upstream.Name, result.Message, result.Latency.TotalMilliseconds);
            _proxy.RecordOutcome(upstream, result.Succeeded, "health check: " + result.Message);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The checks or the proxy stopped: not the upstream's fault.
        }
        catch (Exception e)
        {
            HealthCheckLog.Unexpected(_proxy.Logger, e, upstream.Name);
        }
        finally
        {
            if (probe is null || probe.IsCompleted)
            {
                _ = probe?.Exception;
                state.End();
            }
            else
            {
                // Judged already, still running: the slot frees only when it really ends.
                _ = probe.ContinueWith(static (t, s) =>
                {
                    _ = t.Exception;
                    ((HealthProbeState)s!).End();
                }, state, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }
}
