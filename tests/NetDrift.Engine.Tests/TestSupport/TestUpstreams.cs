using NetDrift.Engine.Configuration;
using NetDrift.Engine.Upstreams;

namespace NetDrift.Engine.Tests.TestSupport;

/// <summary>Builds in-memory upstreams and pools for policy tests (nothing is dialed).</summary>
internal static class TestUpstreams
{
    private static int _nextPort = 20000;

    public static Upstream Create(string name, int weight = 1, bool enabled = true, string tag = "", TimeProvider? time = null)
    {
        var port = Interlocked.Increment(ref _nextPort);
        Assert.True(UpstreamAddress.TryParse($"http://127.0.0.1:{port}", out var address, out _));
        return new Upstream(new UpstreamConfig { Url = address!, Name = name, Weight = weight, Enabled = enabled, Tag = tag }, time);
    }

    public static UpstreamPool Pool(params Upstream[] upstreams) => new(upstreams);

    /// <summary>Marks the upstream Unhealthy through passive health (one failure, threshold 1).</summary>
    public static Upstream MakeUnhealthy(Upstream upstream)
    {
        upstream.RecordOutcome(false, 1, 1);
        Assert.Equal(UpstreamHealth.Unhealthy, upstream.Health);
        return upstream;
    }
}
