using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Balancing;

/// <summary>What a policy may consider besides the pool: who asks, and which upstreams already failed this request.</summary>
public readonly struct PickContext
{
    public PickContext(string clientKey, IReadOnlyCollection<Upstream>? exclude = null, bool allowUnhealthy = false)
    {
        ClientKey = clientKey;
        Exclude = exclude;
        AllowUnhealthy = allowUnhealthy;
    }

    /// <summary>The user name, or the client IP without authentication: the sticky key.</summary>
    public string ClientKey { get; }

    public IReadOnlyCollection<Upstream>? Exclude { get; }

    /// <summary>Panic mode: every candidate is unhealthy, so take the least bad rather than none.</summary>
    public bool AllowUnhealthy { get; }

    public bool IsEligible(Upstream upstream) =>
        upstream.IsSelectable
        && (AllowUnhealthy || upstream.Health != UpstreamHealth.Unhealthy)
        && (Exclude is null || !Exclude.Contains(upstream));
}
