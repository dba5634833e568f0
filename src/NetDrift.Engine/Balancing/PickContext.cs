using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Balancing;

/// <summary>
/// What a policy may consider besides the pool: who asks, which upstreams already failed this
/// request, the tag the user is pinned to, and the random draws (injected, so tests are exact).
/// </summary>
public readonly struct PickContext
{
    public PickContext(string clientKey, IReadOnlyCollection<Upstream>? exclude = null, bool allowUnhealthy = false,
        string? requiredTag = null, double rampDraw = 0, Random? random = null)
    {
        ClientKey = clientKey;
        Exclude = exclude;
        AllowUnhealthy = allowUnhealthy;
        RequiredTag = string.IsNullOrEmpty(requiredTag) ? null : requiredTag;
        RampDraw = rampDraw;
        Random = random ?? Random.Shared;
    }

    /// <summary>The user name, or the client IP without authentication: the sticky key.</summary>
    public string ClientKey { get; }

    public IReadOnlyCollection<Upstream>? Exclude { get; }

    /// <summary>Panic mode: every candidate is unhealthy, so take the least bad rather than none.</summary>
    public bool AllowUnhealthy { get; }

    /// <summary>The user is pinned to upstreams with this tag; null when not pinned.</summary>
    public string? RequiredTag { get; }

    /// <summary>A uniform draw in [0,1): a ramping upstream is eligible when its ramp factor exceeds it (0: never skip).</summary>
    public double RampDraw { get; }

    public Random Random { get; }

    public bool IsEligible(Upstream upstream) =>
        upstream.IsSelectable
        && (AllowUnhealthy || upstream.Health != UpstreamHealth.Unhealthy)
        && (RequiredTag is null || string.Equals(upstream.Config.Tag, RequiredTag, StringComparison.OrdinalIgnoreCase))
        && (Exclude is null || !Exclude.Contains(upstream))
        && (RampDraw <= 0 || upstream.RampFactor() > RampDraw);

    /// <summary>The same request, with the ramp draw dropped: when slow start would leave nothing.</summary>
    public PickContext WithoutRamp() => new(ClientKey, Exclude, AllowUnhealthy, RequiredTag, 0, Random);

    /// <summary>The same request in panic mode.</summary>
    public PickContext Panicking() => new(ClientKey, Exclude, allowUnhealthy: true, RequiredTag, 0, Random);
}
