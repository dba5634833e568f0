using Microsoft.Extensions.Time.Testing;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.Upstreams;

/// <summary>
/// The breaker's state is one record swapped atomically: concurrent outcomes and trial claims are
/// linearised, never mixed. The single-threaded rules are in <see cref="UpstreamHealthTests"/>.
/// </summary>
public sealed class CircuitBreakerTests
{
    private const int Threads = 8;
    private const int PerThread = 500;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));

    [Fact(Timeout = 30_000)]
    public async Task Record_ConcurrentFailures_OneTransitionFromUnknownToUnhealthy()
    {
        var breaker = new CircuitBreaker(_clock);
        var transitions = await RunConcurrentlyAsync(() => breaker.Record(false, failureThreshold: 3, recoveryThreshold: 1, TimeSpan.Zero));

        var only = Assert.Single(transitions);
        Assert.Equal((UpstreamHealth.Unknown, UpstreamHealth.Unhealthy), only);
        Assert.Equal(UpstreamHealth.Unhealthy, breaker.Health);
        // Every failure after the opening one counts as a failed trial: the back-off is at its cap.
        Assert.Equal(_clock.GetUtcNow() + CircuitBreaker.TrialBackoffMax, breaker.NextTrialAt);
    }

    [Fact(Timeout = 30_000)]
    public async Task Record_ConcurrentMixedOutcomes_EveryTransitionStartsWhereThePreviousEnded()
    {
        var breaker = new CircuitBreaker(_clock);
        var turn = 0;
        var transitions = await RunConcurrentlyAsync(() =>
            breaker.Record(Interlocked.Increment(ref turn) % 3 != 0, failureThreshold: 1, recoveryThreshold: 1, TimeSpan.Zero), perThread: 20_000);

        Assert.NotEmpty(transitions);
        Assert.All(transitions, t => Assert.NotEqual(t.Before, t.After));
        // One linear history: as many turns to Unhealthy as away from it, give or take the last.
        var down = transitions.Count(t => t.After == UpstreamHealth.Unhealthy);
        var up = transitions.Count(t => t.Before == UpstreamHealth.Unhealthy);
        Assert.InRange(down - up, 0, 1);
        Assert.Equal(down - up == 1, breaker.Health == UpstreamHealth.Unhealthy);
    }

    [Fact(Timeout = 30_000)]
    public async Task TryStartTrial_ManyClaimsAtOnce_OneWinsUntilAbandoned()
    {
        var breaker = new CircuitBreaker(_clock);
        breaker.Record(false, 1, 1, TimeSpan.Zero);
        _clock.Advance(CircuitBreaker.TrialBackoffBase);

        var wins = 0;
        await Task.WhenAll(Enumerable.Range(0, Threads).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                if (breaker.TryStartTrial())
                {
                    Interlocked.Increment(ref wins);
                }
            }
        })));

        Assert.Equal(1, wins);
        breaker.AbandonTrial();
        Assert.True(breaker.TryStartTrial());
        Assert.Equal(UpstreamHealth.Unhealthy, breaker.Health);
    }

    [Fact]
    public void Record_SuccessOnHealthy_AllocatesNothing()
    {
        var breaker = new CircuitBreaker(_clock);
        breaker.Record(true, 1, 1, TimeSpan.Zero);
        breaker.Record(true, 1, 1, TimeSpan.Zero);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            breaker.Record(true, 1, 1, TimeSpan.Zero);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(UpstreamHealth.Healthy, breaker.Health);
    }

    private static async Task<List<(UpstreamHealth Before, UpstreamHealth After)>> RunConcurrentlyAsync(
        Func<(UpstreamHealth Before, UpstreamHealth After)?> record, int perThread = PerThread)
    {
        var transitions = new System.Collections.Concurrent.ConcurrentQueue<(UpstreamHealth, UpstreamHealth)>();
        using var start = new Barrier(Threads);
        await Task.WhenAll(Enumerable.Range(0, Threads).Select(_ => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait(TimeSpan.FromSeconds(10));
            for (var i = 0; i < perThread; i++)
            {
                if (record() is { } change)
                {
                    transitions.Enqueue(change);
                }
            }
        }, TaskCreationOptions.LongRunning)));
        return [.. transitions];
    }
}
